"""ezk's SRS: generation, truncation, the versioned file format and its failure modes."""

import struct

import pytest

from ezk import _native
from ezk.errors import ArtifactError, EzkError
from ezk.kzg import SRS, VerifierSRS, commit, load_srs
from ezk.kzg import srs_format

K = 5


@pytest.fixture(scope="module")
def srs() -> SRS:
    return SRS.generate(K, seed=b"srs-file-tests")


@pytest.fixture()
def saved(srs, tmp_path):
    path = tmp_path / "test.srs"
    srs.save(path)
    return path


FULL_MASK = (1 << (K + 1)) - 1  # a generated SRS stores every Lagrange size 2^0 … 2^K
G2_AT = srs_format.HEADER_SIZE + 32 * (K + 1) + 32 * (K + 1)
G1_AT = G2_AT + 2 * 128
G1_END = G1_AT + 64 * (1 << K)


def same_srs(a: SRS, b: SRS) -> bool:
    return (a.n == b.n and a.g1.to_bytes(False) == b.g1.to_bytes(False)
            and a.g2 == b.g2 and a.tau_g2 == b.tau_g2)


def test_generate_is_deterministic_with_seed_and_warns(capsys):
    a = SRS.generate(3, seed=b"s")
    assert "insecure, testing only" in capsys.readouterr().err
    b = SRS.generate(3, seed=b"s")
    c = SRS.generate(3, seed=b"t")
    assert same_srs(a, b) and not same_srs(a, c)
    assert (a.k, a.n, len(a.g1)) == (3, 8, 8)
    assert a.g1[0] == _native.G1.generator() and a.g2 == _native.G2.generator()
    assert a.check_powers(b"x")


def test_check_powers_detects_a_broken_power(srs):
    pts = [srs.g1[i] for i in range(srs.n)]
    pts[7] = pts[7] + _native.G1.generator()
    broken = SRS(_native.G1Vec.from_points(pts), srs.g2, srs.tau_g2)
    assert broken.check_pairing()  # the first two powers are intact
    assert not broken.check_powers(b"x")
    wrong_tau = SRS(srs.g1, srs.g2, srs.tau_g2.add(srs.g2))
    assert not wrong_tau.check_pairing()


def test_truncated_shares_prefix_and_lagrange(srs):
    small = srs.truncated(3)
    assert small.n == 8 and small.g1.to_bytes(True) == srs.g1.slice(0, 8).to_bytes(True)
    assert small.lagrange(8).to_bytes(True) == srs.lagrange(8).to_bytes(True)
    assert srs.truncated(K) is srs
    with pytest.raises(EzkError):
        srs.truncated(K + 1)


def test_save_load_round_trip(srs, saved):
    loaded = load_srs(saved)
    assert same_srs(srs, loaded)
    assert saved.stat().st_size == srs_format._file_size(K, FULL_MASK) == G1_END + 64 * ((2 << K) - 1)
    assert loaded.lagrange_sizes() == [1 << j for j in range(K + 1)]
    assert not saved.with_name(saved.name + ".tmp").exists()


def test_partial_load(srs, saved):
    for k in range(K + 1):
        part = load_srs(saved, k=k)
        assert same_srs(part, srs.truncated(k))
    with pytest.raises(ArtifactError, match="fewer"):
        load_srs(saved, k=K + 1)


def test_partial_load_ignores_corruption_beyond_the_prefix(srs, saved):
    data = bytearray(saved.read_bytes())
    data[G1_END - 1] ^= 1  # inside the last G1 point
    saved.write_bytes(bytes(data))
    assert same_srs(load_srs(saved, k=K - 1), srs.truncated(K - 1))
    with pytest.raises(ArtifactError, match="checksum"):
        load_srs(saved)


@pytest.mark.parametrize("where", ["header", "digests", "lagrange_digests", "g2", "g1_first", "g1_last"])
def test_corrupt_file_is_rejected(saved, where):
    data = bytearray(saved.read_bytes())
    offsets = {
        "header": 29,  # inside k
        "digests": srs_format.HEADER_SIZE + 3,
        "lagrange_digests": srs_format.HEADER_SIZE + 32 * (K + 1) + 32 * K + 7,  # e_K
        "g2": G2_AT + 5,
        "g1_first": G1_AT + 1,
        "g1_last": G1_END - 3,
    }
    data[offsets[where]] ^= 0x40
    saved.write_bytes(bytes(data))
    with pytest.raises(ArtifactError):
        srs = load_srs(saved)
        srs.lagrange(srs.n)  # a Lagrange section is checked when it is first read


def test_truncated_file_is_rejected(saved):
    data = saved.read_bytes()
    for cut in (len(data) - 1, len(data) - 64, 100, 40, 5, 0):
        saved.write_bytes(data[:cut])
        with pytest.raises(ArtifactError):
            load_srs(saved)


def test_bad_magic_version_and_header(saved):
    data = saved.read_bytes()
    saved.write_bytes(b"\x00" + data[1:])
    with pytest.raises(ArtifactError, match="not an SRS file ezk recognises"):
        load_srs(saved)
    saved.write_bytes(data[:8] + b"X" + data[9:])
    with pytest.raises(ArtifactError, match="format name"):
        load_srs(saved)
    saved.write_bytes(data[:24] + struct.pack("<I", 3) + data[28:])
    with pytest.raises(ArtifactError, match="version 3"):
        load_srs(saved)
    huge = data[:28] + struct.pack("<IQ", 40, 1 << 40) + data[40:]  # capped before allocating
    saved.write_bytes(huge)
    with pytest.raises(ArtifactError, match="invalid SRS header"):
        load_srs(saved)


def test_rewritten_checksum_still_needs_valid_points(srs, tmp_path):
    """A forged file with a recomputed checksum but an off-curve point is still refused."""
    g1 = bytearray(srs.g1.to_bytes(False))
    g1[64 + 10] ^= 1
    body_g2 = srs.g2.to_bytes_uncompressed() + srs.tau_g2.to_bytes_uncompressed()
    header = srs_format._header_bytes(K)
    digests = b""
    for j in range(K + 1):
        h = srs_format._hasher()
        h.update(header + body_g2 + bytes(g1[: 64 << j]))
        digests += h.digest()
    path = tmp_path / "forged.srs"
    path.write_bytes(header + digests + body_g2 + bytes(g1))
    with pytest.raises(ArtifactError, match="invalid curve point"):
        load_srs(path)


def test_missing_and_garbage_files(tmp_path):
    with pytest.raises(ArtifactError, match="cannot read"):
        load_srs(tmp_path / "nope.srs")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"hello world, not an srs" * 10)
    with pytest.raises(ArtifactError):
        load_srs(junk)


def test_verifier_srs_bytes(srs):
    v = srs.verifier()
    data = v.to_bytes()
    assert len(data) == 168
    assert VerifierSRS.from_bytes(data) == v
    assert v.g1 == srs.g1[0] and v.tau_g2 == srs.tau_g2
    assert len(v.digest()) == 32
    with pytest.raises(ArtifactError):
        VerifierSRS.from_bytes(data[:-1])
    with pytest.raises(ArtifactError):
        VerifierSRS.from_bytes(b"x" + data[1:])
    bad = bytearray(data)
    bad[8:40] = b"\xff" * 31 + b"\x3f"  # x ≥ q: no point
    with pytest.raises(ArtifactError):
        VerifierSRS.from_bytes(bytes(bad))


def test_loaded_srs_commits_like_the_original(srs, saved):
    p = _native.FrVec.random(1 << K, seed=b"p")
    assert commit(load_srs(saved), p) == commit(srs, p)


@pytest.mark.parametrize("tau", [0, 1, _native.MODULUS - 1], ids=["tau=0", "tau=1", "tau=-1"])
def test_degenerate_srs_files_are_refused(tmp_path, tau):
    """τ ∈ {0, ±1} ([τ]₁ ∈ {O, ±[1]₁}, [τ]₂ ∈ {O, ±[1]₂}) is refused on every load, also when
    only the G2 side is degenerate, and in a serialised verifier SRS."""
    g = _native.G2.generator()
    SRS(_native.G1Vec.powers_of_tau(tau, 4), g, g.mul(tau)).save(tmp_path / "d.srs", lagrange=False)
    with pytest.raises(ArtifactError, match="degenerate SRS"):
        load_srs(tmp_path / "d.srs")
    SRS(_native.G1Vec.powers_of_tau(5, 4), g, g.mul(tau)).save(tmp_path / "g2.srs", lagrange=False)
    with pytest.raises(ArtifactError, match="degenerate SRS"):
        load_srs(tmp_path / "g2.srs", 1)
    v = VerifierSRS(_native.G1.generator(), g, g.mul(tau))
    with pytest.raises(ArtifactError, match="degenerate"):
        VerifierSRS.from_bytes(v.to_bytes())


def test_verifier_srs_is_read_once_per_file_and_again_when_the_file_changes(srs, tmp_path):
    """A verifier checking many proofs (or a bundle of many segments) reads and pairing-checks
    the SRS once per process; a different file at the same path is read again, and a corrupt
    one is still refused."""
    import os

    from ezk.proving import verifier_srs_for

    path = tmp_path / "v.srs"
    srs.save(path)
    first = verifier_srs_for(path)
    assert verifier_srs_for(path) is first
    assert first.to_bytes() == srs.verifier().to_bytes()
    other = SRS.generate(K, seed=b"another tau")
    other.save(path)
    os.utime(path, ns=(1, 1))  # a rewrite is told apart even with an old modification time
    assert verifier_srs_for(path).to_bytes() == other.verifier().to_bytes()
    data = bytearray(path.read_bytes())
    data[G1_AT + 64 + 5] ^= 0xFF  # [τ]₁ no longer on the curve
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError):
        verifier_srs_for(path)
