"""Expressions, degrees, layout of the domain, and the vectorised/scalar evaluation agreeing."""

from __future__ import annotations

import numpy as np
import pytest

from ezk import _native
from ezk.errors import EzkError
from ezk.plonk import ConstraintSystem
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
    # D = 4: chunk 0 holds 2 + 1 + 1 (one input), the others 2 + 1 + 1 (two inputs)
    assert [len(c.lookups) for c in chunks] == [1, 2, 2]
    assert [c.with_table for c in chunks] == [True, False, False]


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
