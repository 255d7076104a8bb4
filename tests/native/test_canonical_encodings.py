"""Canonical encodings only (issue #12): a point or scalar has one byte string. arkworks alone
reads the G1/G2 identity from any coordinates under the infinity flag, so proofs were
malleable; every decoder now re-encodes and compares. Property: whatever bytes a proof or
verifying key decodes from, it encodes back to exactly them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ezk import _native
from ezk.errors import ArtifactError
from ezk.kzg import SRS, VerifierSRS
from ezk.plonk import Proof, VerifyingKey, keygen, prove
from tests.native import plonk_circuits as circuits

R = _native.MODULUS
P = _native.BASE_MODULUS


def _with(data: bytes, i: int, byte: int) -> bytes:
    b = bytearray(data)
    b[i] = byte
    return bytes(b)


def _g1_variants() -> list[tuple[str, bytes]]:
    ident, ident64 = _native.G1.identity().to_bytes(), _native.G1.identity().to_bytes_uncompressed()
    g = _native.G1.generator()
    gx = g.to_bytes()
    x_plus_p = (int.from_bytes(gx, "little") + P).to_bytes(32, "little")  # x ≥ p, flags clear
    return [
        ("identity with a junk x", _with(ident, 0, 5)),
        ("identity with x = p − 1", (P - 1).to_bytes(32, "little")[:31] + bytes([((P - 1) >> 248) | 0x40])),
        ("identity with both flags", _with(ident, 31, 0xC0)),
        ("a point with both flags", _with(gx, 31, gx[31] | 0xC0)),
        ("a point with x + p", x_plus_p),
        ("uncompressed identity with junk coordinates", _with(ident64, 3, 9)),
        ("uncompressed identity with junk y", _with(ident64, 40, 1)),
        ("uncompressed point with the infinity flag", _with(g.to_bytes_uncompressed(), 63, 0x40)),
    ]


@pytest.mark.parametrize("what,data", _g1_variants(), ids=[w for w, _ in _g1_variants()])
def test_non_canonical_g1_encodings_are_refused(what, data):
    with pytest.raises(ValueError):
        _native.G1.from_bytes(data)
    if len(data) == 32:
        with pytest.raises(ValueError):
            _native.G1Vec.from_bytes(data, compressed=True)
    else:
        with pytest.raises(ValueError):
            _native.G1Vec.from_bytes(data, compressed=False)


def test_non_canonical_g2_encodings_are_refused():
    ident = _native.G2.identity().to_bytes()
    ident128 = _native.G2.identity().to_bytes_uncompressed()
    gen = _native.G2.generator().to_bytes()
    for data in (_with(ident, 0, 3), _with(ident, 40, 1), _with(ident, 63, 0xC0), _with(gen, 63, gen[63] | 0xC0),
                 _with(ident128, 7, 1), _with(ident128, 100, 2)):
        with pytest.raises(ValueError):
            _native.G2.from_bytes(data)
    for p in (_native.G2.identity(), _native.G2.generator()):  # the canonical ones still decode
        assert _native.G2.from_bytes(p.to_bytes()).to_bytes() == p.to_bytes()


def test_canonical_encodings_still_decode():
    for p in (_native.G1.identity(), _native.G1.generator(), -_native.G1.generator()):
        assert _native.G1.from_bytes(p.to_bytes()).to_bytes() == p.to_bytes()
        assert _native.G1.from_bytes(p.to_bytes_uncompressed()).to_bytes() == p.to_bytes()


def test_verifier_srs_with_a_non_canonical_point_is_refused():
    v = SRS.generate(2, seed=b"canonical").verifier()
    data = v.to_bytes()
    assert VerifierSRS.from_bytes(data) == v
    junk = VerifierSRS(_native.G1.identity(), v.g2, v.tau_g2).to_bytes()
    with pytest.raises(ArtifactError):
        VerifierSRS.from_bytes(_with(junk, 8, 1))  # [1]₁ field: identity with a junk x


@pytest.fixture(scope="module")
def fib():
    srs = SRS.generate(6, seed=b"canonical-proofs")
    circuit, witness, instances = circuits.fibonacci()
    pk, vk = keygen(circuit, srs)
    return {"proof": prove(pk, srs, witness).to_bytes(), "vk": vk.to_bytes()}


def test_proof_with_a_junk_identity_or_a_scalar_beyond_r_is_refused(fib):
    data = fib["proof"]
    start = len(b"ezk-plonk-proof\x01") + 4  # the first advice commitment
    ident = _native.G1.identity().to_bytes()
    Proof.from_bytes(data[:start] + ident + data[start + 32:])  # the canonical identity decodes
    with pytest.raises(ArtifactError, match="canonical"):
        Proof.from_bytes(data[:start] + _with(ident, 0, 1) + data[start + 32:])
    proof = Proof.from_bytes(data)
    body = proof.to_bytes()
    e0 = proof.evals[0]
    at = body.index(e0.to_bytes(32, "little"))
    if e0 + R < 1 << 256:
        with pytest.raises(ArtifactError, match="scalar is not canonical"):
            Proof.from_bytes(body[:at] + (e0 + R).to_bytes(32, "little") + body[at + 32:])
    with pytest.raises(ArtifactError, match="scalar is not canonical"):
        Proof.from_bytes(body[:at] + (2 ** 255).to_bytes(32, "little") + body[at + 32:])


def _flip(data: bytes, bit: int) -> bytes:
    b = bytearray(data)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_whatever_decodes_encodes_back_to_the_same_bytes(fib, data):
    for name, cls in (("proof", Proof), ("vk", VerifyingKey)):
        raw = fib[name]
        bits = data.draw(st.lists(st.integers(0, 8 * len(raw) - 1), min_size=1, max_size=3), label=name)
        bad = raw
        for bit in bits:
            bad = _flip(bad, bit)
        try:
            decoded = cls.from_bytes(bad)
        except ArtifactError:
            continue
        assert decoded.to_bytes() == bad, f"{name}: bits {bits} decode to another encoding"


def test_permutation_columns_out_of_order_or_repeated_are_refused(fib):
    """The vk lists its equality-enabled columns sorted and distinct; a reordered or repeated list
    decoded to the same set (a second encoding of one key) until the reader required the order."""
    vk = VerifyingKey.from_bytes(fib["vk"])
    perm = [c.index for c in vk.cs.permutation_columns]
    assert len(perm) >= 3

    def enc(indices):
        return b"".join(i.to_bytes(4, "little") for i in [len(indices), *indices])

    raw = fib["vk"]
    assert raw.count(enc(perm)) == 1
    swapped = [perm[0], perm[2], perm[1], *perm[3:]]
    repeated = [perm[0], perm[1], perm[1], *perm[3:]]
    for bad in (swapped, repeated):
        with pytest.raises(ArtifactError, match="increasing order"):
            VerifyingKey.from_bytes(raw.replace(enc(perm), enc(bad)))
