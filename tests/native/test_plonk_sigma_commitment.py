"""Keygen commits σ_j as δʲ·[τ]₁ plus an MSM over the cells copies move; the commitment is the
same point as the direct Lagrange commitment of σ_j (so keys and proofs are unchanged)."""

from __future__ import annotations

import pytest

from ezk import _native
from ezk.kzg import SRS, commit_lagrange
from ezk.plonk import permutation
from ezk.plonk.keygen import sigma_commitment
from tests.native.plonk_circuits import fibonacci, multiply_accumulate


@pytest.mark.parametrize("build", [fibonacci, multiply_accumulate])
def test_sigma_commitment_equals_the_direct_commitment(build):
    circuit = build()[0]
    d = circuit.domain
    srs = SRS.generate(d.k, seed=b"sigma-commitment")
    sigma = permutation.build_sigma(circuit.copy_array(), circuit.cs.permutation_columns, d.n)
    w = _native.FrVec.powers(d.omega, d.n)
    moved = [int((sigma[j] != range(j * d.n, (j + 1) * d.n)).sum()) for j in range(sigma.shape[0])]
    assert 0 < max(moved) < d.n and min(moved) >= 0
    for j in range(sigma.shape[0]):
        assert sigma_commitment(srs, sigma, j, w) == commit_lagrange(srs, permutation.sigma_column(sigma, j, d.n, w))
