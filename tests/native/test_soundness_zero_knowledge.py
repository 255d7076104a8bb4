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
from ezk.kzg import SRS, commit_lagrange
from ezk.plonk import keygen, prove, verify
from ezk.plonk import prover as plonk_prover
from ezk.plonk.proof import evaluation_layout
from ezk.transcript import Transcript
from tests.native import plonk_circuits as circuits


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


def test_blinding_rows_are_fresh_randomness_and_usable_rows_are_kept(srs):
    circuit, _, _ = circuits.fibonacci()
    d = circuit.domain
    values = _native.FrVec.from_i64(np.arange(d.n, dtype=np.int64))
    x, y = plonk_prover._blinded(values, d), plonk_prover._blinded(values, d)
    xs, ys = x.to_ints(), y.to_ints()
    assert xs[:d.usable] == list(range(d.usable)) == ys[:d.usable]
    blind_x, blind_y = xs[d.usable:], ys[d.usable:]
    assert len(blind_x) == d.n - d.usable >= 3
    assert len(set(blind_x)) == len(blind_x) and not set(blind_x) & set(blind_y)
    assert all(v >= 1 << 64 for v in blind_x + blind_y)  # full-size field elements, not small ints


def test_a_zero_advice_column_commits_to_a_random_point(srs):
    circuit, _, _ = circuits.fibonacci()
    pk, _ = keygen(circuit, srs)
    d = pk.vk.domain
    zeros = _native.FrVec.zeros(d.usable)
    first = plonk_prover.round_advice(pk, srs, [zeros], Transcript(b"zk")).commitments[0]
    second = plonk_prover.round_advice(pk, srs, [zeros], Transcript(b"zk")).commitments[0]
    unblinded = commit_lagrange(srs, _native.FrVec.zeros(d.n))
    assert first != second
    assert first != unblinded and second != unblinded
    assert not first.is_identity()
