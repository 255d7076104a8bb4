"""Multi-phase proving: phase-1 advice computed from challenges drawn after phase 0 is committed.

The example (``plonk_circuits.multiset_two_phase``): y is a rearrangement of x, shown by the
running product z over a challenge u, plus a lookup whose input uses a challenge v. Attack
tests: a wrong phase-1 cell, phase-1 advice computed with another challenge, a false statement,
every byte of the proof changed, each commitment replaced — the mock names the failure and the
proof does not verify.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ezk import _native
from ezk.errors import EzkError, WitnessError
from ezk.kzg import SRS, check_pairing_claims
from ezk.plonk import (
    CopyFailure, GateFailure, LookupFailure, Proof, VerifyingKey, Witness, keygen, mock, prove, verify,
    verify_deferred,
)
from tests.native import plonk_circuits as circuits

R = _native.MODULUS


@pytest.fixture(scope="module")
def srs():
    return SRS.generate(8, seed=b"plonk-phases")


@pytest.fixture(scope="module")
def proved(srs):
    circuit, witness, instances = circuits.multiset_two_phase()
    pk, vk = keygen(circuit, srs)
    return circuit, witness, instances, pk, vk, prove(pk, srs, witness)


def _later_with(witness, change):
    """The witness with ``change(phase_values)`` applied to what ``later`` returns."""
    def later(phase, challenges):
        return change(dict(witness.later(phase, challenges)))
    return dataclasses.replace(witness, later=later)


def test_two_phase_circuit_proves_and_verifies(srs, proved):
    circuit, witness, instances, pk, vk, proof = proved
    cs = circuit.cs
    assert cs.num_phases == 2 and [c.name for c in cs.advice_in_phase(1)] == ["z", "w"]
    assert [ch.name for ch in cs.challenges_in_phase(0)] == ["u", "v"]
    assert mock(circuit, witness) == []
    assert verify(vk, srs.verifier(), instances, proof)
    assert verify(vk, srs.verifier(), instances, Proof.from_bytes(proof.to_bytes()))
    assert len(proof.advice) == 5


def test_the_challenges_later_sees_are_the_transcripts(srs, proved):
    """``later`` gets exactly the u, v the verifier's replay of the transcript draws."""
    circuit, witness, instances, pk, vk, _ = proved
    seen = []

    def later(phase, challenges):
        seen.append(dict(challenges))
        return witness.later(phase, challenges)

    proof = prove(pk, srs, dataclasses.replace(witness, later=later))
    from ezk.plonk.protocol import ProofTranscript
    from ezk.plonk.verifier import _instances
    fs = ProofTranscript(vk, _instances(vk, instances))
    msgs = proof.advice_messages(vk.cs)
    ch = fs.round_advice(msgs[0])
    assert len(seen) == 1 and seen[0] == {c: ch.challenge(c) for c in vk.cs.challenges}
    assert ch.theta is None  # θ comes after the last phase
    assert fs.round_advice(msgs[1]).theta is not None


def test_mock_names_a_wrong_phase_one_value_and_the_proof_fails(srs, proved):
    circuit, witness, instances, pk, vk, _ = proved
    z = circuit.cs.advice_in_phase(1)[0]

    def bump_z(values):
        zv = values[z].to_ints()
        zv[7] = (zv[7] + 1) % R
        values[z] = _native.FrVec.from_ints(zv)
        return values

    bad = _later_with(witness, bump_z)
    failures = mock(circuit, bad)
    gates = [f for f in failures if isinstance(f, GateFailure)]
    assert {(f.gate, f.poly_name, f.row) for f in gates} == {("multiset", "step", 6), ("multiset", "step", 7)}
    assert all(f.name == "multiset[step]" and f.poly == 0 for f in gates)
    assert not verify(vk, srs.verifier(), instances, prove(pk, srs, bad))


def test_mock_names_a_wrong_challenge_lookup_value(srs, proved):
    circuit, witness, instances, pk, vk, _ = proved
    w = circuit.cs.advice_in_phase(1)[1]

    def bump_w(values):
        wv = values[w].to_ints()
        wv[3] = (wv[3] + 100) % R
        values[w] = _native.FrVec.from_ints(wv)
        return values

    bad = _later_with(witness, bump_w)
    failures = mock(circuit, bad)
    assert [(type(f), f.lookup, f.row) for f in failures] == [(LookupFailure, "masked", 3)]
    assert not verify(vk, srs.verifier(), instances, prove(pk, srs, bad))


def test_phase_one_advice_from_another_challenge_does_not_verify(srs, proved):
    """A prover that fixes u before seeing the transcript (to fake the running product)."""
    circuit, _, instances, pk, vk, _ = proved
    _, cheat, _ = circuits.multiset_two_phase(wrong_u=12345)
    assert any(f.kind == "gate" for f in mock(circuit, cheat))
    # with u fixed to the value it was computed for, everything holds: the challenge matters
    u = circuit.cs.challenges[0]
    assert mock(circuit, cheat, challenges={u: 12345}) == []
    assert not verify(vk, srs.verifier(), instances, prove(pk, srs, cheat))


def test_false_statement_is_named_and_not_provable(srs, proved):
    circuit, _, instances, pk, vk, _ = proved
    _, false, _ = circuits.multiset_two_phase(permuted=False)
    failures = mock(circuit, false)
    copies = [f for f in failures if isinstance(f, CopyFailure)]
    assert copies and copies[0].a.column_name == "one" and copies[0].b.column_name == "z"
    assert (copies[0].a.row, copies[0].b.row) == (0, 20)
    assert not verify(vk, srs.verifier(), instances, prove(pk, srs, false))


def test_every_byte_position_changed_is_rejected(srs, proved):
    *_, instances, _, vk, proof = proved
    data = proof.to_bytes()
    vsrs = srs.verifier()
    rng = np.random.default_rng(13)
    deltas = rng.integers(1, 256, size=len(data))
    accepted = []
    for pos in range(len(data)):
        bad = bytearray(data)
        bad[pos] ^= int(deltas[pos])
        if verify(vk, vsrs, instances, bytes(bad)):
            accepted.append(pos)
    assert accepted == [], f"changed bytes at {accepted[:10]} still verified"


def test_every_commitment_replaced_or_phases_swapped_is_rejected(srs, proved):
    *_, instances, _, vk, proof = proved
    vsrs = srs.verifier()
    other = _native.G1.generator().mul(777)
    for name in Proof._POINT_FIELDS + ("opening",):
        points = getattr(proof, name)
        for i in range(len(points)):
            changed = list(points)
            changed[i] = other
            assert not verify(vk, vsrs, instances, dataclasses.replace(proof, **{name: tuple(changed)}))
    # the phase-1 commitments moved before the phase-0 ones (same points, another order)
    adv = proof.advice
    swapped = adv[3:] + adv[:3]
    assert not verify(vk, vsrs, instances, dataclasses.replace(proof, advice=swapped))


def test_deferred_claims_of_many_proofs_batch_into_one_pairing(srs, proved):
    circuit, witness, instances, pk, vk, proof = proved
    vsrs = srs.verifier()
    fib_circuit, fib_witness, fib_instances = circuits.fibonacci()
    fpk, fvk = keygen(fib_circuit, srs)
    fproof = prove(fpk, srs, fib_witness)
    claims = [verify_deferred(vk, vsrs, instances, proof), verify_deferred(fvk, vsrs, fib_instances, fproof)]
    assert all(c is not None for c in claims) and check_pairing_claims(vsrs, claims)
    # a proof whose transcript replays but whose opening is wrong gives a false claim: the batch fails
    bad = dataclasses.replace(proof, opening=(proof.opening[0] + _native.G1.generator(),) + proof.opening[1:])
    bad_claim = verify_deferred(vk, vsrs, instances, bad)
    assert bad_claim is not None and not check_pairing_claims(vsrs, [claims[1], bad_claim])
    assert verify_deferred(vk, vsrs, instances, b"garbage") is None


def test_key_round_trip_keeps_phases_challenges_and_polynomial_names(srs, proved):
    circuit, *_, vk, proof = proved
    back = VerifyingKey.from_bytes(vk.to_bytes())
    assert back.to_bytes() == vk.to_bytes() and back.digest == vk.digest
    assert back.cs.describe() == circuit.cs.describe()
    assert [c.phase for c in back.cs.advice] == [0, 0, 0, 1, 1]
    assert [(ch.name, ch.phase) for ch in back.cs.challenges] == [("u", 0), ("v", 0)]
    assert back.cs.gates[0].poly_names == ("step", "start")
    assert "challenges: u@phase0, v@phase0" in back.cs.describe() and "z:advice@phase1" in back.cs.describe()


def test_witness_phases_are_checked(proved):
    circuit, witness, *_ = proved
    z = circuit.cs.advice_in_phase(1)[0]
    x = circuit.cs.advice_in_phase(0)[0]
    with pytest.raises(WitnessError, match="phase 1.*Witness.later"):
        mock(circuit, dataclasses.replace(witness, advice={**witness.advice, z: np.ones(3)}))
    with pytest.raises(WitnessError, match="no Witness.later"):
        mock(circuit, dataclasses.replace(witness, later=None))
    with pytest.raises(WitnessError, match="not in phase 1"):
        mock(circuit, _later_with(witness, lambda values: {**values, x: np.ones(3)}))


def test_challenge_expressions():
    from ezk.plonk import Circuit, ConstraintSystem
    cs = ConstraintSystem()
    a = cs.advice_column("a")
    u = cs.challenge(0, "u")
    assert u.degree() == 0 and (u * a.cur()).degree() == 1 and (u ** 3).degree() == 0
    assert (u ** 3 + a.cur()).evaluate_scalar(lambda q: 5, lambda ch: 2) == 13
    assert (u ** 0).evaluate_scalar(lambda q: 0) == 1
    with pytest.raises(EzkError, match="without challenge values"):
        (u * a.cur()).evaluate_scalar(lambda q: 1)
    other = ConstraintSystem().challenge(0, "elsewhere")
    with pytest.raises(EzkError, match="not in this constraint system"):
        cs.create_gate("g", [other * a.cur()])
    with pytest.raises(EzkError, match="phases are integers"):
        cs.advice_column("b", phase=-1)
    with pytest.raises(EzkError, match="two polynomials alike"):
        cs.create_gate("g", {1: a.cur(), "1": a.cur()})
    # a challenge of phase 1 with no phase-1 advice still gets its own round
    v = cs.challenge(1, "v")
    assert cs.num_phases == 2
    cs.create_gate("uses_v", [cs.selector("s").cur() * (a.cur() - v)])
    circuit = Circuit(cs=cs, k=4)
    assert mock(circuit, Witness(), challenges={}) == []


def test_old_format_versions_fail_with_one_sentence(proved):
    circuit, *_, pk, vk, proof = proved
    from ezk.plonk import ProvingKey
    from ezk.plonk.keygen import PK_MAGIC, VK_MAGIC
    from ezk.plonk.proof import PROOF_MAGIC, check_version

    for data, load, magic, what in ((proof.to_bytes(), Proof.from_bytes, PROOF_MAGIC, "proof"),
                                    (vk.to_bytes(), VerifyingKey.from_bytes, VK_MAGIC, "verifying key"),
                                    (pk.to_bytes(), ProvingKey.from_bytes, PK_MAGIC, "proving key")):
        old = magic[:-1] + b"\x01" + data[len(magic):]
        with pytest.raises(EzkError, match=f"the {what} has format version 1 but this ezk reads version {magic[-1]}"):
            load(old)
    old_proof = PROOF_MAGIC[:-1] + b"\x01" + proof.to_bytes()[len(PROOF_MAGIC):]
    with pytest.raises(EzkError, match="prove again"):
        check_version(old_proof)
    check_version(proof.to_bytes())
    check_version(b"\x00" * 40)  # not a proof at all: left to verify, which rejects it


def test_rounds_out_of_order_are_refused(proved):
    """Prover and verifier share one schedule object; a round skipped or repeated is an error."""
    from ezk.plonk.protocol import MultiplicityCommitments, ProofTranscript
    *_, vk, proof = proved
    fs = ProofTranscript(vk, [_native.FrVec.from_ints([1])])
    with pytest.raises(EzkError, match="round 'multiplicities' called while round 'advice' is due"):
        fs.round_multiplicities(MultiplicityCommitments(proof.m))
    msgs = proof.advice_messages(vk.cs)
    with pytest.raises(EzkError, match="do not fit phase 0"):
        fs.round_advice(msgs[1])
