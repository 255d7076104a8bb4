"""The sub-coset quotient evaluator equals a direct evaluation on the whole extended coset.

``quotient_pieces`` evaluates the constraints on the n_ext/n sub-cosets g·ζʲ·H one at a time and
interleaves them; the reference here evaluates every polynomial on g·H_ext at once (rotation r =
shift by r·n_ext/n) and divides by Z_H pointwise. Random polynomials (constraints not satisfied,
so the "quotient" is just the interpolant) make every term count."""

from __future__ import annotations

import pytest

from ezk import _native
from ezk.plonk.circuit import domain_of
from ezk.plonk.protocol import Challenges
from ezk.plonk.vanishing import _UseRecorder, all_constraints, quotient_pieces, release_plan
from tests.native.plonk_circuits import fibonacci, lookups, multiply_accumulate, multiset_two_phase

R = _native.MODULUS


class _FullCosetEnv:
    def __init__(self, d, coeffs, selectors, challenges):
        self.domain = d
        self.challenges = challenges
        self.theta, self.beta, self.gamma = challenges.theta, challenges.beta, challenges.gamma
        self._ext = {k: _native.coset_ntt(c, d.n_ext) for k, c in coeffs.items()}
        self.l0, self.l_last, self.l_blind = (_native.coset_ntt(c, d.n_ext) for c in selectors)
        self.active = self.l_last.add(self.l_blind).neg().add_scalar(1)
        self.X = d.coset_points()

    def get(self, key, rotation):
        v = self._ext[key]
        return v.rotate(rotation * self.domain.ext_factor) if rotation else v

    def query(self, q):
        return self.get(("col", q.column.index), q.rotation)

    def challenge(self, ch):
        return self.challenges.challenge(ch)


def _reference(d, cs, coeffs, selectors, challenges):
    env = _FullCosetEnv(d, coeffs, selectors, challenges)
    acc = _native.FrVec.zeros(d.n_ext)
    for c in all_constraints(env, cs):
        acc.scale_assign(challenges.y)
        acc = acc.add_scalar(c) if isinstance(c, int) else acc.add(c)
    acc.mul_assign(d.coset_vanishing_inverse())
    h = _native.coset_intt(acc)
    return [h.slice(p * d.n, (p + 1) * d.n) for p in range(d.pieces)]


@pytest.mark.parametrize("build", [fibonacci, multiply_accumulate, lookups, multiset_two_phase])
def test_sub_coset_quotient_matches_full_coset(build):
    circuit = build()[0]
    cs, d = circuit.cs, domain_of(circuit.cs, circuit.k)
    rec = _UseRecorder(d)
    keys = set()
    for _ in all_constraints(rec, cs):
        keys |= rec.reads
        rec.reads = set()
    coeffs = {key: _native.FrVec.random(d.n, repr(key).encode()) for key in sorted(keys, key=repr)}
    selectors = tuple(_native.intt(d.row_indicator(r)) for r in
                      (range(0, 1), range(d.usable, d.usable + 1), range(d.usable + 1, d.n)))
    user = tuple(55 + i for i in range(len(cs.challenges)))
    challenges = Challenges(user=user, theta=11, beta=22, gamma=33, y=44)
    got = quotient_pieces(coeffs, selectors, cs, d, challenges)
    want = _reference(d, cs, coeffs, selectors, challenges)
    assert d.ext_factor > 1 and len(got) == d.pieces
    assert [g.to_bytes() for g in got] == [w.to_bytes() for w in want]


def test_release_plan_releases_every_key_once_after_its_last_read():
    circuit = lookups()[0]
    cs, d = circuit.cs, domain_of(circuit.cs, circuit.k)
    plan = release_plan(d, cs)
    released = [key for keys in plan for key in keys]
    assert len(released) == len(set(released)) > 0
    rec = _UseRecorder(d)
    last = {}
    for i, _ in enumerate(all_constraints(rec, cs)):
        for key in rec.reads:
            last[key] = i
        rec.reads = set()
    assert {key: i for i, keys in enumerate(plan) for key in keys} == last
