"""Table columns over large fixed data never wrap in int64 (issue #12): the banks hold raw x and y
(the tag is the lookup's weight, ezk.plonk.lookup), so no tag product is ever formed."""

from __future__ import annotations

import numpy as np

from ezk.graph.forward import forward
from ezk.graph.ir import Graph, Node
from ezk.layout import lay_out
from ezk.plonk import mock
from ezk.settings import RunArgs
from tests.graph_nodes import node_adder


def test_gather_over_large_fixed_data_is_proven_without_wrapping():
    """A private-index gather over a fixed tensor holding values near 2^62 (a tag product TT·TY
    would leave int64 for tags ≥ 2): the bank's TY holds them exactly, and the honest witness
    satisfies every lookup."""
    nodes: list[Node] = []

    add = node_adder(nodes)

    ids = add("input", [], (3,), 0, {"index": 0, "visibility": "private", "bound_bits": 16})
    data = np.array([[1 << 61, -(1 << 61) + 3], [(1 << 62) - 1, 5], [-(1 << 62), 7]], np.int64)
    table = add("const", [], data.shape, 0, {"visibility": "fixed"}, {"value": data})
    g = add("gather", [table, ids], (3, 2), 0, {"axis": 0})
    graph = Graph(nodes=nodes, inputs=[ids], outputs=[g], input_names=["ids"], output_names=["y"])
    laid = lay_out(graph, RunArgs(logrows=13, lookup_range=[-256, 256]), forward(graph, [np.array([2, 0, -1])]))
    ty = np.concatenate([np.asarray(v) for c, v in laid.circuit.fixed.items() if c.name.endswith("_ty")])
    assert ty.dtype == np.int64 and set(data.reshape(-1).tolist()) <= set(ty.tolist())
    assert mock(laid.circuit, laid.witness) == []
    assert np.array_equal(laid.instances[0], data[[2, 0, 2]].reshape(-1))
