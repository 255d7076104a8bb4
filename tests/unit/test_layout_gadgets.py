"""The lean gadgets: affine references (adds, negations and products with constants cost no row)
and rescales in packed LIN rows with in-place signed range checks.

Each gadget: the honest witness passes the mock, every changed cell is rejected (mutation), and
the attack its soundness argument is about — another remainder s' with the field element
q' = q + (s − s')/2^k; a comparison bit that claims a ≥ b where a < b (its slack negative) — is
rejected by the mock, naming the range lookup that bounds q or the slack (tests/e2e/
test_gadget_forgeries_prove.py: the same forgeries proven do not verify)."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.graph.forward import Trace, forward
from ezk.graph.ir import Graph
from ezk.layout import lay_out
from ezk.layout.cells import EMPTY, Cells
from ezk.layout.mutate import mutation_check
from ezk.plonk import mock
from ezk.settings import RunArgs
from tests.unit.gadget_graphs import EXTREME_XS, RESCALE_XS, G, extreme_graph, forge_rescale, lying_ge, relu_graph, rescale_graph, tanh


def affine_graph() -> tuple[Graph, dict[str, int]]:
    """x·3 + 5, negated, minus 2 … feeding a rescale, a sum, a lookup, a product and an output."""
    g = G()
    x = g.add("input", [], (4, 6), 7, index=0, visibility="private", bound_bits=23)
    y = g.add("input", [], (4, 6), 7, index=1, visibility="private", bound_bits=23)
    m = g.add("mul", [x, g.const(np.arange(6) - 2, 0)], (4, 6), 7)
    a = g.add("add", [m, g.const(np.full(6, 5))], (4, 6), 7)
    n = g.add("neg", [a], (4, 6), 7)
    s = g.add("sub", [n, g.const(2)], (4, 6), 7)
    up = g.add("mul", [s, g.const(1 << 5, 5)], (4, 6), 12)
    r = g.add("rescale", [up], (4, 6), 7, shift=5)
    sm = g.add("sum", [s], (4, 1), 7, axes=[1], keepdims=True)
    t = g.add("lookup", [s], (4, 6), 7, **tanh())
    p = g.add("mul", [s, y], (4, 6), 14)
    d = g.add("add", [a, y], (4, 6), 7)  # two advice tensors: one LIN row
    out = [r, sm, t, p, d, s]
    return g.graph([x, y], out), {"mul": m, "add": a, "neg": n, "sub": s, "up": up}


def _inputs(graph: Graph, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(-60, 60, size=graph.nodes[i].shape) for i in graph.inputs]


def test_affine_ops_cost_no_rows_and_every_cell_is_constrained():
    graph, ids = affine_graph()
    laid = lay_out(graph, RunArgs(logrows=13, lookup_range=[-256, 256]), forward(graph, _inputs(graph)))
    assert mock(laid.circuit, laid.witness) == []
    rn = np.concatenate(laid.row_node)
    # the chain x·c + 5, −, − 2, ·2^5 places no row of its own; s is materialised once (node
    # "sub", for the lookup, the product and the output) and folded into the rescale and the sum
    assert [(int((rn == ids[k]).sum())) for k in ("mul", "add", "neg", "up")] == [0, 0, 0, 0]
    assert 0 < (rn == ids["sub"]).sum() <= 24
    n, accepted = mutation_check(laid, count=10_000, seed=3)
    assert n > 100 and accepted == []


def test_a_placed_affine_reference_is_refused():
    from ezk.layout.backend import MeasuringBackend
    from ezk.layout.region import Geometry, Region

    geo = Geometry.from_inner_cols(2)
    rg = Region(geo, 1000, MeasuringBackend(geo.width))
    rg.new_cells(np.arange(3))
    W = geo.width
    g, c = np.zeros((1, W), np.int64), np.full((1, W), EMPTY, np.int64)
    c[0, 0] = 1  # a copy of cell (0, 1) …
    for k, v in ((None, 1), (np.full((1, W), 3), 0)):  # … read as x + 1, or as 3·x
        with pytest.raises(AssertionError, match="affine"):
            rg.place(Cells(g, c, np.full((1, W), v), k), np.zeros((1, W), np.int64), {})


@pytest.mark.parametrize("qbits", [None, 12])
def test_a_rescale_with_another_remainder_is_rejected(qbits):
    """Default bound (36 bits: q split into limbs) and a calibrated one (q looked up in place)."""
    graph = rescale_graph(7, qbits, looked_up=False)
    laid = lay_out(graph, RunArgs(logrows=13), forward(graph, RESCALE_XS))
    assert mock(laid.circuit, laid.witness) == []
    forged, q_new = forge_rescale(laid, 3, 7, split=qbits is None)
    assert q_new > 1 << 200  # the forged quotient is a huge field element …
    fails = mock(laid.circuit, forged)
    assert fails and all(f.kind == "lookup" and f.name.startswith("rlookup") for f in fails), fails
    n, accepted = mutation_check(laid, count=10_000, seed=5)
    assert accepted == []


def test_without_the_quotient_bound_the_forgery_would_pass(monkeypatch):
    """The attack above is real: drop q's bound (as for a looked-up q) and the mock accepts it."""
    from ezk.layout.context import Ctx

    monkeypatch.setattr(Ctx, "only_looked_up", lambda self, node: True)
    graph = rescale_graph(7, 12, looked_up=False)
    laid = lay_out(graph, RunArgs(logrows=13), forward(graph, RESCALE_XS))
    forged, _ = forge_rescale(laid, 3, 7, split=False)
    assert mock(laid.circuit, forged) == []


@pytest.mark.parametrize("shift", [3, 13, 20])
def test_rescale_remainders_of_every_width_pass_and_resist_mutation(shift):
    graph = rescale_graph(shift, None, looked_up=False)
    xs = [np.random.default_rng(shift).integers(-300, 300, size=(3, 5))]
    laid = lay_out(graph, RunArgs(logrows=13), forward(graph, xs))
    assert mock(laid.circuit, laid.witness) == []
    n, accepted = mutation_check(laid, count=10_000, seed=shift)
    assert accepted == []


@pytest.mark.parametrize("op", ["reduce_max", "reduce_min"])
def test_reduce_extreme_passes_and_resists_mutation(op):
    graph = extreme_graph(op)
    xs = EXTREME_XS
    laid = lay_out(graph, RunArgs(logrows=13), forward(graph, xs))
    assert mock(laid.circuit, laid.witness) == []
    n, accepted = mutation_check(laid, count=10_000, seed=9)
    assert n > 50 and accepted == []


@pytest.mark.parametrize("op", ["reduce_max", "reduce_min"])
def test_a_claimed_extreme_that_is_not_one_is_rejected(op, monkeypatch):
    """Beyond every element (all slacks in range, but no element equals it) or short of one
    (the layout refuses; with its check off, the negative slack fails its range limbs)."""
    from ezk.layout.ops import extreme

    graph = extreme_graph(op)
    xs = EXTREME_XS
    tr = forward(graph, xs)
    sign = 1 if op == "reduce_max" else -1
    out = graph.outputs[0]
    beyond = Trace({**tr.values, out: tr.values[out] + sign})
    laid = lay_out(graph, RunArgs(logrows=13), beyond)
    assert any(f.kind == "gate" for f in mock(laid.circuit, laid.witness))
    second = np.sort(xs[0], axis=1)[:, -2 if sign > 0 else 1].reshape(3, 1)
    short = Trace({**tr.values, out: second.copy()})
    short.values[out][2, 0] = tr.values[out][2, 0] - sign  # the all-equal row: a value short of all
    with pytest.raises(Exception, match="extreme"):
        lay_out(graph, RunArgs(logrows=13), short)
    real = extreme.unsigned_limbs  # a prover that splits the negative slack anyway (mod 2^B)
    monkeypatch.setattr(extreme, "unsigned_limbs",
                        lambda tables, v, bits, what: real(tables, v & ((1 << bits) - 1), bits, what))
    laid = lay_out(graph, RunArgs(logrows=13), short)
    fails = mock(laid.circuit, laid.witness)
    assert fails and any(f.kind in ("gate", "lookup") for f in fails)


RELU_XS = [np.array([[3, -5, 7, 1, 0], [20, 9, -8, 2, 2], [-1, -1, -300, 1, 1]])]


def test_relu_costs_one_packed_row_per_element_and_resists_mutation():
    graph = relu_graph()
    laid = lay_out(graph, RunArgs(logrows=13), forward(graph, RELU_XS))
    assert mock(laid.circuit, laid.witness) == []
    n, accepted = mutation_check(laid, count=10_000, seed=11)
    assert n > 20 and accepted == []


def test_a_comparison_with_a_negative_slack_is_rejected(monkeypatch):
    """A prover who claims x ≥ 0 for every element (relu passes negatives through): the packed
    relation holds, only the slack's top limb is out of its range table."""
    from ezk.layout.ops import compare

    graph = relu_graph()
    honest = lay_out(graph, RunArgs(logrows=13), forward(graph, RELU_XS))
    monkeypatch.setattr(compare, "_ge", lying_ge)
    lying = lay_out(graph, RunArgs(logrows=13), forward(graph, RELU_XS))
    assert np.array_equal(np.asarray(lying.instances[0]).reshape(3, 5), RELU_XS[0])  # it claims relu(x) = x
    fails = mock(honest.circuit, lying.witness)
    assert len(fails) == int((RELU_XS[0] < 0).sum())
    assert all(f.kind == "lookup" and f.name.startswith("rlookup") for f in fails), fails
