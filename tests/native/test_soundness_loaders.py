"""Fuzzed binary loaders: PLONK proof / vk / pk encodings, the ezk key envelope, and SRS files
(ezk ``.srs``, snarkjs ``.ptau``, halo2 ``ParamsKZG``).

Random bytes, every truncation, and single bit flips must end in an ``ArtifactError`` (one
sentence), a clean rejection (verify → False) or — for bytes the loader never reads — the very
same object; never another exception, a crash or a hang. Headers that claim huge counts are
refused before anything of that size is allocated (checked with tracemalloc, and by the test
finishing at all: a 2^32-element allocation would not).
"""

from __future__ import annotations

import struct
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ezk import _native
from ezk.artifacts import KeyFile, read_key, write_key
from ezk.errors import ArtifactError, EzkError
from ezk.kzg import SRS, load_srs
from ezk.plonk import Proof, ProvingKey, VerifyingKey, keygen, prove, verify
from ezk.plonk.keygen import PK_MAGIC, VK_MAGIC
from ezk.plonk.proof import PROOF_MAGIC
from tests.native import plonk_circuits as circuits
from tests.srs_files import write_halo2, write_ptau

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def srs():
    return SRS.generate(6, seed=b"soundness-loaders")


@pytest.fixture(scope="module")
def fib(srs):
    circuit, witness, instances = circuits.fibonacci()
    pk, vk = keygen(circuit, srs)
    proof = prove(pk, srs, witness)
    return {"vk": vk, "pk": pk, "instances": instances, "proof": proof.to_bytes(),
            "vk_bytes": vk.to_bytes(), "pk_bytes": pk.to_bytes()}


def _flip(data: bytes, bit: int) -> bytes:
    b = bytearray(data)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def _decode_or_artifact_error(fn, data):
    try:
        return fn(data)
    except ArtifactError as e:
        assert str(e).strip() and "\n" not in str(e)
        return None


# ------------------------------------------------------------------------- PLONK encodings


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([b"", PROOF_MAGIC, VK_MAGIC, PK_MAGIC]))
def test_random_bytes(fib, srs, tail, prefix):
    data = prefix + tail
    for fn in (Proof.from_bytes, VerifyingKey.from_bytes, ProvingKey.from_bytes):
        _decode_or_artifact_error(fn, data)
    assert verify(fib["vk"], srs.verifier(), fib["instances"], data) is False


@pytest.mark.parametrize("what", ["proof", "vk_bytes", "pk_bytes"])
def test_every_truncation_is_an_artifact_error(fib, what):
    data = fib[what]
    fn = {"proof": Proof.from_bytes, "vk_bytes": VerifyingKey.from_bytes, "pk_bytes": ProvingKey.from_bytes}[what]
    for n in range(len(data)):
        with pytest.raises(ArtifactError):
            fn(data[:n])
    with pytest.raises(ArtifactError):
        fn(data + b"\x00")


@FUZZ
@given(st.data())
def test_bit_flips_of_a_proof_are_rejected(fib, srs, data):
    bit = data.draw(st.integers(0, 8 * len(fib["proof"]) - 1))
    assert not verify(fib["vk"], srs.verifier(), fib["instances"], _flip(fib["proof"], bit))


@FUZZ
@given(st.data())
def test_bit_flips_of_a_vk_fail_or_give_a_key_that_rejects_the_proof(fib, srs, data):
    bit = data.draw(st.integers(0, 8 * len(fib["vk_bytes"]) - 1))
    vk = _decode_or_artifact_error(VerifyingKey.from_bytes, _flip(fib["vk_bytes"], bit))
    if vk is not None:  # e.g. a column kind flipped: the key decodes but is another circuit
        assert vk.digest != fib["vk"].digest
        try:
            accepted = verify(vk, srs.verifier(), fib["instances"], fib["proof"])
        except EzkError as e:  # the instances no longer fit the key's instance columns, or its SRS digest changed
            assert "instance" in str(e) or "SRS" in str(e)
            accepted = False
        assert not accepted


@FUZZ
@given(st.data())
def test_bit_flips_of_a_pk_fail_or_decode(fib, data):
    bit = data.draw(st.integers(0, 8 * len(fib["pk_bytes"]) - 1))
    pk = _decode_or_artifact_error(ProvingKey.from_bytes, _flip(fib["pk_bytes"], bit))
    if pk is not None:  # a flip in a fixed value or σ entry decodes; the result is a consistent key
        again = ProvingKey.from_bytes(pk.to_bytes())
        assert again.vk.digest == pk.vk.digest and again.sigma.shape == pk.sigma.shape


def _small_allocation(fn, *args, limit=4 << 20):
    """Run fn (expecting ArtifactError) and return the peak traced allocation in bytes."""
    tracemalloc.start()
    try:
        with pytest.raises(ArtifactError):
            fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_huge_counts_in_plonk_encodings_are_refused_before_allocating(fib):
    # a proof claiming 2^32 − 1 advice commitments
    assert _small_allocation(Proof.from_bytes, PROOF_MAGIC + struct.pack("<I", 0xFFFFFFFF) + b"\x00" * 64) < 4 << 20
    # a pk whose embedded vk blob claims 2^64 − 1 bytes
    assert _small_allocation(ProvingKey.from_bytes, PK_MAGIC + struct.pack("<Q", (1 << 64) - 1) + b"\x00" * 64) < 4 << 20
    # a vk claiming 2^32 − 1 columns
    assert _small_allocation(VerifyingKey.from_bytes, VK_MAGIC + b"\x05" + struct.pack("<I", 0xFFFFFFFF)) < 4 << 20


# ---------------------------------------------------------------------- the key envelope


@pytest.fixture(scope="module")
def key_files(fib, tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    header = {"compiled_digest": "ab" * 32, "settings_digest": "cd" * 32, "k": 5, "public": []}
    write_key(d / "vk.key", KeyFile("vk", header, fib["vk_bytes"]))
    write_key(d / "pk.key", KeyFile("pk", header, fib["pk_bytes"]))
    return d


@FUZZ
@given(st.data())
def test_key_envelope_bit_flips_and_truncations_are_artifact_errors(key_files, data):
    kind = data.draw(st.sampled_from(["vk", "pk"]))
    raw = (key_files / f"{kind}.key").read_bytes()
    if data.draw(st.booleans()):
        bad = _flip(raw, data.draw(st.integers(0, 8 * len(raw) - 1)))
    else:
        bad = raw[:data.draw(st.integers(0, len(raw) - 1))]
    (key_files / "bad.key").write_bytes(bad)
    with pytest.raises(ArtifactError):
        read_key(key_files / "bad.key", kind)


def test_key_envelope_kinds_and_huge_lengths(key_files):
    with pytest.raises(ArtifactError, match="is a verifying key, not a proving key"):
        read_key(key_files / "vk.key", "pk")
    with pytest.raises(ArtifactError, match="is a proving key, not a verifying key"):
        read_key(key_files / "pk.key", "vk")
    raw = (key_files / "vk.key").read_bytes()
    huge_header = raw[:16] + struct.pack("<I", 0xFFFFFFFF) + raw[20:]
    (key_files / "h.key").write_bytes(huge_header)
    assert _small_allocation(read_key, key_files / "h.key", "vk") < (4 << 20) + 4 * len(raw)
    (hlen,) = struct.unpack_from("<I", raw, 16)
    off = 20 + hlen
    huge_body = raw[:off] + struct.pack("<Q", (1 << 64) - 1) + raw[off + 8:]
    (key_files / "b.key").write_bytes(huge_body)
    with pytest.raises(ArtifactError):
        read_key(key_files / "b.key", "vk")
    assert read_key(key_files / "vk.key", "vk").body == VerifyingKey.from_bytes(read_key(key_files / "vk.key", "vk").body).to_bytes()


# ------------------------------------------------------------------------------- SRS files


@pytest.fixture(scope="module")
def srs_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("srs")
    srs = SRS.generate(3, seed=b"fuzz-srs")
    srs.save(d / "a.srs")
    write_ptau(d / "a.ptau", 3)
    write_halo2(d / "a.params", srs, srs.lagrange(8))
    originals = {name: load_srs(d / name) for name in ("a.srs", "a.ptau", "a.params")}
    return d, originals


def _same(a: SRS, b: SRS) -> bool:
    return (a.g1.to_bytes(True) == b.g1.to_bytes(True)[:len(a.g1) * 32] and a.g2 == b.g2 and a.tau_g2 == b.tau_g2)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_srs_bit_flips_truncations_and_garbage(srs_files, data):
    d, originals = srs_files
    name = data.draw(st.sampled_from(sorted(originals)))
    raw = (d / name).read_bytes()
    how = data.draw(st.sampled_from(["flip", "truncate", "garbage", "u32"]))
    if how == "flip":
        bad = _flip(raw, data.draw(st.integers(0, 8 * len(raw) - 1)))
    elif how == "truncate":
        bad = raw[:data.draw(st.integers(0, len(raw) - 1))]
    elif how == "garbage":
        bad = raw[:data.draw(st.integers(0, 80))] + data.draw(st.binary(max_size=300))
    else:  # a header field overwritten with an extreme value
        pos = data.draw(st.integers(0, min(len(raw), 120) - 4))
        value = data.draw(st.sampled_from([0, 1, 28, 29, 0x7FFFFFFF, 0xFFFFFFFF]))
        bad = raw[:pos] + struct.pack("<I", value) + raw[pos + 4:]
    k = data.draw(st.sampled_from([None, 0, 2, 3]))
    (d / "bad").write_bytes(bad)
    try:
        loaded = load_srs(d / "bad", k)
    except ArtifactError as e:
        assert str(e).strip() and "\n" not in str(e)
        return
    # bytes the loader never reads (unused ptau sections, prefix checksums beyond k, halo2's
    # g_lagrange) may change; what it returns must then be the original SRS (prefix)
    assert _same(loaded, originals[name]), f"{name} changed ({how}) and loaded as a different SRS"


def test_srs_headers_claiming_huge_sizes(srs_files, tmp_path):
    d, _ = srs_files
    raw = (d / "a.srs").read_bytes()
    for k_claim in (28, 27, 200):
        bad = raw[:28] + struct.pack("<IQ", k_claim, 1 << min(k_claim, 63)) + raw[40:]
        (tmp_path / "k.srs").write_bytes(bad)
        assert _small_allocation(load_srs, tmp_path / "k.srs") < 4 << 20
    ptau = (d / "a.ptau").read_bytes()
    # the header section's length claims 2^63 bytes
    bad = ptau[:16] + struct.pack("<Q", 1 << 63) + ptau[24:]
    (tmp_path / "s.ptau").write_bytes(bad)
    assert _small_allocation(load_srs, tmp_path / "s.ptau") < 4 << 20
    # power 28 in the header, tiny sections
    hpos = 12 + 12
    bad = ptau[:hpos + 36] + struct.pack("<I", 28) + ptau[hpos + 40:]
    (tmp_path / "p.ptau").write_bytes(bad)
    assert _small_allocation(load_srs, tmp_path / "p.ptau") < 4 << 20
    # 2^32 − 1 sections
    bad = ptau[:8] + struct.pack("<I", 0xFFFFFFFF) + ptau[12:]
    (tmp_path / "n.ptau").write_bytes(bad)
    assert _small_allocation(load_srs, tmp_path / "n.ptau") < 4 << 20
    # a halo2 file claiming k = 28 is not recognised (its size does not fit)
    params = (d / "a.params").read_bytes()
    (tmp_path / "k.params").write_bytes(struct.pack("<I", 28) + params[4:])
    assert _small_allocation(load_srs, tmp_path / "k.params") < 4 << 20


def test_g1_decoder_refuses_points_off_the_curve():
    good = _native.G1.generator().to_bytes()
    rejected = 0
    for bit in range(8 * len(good)):
        try:
            p = _native.G1.from_bytes(_flip(good, bit))
        except ValueError:
            rejected += 1
            continue
        assert p != _native.G1.generator()
    assert rejected > 0
