"""Real proofs of a circuit with a Freivalds check: the honest one verifies; a prover who
commits to a wrong product — off by one, or tuned so the check holds at one fixed β — gets a
proof that does not verify (the transcript draws α, β after the phase-0 commitments)."""

from __future__ import annotations

import pytest

from ezk.kzg import SRS
from ezk.layout import lay_out
from ezk.plonk import keygen, prove, verify
from tests.einsum_graphs import einsum_graph, settings, trace, wrong_product

K = 9


@pytest.fixture(scope="module")
def keys():
    g = einsum_graph("small")
    laid = lay_out(g, settings(K), trace(g))
    assert laid.stats["freivalds_checks"] == 1
    srs = SRS.generate(K, seed=b"ezk-freivalds-prove-test")
    pk, vk = keygen(laid.circuit, srs)
    return g, laid, srs, pk, vk


def test_honest_proof_verifies(keys):
    _, laid, srs, pk, vk = keys
    assert any(c.phase == 1 for c in laid.circuit.cs.advice)
    assert verify(vk, srs.verifier(), laid.instances, prove(pk, srs, laid.witness))


@pytest.mark.parametrize("deltas", [{5: 1}, {40: 1, 41: -11}], ids=["off_by_one", "tuned_to_beta_11"])
def test_wrong_product_does_not_verify(keys, deltas):
    g, _, srs, pk, vk = keys
    bad = lay_out(g, settings(K), wrong_product(g, deltas))  # every gate but the check holds
    proof = prove(pk, srs, bad.witness)
    assert not verify(vk, srs.verifier(), bad.instances, proof)


def test_checks_wrapping_over_blocks_prove_and_verify():
    """Chains cut by block boundaries: carry rows copy Z and Y into the next block."""
    g = einsum_graph("fixed")
    laid = lay_out(g, settings(8, output_visibility="private"), trace(g))
    assert laid.stats["blocks"] > 1 and laid.stats["carry_rows"] > 0 and len(laid.phase1_columns) > 1
    srs = SRS.generate(8, seed=b"ezk-freivalds-blocks")
    pk, vk = keygen(laid.circuit, srs)
    assert verify(vk, srs.verifier(), laid.instances, prove(pk, srs, laid.witness))
    bad = lay_out(g, settings(8, output_visibility="private"), wrong_product(g, {700: -1}))
    assert not verify(vk, srs.verifier(), bad.instances, prove(pk, srs, bad.witness))
