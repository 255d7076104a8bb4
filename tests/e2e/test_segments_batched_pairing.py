"""Attacks on the batched check of a segmented proof: the segments' KZG claims are combined with
fresh random weights into one multi-pairing, equal commitments merged into one MSM term and
each quotient commitment Σ x^{n·p}·[h_p]₁ folded into the MSM as its terms. A proof changed in
any of those places — an opening witness taken from another segment, quotient pieces reordered,
any single bit — must still be rejected."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ezk.plonk import Proof
from ezk.proving import verify_proof


def _bundle(m) -> dict:
    return json.loads(m.proof.read_text())


def _with_proof(m, tmp_path, s: int, proof_bytes: bytes):
    d = _bundle(m)
    d["proofs"][s] = proof_bytes.hex()
    p = tmp_path / "proof.json"
    p.write_text(json.dumps(d))
    return verify_proof(p, m.settings, m.vk, m.srs)


def _proof(m, s: int) -> Proof:
    return Proof.from_bytes(bytes.fromhex(_bundle(m)["proofs"][s]))


def test_an_opening_witness_from_another_segment_is_rejected(segmented_bundle, tmp_path):
    m = segmented_bundle
    a, b = _proof(m, 0), _proof(m, 1)
    for j in range(min(len(a.opening), len(b.opening))):
        forged = dataclasses.replace(a, opening=a.opening[:j] + (b.opening[j],) + a.opening[j + 1:])
        v = _with_proof(m, tmp_path, 0, forged.to_bytes())
        assert not v and "pairing" in v.reason, v.reason
    both = dataclasses.replace(a, opening=b.opening)  # all of them
    assert not _with_proof(m, tmp_path, 0, both.to_bytes())


def test_quotient_pieces_reordered_or_moved_are_rejected(segmented_bundle, tmp_path):
    m = segmented_bundle
    last = len(_bundle(m)["proofs"]) - 1
    for s in (0, last):
        p = _proof(m, s)
        assert len(p.h) >= 2
        swapped = dataclasses.replace(p, h=(p.h[1], p.h[0]) + p.h[2:])
        assert not _with_proof(m, tmp_path, s, swapped.to_bytes())
        moved = dataclasses.replace(p, h=p.h[:-2] + (p.h[-2] + p.h[-1], p.h[-1]))  # a piece added to another
        assert not _with_proof(m, tmp_path, s, moved.to_bytes())


@pytest.mark.parametrize("region", ["advice", "h", "evals", "opening"])
def test_one_bit_flipped_in_one_segment_proof_is_rejected(segmented_bundle, tmp_path, region):
    """A bit of one commitment, quotient piece, evaluation or opening witness of one segment: the
    bytes no longer decode, or the proof no longer verifies (the batch still catches it)."""
    m = segmented_bundle
    for s in range(len(_bundle(m)["proofs"])):
        p = _proof(m, s)
        raw = bytearray(p.to_bytes())
        # the byte offset of the region's first item (points are 32 bytes, evaluations too)
        head = len(b"ezk-plonk-proof") + 1
        offset = head
        for name in Proof._POINT_FIELDS + ("evals", "opening"):
            count = len(getattr(p, name))
            offset += 4
            if name == region:
                break
            offset += 32 * count
        for byte in (offset, offset + 17):
            flipped = bytearray(raw)
            flipped[byte] ^= 0x04
            v = _with_proof(m, tmp_path, s, bytes(flipped))
            assert not v and v.reason, (s, region, byte)
