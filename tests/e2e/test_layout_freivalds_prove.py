"""Real proofs of a circuit with a Freivalds check: the honest one verifies; a prover who
commits to a wrong product — off by one, in any block, or tuned so the check holds at one fixed
β — gets a proof that does not verify (the transcript draws α, β after the phase-0
commitments), and so does one who fills the phase-1 cells with values that ignore the drawn
challenges or changes any of them. The mock names each of these first."""

from __future__ import annotations

import numpy as np
import pytest

from ezk import _native

from ezk.kzg import SRS
from ezk.layout import lay_out
from ezk.plonk import CopyFailure, GateFailure, keygen, mock, prove, verify
from ezk.plonk.circuit import to_frvec
from tests.einsum_graphs import einsum_graph, product_blocks, settings, trace, with_later, wrong_product

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
    """Chains cut by block boundaries: carry rows copy Z and Y into the next block (four
    advice × advice checks at K 9, the least K the leaves' 256-row range table allows)."""
    g = einsum_graph("advice", copies=4)
    laid = lay_out(g, settings(9, output_visibility="private"), trace(g))
    assert laid.stats["blocks"] > 1 and laid.stats["carry_rows"] > 0 and len(laid.phase1_columns) > 1
    srs = SRS.generate(9, seed=b"ezk-freivalds-blocks")
    pk, vk = keygen(laid.circuit, srs)
    assert verify(vk, srs.verifier(), laid.instances, prove(pk, srs, laid.witness))
    bad = lay_out(g, settings(9, output_visibility="private"), wrong_product(g, {700: -1}))
    assert not verify(vk, srs.verifier(), bad.instances, prove(pk, srs, bad.witness))


@pytest.fixture(scope="module")
def blocks():
    """A fixed-weight check at K 9 (the least K the leaves' 256-row range table allows) with a
    large C from small operands: C's cells and the check's chains spread over four blocks
    (carry rows between them)."""
    g = einsum_graph("wide")
    ra = settings(9, output_visibility="private")
    laid = lay_out(g, ra, trace(g))
    assert laid.stats["blocks"] >= 4 and laid.stats["carry_rows"] > 0
    srs = SRS.generate(9, seed=b"ezk-freivalds-blocks-9")
    pk, vk = keygen(laid.circuit, srs)
    return g, ra, laid, srs, pk, vk


def _refused(laid, pk, srs, vk, witness) -> bool:
    return not verify(vk, srs.verifier(), laid.instances, prove(pk, srs, witness))


def test_a_wrong_product_in_any_block_is_named_and_does_not_verify(blocks):
    g, ra, laid, srs, pk, vk = blocks
    assert verify(vk, srs.verifier(), laid.instances, prove(pk, srs, laid.witness))
    where = product_blocks(g, ra)
    assert len(where) >= 3, where
    for blk, at in where.items():
        bad = lay_out(g, ra, wrong_product(g, {at: 1}))
        failures = mock(bad.circuit, bad.witness)
        assert failures and all(isinstance(f, CopyFailure) for f in failures), blk
        assert _refused(bad, pk, srs, vk, bad.witness), blk


def _challenges(laid):
    return [next(ch for ch in laid.circuit.cs.challenges if ch.name == n) for n in ("frv_alpha", "frv_beta")]


@pytest.mark.parametrize("deltas", [{}, {40: 1, 41: -11}], ids=["honest_product", "tuned_to_beta_11"])
def test_phase1_values_for_challenges_chosen_in_advance_do_not_verify(keys, deltas):
    """A challenge-independent prover: its phase-1 cells are what an honest prover computes at
    (α, β) = (5, 11), whatever the transcript draws — consistent there (the tuned product
    passes every constraint at β = 11), refused at the drawn challenges."""
    g, _, srs, pk, vk = keys
    bad = lay_out(g, settings(K), wrong_product(g, deltas))
    alpha, beta = _challenges(bad)
    fixed = {alpha: 5, beta: 11}
    w = with_later(bad.witness, lambda values, drawn: values.update(bad.witness.later(1, fixed)))
    assert mock(bad.circuit, w, challenges=fixed) == []
    failures = mock(bad.circuit, w)
    assert failures and any(isinstance(f, GateFailure) for f in failures)
    assert _refused(bad, pk, srs, vk, w)


def test_a_wrong_product_whose_final_copy_is_made_to_hold_does_not_verify(keys):
    """The adaptive forgery: after α, β are drawn the prover sets c̃'s cell to D's value so the
    check's copy c̃ = D holds; the y-gate that defines c̃ then fails."""
    g, _, srs, pk, vk = keys
    bad = lay_out(g, settings(K), wrong_product(g, {5: 1}))
    (copy,) = mock(bad.circuit, bad.witness)
    cols = {c.name: c for c in bad.circuit.cs.advice}
    a, b = copy.a, copy.b

    def forge(values, _):
        src = to_frvec(values[cols[b.column_name]], b.column_name)
        dst = to_frvec(values[cols[a.column_name]], a.column_name).copy()
        dst.set_slice(a.row, src.slice(b.row, b.row + 1))
        values[cols[a.column_name]] = dst

    w = with_later(bad.witness, forge)
    failures = mock(bad.circuit, w)
    assert failures and all(isinstance(f, GateFailure) for f in failures)
    assert _refused(bad, pk, srs, vk, w)


@pytest.mark.parametrize("which", ["z", "y"])
def test_a_tampered_phase1_cell_in_any_block_is_named_and_does_not_verify(blocks, which):
    """One set Z (or Y) cell moved by one, in the first, a middle and the last block with
    phase-1 cells: the mock names a constraint on that cell; the proof does not verify."""
    g, ra, laid, srs, pk, vk = blocks
    j = 0 if which == "z" else 1
    blks = [b for b in sorted(laid.phase1_columns) if laid.phase1_assigned[b][:, j].any()]
    assert len(blks) >= 3
    for blk in dict.fromkeys([blks[0], blks[len(blks) // 2], blks[-1]]):
        col = laid.phase1_columns[blk][j]
        rows = np.flatnonzero(laid.phase1_assigned[blk][:, j])
        row = int(rows[len(rows) // 2])

        def tamper(values, _, col=col, row=row):
            v = to_frvec(values[col], col.name).copy()
            v.set_slice(row, _native.FrVec.from_ints([v[row] + 1]))
            values[col] = v

        w = with_later(laid.witness, tamper)
        failures = mock(laid.circuit, w)
        named = [f for f in failures if (isinstance(f, CopyFailure) and (col.name, row) in {(c.column_name, c.row) for c in f.cells})
                 or (isinstance(f, GateFailure) and laid.gate_block.get(f.gate) == blk and f.row in (row, row + 1))]
        assert named, (blk, row, failures)
        assert _refused(laid, pk, srs, vk, w), blk
