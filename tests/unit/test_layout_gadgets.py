"""The lean gadgets: affine references (adds, negations and products with constants cost no row)
and rescales in packed LIN rows with in-place signed range checks.

Each gadget: the honest witness passes the mock, every changed cell is rejected (mutation), and
the attack its soundness argument is about — another remainder s' with the field element
q' = q + (s − s')/2^k — is rejected by the mock, naming the range lookup that bounds q."""

from __future__ import annotations

import numpy as np
import pytest

from ezk import _native
from ezk.graph.forward import Trace, forward
from ezk.graph.ir import Graph, Node
from ezk.layout import lay_out
from ezk.layout.cells import EMPTY, Cells
from ezk.layout.mutate import mutation_check
from ezk.plonk import Witness, mock
from ezk.settings import RunArgs

P = _native.MODULUS


class G:
    """A tiny graph under construction (node i produces tensor i)."""

    def __init__(self):
        self.nodes: list[Node] = []

    def add(self, op, inputs, shape, scale=7, **attrs):
        arrays = attrs.pop("arrays", {})
        self.nodes.append(Node(len(self.nodes), op, list(inputs), attrs, tuple(shape), scale,
                               onnx_name=f"/n{len(self.nodes)}/{op}", onnx_op=op, arrays=arrays))
        return len(self.nodes) - 1

    def const(self, values, scale=7):
        v = np.asarray(values, dtype=np.int64)
        return self.add("const", [], v.shape, scale, visibility="fixed", arrays={"value": v})

    def graph(self, inputs, outputs) -> Graph:
        return Graph(nodes=self.nodes, inputs=inputs, outputs=outputs, input_names=[f"i{i}" for i in inputs],
                     output_names=[f"o{i}" for i in range(len(outputs))])


def tanh(scale=7, rng=(-256, 256)):
    return {"fn": "tanh", "params": {}, "in_scale": scale, "out_scale": 7, "pre_mul": 1.0, "pre_add": 0.0,
            "range": list(rng), "key": "t"}


def affine_graph() -> tuple[Graph, dict[str, int]]:
    """x·3 + 5, negated, minus 2 … feeding a rescale, a sum, a lookup, a product and an output."""
    g = G()
    x = g.add("input", [], (4, 6), 7, index=0, visibility="private")
    y = g.add("input", [], (4, 6), 7, index=1, visibility="private")
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


def rescale_graph(shift: int, qbits: int | None, looked_up: bool) -> Graph:
    g = G()
    x = g.add("input", [], (3, 5), 7, index=0, visibility="private")
    w = g.const(np.arange(-4, 6).reshape(5, 2) * 2, 7)  # even weights: the attack's target
    mm = g.add("einsum", [x, w], (3, 2), 14, equation="ij,jk->ik")
    attrs = {"shift": shift, "key": "r"} | ({"qbits": qbits} if qbits else {})
    r = g.add("rescale", [mm], (3, 2), 14 - shift, **attrs)
    out = g.add("lookup", [r], (3, 2), 7, **tanh(14 - shift, (-4096, 4096))) if looked_up else r
    return g.graph([x], [out])


def _forge(laid, rid: int, k: int, split: bool):
    """The honest witness with element 0 of rescale ``rid`` changed to s' = s + 1 and the field
    element q' = q − 2^−k (so that the relation still holds), q's limbs adjusted to keep its
    split relation, and q' claimed as the public output."""
    cs = laid.circuit.cs
    W = len(cs.advice) // len(laid.assigned)
    a = 8  # Geometry.from_inner_cols(2).a: element 0 sits in columns 0, 1, … and lane a
    row = int(np.flatnonzero(laid.row_node[0] == rid)[0])
    adv = {c: [int(v) % P for v in laid.witness.advice[c]] for c in cs.advice[:W]}
    col = cs.advice.__getitem__
    inv = pow(1 << k, -1, P)
    s_col, q_col = (a, 1) if split else (1, a)  # split: inputs [x, q, q_0 …], lanes [s, q_top]
    adv[col(s_col)][row] = (adv[col(s_col)][row] + 1) % P
    q_old = adv[col(q_col)][row]
    q_new = adv[col(q_col)][row] = (q_old - inv) % P
    if split:  # q = Σ 2^(lb·i)·q_i + 2^(lb·(m−1))·q_top: move q_top by the same amount
        m = -(-36 // laid.stats["limb_bits"])
        top = pow(1 << (laid.stats["limb_bits"] * (m - 1)), -1, P)
        adv[col(a + 1)][row] = (adv[col(a + 1)][row] - inv * top) % P
    advice = dict(laid.witness.advice)
    for c in cs.advice[:W]:
        advice[c] = _native.FrVec.from_ints(adv[c])
    (ic, iv), = laid.witness.instance.items()
    vals = [int(t) % P for t in iv]
    assert vals[0] == q_old
    vals[0] = q_new
    return Witness(advice=advice, instance={ic: _native.FrVec.from_ints(vals)}), q_new


@pytest.mark.parametrize("qbits", [None, 12])
def test_a_rescale_with_another_remainder_is_rejected(qbits):
    """Default bound (36 bits: q split into limbs) and a calibrated one (q looked up in place)."""
    graph = rescale_graph(7, qbits, looked_up=False)
    xs = [np.array([[3, -5, 7, 1, 0], [20, 9, -8, 2, 2], [1, 1, 1, 1, 1]]) * 9]
    laid = lay_out(graph, RunArgs(logrows=13), forward(graph, xs))
    assert mock(laid.circuit, laid.witness) == []
    forged, q_new = _forge(laid, 3, 7, split=qbits is None)
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
    xs = [np.array([[3, -5, 7, 1, 0], [20, 9, -8, 2, 2], [1, 1, 1, 1, 1]]) * 9]
    laid = lay_out(graph, RunArgs(logrows=13), forward(graph, xs))
    forged, _ = _forge(laid, 3, 7, split=False)
    assert mock(laid.circuit, forged) == []


@pytest.mark.parametrize("shift", [3, 13, 20])
def test_rescale_remainders_of_every_width_pass_and_resist_mutation(shift):
    graph = rescale_graph(shift, None, looked_up=False)
    xs = [np.random.default_rng(shift).integers(-300, 300, size=(3, 5))]
    laid = lay_out(graph, RunArgs(logrows=13), forward(graph, xs))
    assert mock(laid.circuit, laid.witness) == []
    n, accepted = mutation_check(laid, count=10_000, seed=shift)
    assert accepted == []


def extreme_graph(op: str) -> Graph:
    g = G()
    x = g.add("input", [], (3, 7), 7, index=0, visibility="private")
    r = g.add(op, [x], (3, 1), 7, axes=[1], keepdims=True)
    return g.graph([x], [r])


@pytest.mark.parametrize("op", ["reduce_max", "reduce_min"])
def test_reduce_extreme_passes_and_resists_mutation(op):
    graph = extreme_graph(op)
    xs = [np.array([[3, -5, 7, 1, 0, 7, 2], [20, 9, -8, 2, 2, -8, 0], [-1, -1, -1, -1, -1, -1, -1]])]
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
    xs = [np.array([[3, -5, 7, 1, 0, 7, 2], [20, 9, -8, 2, 2, -8, 0], [-1, -1, -1, -1, -1, -1, -1]])]
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
