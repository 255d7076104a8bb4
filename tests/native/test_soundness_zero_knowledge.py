"""Zero-knowledge sanity: proofs are randomised the way halo2's are.

Every advice column's rows u..n−1 (the blinding rows) are fresh randomness, so [a_j(τ)]₁ and
a_j(x) of two proofs of the same statement differ, a column of zeros commits to a random-looking
point, and the vanishing argument's random polynomial r differs too. These are necessary
conditions, not a proof of zero knowledge; they catch a prover that forgot to blind.
"""

from __future__ import annotations

import numpy as np
import pytest

from ezk import _native
from ezk.errors import EzkError
from ezk.kzg import SRS, commit_lagrange
from ezk.plonk import keygen, prove, verify
from ezk.plonk import prover as plonk_prover
from ezk.plonk.polys import ProofPolynomials
from ezk.plonk.proof import evaluation_layout
from tests.native import plonk_circuits as circuits

R = _native.MODULUS


@pytest.fixture(scope="module")
def srs():
    return SRS.generate(9, seed=b"soundness-zk")


@pytest.mark.parametrize("build", [circuits.fibonacci, circuits.lookups])
def test_two_proofs_of_one_statement_share_no_advice_commitment_or_evaluation(srs, build):
    circuit, witness, instances = build()
    pk, vk = keygen(circuit, srs)
    a, b = prove(pk, srs, witness), prove(pk, srs, witness)
    assert verify(vk, srs.verifier(), instances, a) and verify(vk, srs.verifier(), instances, b)
    assert a.to_bytes() != b.to_bytes()
    for i, (ca, cb) in enumerate(zip(a.advice, b.advice)):
        assert ca != cb, f"advice commitment {i} is the same in two proofs: its blinding rows are not random"
    assert a.random != b.random and a.h != b.h
    # every advice evaluation differs too (x differs, and the blinded polynomials differ)
    layout = evaluation_layout(vk.cs, vk.domain)
    advice = {c.index for c in vk.cs.advice}
    for (key, rot), ea, eb in zip(layout, a.evals, b.evals):
        if key[0] == "col" and key[1] in advice:
            assert ea != eb, f"evaluation of {key} at rotation {rot} repeats across proofs"


def _advice_round(pk, srs, values, blinding=None):
    """The prover's own advice round on phase 0: (commitments, the polynomials it registered)."""
    polys = ProofPolynomials(pk, pk.vk.domain, 0)
    msg = plonk_prover.round_advice(pk, srs, 0, values, polys, blinding)
    return msg.advice, polys


def test_the_provers_blinding_rows_are_fresh_randomness_and_usable_rows_are_kept(srs):
    circuit, witness, _ = circuits.fibonacci()
    pk, _ = keygen(circuit, srs)
    d, cs = pk.vk.domain, pk.vk.cs
    values = witness.phase_advice(cs, d, 0, {})
    _, first = _advice_round(pk, srs, values)
    _, second = _advice_round(pk, srs, values)
    for col, given in zip(cs.advice_in_phase(0), values):
        xs = first.values(("col", col.index)).to_ints()
        ys = second.values(("col", col.index)).to_ints()
        want = [int(v) % R for v in given] + [0] * (d.usable - len(given))
        assert xs[:d.usable] == want == ys[:d.usable]
        blind_x, blind_y = xs[d.usable:], ys[d.usable:]
        assert len(blind_x) == d.n - d.usable >= 3
        assert len(set(blind_x)) == len(blind_x) and not set(blind_x) & set(blind_y)
        assert all(v >= 1 << 64 for v in blind_x + blind_y)  # full-size field elements, not small ints


def test_every_phase_is_blinded(srs):
    circuit, witness, instances = circuits.multiset_two_phase()
    pk, vk = keygen(circuit, srs)
    a, b = prove(pk, srs, witness), prove(pk, srs, witness)
    assert verify(vk, srs.verifier(), instances, a) and verify(vk, srs.verifier(), instances, b)
    order = vk.cs.advice_by_phase()
    assert [c.phase for c in order] == [0, 0, 0, 1, 1]
    for col, ca, cb in zip(order, a.advice, b.advice):
        assert ca != cb, f"phase-{col.phase} column {col.name} has the same commitment in two proofs"


def test_a_zero_advice_column_commits_to_a_random_point(srs):
    circuit, _, _ = circuits.fibonacci()
    pk, _ = keygen(circuit, srs)
    d = pk.vk.domain
    zeros = [_native.FrVec.zeros(d.usable)] * 3
    first, _ = _advice_round(pk, srs, zeros)
    second, _ = _advice_round(pk, srs, zeros)
    unblinded = commit_lagrange(srs, _native.FrVec.zeros(d.n))
    assert first[0] != second[0]
    assert first[0] != unblinded and second[0] != unblinded
    assert not first[0].is_identity()


def test_given_blinding_gives_equal_commitments_and_is_checked(srs):
    """``advice_blinding`` (for linking proofs): same values + same blinding ⇒ same [a_j]₁;
    the other columns stay fresh; a wrong length or a non-advice column is refused."""
    circuit, witness, instances = circuits.fibonacci()
    pk, vk = keygen(circuit, srs)
    d, cs = pk.vk.domain, pk.vk.cs
    a = cs.advice[0]
    blind = {a.index: _native.FrVec.random(d.n - d.usable)}
    p1, p2 = prove(pk, srs, witness, advice_blinding=blind), prove(pk, srs, witness, advice_blinding=blind)
    assert verify(vk, srs.verifier(), instances, p1) and verify(vk, srs.verifier(), instances, p2)
    assert p1.advice[0] == p2.advice[0] and p1.advice[1] != p2.advice[1]
    with pytest.raises(EzkError, match="needs"):
        prove(pk, srs, witness, advice_blinding={a.index: _native.FrVec.random(2)})
    with pytest.raises(EzkError, match="not an advice column"):
        prove(pk, srs, witness, advice_blinding={cs.instance[0].index: _native.FrVec.random(d.n - d.usable)})
