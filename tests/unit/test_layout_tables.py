"""Tag-premultiplied table columns (TT·TX, TT·TY) never wrap in int64: products that could leave
its range are computed as field elements (issue #12)."""

from __future__ import annotations

import numpy as np

from ezk import _native
from ezk.graph.forward import forward
from ezk.graph.ir import Graph, Node
from ezk.layout import lay_out
from ezk.layout.gates import tagged
from ezk.plonk import mock
from ezk.settings import RunArgs
from tests.graph_nodes import node_adder

R = _native.MODULUS


def test_tagged_is_exact_in_the_field():
    tt = np.array([1, 7, 7, 300], np.int64)
    small = np.array([5, -3, 2, 9], np.int64)
    assert np.array_equal(tagged(tt, small), tt * small)
    big = np.array([1 << 62, -(1 << 62), (1 << 63) - 1, -(1 << 63)], np.int64)
    out = tagged(tt, big)
    assert isinstance(out, _native.FrVec)
    assert out.to_ints() == [int(a) * int(b) % R for a, b in zip(tt, big)]
    wrapped = [(int(a) * int(b) + (1 << 63)) % (1 << 64) - (1 << 63) for a, b in zip(tt, big)]
    assert any(w != int(a) * int(b) for w, a, b in zip(wrapped, tt, big))  # int64 would wrap


def test_gather_over_large_fixed_data_is_proven_without_wrapping():
    """A private-index gather over a fixed tensor holding values near 2^62: its table column
    TT·TY leaves int64 for tags ≥ 2, and the honest witness still satisfies every lookup."""
    nodes: list[Node] = []

    add = node_adder(nodes)

    ids = add("input", [], (3,), 0, {"index": 0, "visibility": "private", "bound_bits": 16})
    data = np.array([[1 << 61, -(1 << 61) + 3], [(1 << 62) - 1, 5], [-(1 << 62), 7]], np.int64)
    table = add("const", [], data.shape, 0, {"visibility": "fixed"}, {"value": data})
    g = add("gather", [table, ids], (3, 2), 0, {"axis": 0})
    graph = Graph(nodes=nodes, inputs=[ids], outputs=[g], input_names=["ids"], output_names=["y"])
    laid = lay_out(graph, RunArgs(logrows=13, lookup_range=[-256, 256]), forward(graph, [np.array([2, 0, -1])]))
    assert any(isinstance(v, _native.FrVec) for v in laid.circuit.fixed.values())
    assert mock(laid.circuit, laid.witness) == []
    assert np.array_equal(laid.instances[0], data[[2, 0, 2]].reshape(-1))
