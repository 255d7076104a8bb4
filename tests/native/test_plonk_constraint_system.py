"""Expressions, degrees, layout of the domain, and the vectorised/scalar evaluation agreeing."""

from __future__ import annotations

import numpy as np
import pytest

from ezk import _native
from ezk.errors import EzkError
from ezk.plonk import ConstraintSystem
from ezk.plonk.domain import Domain
from ezk.plonk.serial import Reader, Writer

R = _native.MODULUS


def _cs():
    cs = ConstraintSystem()
    a, b = cs.advice_column("a"), cs.advice_column("b")
    s = cs.selector("s")
    t = cs.fixed_column("t")
    cs.create_gate("g", [s.cur() * (a.cur() * b.next() - 3 * a.prev() + 7)])
    cs.lookup("l", inputs=[s.cur() * a.cur(), b.cur()], table=[t.cur(), t.rot(2)])
    cs.enable_equality(b)
    return cs


def test_degrees_and_domain():
    cs = _cs()
    assert cs.gate_degree() == 3
    assert cs.degree() == 2 + 2 + 1  # logUp: 2 + deg f + deg t
    assert cs.permutation_chunk_size() == 3
    from ezk.plonk.circuit import domain_of
    d = domain_of(cs, 6)
    assert d.blinding == 5  # a is queried at 3 rotations → max(3, 3) + 2
    assert d.usable == 64 - 6
    assert d.ext_factor == 4 and d.n_ext == 256 and d.pieces == 4


def test_shape_roundtrip():
    cs = _cs()
    w = Writer()
    cs.write(w)
    r = Reader(w.getvalue(), "constraint system")
    cs2 = ConstraintSystem.read(r)
    r.done()
    assert cs2.describe() == cs.describe()


def test_vector_and_scalar_evaluation_agree():
    cs = _cs()
    expr = cs.gates[0].polys[0]
    n = 16
    vals = {c.index: _native.FrVec.random(n, seed=bytes([c.index])) for c in cs.columns}
    vec = expr.evaluate_vec(lambda q: vals[q.column.index].rotate(q.rotation), n)
    for row in (0, 5, 15):
        s = expr.evaluate_scalar(lambda q: vals[q.column.index][(row + q.rotation) % n])
        assert vec[row] == s


def test_lookup_chunks_respect_degree():
    cs = ConstraintSystem()
    a = [cs.advice_column() for _ in range(5)]
    t = cs.fixed_column()
    s = cs.selector()
    cs.create_gate("deg4", [s.cur() * a[0].cur() * a[1].cur() * a[2].cur()])
    for i in range(5):
        cs.lookup(f"r{i}", inputs=[a[i].cur()], table=[t.cur()])
    tables = cs.lookup_tables()
    assert len(tables) == 1
    chunks = tables[0].chunks
    # degree 4 rounds up to D = 5 (the quotient's coset has 4n points for either): chunk 0
    # holds 2 + 1 + 2 (two inputs), the others 2 + 3 (three inputs)
    assert cs.degree() == 5
    assert [len(c.lookups) for c in chunks] == [2, 3]
    assert [c.with_table for c in chunks] == [True, False]


@pytest.mark.parametrize("raw, rounded", [(3, 3), (4, 5), (5, 5), (6, 9), (9, 9), (10, 17)])
def test_degree_rounds_up_to_the_quotient_domain(raw, rounded):
    cs = ConstraintSystem()
    a = cs.advice_column()
    cs.create_gate("g", [a.cur() ** raw])
    assert cs.degree() == rounded
    # the quotient's extended domain is the same for the raw and the rounded degree
    assert Domain(k=4, degree=rounded, blinding=5).ext_factor == Domain(k=4, degree=raw, blinding=5).ext_factor
    assert Domain(k=4, degree=rounded, blinding=5).pieces == rounded - 1
    assert cs.permutation_chunk_size() == rounded - 2


def test_weighted_lookup_chunks_count_the_weight():
    cs = ConstraintSystem()
    a = [cs.advice_column() for _ in range(6)]
    t, tag = cs.fixed_column("t"), cs.fixed_column("tag")
    for i in range(6):
        cs.lookup(f"w{i}", inputs=[a[i].cur()], table=[t.cur()], weight=tag.cur())
    # weight degree 1, inputs degree 1, table degree 1: 2 + 1 + 1 alone, D = 5
    assert cs.degree() == 5
    assert [len(c.lookups) for c in cs.lookup_tables()[0].chunks] == [2, 3, 1]
    # a weight of degree 2 on one input: S_w has degree 2 + (k − 1)
    cs2 = ConstraintSystem()
    b = [cs2.advice_column() for _ in range(4)]
    t2, q2 = cs2.fixed_column("t"), cs2.fixed_column("q")
    cs2.lookup("heavy", inputs=[b[0].cur()], table=[t2.cur()], weight=q2.cur() * q2.cur())
    for i in range(1, 4):
        cs2.lookup(f"l{i}", inputs=[b[i].cur()], table=[t2.cur()])
    assert cs2.degree() == 5  # 1 + max(2 + 1 + 1, 2 + 1) = 5
    for table in cs2.lookup_tables():
        for c, chunk in enumerate(table.chunks):
            lks = [cs2.lookups[i] for i in chunk.lookups]
            assert cs2.chunk_degree(lks, 1 if c == 0 else None) <= cs2.degree()


def test_bad_constraints_are_clear_errors():
    cs = ConstraintSystem()
    a = cs.advice_column()
    other = ConstraintSystem()
    b = other.advice_column()
    b2 = other.advice_column()
    with pytest.raises(EzkError):
        cs.create_gate("x", [b2.cur()])
    with pytest.raises(EzkError, match="rotation 0"):  # advice tables (dynamic) only at rotation 0
        cs.lookup("l", inputs=[a.cur()], table=[a.prev()])
    with pytest.raises(EzkError):
        cs.lookup("l", inputs=[a.cur()], table=[])


def test_a_weight_round_trips_through_the_encoding():
    cs = _cs()
    t, tag = cs.fixed_column("t2"), cs.fixed_column("tag")
    a = cs.advice[0]
    cs.lookup("weighted", inputs=[tag.cur(), a.cur()], table=[t.cur(), t.cur()], weight=tag.cur() * 2)
    w = Writer()
    cs.write(w)
    cs2 = ConstraintSystem.read(Reader(w.getvalue(), "constraint system"))
    assert cs2.describe() == cs.describe() and "weight 2·tag@0" in cs.describe()
    assert cs2.lookups[-1].weight is not None and cs2.lookups[0].weight is None
    assert [q.column.name for q in cs2.lookups[-1].weight.queries()] == ["tag"]


def test_a_weight_over_advice_instance_or_a_challenge_is_refused():
    cs = ConstraintSystem()
    a, t = cs.advice_column("a"), cs.fixed_column("t")
    i, u = cs.instance_column("i"), cs.challenge(0, "u")
    for bad in (a.cur(), t.cur() * a.cur(), i.cur(), t.cur() * u):
        with pytest.raises(EzkError, match="weight may query fixed columns only"):
            cs.lookup("l", inputs=[a.cur()], table=[t.cur()], weight=bad)
    assert cs.lookups == []
    cs.lookup("ok", inputs=[a.cur()], table=[t.cur()], weight=3 * t.next())
