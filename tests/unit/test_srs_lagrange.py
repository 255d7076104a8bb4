"""Lagrange bases stored with the SRS: ezk .srs sections, halo2 g_lagrange, snarkjs lagrangeG1;
why every size is stored (the halving identity gives τ², not τ); commitments through them."""

import struct

import numpy as np
import pytest

from ezk import _native
from ezk.errors import ArtifactError
from ezk.kzg import SRS, commit, commit_lagrange, load_srs
from ezk.kzg import ceremony, srs_format

R = _native.MODULUS
K = 5
TAU = 0x1F2E3D4C5B6A79887766554433221100FFEEDDCCBBAA


@pytest.fixture(scope="module")
def gen() -> SRS:
    return SRS.generate(K, seed=b"srs-lagrange-tests")


@pytest.fixture(scope="module")
def powers_only(gen) -> SRS:
    """The same powers without any basis source: its bases come from the group iNTT."""
    return SRS(gen.g1, gen.g2, gen.tau_g2)


@pytest.fixture()
def saved(gen, tmp_path):
    path = tmp_path / "lag.srs"
    gen.save(path)
    return path


def raw(v: _native.G1Vec) -> bytes:
    return v.to_bytes(False)


def test_stored_bases_equal_the_intt_bases(gen, powers_only, saved):
    loaded = load_srs(saved)
    assert loaded.lagrange_sizes() == [1 << j for j in range(K + 1)]
    for j in range(K + 1):
        m = 1 << j
        ref = powers_only.truncated(j).lagrange(m)
        assert raw(loaded.cached_lagrange(m)) == raw(ref) == raw(gen.cached_lagrange(m))


def test_halving_identity_gives_tau_squared_not_tau():
    """L^{(n)}_i(X) + L^{(n)}_{i+n/2}(X) = L^{(n/2)}_i(X²): the pair sums of the size-n basis are
    the size-n/2 basis at τ², so a smaller basis cannot be derived from a larger one that way."""
    n = 16
    big = _native.G1Vec.lagrange_from_tau(TAU, n)
    pair_sums = [big[i] + big[i + n // 2] for i in range(n // 2)]
    at_tau = _native.G1Vec.lagrange_from_tau(TAU, n // 2)
    at_tau2 = _native.G1Vec.lagrange_from_tau(TAU * TAU % R, n // 2)
    assert pair_sums == [at_tau2[i] for i in range(n // 2)]
    assert all(pair_sums[i] != at_tau[i] for i in range(n // 2))


def test_commit_equals_commit_lagrange_with_the_stored_basis(gen, saved):
    loaded = load_srs(saved)
    for j in (0, 1, 3, K):
        m = 1 << j
        coeffs = _native.FrVec.random(m, seed=f"c{m}".encode())
        assert loaded.has_lagrange(m) and loaded._lagrange.get(m) is None
        assert commit_lagrange(loaded, _native.ntt(coeffs)) == commit(loaded, coeffs) == commit(gen, coeffs)
        assert loaded._lagrange.get(m) is not None  # commit_lagrange used (and cached) the stored basis
    # small signed integers, mostly zero: the case circuit columns are in
    col = np.zeros(1 << K, dtype=np.int64)
    col[[1, 7, 30]] = [5, -3, 65535]
    evals = _native.FrVec.from_i64(col)
    assert commit_lagrange(loaded, evals) == commit(loaded, _native.intt(evals))


def test_partial_load_serves_the_smaller_bases_only(gen, saved):
    part = load_srs(saved, k=3)
    assert part.lagrange_sizes() == [1, 2, 4, 8]
    assert raw(part.lagrange(8)) == raw(gen.cached_lagrange(8))
    # corruption in the largest basis does not touch a partial load
    data = bytearray(saved.read_bytes())
    data[-5] ^= 1
    saved.write_bytes(bytes(data))
    assert raw(load_srs(saved, k=3).lagrange(8)) == raw(gen.cached_lagrange(8))
    with pytest.raises(ArtifactError, match="Lagrange basis of size 2\\^5"):
        load_srs(saved).lagrange(1 << K)


def test_corrupt_lagrange_sections_are_artifact_errors(gen, saved):
    data = saved.read_bytes()
    mask = (1 << (K + 1)) - 1
    at8 = srs_format._lagrange_offset(K, mask, 3)
    for where in (at8, at8 + 64 * 8 - 1):
        bad = bytearray(data)
        bad[where] ^= 0x10
        saved.write_bytes(bytes(bad))
        srs = load_srs(saved)
        with pytest.raises(ArtifactError, match="Lagrange basis of size 2\\^3"):
            commit_lagrange(srs, _native.FrVec.random(8, seed=b"x"))
    saved.write_bytes(data[:-1])  # truncated: the file size no longer matches the header
    with pytest.raises(ArtifactError, match="truncated"):
        load_srs(saved)


def test_a_file_replaced_after_loading_is_refused(saved, tmp_path):
    srs = load_srs(saved)
    SRS.generate(K, seed=b"another tau").save(saved)
    with pytest.raises(ArtifactError):
        srs.lagrange(1 << K)


def test_version_1_files_still_load_without_bases(gen, tmp_path):
    path = tmp_path / "v1.srs"
    gen.save(path, lagrange=False)
    data = bytearray(path.read_bytes())
    data[24:28] = struct.pack("<I", 1)  # a v1 header (mask bytes zero) with v1 checksums
    header = bytes(data[:64])
    g2 = bytes(data[64 + 32 * (K + 1): 64 + 32 * (K + 1) + 256])
    g1 = bytes(data[64 + 32 * (K + 1) + 256:])
    data[64: 64 + 32 * (K + 1)] = srs_format._prefix_digests(header, g2, g1, K)
    path.write_bytes(bytes(data))
    old = load_srs(path)
    assert old.lagrange_sizes() == [] and raw(old.g1) == raw(gen.g1)
    coeffs = _native.FrVec.random(1 << K, seed=b"v1")
    assert commit_lagrange(old, _native.ntt(coeffs)) == commit(gen, coeffs)


# ----------------------------------------------------------------------------- ceremonies


def test_halo2_and_arkworks_roots_are_related_by_M():
    t = (R - 1) >> 28
    w = _native.root_of_unity(1 << 28)
    assert w == pow(5, t, R)
    assert pow(w, ceremony.HALO2_OMEGA_LOG, R) == pow(7, t, R)
    assert ceremony.HALO2_OMEGA_LOG % 2 == 1


def halo2_order_basis(ours: _native.G1Vec) -> _native.G1Vec:
    """halo2's g_lagrange from ours: L'_i = L_(M·i mod n)."""
    n = len(ours)
    return _native.G1Vec.from_points([ours[i * ceremony.HALO2_OMEGA_LOG % n] for i in range(n)])


def test_halo2_g_lagrange_is_used(tmp_path):
    from tests.srs_files import write_halo2

    n = 64  # M ≡ 1 mod 32: the orders first differ at n = 64 (M ≡ 33)
    assert ceremony.HALO2_OMEGA_LOG % n != 1
    g2 = _native.G2.generator()
    ref = SRS(_native.G1Vec.powers_of_tau(TAU, n), g2, g2.mul(TAU))
    ours = _native.G1Vec.lagrange_from_tau(TAU, n)
    path = tmp_path / "kzg6.srs"
    write_halo2(path, ref, halo2_order_basis(ours))
    srs = load_srs(path)
    assert srs.lagrange_sizes() == [n]
    assert raw(srs.cached_lagrange(n)) == raw(ours)
    assert load_srs(path, k=5).lagrange_sizes() == []  # no cheap smaller basis
    write_halo2(path, ref, ours)  # our order in a halo2 file: the order check refuses it
    with pytest.raises(ArtifactError, match="does not match its powers"):
        load_srs(path).lagrange(n)


def test_ezkl_file_g_lagrange_is_used(tmp_path):
    ezkl = pytest.importorskip("ezkl")
    k = 7  # halo2's and our orders differ from 2^6 on
    path = tmp_path / f"kzg{k}.srs"
    ezkl.gen_srs(str(path), k)
    srs = load_srs(path)
    assert srs.has_lagrange(1 << k)
    basis = srs.cached_lagrange(1 << k)
    assert raw(basis) == raw(SRS(srs.g1, srs.g2, srs.tau_g2).lagrange(1 << k))
    coeffs = _native.FrVec.random(1 << k, seed=b"ezkl")
    assert commit_lagrange(srs, _native.ntt(coeffs)) == commit(srs, coeffs)


def test_ptau_lagrange_section_is_used(tmp_path):
    from tests.srs_files import g1_raw, write_ptau

    power = 3
    path = tmp_path / "prep.ptau"
    write_ptau(path, power)
    plain = load_srs(path)
    assert plain.lagrange_sizes() == []
    section = b"".join(g1_raw(p) for j in range(power + 1)
                       for p in [_native.G1Vec.lagrange_from_tau(TAU, 1 << j)[i] for i in range(1 << j)])
    data = path.read_bytes()
    n_sections = struct.unpack_from("<I", data, 8)[0]
    data = data[:8] + struct.pack("<I", n_sections + 1) + data[12:] + struct.pack("<IQ", 12, len(section)) + section
    path.write_bytes(data)
    prepared = load_srs(path)
    assert prepared.lagrange_sizes() == [1, 2, 4, 8]
    for j in range(power + 1):
        assert raw(prepared.cached_lagrange(1 << j)) == raw(_native.G1Vec.lagrange_from_tau(TAU, 1 << j))
    assert load_srs(path, k=2).lagrange_sizes() == [1, 2, 4]
    # a wrong point in the section (still on the curve) fails the consistency check
    off = len(data) - 64 * 8
    swapped = data[:off] + data[off + 64: off + 128] + data[off: off + 64] + data[off + 128:]
    path.write_bytes(swapped)
    with pytest.raises(ArtifactError, match="does not match its powers"):
        load_srs(path).lagrange(8)
