"""Attack tests for polycommit visibility with real proofs: a prover whose polycommit column
differs from the cells the model reads (input, weights) or computes (output) — to present the
commitment of a tensor it did not use — or who hides values in the column's unused rows is
named by the mock and its proof does not verify. The honest proof verifies and carries exactly
the commitments anyone computes from the tensors."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.graph.forward import forward
from ezk.kzg import SRS
from ezk.layout import lay_out
from ezk.layout.links import proof_positions
from ezk.plonk import CopyFailure, GateFailure, Witness, keygen, mock, prove, verify
from ezk.polycommit import blinding, commit_tensor
from tests.unit.hashed_models import hashed_args, hashed_graph, x_values

K = 8


@pytest.fixture(scope="module")
def keys():
    g = hashed_graph(vis="polycommit")
    ra = hashed_args(k=K, vis="polycommit")
    laid = lay_out(g, ra)
    srs = SRS.generate(K, seed=b"ezk-polycommit-prove-test")
    pk, vk = keygen(laid.circuit, srs)
    return g, ra, srs, pk, vk


def _prove(keys, laid, advice=None):
    _, _, srs, pk, vk = keys
    d = vk.domain
    w = laid.witness if advice is None else Witness(advice=advice, instance=laid.witness.instance)
    blind = {c.index: blinding(d.n - d.usable) for pc in laid.polycommit for c in pc.columns}
    return prove(pk, srs, w, advice_blinding=blind)


def _verifies(keys, laid, proof) -> bool:
    _, _, srs, _, vk = keys
    return verify(vk, srs.verifier(), laid.instances, proof)


def _commitments(keys, laid, proof, kind):
    _, _, _, _, vk = keys
    (pc,) = [p for p in laid.polycommit if p.kind == kind]
    return [proof.advice[i] for i in proof_positions(vk.cs, pc.columns)], pc


def test_honest_proof_carries_the_tensors_commitments(keys):
    g, ra, srs, _, _ = keys
    trace = forward(g, [x_values()])
    laid = lay_out(g, ra, trace)
    proof = _prove(keys, laid)
    assert _verifies(keys, laid, proof)
    for kind, tid in (("input", g.inputs[0]), ("param", 1), ("output", g.outputs[0])):
        got, _ = _commitments(keys, laid, proof, kind)
        assert got == commit_tensor(trace.values[tid], K, srs)
    # with fresh random blinding the proof still verifies, but its commitments are nobody's
    # tensor commitment: the swap check (equal commitments) fails for it
    from ezk.plonk import prove as plain_prove

    _, _, srs, pk, _ = keys
    other = plain_prove(pk, srs, laid.witness)
    assert _verifies(keys, laid, other)
    assert _commitments(keys, laid, other, "input")[0] != commit_tensor(trace.values[g.inputs[0]], K, srs)


@pytest.mark.parametrize("kind", ["input", "param", "output"])
def test_a_column_other_than_the_cells_is_named_by_the_mock_and_does_not_verify(keys, kind):
    """The model runs on x′ (or computes y′), the column holds the honest tensor: its commitment
    is the one the verifier expects, so only the copy constraints stand in the way."""
    g, ra, srs, _, _ = keys
    honest = forward(g, [x_values()])
    x2 = x_values()
    x2[1, 2] += 3
    cheat = lay_out(g, ra, forward(g, [x2]))
    _, pc = _commitments(keys, cheat, _prove(keys, cheat), kind)
    advice = dict(cheat.witness.advice)
    target = np.asarray(honest.values[pc.tensor], np.int64).reshape(-1)
    if kind == "param":  # the weights are the same in both runs: claim other weights
        target = target + 1
    col = advice[pc.columns[0]].copy()
    col[:pc.length] = target
    advice[pc.columns[0]] = col
    failures = mock(cheat.circuit, Witness(advice=advice, instance=cheat.witness.instance))
    assert failures and all(isinstance(f, CopyFailure) for f in failures)
    assert any(pc.columns[0].name in cheat.explain(f) for f in failures)
    proof = _prove(keys, cheat, advice)
    got, _ = _commitments(keys, cheat, proof, kind)
    assert got == commit_tensor(target, K, srs)  # the commitment the attacker wants to present
    assert not _verifies(keys, cheat, proof)


def test_values_past_the_tensor_are_named_by_the_mock_and_do_not_verify(keys):
    g, ra, _, _, _ = keys
    laid = lay_out(g, ra, forward(g, [x_values()]))
    _, pc = _commitments(keys, laid, _prove(keys, laid), "output")
    advice = dict(laid.witness.advice)
    col = advice[pc.columns[0]].copy()
    col[pc.length] = 5  # a longer "tensor" under the same columns
    advice[pc.columns[0]] = col
    failures = mock(laid.circuit, Witness(advice=advice, instance=laid.witness.instance))
    assert failures and all(isinstance(f, GateFailure) and f.gate.startswith("polycommit.output") for f in failures)
    assert not _verifies(keys, laid, _prove(keys, laid, advice))
