"""argmax / argmin layout: ties go to the lowest index exactly as the front end computes, the
mock accepts the honest witness, rejects every changed cell, and a later tied index or a
non-extreme index cannot be witnessed."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.errors import WitnessError
from ezk.graph.forward import forward
from ezk.graph.ir import Graph, Node
from ezk.layout import lay_out
from ezk.layout.mutate import mutation_check
from ezk.layout.ops import argmax as argmax_layout
from ezk.plonk import mock
from ezk.settings import RunArgs


def arg_graph(shape=(4, 5)) -> Graph:
    nodes: list[Node] = []

    def add(op, inputs, shp, scale, attrs):
        nodes.append(Node(len(nodes), op, list(inputs), dict(attrs), tuple(shp), scale,
                          onnx_name=f"/n{len(nodes)}/{op}", onnx_op=op, arrays={}))
        return len(nodes) - 1

    x = add("input", [], shape, 7, {"index": 0, "visibility": "private", "bound_bits": 23})
    amax = add("argmax", [x], (shape[0], 1), 0, {"axis": 1, "keepdims": True})
    amin = add("argmin", [x], (shape[1],), 0, {"axis": 0, "keepdims": False})
    return Graph(nodes=nodes, inputs=[x], outputs=[amax, amin], input_names=["x"], output_names=["amax", "amin"])


X = np.array([[3, 9, 9, -1, 9],      # ties at the max: index 1
              [-5, -5, -5, -5, -5],  # all equal: index 0
              [0, 1, 2, 3, 400],
              [7, -300, 7, -300, 6]])


def test_argmax_argmin_match_the_front_end_and_pass_the_mock():
    g = arg_graph()
    tr = forward(g, [X])
    laid = lay_out(g, RunArgs(logrows=13, lookup_range=[-256, 256]), tr)
    assert mock(laid.circuit, laid.witness) == []
    n = X.shape[0]
    assert np.array_equal(laid.instances[0][:n], np.argmax(X, axis=1))
    assert np.array_equal(laid.instances[0][n:], np.argmin(X, axis=0))
    assert np.array_equal(laid.instances[0][:n], [1, 0, 4, 0])


def test_every_changed_cell_is_rejected():
    g = arg_graph()
    laid = lay_out(g, RunArgs(logrows=13, lookup_range=[-256, 256]), forward(g, [X]))
    total = int(sum(m.sum() for m in laid.assigned))
    n, accepted = mutation_check(laid, count=total, seed=3)
    assert n == total and accepted == []


@pytest.mark.parametrize("cheat", ["last_tie", "not_extreme"])
def test_a_wrong_index_cannot_be_witnessed(monkeypatch, cheat):
    g = arg_graph()

    def bad_pick(xv, sign):
        honest = argmax_layout.np.argmax(xv, axis=1) if sign > 0 else argmax_layout.np.argmin(xv, axis=1)
        if cheat == "last_tie":  # the last extreme element instead of the first
            k = xv.shape[1]
            rev = xv[:, ::-1]
            return (k - 1 - (argmax_layout.np.argmax(rev, axis=1) if sign > 0 else argmax_layout.np.argmin(rev, axis=1)))
        return (honest + 1) % xv.shape[1]

    monkeypatch.setattr(argmax_layout, "pick", bad_pick)
    # the slack t_j = K·σ·(v − x_j) + (j − i) goes negative: no limbs exist, so no witness does
    with pytest.raises(WitnessError, match="argmax slack|argmin slack"):
        lay_out(g, RunArgs(logrows=13, lookup_range=[-256, 256]), forward(g, [X]))
