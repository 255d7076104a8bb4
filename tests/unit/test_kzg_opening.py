"""KZG commitments and openings: completeness, and rejection of every kind of wrong claim."""

import pytest

from ezk import _native
from ezk.errors import EzkError
from ezk.kzg import (
    SRS,
    Combination,
    ProverQuery,
    VerifierQuery,
    batch_open,
    batch_verify,
    commit,
    commit_lagrange,
    open_at,
    verify_opening,
)
from ezk.transcript import Transcript

R = _native.MODULUS
K = 6


@pytest.fixture(scope="module")
def srs() -> SRS:
    return SRS.generate(K, seed=b"kzg-opening-tests")


def rand_poly(n: int, tag: str) -> _native.FrVec:
    return _native.FrVec.random(n, seed=tag.encode())


def transcript_with(commitments) -> Transcript:
    t = Transcript(b"kzg-test")
    t.absorb_points(b"commitments", commitments)
    return t


# ------------------------------------------------------------------------ commitments


def test_commit_matches_commit_lagrange(srs):
    for n in (1, 2, 8, 1 << K):
        coeffs = rand_poly(n, f"c{n}")
        assert commit(srs, coeffs) == commit_lagrange(srs, _native.ntt(coeffs))


def test_commit_is_linear_and_binding_to_tau(srs):
    a, b = rand_poly(20, "a"), rand_poly(20, "b")
    assert commit(srs, a + b) == commit(srs, a) + commit(srs, b)
    # [p(τ)]₁ with a known τ: regenerate the same SRS and compare with p(τ)·G
    tau = _native.FrVec.random(1, b"kzg-opening-tests")[0]
    assert commit(srs, a) == _native.G1.generator().mul(_native.poly_eval(a, tau))


def test_commit_rejects_oversized_inputs(srs):
    with pytest.raises(EzkError):
        commit(srs, rand_poly(srs.n + 1, "big"))
    with pytest.raises(EzkError):
        commit_lagrange(srs, rand_poly(3, "odd"))
    with pytest.raises(EzkError):
        commit_lagrange(srs, rand_poly(2 * srs.n, "big2"))


def test_lagrange_basis_is_cached_and_agrees_with_the_intt_path(srs):
    generated = SRS.generate(4, seed=b"fresh")
    fresh = SRS(generated.g1, generated.g2, generated.tau_g2)  # powers only: no basis source
    evals = rand_poly(16, "evals")
    assert fresh.cached_lagrange(16) is None and not fresh.has_lagrange(16)
    via_intt = commit_lagrange(fresh, evals)
    basis = fresh.lagrange(16)  # group iNTT
    assert fresh.cached_lagrange(16) is basis and fresh.lagrange(16) is basis
    assert basis.msm(evals) == via_intt == commit_lagrange(fresh, evals)
    # the generated SRS has it from τ without an iNTT, and it is the same basis
    assert generated.has_lagrange(16) and generated.lagrange_sizes() == [1, 2, 4, 8, 16]
    assert generated.cached_lagrange(16).to_bytes(False) == basis.to_bytes(False)
    # L_i(τ) = ω^i (τ^n - 1) / (n (τ - ω^i)), with the τ derived from the seed
    tau = _native.FrVec.random(1, b"fresh")[0]
    w = _native.root_of_unity(16)
    li = [pow(w, i, R) * (pow(tau, 16, R) - 1) * pow(16 * (tau - pow(w, i, R)), -1, R) % R for i in range(16)]
    assert [basis[i] for i in range(16)] == [_native.G1.generator().mul(s) for s in li]


# ------------------------------------------------------------------------ single opening


def test_single_opening_complete_and_sound(srs):
    p = rand_poly(40, "single")
    c = commit(srs, p)
    z = 123456789
    value, w = open_at(srs, p, z)
    assert value == _native.poly_eval(p, z)
    vsrs = srs.verifier()
    assert verify_opening(vsrs, c, z, value, w)
    assert not verify_opening(vsrs, c, z, value + 1, w)  # wrong evaluation
    assert not verify_opening(vsrs, c, z + 1, value, w)  # wrong point
    assert not verify_opening(vsrs, c + _native.G1.generator(), z, value, w)  # wrong commitment
    assert not verify_opening(vsrs, c, z, value, w + _native.G1.generator())  # wrong witness


def test_single_opening_of_a_constant(srs):
    p = _native.FrVec.from_ints([42])
    value, w = open_at(srs, p, 7)
    assert value == 42 and w.is_identity()
    assert verify_opening(srs.verifier(), commit(srs, p), 7, 42, w)


# ------------------------------------------------------------------------- batch opening


def make_batch(srs):
    """Five polynomials at three points, with several polynomials per point and one polynomial
    at two points (as PLONK opens z_perm at x and ωx)."""
    polys = [rand_poly(n, f"p{i}") for i, n in enumerate((64, 33, 5, 64, 1))]
    coms = [commit(srs, p) for p in polys]
    x, wx, y = 0x1234567, 0x7654321, R - 5
    layout = [(0, x), (1, x), (2, wx), (0, wx), (3, y), (4, x), (3, x)]
    pq = [ProverQuery(z, polys[i], _native.poly_eval(polys[i], z)) for i, z in layout]
    vq = [VerifierQuery(z, coms[i], q.eval) for (i, z), q in zip(layout, pq)]
    return polys, coms, pq, vq


def test_batch_open_complete_and_transcripts_agree(srs):
    _, coms, pq, vq = make_batch(srs)
    tp, tv = transcript_with(coms), transcript_with(coms)
    ws = batch_open(srs, pq, tp)
    assert len(ws) == 3  # one witness per distinct point
    assert batch_verify(srs.verifier(), vq, ws, tv)
    assert tp.squeeze_challenge(b"next") == tv.squeeze_challenge(b"next")


def _verify(srs, coms, vq, ws):
    return batch_verify(srs.verifier(), vq, ws, transcript_with(coms))


@pytest.fixture(scope="module")
def batch(srs):
    polys, coms, pq, vq = make_batch(srs)
    ws = batch_open(srs, pq, transcript_with(coms))
    assert _verify(srs, coms, vq, ws)
    return coms, vq, ws


def test_batch_rejects_wrong_evaluation(srs, batch):
    coms, vq, ws = batch
    for i in range(len(vq)):
        bad = list(vq)
        bad[i] = VerifierQuery(vq[i].point, vq[i].commitment, vq[i].eval + 1)
        assert not _verify(srs, coms, bad, ws), i


def test_batch_rejects_wrong_point(srs, batch):
    coms, vq, ws = batch
    bad = list(vq)
    bad[2] = VerifierQuery(vq[2].point + 1, vq[2].commitment, vq[2].eval)
    assert not _verify(srs, coms, bad, ws)  # a new point: also a witness-count mismatch
    bad = list(vq)
    # p1 claimed at ωx instead of x: same groups in the same order, so only the pairing catches it
    bad[1] = VerifierQuery(vq[2].point, vq[1].commitment, vq[1].eval)
    assert not _verify(srs, coms, bad, ws)


def test_batch_rejects_wrong_commitment(srs, batch):
    coms, vq, ws = batch
    bad = list(vq)
    bad[1] = VerifierQuery(vq[1].point, vq[1].commitment + _native.G1.generator(), vq[1].eval)
    assert not _verify(srs, coms, bad, ws)


def test_batch_rejects_swapped_commitments(srs, batch):
    coms, vq, ws = batch
    bad = list(vq)
    bad[0] = VerifierQuery(vq[0].point, vq[1].commitment, vq[0].eval)
    bad[1] = VerifierQuery(vq[1].point, vq[0].commitment, vq[1].eval)
    assert not _verify(srs, coms, bad, ws)


def test_batch_rejects_reordered_queries(srs, batch):
    coms, vq, ws = batch
    assert not _verify(srs, coms, [vq[1], vq[0]] + list(vq[2:]), ws)


def test_batch_rejects_wrong_witnesses(srs, batch):
    coms, vq, ws = batch
    g = _native.G1.generator()
    assert not _verify(srs, coms, vq, [ws[0] + g] + list(ws[1:]))
    assert not _verify(srs, coms, vq, [ws[1], ws[0], ws[2]])
    assert not _verify(srs, coms, vq, ws[:2])  # too few
    assert not _verify(srs, coms, vq, list(ws) + [g])  # too many
    assert not _verify(srs, coms, [], [])


def test_batch_rejects_another_transcript(srs, batch):
    coms, vq, ws = batch
    assert not batch_verify(srs.verifier(), vq, ws, transcript_with(coms[::-1]))


def test_batch_duplicates(srs):
    p = rand_poly(17, "dup")
    c = commit(srs, p)
    z = 99
    e = _native.poly_eval(p, z)
    ws = batch_open(srs, [ProverQuery(z, p, e), ProverQuery(z, p, e)], transcript_with([c]))
    vsrs = srs.verifier()
    same = [VerifierQuery(z, c, e), VerifierQuery(z, c, e)]
    assert batch_verify(vsrs, same, ws, transcript_with([c]))
    conflicting = [VerifierQuery(z, c, e), VerifierQuery(z, c, e + 1)]
    assert not batch_verify(vsrs, conflicting, ws, transcript_with([c]))
    # the same conflict written with a point outside [0, r) is still caught
    conflicting = [VerifierQuery(z, c, e), VerifierQuery(z + R, c, e + 1)]
    assert not batch_verify(vsrs, conflicting, ws, transcript_with([c]))


def test_batch_open_refuses_a_false_claim(srs):
    p = rand_poly(8, "false")
    with pytest.raises(EzkError):
        batch_open(srs, [ProverQuery(3, p, _native.poly_eval(p, 3) + 1)], Transcript(b"x"))
    with pytest.raises(EzkError):
        batch_open(srs, [], Transcript(b"x"))


# ------------------------------------------------------- a commitment given by its terms


def _as_combination(srs, polys_scales):
    """([Σ cᵢ·pᵢ(τ)]₁ as a Combination of the parts' commitments, the combined polynomial)."""
    parts = [commit(srs, p) for p, _ in polys_scales]
    combined = _native.linear_combination([p.resize(64) for p, _ in polys_scales], [c for _, c in polys_scales])
    return Combination(tuple(parts), tuple(c for _, c in polys_scales)), combined


def test_a_combination_commitment_verifies_as_the_point_it_stands_for(srs):
    """PLONK's verifier hands [h]₁ = Σ x^{n·p}·[h_p]₁ to the batch check as a Combination: the
    verdicts are those of the combined point, and any wrong term is caught."""
    a, b, c = rand_poly(64, "ca"), rand_poly(40, "cb"), rand_poly(64, "cc")
    scales = [1, 0x1234567890ABCDEF, R - 3]
    combo, poly = _as_combination(srs, list(zip((a, b, c), scales)))
    other = rand_poly(64, "co")
    x, wx = 0x42, 0x4242
    pq = [ProverQuery(x, poly, _native.poly_eval(poly, x)), ProverQuery(x, other, _native.poly_eval(other, x)),
          ProverQuery(wx, other, _native.poly_eval(other, wx))]
    coms = [commit(srs, poly), commit(srs, other)]
    ws = batch_open(srs, pq, transcript_with(coms))
    as_point = [VerifierQuery(q.point, com, q.eval) for q, com in zip(pq, coms + [coms[1]])]
    as_terms = [VerifierQuery(pq[0].point, combo, pq[0].eval)] + as_point[1:]
    assert _verify(srs, coms, as_point, ws) and _verify(srs, coms, as_terms, ws)
    g = _native.G1.generator()
    wrong = [Combination(combo.bases, (combo.scalars[0], combo.scalars[1] + 1, combo.scalars[2])),  # a scale
             Combination((combo.bases[0], combo.bases[2], combo.bases[1]), combo.scalars),  # terms swapped
             Combination((combo.bases[0] + g,) + combo.bases[1:], combo.scalars),  # a term moved
             Combination(combo.bases[:2], combo.scalars[:2])]  # a term dropped
    for bad in wrong:
        assert not _verify(srs, coms, [VerifierQuery(pq[0].point, bad, pq[0].eval)] + as_point[1:], ws)
    bad_eval = [VerifierQuery(pq[0].point, combo, pq[0].eval + 1)] + as_point[1:]
    assert not _verify(srs, coms, bad_eval, ws)
