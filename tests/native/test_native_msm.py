"""Our Pippenger MSM (signed digits, batch-affine buckets, small-scalar split), the fixed-base
``powers_of_tau`` and ``lagrange_from_tau``, checked against arkworks' MSM
(``G1Vec.msm_arkworks``), py_ecc, and the identity Σ sᵢ·[τⁱ]₁ = [p(τ)]₁ with p = Σ sᵢXⁱ."""

import random

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn

import ezk._native as nat

from .fieldref import R, ecc_g1, fr

G1, G1Vec, FrVec = nat.G1, nat.G1Vec, nat.FrVec
TAU = 0x5EED_1234_ABCD


@pytest.fixture(scope="module")
def srs() -> G1Vec:
    return G1Vec.powers_of_tau(TAU, 1 << 12)


def check(bases: G1Vec, scalars: FrVec) -> G1:
    """Our MSM agrees with arkworks' and with the module-level function; returns it."""
    got = bases.msm(scalars)
    assert got == bases.msm_arkworks(scalars)
    assert nat.msm(bases, scalars) == got
    return got


def check_srs(srs: G1Vec, scalars: FrVec) -> None:
    """Σ sᵢ·[τⁱ]₁ = [Σ sᵢτⁱ]₁ — an independent check that needs no other MSM."""
    assert check(srs, scalars) == G1.generator().mul(nat.poly_eval(scalars, TAU))


def test_msm_matches_py_ecc_with_negative_and_large_scalars():
    rng = random.Random(7)
    ks = [rng.randrange(1, R) for _ in range(6)]
    ss = [-3, 5, R - 1, rng.randrange(R), 2**200 + 1, 0]
    bases = G1Vec.from_points([G1.generator().mul(k) for k in ks])
    expected = None
    for k, s in zip(ks, ss):
        term = bn.multiply(bn.G1, k * s % R)
        expected = term if expected is None else bn.add(expected, term)
    assert check(bases, fr(ss)).to_xy() == tuple(int(c) for c in bn.normalize(expected))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 33, 257, 1000, 4096])
def test_random_full_size_scalars(srs, n):
    check_srs(srs.slice(0, n), FrVec.random(n, seed=b"full%d" % n))


def test_larger_msm_uses_wide_windows():
    """2^14 points: windows of ≥ 11 bits, so the lane-parallel batch-affine bucket sums run."""
    n = 1 << 14
    bases = G1Vec.powers_of_tau(TAU, n)
    s = FrVec.random(n, seed=b"wide")
    assert check(bases, s) == G1.generator().mul(nat.poly_eval(s, TAU))
    mixed = FrVec.from_i64(np.random.default_rng(9).integers(-(2**20), 2**20, n, dtype=np.int64))
    mixed.set_slice(n - 4, FrVec.random(4, seed=b"blind"))
    assert check(bases, mixed) == G1.generator().mul(nat.poly_eval(mixed, TAU))


def test_n_zero_and_n_one(srs):
    assert srs.msm(FrVec.zeros(0)).is_identity()
    assert G1Vec.from_points([]).msm(FrVec.zeros(0)).is_identity()
    for s in (0, 1, -1, 2, R - 2, (R - 1) // 2, (R + 1) // 2, 2**252, 2**253 + 3):
        assert check(srs.slice(0, 1), fr([s])) == G1.generator().mul(s)


def test_zero_scalars_and_identity_bases(srs):
    assert check(srs.slice(0, 500), FrVec.zeros(500)).is_identity()
    pts = [G1.identity(), G1.generator().mul(3), G1.identity(), G1.generator().mul(5)]
    bases = G1Vec.from_points(pts)
    assert check(bases, fr([11, 2, 13, -1])) == G1.generator().mul(1)
    assert check(bases, fr([R - 1, 2**250, 9, 0])) == G1.generator().mul(3 * 2**250)
    assert check(G1Vec.from_points([G1.identity()] * 40), FrVec.random(40, seed=b"i")).is_identity()


def test_all_equal_points_take_the_doubling_path():
    g = G1.generator().mul(12345)
    for n in (2, 3, 64, 1000):
        bases = G1Vec.from_points([g] * n)
        ones = FrVec.constant(1, n)
        assert check(bases, ones) == g.mul(n)
        s = FrVec.random(n, seed=b"eq%d" % n)
        assert check(bases, s) == g.mul(s.sum())
        small = FrVec.from_i64(np.arange(n, dtype=np.int64) % 7)
        assert check(bases, small) == g.mul(small.sum())


def test_cancelling_points_give_identity_buckets():
    p, q = G1.generator().mul(77), G1.generator().mul(91)
    bases = G1Vec.from_points([p, -p, p, q, -q, -p, q] * 20)
    for s in ([1] * 140, [5, 5, 5, 5, 5, 5, 5] * 20, [3, 3, -3, 2, -2, 3, 1] * 20):
        expected = G1.identity()
        pts = [p, -p, p, q, -q, -p, q] * 20
        total = {}
        for pt, k in zip(pts, s):
            total[pt] = total.get(pt, 0) + k
        for pt, k in total.items():
            expected = expected + pt.mul(k)
        assert check(bases, fr(s)) == expected


def test_small_signed_scalars(srs):
    rng = np.random.default_rng(3)
    for bits in (1, 2, 8, 15, 16, 17, 20, 31, 40, 63):
        lo = -(1 << (bits - 1)) if bits > 1 else 0
        v = rng.integers(lo, 1 << (bits - 1) if bits > 1 else 2, 3000, dtype=np.int64)
        check_srs(srs.slice(0, 3000), FrVec.from_i64(v))
    check_srs(srs.slice(0, 2000), FrVec.from_i64(rng.integers(0, 2, 2000)))  # booleans
    check_srs(srs.slice(0, 2000), FrVec.from_i64(-rng.integers(0, 2, 2000)))  # 0 / -1


def test_scalars_at_bucket_and_class_boundaries(srs):
    vals = []
    for b in range(1, 70):
        vals += [2**b, 2**b - 1, 2**b + 1, -(2**b), -(2**b) + 1, -(2**b) - 1]
    vals += [(R - 1) // 2, (R + 1) // 2, (R - 1) // 2 - 1, (R + 3) // 2, R - 1, 2**253 - 1]
    check_srs(srs.slice(0, len(vals)), fr(vals))
    # Mostly 16-bit values and a few full-size ones (blinding rows): the split path.
    rng = np.random.default_rng(5)
    small = rng.integers(-(2**15), 2**15, 4096, dtype=np.int64)
    mixed = [int(x) for x in small]
    for i in (0, 100, 4090, 4095):
        mixed[i] = random.Random(i).randrange(R)
    mixed[7] = (R - 1) // 2  # the largest magnitude
    mixed[8] = 2**16  # just past the small class of 16-bit values
    check_srs(srs, fr(mixed))


def test_msm_prefix_and_length_error(srs):
    assert check(srs, fr([1, 1])) == G1.generator().mul(1 + TAU)
    with pytest.raises(ValueError, match="scalars but only"):
        srs.slice(0, 3).msm(FrVec.zeros(4))
    with pytest.raises(ValueError, match="scalars but only"):
        srs.slice(0, 3).msm_arkworks(FrVec.zeros(4))


def test_max_bits():
    assert FrVec.zeros(5).max_bits() == 0 and FrVec.zeros(0).max_bits() == 0
    assert fr([0, 1]).max_bits() == 1 and fr([-1]).max_bits() == 1
    assert fr([3, -4]).max_bits() == 3 and fr([2**16 - 1, -(2**15)]).max_bits() == 16
    assert fr([(R - 1) // 2]).max_bits() == ((R - 1) // 2).bit_length()
    assert fr([(R + 1) // 2]).max_bits() == ((R - 1) // 2).bit_length()
    v = np.random.default_rng(1).integers(-(2**40), 2**40, 1000)
    assert FrVec.from_i64(v).max_bits() == max(abs(int(x)) for x in v).bit_length()


def test_powers_of_tau_matches_scalar_multiplication():
    for tau in (0, 1, -1, 2, TAU, R - 5, 2**200 + 3):
        n = 9
        got = G1Vec.powers_of_tau(tau, n)
        assert len(got) == n
        for i in range(n):
            assert got[i] == G1.generator().mul(pow(tau, i, R)), (tau, i)
    assert len(G1Vec.powers_of_tau(5, 0)) == 0
    assert G1Vec.powers_of_tau(5, 3)[2].to_xy() == ecc_g1(25)


def test_powers_of_tau_larger_against_fr_powers():
    n = 3000
    got = G1Vec.powers_of_tau(TAU, n)
    powers = FrVec.powers(TAU, n).to_ints()
    for i in (0, 1, 2, 1023, 1024, 1025, 2047, n - 1):
        assert got[i] == G1.generator().mul(powers[i])


@pytest.mark.parametrize("n", [1, 2, 8, 64, 1024])
def test_lagrange_from_tau_commits_like_the_monomial_basis(n):
    lag = G1Vec.lagrange_from_tau(TAU, n)
    assert len(lag) == n
    evals = FrVec.random(n, seed=b"lag%d" % n)
    mono = G1Vec.powers_of_tau(TAU, n)
    assert lag.msm(evals) == mono.msm(nat.intt(evals))
    small = FrVec.from_i64(np.arange(n, dtype=np.int64) - n // 2)
    assert lag.msm(small) == mono.msm(nat.intt(small))


def test_lagrange_from_tau_matches_group_ifft_and_definition():
    n = 8
    lag = G1Vec.lagrange_from_tau(TAU, n)
    assert [lag[i] for i in range(n)] == [p for p in G1Vec.powers_of_tau(TAU, n).ifft()]
    w = nat.root_of_unity(n)
    for i in range(n):
        wi = pow(w, i, R)
        li = (pow(TAU, n, R) - 1) * wi * pow(n * (TAU - wi), -1, R) % R
        assert lag[i] == G1.generator().mul(li)


def test_lagrange_from_tau_rejects_tau_in_subgroup_and_bad_sizes():
    n = 16
    w = nat.root_of_unity(n)
    for tau in (1, w, pow(w, 5, R), R - 1):
        with pytest.raises(ValueError, match="subgroup"):
            G1Vec.lagrange_from_tau(tau, n)
    for bad in (0, 3, 12):
        with pytest.raises(ValueError, match="power of two"):
            G1Vec.lagrange_from_tau(TAU, bad)


@pytest.mark.parametrize("n", [1, 2, 20, 63, 64, 65])
def test_few_points_take_straus_and_agree_at_its_threshold(srs, n):
    """Up to 64 points ``msm`` runs Straus' wNAF method: the same sums as arkworks, with
    identities, zeros and negative scalars among them."""
    rng = random.Random(n)
    scalars = [rng.choice([0, 1, R - 1, rng.randrange(R), -rng.randrange(2**40)]) for _ in range(n)]
    bases = srs.slice(0, n).to_bytes(True)
    pts = [G1.from_bytes(bases[32 * i:32 * i + 32]) for i in range(n)]
    pts[0] = G1.identity()
    vec = G1Vec.from_points(pts)
    check(vec, FrVec.from_ints(scalars))


def test_msm_merged_sums_the_scalars_of_equal_points(srs):
    """msm_merged([P, Q, P], [a, b, c]) = (a + c)·P + b·Q: a verifier's claims meet one
    commitment many times and pay for it once; the sum is the unmerged one."""
    rng = random.Random(5)
    distinct = [G1.generator().mul(rng.randrange(1, R)) for _ in range(70)]
    picks = [rng.randrange(len(distinct)) for _ in range(150)] + [0, 0]
    bases = [distinct[i] for i in picks]
    scalars = [rng.randrange(R) for _ in bases]
    scalars[-1] = (-scalars[-2]) % R  # one pair cancels
    want = G1Vec.from_points(bases).msm(FrVec.from_ints(scalars))
    assert nat.msm_merged(bases, FrVec.from_ints(scalars)) == want
    assert nat.msm_merged([], FrVec.from_ints([])).is_identity()
    with pytest.raises(ValueError):
        nat.msm_merged(bases, FrVec.from_ints(scalars[:-1]))
