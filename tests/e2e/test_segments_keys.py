"""The key bundle as the verifier reads it: layout 2 (uncompressed commitments) gives the same
keys and digests as encoding them again, layout 1 is still read, an unknown layout is one
sentence, and a bundle decoded once in a process is reused only for the very same bytes."""

from __future__ import annotations

import hashlib
import struct

import pytest

from ezk import _native
from ezk.artifacts import KeyFile, read_key, write_key
from ezk.errors import ArtifactError
from ezk.plonk.circuit import domain_of
from ezk.plonk.serial import Reader
from ezk.proving import verify_proof
from ezk.segments import artifacts as A


def _canonical_digest(vk) -> bytes:
    return hashlib.blake2b(vk.to_bytes(), digest_size=32, person=b"ezk-plonk-vk").digest()


def _layout1_body(body: bytes) -> bytes:
    """The same bundle body with compressed (32-byte) commitments, as layout 1 wrote it."""
    r = Reader(body, "bundle")
    out = [r.take(len(A.BUNDLE_TAG) + 1)]
    systems = r.u32()
    out.append(struct.pack("<I", systems))
    for _ in range(systems):
        blob = r.blob()
        out.append(struct.pack("<Q", len(blob)) + bytes(blob))
    keys = r.u32()
    out.append(struct.pack("<I", keys))
    for _ in range(keys):
        out.append(r.take(5))  # u32 system index, u8 k
        for _ in range(2):
            n = r.u32()
            out.append(struct.pack("<I", n) + _native.G1Vec.from_bytes(r.take(64 * n), False).to_bytes(True))
        n = r.u32()  # the instance columns' exact lengths, then the SRS digest: the same in both layouts
        out.append(struct.pack("<I", n) + bytes(r.take(4 * n)) + bytes(r.take(32)))
    r.done()
    return b"".join(out)


def test_layout_2_keys_and_digests_are_the_keys_setup_made(segmented_bundle):
    m = segmented_bundle
    key = read_key(m.vk, "vk")
    assert key.header["bundle_layout"] == 2
    bundle = A._decode_bundle(key, m.vk)
    for vk in bundle.vks:
        assert vk.digest == _canonical_digest(vk)
        assert vk.domain == domain_of(vk.cs, vk.k)
    manifest = read_key(m.pk, "pk").header["segments"]  # the digests setup computed, segment by segment
    assert [vk.digest.hex() for vk in bundle.vks] == [s["vk_digest"] for s in manifest]


def test_a_layout_1_bundle_is_still_read(segmented_bundle, tmp_path):
    m = segmented_bundle
    key = read_key(m.vk, "vk")
    old = tmp_path / "vk1.key"
    write_key(old, KeyFile("vk", {k: v for k, v in key.header.items() if k != "bundle_layout"},
                           _layout1_body(key.body)))
    a, b = A.read_vk_bundle(old), A._decode_bundle(key, m.vk)
    assert [v.digest for v in a.vks] == [v.digest for v in b.vks]
    assert all(x.fixed_commitments == y.fixed_commitments and x.sigma_commitments == y.sigma_commitments
               for x, y in zip(a.vks, b.vks))
    assert verify_proof(m.proof, m.settings, old, m.srs)


def test_an_unknown_layout_is_one_sentence(segmented_bundle, tmp_path):
    m = segmented_bundle
    key = read_key(m.vk, "vk")
    bad = tmp_path / "vk9.key"
    write_key(bad, KeyFile("vk", {**key.header, "bundle_layout": 9}, key.body))
    with pytest.raises(ArtifactError, match="layout 9"):
        A.read_vk_bundle(bad)


def test_a_decoded_bundle_is_reused_only_for_the_same_bytes(segmented_bundle, tmp_path):
    m = segmented_bundle
    assert A.read_vk_bundle(m.vk) is A.read_vk_bundle(m.vk)
    key = read_key(m.vk, "vk")
    # the same body under a header naming another digest: decoded afresh, and refused
    other = tmp_path / "vk_other.key"
    write_key(other, KeyFile("vk", {**key.header, "vk_digest": "00" * 32}, key.body))
    with pytest.raises(ArtifactError, match="inconsistent"):
        A.read_vk_bundle(other)
    # one commitment changed in the body: a different key, so the proof no longer verifies
    body = bytearray(key.body)
    fixed = A._native.G1Vec.from_points([_native.G1.generator()]).to_bytes(False)
    at = body.find(A._native.G1Vec.from_points([A.read_vk_bundle(m.vk).vks[0].fixed_commitments[0]]).to_bytes(False))
    assert at > 0
    body[at:at + 64] = fixed
    changed = tmp_path / "vk_changed.key"
    write_key(changed, KeyFile("vk", key.header, bytes(body)))
    with pytest.raises(ArtifactError, match="inconsistent"):  # its digests no longer match the header
        A.read_vk_bundle(changed)
