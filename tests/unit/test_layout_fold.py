"""Constant inputs of a fixed-weight contraction (zero fills of padded or strided convolutions,
constants an index map brings in) fold into the bias and take no cells: the honest witness
passes, every changed cell is rejected, and fewer rows are used than materialising them."""

from __future__ import annotations

import numpy as np

from ezk.graph.forward import forward
from ezk.graph.ir import Graph, Node
from ezk.layout import lay_out
from ezk.layout.mutate import mutation_check
from ezk.plonk import mock
from ezk.settings import RunArgs


def padded_graph(fill: int) -> Graph:
    rng = np.random.default_rng(4)
    nodes: list[Node] = []

    def add(op, inputs, shp, scale, attrs=None, arrays=None):
        nodes.append(Node(len(nodes), op, list(inputs), dict(attrs or {}), tuple(shp), scale,
                          onnx_name=f"/n{len(nodes)}/{op}", onnx_op=op, arrays=dict(arrays or {})))
        return len(nodes) - 1

    x = add("input", [], (3, 4), 7, {"index": 0, "visibility": "private", "bound_bits": 23})
    # pad each row with fills: [f, x0, f, x1, x2, f, f, x3, f, f, f, f] (the last group all fill)
    idx = np.full((4, 12), -1)
    for r in range(3):
        idx[r, [1, 3, 4, 7]] = r * 4 + np.arange(4)
    p = add("index_map", [x], (4, 12), 7, {"kind": "pad", "fill": fill}, {"index": idx})
    w = add("const", [], (12, 5), 7, {"visibility": "fixed"}, {"value": rng.integers(-40, 40, size=(12, 5))})
    y = add("einsum", [p, w], (4, 5), 14, {"equation": "ij,jk->ik"})
    return Graph(nodes=nodes, inputs=[x], outputs=[y], input_names=["x"], output_names=["y"])


def test_constant_inputs_fold_into_the_bias():
    for fill in (0, 3):
        g = padded_graph(fill)
        x = np.random.default_rng(1).integers(-100, 100, size=(3, 4))
        tr = forward(g, [x])
        laid = lay_out(g, RunArgs(logrows=13, lookup_range=[-256, 256]), tr)
        assert mock(laid.circuit, laid.witness) == []
        assert np.array_equal(laid.instances[0], tr.values[g.outputs[0]].reshape(-1))
        total = int(sum(m.sum() for m in laid.assigned))
        n, accepted = mutation_check(laid, count=total, seed=1)
        assert accepted == []
        # the 12 inputs' cells and their range checks aside, 4 live inputs per group (one
        # chain row of a ≥ 4 inputs) and no cell for any fill
        leaf_rows = [np.flatnonzero(rn == g.inputs[0]) for rn in laid.row_node]
        leaf = int(sum(m[r].sum() for m, r in zip(laid.assigned, leaf_rows)))
        assert total - leaf <= 2 * (4 * 4 + 4 * 5) + 20 and leaf <= 12 * (2 + 2 * 6)  # limbs of ≥ 4 bits


def test_input_elements_nothing_reads_are_still_range_checked():
    """A strided slice reads half of the input: the other half feeds no gate, yet every input
    cell is the output of its range check, so no free cell is left (none is dead) and changing
    any cell, read or not, is rejected."""
    nodes: list[Node] = []

    def add(op, inputs, shp, scale, attrs=None, arrays=None):
        nodes.append(Node(len(nodes), op, list(inputs), dict(attrs or {}), tuple(shp), scale,
                          onnx_name=f"/n{len(nodes)}/{op}", onnx_op=op, arrays=dict(arrays or {})))
        return len(nodes) - 1

    x = add("input", [], (3, 8), 7, {"index": 0, "visibility": "private", "bound_bits": 23})
    sl = add("index_map", [x], (3, 4), 7, {"kind": "slice", "fill": 0},
             {"index": np.arange(24).reshape(3, 8)[:, ::2].copy()})
    w = add("const", [], (4, 2), 7, {"visibility": "fixed"}, {"value": np.array([[1, 2], [3, 4], [5, 6], [7, 8]])})
    y = add("einsum", [sl, w], (3, 2), 14, {"equation": "ij,jk->ik"})
    g = Graph(nodes=nodes, inputs=[x], outputs=[y], input_names=["x"], output_names=["y"])
    tr = forward(g, [np.arange(24).reshape(3, 8) - 12])
    laid = lay_out(g, RunArgs(logrows=13, lookup_range=[-256, 256]), tr)
    assert laid.stats["dead_cells"] == 0
    assert mock(laid.circuit, laid.witness) == []
    total = int(sum(m.sum() for m in laid.assigned))
    n, accepted = mutation_check(laid, count=total, seed=2)
    assert n == total and accepted == []
