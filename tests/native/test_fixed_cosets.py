"""The fixed polynomials stored at setup (``ezk.plonk.fixed_cosets``): each stored vector equals
the one the prover computes, a proof made with them verifies, a mutated stored value makes the
proof fail to verify, and a file of another key, of another domain or cut short is not used."""

from __future__ import annotations

import pytest

from ezk import _native
from ezk.kzg import SRS
from ezk.plonk import fixed_cosets, keygen, prove, verify
from ezk.plonk.fixed_cosets import COEFFS, FixedCosets
from ezk.plonk.polys import ProofPolynomials
from ezk.plonk.program import FRAME_KEYS
from ezk.plonk.protocol import Challenges
from ezk.plonk.quotient import QuotientEvaluator
from tests.native.plonk_circuits import lookups, multiply_accumulate

TAG = bytes(range(32))


def _keys(build):
    circuit, witness, instances = build()
    srs = SRS.generate(circuit.k, seed=b"fixed-cosets")
    pk, vk = keygen(circuit, srs)
    return pk, vk, srs, witness, instances


def _stored(pk, tmp_path):
    """pk's cosets file written under tmp_path, and the file opened: (path, FixedCosets)."""
    path = tmp_path / "pk.key.cosets"
    fixed_cosets.write(pk, path, TAG)
    return path, FixedCosets.open(path, TAG, pk.vk.domain)


@pytest.fixture(scope="module")
def lookup_keys():
    return _keys(lookups)


@pytest.mark.parametrize("build", [lookups, multiply_accumulate])
def test_stored_vectors_equal_the_recomputed_ones(build, tmp_path):
    pk, *_ = _keys(build)
    d = pk.vk.domain
    path = tmp_path / "pk.key.cosets"
    assert fixed_cosets.write(pk, path, TAG) == path.stat().st_size
    stored = FixedCosets.open(path, TAG, d)
    entries = fixed_cosets.entries(pk)
    kinds = {key[0] for key, _ in entries}
    assert "col" in kinds and (build is lookups or "sigma" in kinds)
    assert any(j == d.ext_factor - 1 for _, j in entries)  # odd sub-cosets too
    for key, j in entries:
        coeffs = _native.intt(ProofPolynomials(pk, pk.vk.domain, 0).values(key))
        want = coeffs if j == COEFFS else _native.subcoset_ntt(coeffs, d.n, d.n_ext, j)
        assert stored.get(key, j) == want, (key, j)
    assert stored.get(("col", 10 ** 6), 0) is None
    # several at once, in the order asked, None where one is not stored
    keys = [key for key, j in entries if j == 0][:3]
    got = stored.get_many([keys[-1], ("col", 10 ** 6), *keys], 0)
    assert got[1] is None and got[0] == got[-1]
    assert got[2:] == [stored.get(key, 0) for key in keys]


def test_a_stored_file_that_changes_while_proving_is_refused(lookup_keys, tmp_path):
    pk = lookup_keys[0]
    path, stored = _stored(pk, tmp_path)
    key, j = fixed_cosets.entries(pk)[-1]
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size - 1)
    with pytest.raises(OSError, match="ended early"):
        stored.get(key, j)
    key, j = fixed_cosets.entries(pk)[0]
    with open(path, "r+b") as f:  # r itself in place of the vector's element 3
        f.seek(stored.offsets[(key, j)] + 3 * 32)
        f.write(_native.MODULUS.to_bytes(32, "little"))
    with pytest.raises(ValueError, match="element 3 of the vector at byte"):
        stored.get(key, j)


def test_quotient_with_stored_vectors_is_byte_for_byte_the_same(lookup_keys, tmp_path):
    pk = lookup_keys[0]
    d = pk.vk.domain
    path, stored = _stored(pk, tmp_path)
    ev = QuotientEvaluator(pk.vk.cs, d, split=False)
    fixed = {key for key, _ in fixed_cosets.entries(pk)}
    coeffs = {key: (_native.intt(ProofPolynomials(pk, pk.vk.domain, 0).values(key)) if key in fixed
                    else _native.FrVec.random(d.n, repr(key).encode()))
              for key in ev.program.keys if key not in FRAME_KEYS}
    ch = Challenges(user=(), theta=11, beta=22, gamma=33, y=44)
    want = ev.pieces(coeffs, ch)
    computed = ev.transforms
    got = ev.pieces(coeffs, ch, stored)
    assert [g.to_bytes() for g in got] == [w.to_bytes() for w in want]
    assert stored.reads > 0 and ev.transforms == computed - stored.reads


def test_a_proof_with_stored_vectors_verifies_without_fixed_transforms(lookup_keys, tmp_path):
    pk, vk, srs, witness, instances = lookup_keys
    path, stored = _stored(pk, tmp_path)
    proof = prove(pk, srs, witness, fixed_cosets=stored)
    assert verify(vk, srs.verifier(), instances, proof)
    assert stored.reads == len(fixed_cosets.entries(pk))  # every stored vector used, once


@pytest.mark.parametrize("which", ["coefficients", "sub-coset 0", "sub-coset 3"])
def test_a_mutated_stored_value_makes_the_proof_fail_to_verify(lookup_keys, tmp_path, which):
    """The file is not trusted for soundness: one changed element (still a field element) of a
    fixed polynomial's coefficients or sub-coset values gives a proof the verifier rejects."""
    pk, vk, srs, witness, instances = lookup_keys
    d = pk.vk.domain
    path, stored = _stored(pk, tmp_path)
    j = COEFFS if which == "coefficients" else int(which[-1])
    key = next(k for k, jj in fixed_cosets.entries(pk) if jj == j and k[0] == "col")
    off = stored.offsets[(key, j)] + 7 * 32
    old = stored.get(key, j)[7]
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(_native.FrVec.from_ints([old + 1]).to_montgomery_bytes())
    proof = prove(pk, srs, witness, fixed_cosets=FixedCosets.open(path, TAG, d))
    assert not verify(vk, srs.verifier(), instances, proof)


def test_a_file_of_another_key_domain_or_length_is_not_used(lookup_keys, tmp_path, capsys):
    pk = lookup_keys[0]
    d = pk.vk.domain
    path = tmp_path / "pk.key.cosets"
    fixed_cosets.write(pk, path, TAG)
    assert FixedCosets.open(path, TAG, d) is not None
    assert FixedCosets.open(path, bytes(32), d) is None
    assert "another proving key" in capsys.readouterr().err
    assert FixedCosets.open(path, TAG, type(d)(d.k + 1, d.degree, d.blinding)) is None
    assert "another domain" in capsys.readouterr().err
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size - 1)
    assert FixedCosets.open(path, TAG, d) is None
    assert "truncated" in capsys.readouterr().err
    path.write_bytes(b"not a cosets file at all")
    assert FixedCosets.open(path, TAG, d) is None
    assert FixedCosets.open(tmp_path / "absent", TAG, d) is None


def test_over_the_size_limit_nothing_is_written_and_an_old_file_goes(lookup_keys, tmp_path):
    pk = lookup_keys[0]
    path = tmp_path / "pk.key.cosets"
    assert fixed_cosets.write(pk, path, TAG) > 0
    assert fixed_cosets.write(pk, path, TAG, limit=1024) == 0
    assert not path.exists()
