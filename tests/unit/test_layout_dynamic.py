"""Dynamic lookups in the layout (ezk.layout.dynamic): gathers over computed data and scatters
with computed positions, on hand-built graphs. Honest witnesses pass the mock, both backends
give one circuit, every cell of the lanes and of the scatter rows is constrained, and a prover
who bends the witness — repeated scatter positions, an extra written position, an index
outside the data — is named by the mock and cannot make a proof verify."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ezk.graph.forward import forward
from ezk.graph.ir import Graph, Node
from ezk.kzg import SRS
from ezk.layout import lay_out
from ezk.layout.mutate import mutation_check
from ezk.layout.ops import scatter as scatter_layout
from ezk.ops import gather as gather_op
from ezk.ops import scatter as scatter_op
from ezk.plonk import keygen, mock, prove, verify
from ezk.settings import RunArgs
from tests.graph_nodes import node_adder

N, M = 12, 4


def graph() -> Graph:
    """x (N) and integer inputs ids (M), pos (M), upd (M): out0 = gather(x + x, ids) over
    computed data, out1 = scatter(x, pos, upd), out2 = gather of a (3, N) private parameter
    along axis 1 (negative indices allowed)."""
    nodes: list[Node] = []

    add = node_adder(nodes)

    x = add("input", [], (N,), 7, {"index": 0, "visibility": "private", "bound_bits": 23})
    ids = add("input", [], (M,), 0, {"index": 1, "visibility": "private", "bound_bits": 16})
    pos = add("input", [], (M,), 0, {"index": 2, "visibility": "private", "bound_bits": 16})
    upd = add("input", [], (M,), 7, {"index": 3, "visibility": "private", "bound_bits": 23})
    twice = add("add", [x, x], (N,), 7)
    g = add("gather", [twice, ids], (M,), 7, {"axis": 0, "nonnegative": True})
    s = add("scatter", [x, pos, upd], (N,), 7)
    w = np.random.default_rng(5).integers(-300, 300, size=(3, N))
    p = add("const", [], (3, N), 7, {"visibility": "private", "bound_bits": 23}, {"value": w})
    g2 = add("gather", [p, pos], (3, M), 7, {"axis": 1})
    outs = [g, s, g2]
    return Graph(nodes=nodes, inputs=[x, ids, pos, upd], outputs=outs, input_names=["x", "ids", "pos", "upd"],
                 output_names=["g", "s", "g2"])


def inputs(seed: int = 0, pos=None):
    rng = np.random.default_rng(seed)
    x = rng.integers(-200, 200, size=N)
    ids = rng.integers(0, N, size=M)
    pos = rng.choice(N, size=M, replace=False) if pos is None else np.asarray(pos)
    return [x, ids, pos, rng.integers(-200, 200, size=M)]


def settings(k: int = 8) -> RunArgs:
    return RunArgs(logrows=k, lookup_range=[-256, 256])


def laid_out(ins=None):
    g = graph()
    return g, lay_out(g, settings(), forward(g, ins or inputs()))


def test_honest_witness_passes_and_outputs_are_numpys():
    g, laid = laid_out()
    assert mock(laid.circuit, laid.witness) == []
    x, ids, pos, upd = inputs()
    want_s = x.copy()
    want_s[pos] = upd
    outs = np.split(laid.instances[0], np.cumsum([M, N]))
    assert np.array_equal(outs[0], (2 * x)[ids]) and np.array_equal(outs[1], want_s)
    assert laid.stats["dynamic_lookups"] == M + 2 * M + 3 * M  # gather, scatter's two lookups, 3 columns × M
    # negative indices into the private parameter: the table has keys −N … N − 1
    neg = inputs(pos=[-1, -12, 3, 0])
    neg[2] = np.array([11, 0, 3, 5])  # scatter positions must be in range: only the gather reads negatives
    laid2 = lay_out(g, settings(), forward(g, neg))
    assert mock(laid2.circuit, laid2.witness) == []


def test_measuring_and_assigning_give_one_circuit():
    g, laid = laid_out()
    measured = lay_out(g, settings())
    c1, c2 = measured.circuit, laid.circuit
    assert c1.cs.describe() == c2.cs.describe() and measured.stats == laid.stats
    f1 = {c.name: np.asarray(v) for c, v in c1.fixed.items()}
    f2 = {c.name: np.asarray(v) for c, v in c2.fixed.items()}
    assert f1.keys() == f2.keys() and all(np.array_equal(f1[k], f2[k]) for k in f1)
    assert np.array_equal(c1.copy_array(), c2.copy_array())


def test_every_cell_of_the_lanes_and_the_region_is_constrained():
    _, laid = laid_out()
    total = int(sum(m.sum() for m in laid.assigned)) + int(sum(m.sum() for m in laid.dynamic.assigned.values()))
    n, accepted = mutation_check(laid, count=total, seed=3)
    assert n == total and accepted == []


def _verifies(laid) -> bool:
    srs = SRS.generate(laid.circuit.k, seed=b"dynamic-layout")
    pk, vk = keygen(laid.circuit, srs)
    return verify(vk, srs.verifier(), laid.instances, prove(pk, srs, laid.witness))


def _unprovable(laid) -> bool:
    return not _verifies(laid)


def test_the_honest_proof_verifies():
    _, laid = laid_out()
    assert _verifies(laid)


def test_repeated_scatter_positions_are_refused_and_not_provable(monkeypatch):
    g = graph()
    ins = inputs(pos=[2, 7, 2, 9])
    ins[3][2] = ins[3][0]  # the same value written twice: even then position 2 can hold one update number
    with pytest.raises(Exception, match="writes flat position 2 twice"):
        forward(g, ins)
    honest = scatter_op.evaluate

    def last_wins(node, inputs_):  # a prover without the check
        data, pos, upd = inputs_
        out = np.array(data).reshape(-1)
        out[np.asarray(pos).reshape(-1)] = np.asarray(upd).reshape(-1)
        return out.reshape(np.shape(data))

    monkeypatch.setattr(scatter_op, "evaluate", last_wins)
    laid = lay_out(g, settings(), forward(g, ins))
    failures = mock(laid.circuit, laid.witness)
    # position 2 holds one update number (the lookup of the other fails) and Σh counts 3 positions, not 4
    assert {f.kind for f in failures} == {"lookup", "gate"}
    assert any("a lookup into the written positions of ONNX node '/n6/scatter'" in laid.explain(f) for f in failures)
    assert _unprovable(laid)
    monkeypatch.setattr(scatter_op, "evaluate", honest)


def test_an_extra_written_position_is_not_provable(monkeypatch):
    # the prover also "writes" position 5 (h = 1, out = 99) beside the real updates: only Σh = m stops it
    g = graph()
    ins = inputs(pos=[2, 7, 3, 9])
    honest = scatter_layout.written

    def extra(dv, pv, uv):
        hit, wv, yv = honest(dv, pv, uv)
        hit[5], yv[5] = 1, 99 - dv[5]
        return hit, wv, yv

    monkeypatch.setattr(scatter_layout, "written", extra)
    laid = lay_out(g, settings(), forward(g, ins))
    failures = mock(laid.circuit, laid.witness)
    assert [f.kind for f in failures] == ["gate"] and "lin" in failures[0].name
    assert _unprovable(laid)


def test_an_index_outside_the_data_is_refused_and_not_provable(monkeypatch):
    g = graph()
    ins = inputs()
    ins[1][1] = N  # one past the end of the gathered data
    with pytest.raises(Exception, match="outside"):
        forward(g, ins)

    def wrapping(node, inputs_):  # a prover who reads data[N mod N] instead
        data, idx = inputs_
        ax = node.attrs["axis"]
        return np.take(data, np.asarray(idx) % data.shape[ax], axis=ax)

    monkeypatch.setattr(gather_op, "evaluate", wrapping)
    laid = lay_out(g, settings(), forward(g, ins))
    failures = mock(laid.circuit, laid.witness)
    assert [(f.kind, f.row) for f in failures] == [("lookup", 1)]
    assert "a lookup into the data of ONNX node '/n5/gather'" in laid.explain(failures[0])
    assert _unprovable(laid)


def test_a_table_too_large_for_the_rows_is_one_sentence():
    from ezk.errors import EzkError

    g = graph()  # the private parameter's table (keys −N … N − 1, 24 rows) beside the leaf-check tables
    with pytest.raises(EzkError, match=r"lookup table of \d+ rows and \d+ rows in all, more than 2\^4 rows allow; "
                                       r"use logrows ≥ \d+\.$") as info:
        lay_out(g, RunArgs(logrows=4, lookup_range=[-256, 256]))
    assert "\n" not in str(info.value)
