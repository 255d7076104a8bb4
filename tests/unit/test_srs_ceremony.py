"""Import of ceremony files: snarkjs .ptau (written here following the snarkjs section layout)
and halo2/EZKL ParamsKZG (written here, and by ezkl.gen_srs when ezkl is installed)."""

import struct

import numpy as np
import pytest

from ezk import _native
from ezk.errors import ArtifactError
from ezk.kzg import SRS, commit, commit_lagrange, load_srs
from ezk.kzg.ceremony import read_halo2_params
from tests.srs_files import TAU, write_halo2, write_ptau

R = _native.MODULUS


@pytest.fixture(scope="module")
def reference() -> SRS:
    """The SRS with the same τ built directly."""
    n = 1 << 4
    g = _native.G2.generator()
    return SRS(_native.G1Vec.powers_of_tau(TAU, n), g, g.mul(TAU))


def test_ptau_import(tmp_path, reference):
    path = tmp_path / "pot4.ptau"
    write_ptau(path, 4)
    srs = load_srs(path)
    assert srs.k == 4
    assert srs.g1.to_bytes(True) == reference.g1.to_bytes(True)
    assert srs.g2 == reference.g2 and srs.tau_g2 == reference.tau_g2
    assert srs.check_powers(b"r")
    part = load_srs(path, k=2)
    assert part.g1.to_bytes(True) == reference.g1.slice(0, 4).to_bytes(True)
    with pytest.raises(ArtifactError, match="fewer"):
        load_srs(path, k=5)


def test_ptau_with_only_required_sections(tmp_path, reference):
    path = tmp_path / "min.ptau"
    write_ptau(path, 3, extra_sections=False)
    assert load_srs(path).g1.to_bytes(True) == reference.g1.slice(0, 8).to_bytes(True)


def test_ptau_inconsistent_tau_is_rejected(tmp_path):
    path = tmp_path / "bad.ptau"
    write_ptau(path, 2, tau_g2=TAU + 1)
    with pytest.raises(ArtifactError, match="not a valid SRS"):
        load_srs(path)


def test_ptau_corruptions(tmp_path):
    path = tmp_path / "c.ptau"
    write_ptau(path, 2)
    data = path.read_bytes()
    cases = {
        "truncated": data[:-10],
        "version": data[:4] + struct.pack("<I", 2) + data[8:],
        "sections": data[:8] + struct.pack("<I", 10_000) + data[12:],
        "curve": data[:28] + bytes([data[28] ^ 1]) + data[29:],  # q in the header
    }
    # an off-curve tauG1 point: flip a byte of y of [τ]₁ (tauG1 starts after the header section)
    at = 12 + 12 + 44 + 12 + 64 + 32 + 3
    cases["point"] = data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]
    for name, blob in cases.items():
        path.write_bytes(blob)
        with pytest.raises(ArtifactError):
            load_srs(path)


# -------------------------------------------------------------------------------- halo2


def test_halo2_import_of_our_writer(tmp_path, reference):
    path = tmp_path / "kzg4.srs"
    write_halo2(path, reference, reference.lagrange(16))
    srs = load_srs(path)
    assert srs.g1.to_bytes(True) == reference.g1.to_bytes(True)
    assert srs.tau_g2 == reference.tau_g2
    assert load_srs(path, k=3).g1.to_bytes(True) == reference.g1.slice(0, 8).to_bytes(True)
    data = path.read_bytes()
    path.write_bytes(data[:-1])
    with pytest.raises(ArtifactError):
        load_srs(path)
    # a point off the curve inside g: flip a byte of y of [τ]₁
    at = 4 + 64 + 32 + 5
    path.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1:])
    with pytest.raises(ArtifactError, match="invalid curve point"):
        load_srs(path)


def subgroup_index_map(ours: _native.G1Vec, theirs: _native.G1Vec) -> list[int]:
    """m such that theirs[i] = ours[i·m mod n] (two Lagrange bases of the same subgroup
    indexed by different generators ω' = ω^m)."""
    n = len(ours)
    index = {ours[j].to_bytes(): j for j in range(n)}
    assert len(index) == n
    js = [index.get(theirs[i].to_bytes()) for i in range(n)]
    assert None not in js, "the file's Lagrange basis is not a basis of our subgroup"
    m = js[1]
    assert js == [i * m % n for i in range(n)]
    return js


def test_ezkl_gen_srs_import(tmp_path):
    ezkl = pytest.importorskip("ezkl")
    k = 4
    path = tmp_path / f"kzg{k}.srs"
    ezkl.gen_srs(str(path), k)
    srs = load_srs(path)
    assert srs.k == k and srs.check_pairing() and srs.check_powers(b"r")
    assert srs.g1[0] == _native.G1.generator() and srs.g2 == _native.G2.generator()
    # the file's own g_lagrange commits consistently with our powers
    points, file_lagrange = read_halo2_params(path, with_lagrange=True)
    perm = subgroup_index_map(srs.lagrange(1 << k), file_lagrange)
    coeffs = _native.FrVec.random(1 << k, seed=b"ezkl")
    evals_on_their_domain = _native.ntt(coeffs).gather(np.array(perm, dtype=np.int64))
    assert file_lagrange.msm(evals_on_their_domain) == commit(srs, coeffs)
    assert commit_lagrange(srs, _native.ntt(coeffs)) == commit(srs, coeffs)
    # partial load of the real file
    assert load_srs(path, k=2).g1.to_bytes(True) == srs.g1.slice(0, 4).to_bytes(True)


@pytest.mark.parametrize("tau", [0, 1, R - 1], ids=["tau=0", "tau=1", "tau=-1"])
def test_degenerate_ceremony_files_are_refused(tmp_path, tau):
    """τ ∈ {0, ±1} makes τ public: a .ptau or a halo2 ParamsKZG file holding one is refused."""
    write_ptau(tmp_path / "d.ptau", 2, tau=tau)
    with pytest.raises(ArtifactError, match="degenerate SRS"):
        load_srs(tmp_path / "d.ptau")
    g = _native.G2.generator()
    srs = SRS(_native.G1Vec.powers_of_tau(tau, 4), g, g.mul(tau))
    write_halo2(tmp_path / "kzg2.srs", srs, srs.lagrange(4))
    with pytest.raises(ArtifactError, match="degenerate SRS"):
        load_srs(tmp_path / "kzg2.srs")
