"""Proof tampering at the PLONK level: no changed byte, point, evaluation or public instance of
a valid proof verifies.

The byte test changes *every* position of the proof once (XOR with a random non-zero byte);
most changes break a point's encoding or a scalar's canonicity, so the structured tests also
replace each commitment by another valid curve point and each evaluation by another canonical
scalar — changes that decode cleanly and must be caught by the transcript and the pairing.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ezk import _native
from ezk.kzg import SRS
from ezk.plonk import Proof, keygen, prove, verify
from tests.native import plonk_circuits as circuits

R = _native.MODULUS


@pytest.fixture(scope="module")
def srs():
    return SRS.generate(9, seed=b"soundness-tampering")


@pytest.fixture(scope="module", params=["fibonacci", "lookups"])
def proved(request, srs):
    circuit, witness, instances = getattr(circuits, request.param)()
    pk, vk = keygen(circuit, srs)
    proof = prove(pk, srs, witness)
    assert verify(vk, srs.verifier(), instances, proof)
    return vk, instances, proof


def test_every_byte_position_changed_is_rejected(srs, proved):
    vk, instances, proof = proved
    data = proof.to_bytes()
    vsrs = srs.verifier()
    rng = np.random.default_rng(11)
    deltas = rng.integers(1, 256, size=len(data))
    accepted = []
    for pos in range(len(data)):
        bad = bytearray(data)
        bad[pos] ^= int(deltas[pos])
        if verify(vk, vsrs, instances, bytes(bad)):
            accepted.append(pos)
    assert len(data) >= 500  # the issue asks for ≥ 500 positions: all of them are covered here
    assert accepted == [], f"changed bytes at {accepted[:10]} still verified"


def test_every_commitment_replaced_by_a_valid_point_is_rejected(srs, proved):
    vk, instances, proof = proved
    vsrs = srs.verifier()
    other = _native.G1.generator().mul(12345)
    checked = 0
    for name in Proof._POINT_FIELDS + ("opening",):
        points = getattr(proof, name)
        for i in range(len(points)):
            for replacement in (other, points[i] + _native.G1.generator(), -points[i]):
                changed = list(points)
                changed[i] = replacement
                bad = dataclasses.replace(proof, **{name: tuple(changed)})
                assert not verify(vk, vsrs, instances, bad.to_bytes()), f"{name}[{i}] replaced and still verified"
                checked += 1
    assert checked >= 3 * (len(proof.advice) + len(proof.h) + len(proof.opening))


def test_every_evaluation_changed_is_rejected(srs, proved):
    vk, instances, proof = proved
    vsrs = srs.verifier()
    for i in range(len(proof.evals)):
        for delta in (1, R - 1):
            evals = list(proof.evals)
            evals[i] = (evals[i] + delta) % R
            bad = dataclasses.replace(proof, evals=tuple(evals))
            assert not verify(vk, vsrs, instances, bad.to_bytes()), f"evaluation {i} changed and still verified"


def test_every_public_instance_changed_is_rejected(srs):
    circuit, witness, instances = circuits.fibonacci()
    pk, vk = keygen(circuit, srs)
    proof = prove(pk, srs, witness)
    vsrs = srs.verifier()
    assert verify(vk, vsrs, instances, proof)
    col = np.asarray(instances[0])
    assert len(col) == 3
    for i in range(len(col)):
        for delta in (1, -1, R // 2):
            changed = [col.astype(object)]
            changed[0] = changed[0].copy()
            changed[0][i] = (int(changed[0][i]) + delta) % R
            assert not verify(vk, vsrs, [[int(v) for v in changed[0]]], proof), f"instance {i} + {delta} verified"
    # an extra public value (a row that should be zero) and a missing one are rejected too
    assert not verify(vk, vsrs, [[int(v) for v in col] + [5]], proof)
    assert not verify(vk, vsrs, [[int(v) for v in col[:2]]], proof)


def test_proof_fields_swapped_between_two_valid_proofs_are_rejected(srs):
    """Mixing parts of two valid proofs of the same statement gives no valid proof."""
    circuit, witness, instances = circuits.fibonacci()
    pk, vk = keygen(circuit, srs)
    a, b = prove(pk, srs, witness), prove(pk, srs, witness)
    vsrs = srs.verifier()
    swapped = 0
    for name in Proof._POINT_FIELDS + ("evals", "opening"):
        if not getattr(a, name):
            continue  # fibonacci has no lookups: m and φ are empty in both proofs
        swapped += 1
        mixed = dataclasses.replace(a, **{name: getattr(b, name)})
        assert not verify(vk, vsrs, instances, mixed), f"field {name} from another proof verified"
    assert swapped >= 6
