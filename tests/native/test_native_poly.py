"""NTTs, coset NTTs, evaluation, division by (X - z) and linear combinations vs naive Python."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ezk._native as nat

from .fieldref import R, fr, ints, naive_eval

SIZES = [1, 2, 4, 8, 16, 32]


@pytest.mark.parametrize("n", SIZES)
def test_root_of_unity_is_primitive(n):
    w = nat.root_of_unity(n)
    assert pow(w, n, R) == 1
    if n > 1:
        assert pow(w, n // 2, R) != 1


def test_root_of_unity_limits():
    w = nat.root_of_unity(2**28)
    assert pow(w, 2**28, R) == 1 and pow(w, 2**27, R) != 1
    for bad in (0, 3, 12, 2**29):
        with pytest.raises(ValueError):
            nat.root_of_unity(bad)


def test_coset_generator_is_a_generator():
    g = nat.coset_generator()
    # g generates Fr^*: g^((r-1)/p) != 1 for the prime factors p of r - 1 we can cheaply test
    assert pow(g, (R - 1) // 2, R) != 1 and pow(g, (R - 1) // 3, R) != 1


@pytest.mark.parametrize("n", SIZES)
def test_ntt_matches_naive_dft_and_round_trips(n):
    v = nat.FrVec.random(n, seed=b"ntt%d" % n)
    coeffs = ints(v)
    w = nat.root_of_unity(n)
    evals = ints(nat.ntt(v))
    assert evals == [naive_eval(coeffs, pow(w, i, R)) for i in range(n)]
    assert nat.intt(nat.ntt(v)) == v
    assert nat.ntt(nat.intt(v)) == v


@pytest.mark.parametrize("n,n_ext", [(1, 1), (2, 8), (4, 4), (5, 16), (8, 32)])
def test_coset_ntt_matches_direct_evaluation(n, n_ext):
    v = nat.FrVec.random(n, seed=b"coset")
    coeffs = ints(v)
    g, w = nat.coset_generator(), nat.root_of_unity(n_ext)
    evals = nat.coset_ntt(v, n_ext)
    assert ints(evals) == [naive_eval(coeffs, g * pow(w, i, R) % R) for i in range(n_ext)]
    assert ints(nat.coset_intt(evals)) == coeffs + [0] * (n_ext - n)


def test_large_round_trip():
    v = nat.FrVec.random(1 << 14, seed=b"big")
    assert nat.intt(nat.ntt(v)) == v
    assert nat.coset_intt(nat.coset_ntt(v, 1 << 16)) == v.resize(1 << 16)
    # convolution theorem: pointwise product of evaluations = product polynomial
    a, b = v.slice(0, 100), v.slice(100, 200)
    pa, pb = nat.ntt(a.resize(256)), nat.ntt(b.resize(256))
    prod = ints(nat.intt(pa * pb))
    z = 123456789
    assert naive_eval(prod, z) == naive_eval(ints(a), z) * naive_eval(ints(b), z) % R


def test_ntt_size_errors():
    with pytest.raises(ValueError, match="power of two"):
        nat.ntt(fr([1, 2, 3]))
    with pytest.raises(ValueError, match="power of two"):
        nat.intt(nat.FrVec.zeros(0))
    with pytest.raises(ValueError, match="do not fit"):
        nat.coset_ntt(fr([1, 2, 3]), 2)
    with pytest.raises(ValueError):
        nat.coset_ntt(fr([1]), 6)
    with pytest.raises(ValueError):
        nat.coset_intt(fr([1, 2, 3]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=R - 1), min_size=2, max_size=20), st.integers(-(2**260), 2**260))
def test_poly_divide_linear_identity(coeffs, z):
    p = fr(coeffs)
    q = ints(nat.poly_divide_linear(p, z))
    assert len(q) == len(coeffs) - 1
    y = nat.poly_eval(p, z)
    assert y == naive_eval(coeffs, z % R)
    # q(X)·(X - z) + p(z) == p(X), coefficient by coefficient
    recon = [0] * len(coeffs)
    for i, c in enumerate(q):
        recon[i + 1] += c
        recon[i] -= c * z
    recon[0] += y
    assert [x % R for x in recon] == coeffs


def test_poly_divide_linear_needs_two_coeffs():
    with pytest.raises(ValueError):
        nat.poly_divide_linear(fr([5]), 1)


def test_poly_eval_long_and_many():
    v = nat.FrVec.random(3 * 4096 + 7, seed=b"eval")
    z = 987654321987654321
    assert nat.poly_eval(v, z) == naive_eval(ints(v), z)
    polys = [fr([1, 2, 3]), fr([]), v.slice(0, 50)]
    assert nat.poly_eval_many(polys, -3) == [naive_eval(ints(p), R - 3) for p in polys]


def test_linear_combination():
    a, b, c = fr([1, 2, 3]), fr([10]), fr([5, 5, 5, 5])
    out = nat.linear_combination([a, b, c], [2, -1, 1])
    assert ints(out) == [(2 - 10 + 5) % R, 9, 11, 5]
    assert len(nat.linear_combination([], [])) == 0
    with pytest.raises(ValueError):
        nat.linear_combination([a], [1, 2])
    big = [nat.FrVec.random(9000, seed=bytes([i])) for i in range(3)]
    cs = [3, R - 1, 2**200]
    got = nat.linear_combination(big, cs)
    want = big[0].scale(3) + big[1].scale(-1) + big[2].scale(2**200)
    assert got == want


def test_kernel_timers_count_ntt_calls():
    nat.reset_kernel_timers()
    v = nat.FrVec.random(64, seed=b"t")
    nat.ntt(v), nat.intt(v), nat.coset_ntt(v, 128), nat.coset_intt(v)
    t = nat.kernel_timers()
    assert t["ntt"]["calls"] == 4 and t["ntt"]["ns"] > 0
    assert t["msm"]["calls"] == 0
    nat.reset_kernel_timers()
    assert nat.kernel_timers()["ntt"] == {"calls": 0, "ns": 0}


@pytest.mark.parametrize("k", [11, 12, 14])
def test_large_ntt_spot_checks_against_evaluation(k):
    """Sizes beyond the in-cache block exercise the whole-vector stages of the NTT."""
    n = 1 << k
    v = nat.FrVec.random(n, seed=b"spot%d" % k)
    w, g = nat.root_of_unity(n), nat.coset_generator()
    evals = nat.ntt(v)
    coset = nat.coset_ntt(v, 2 * n)
    w2 = nat.root_of_unity(2 * n)
    for i in (0, 1, 2, n // 2 - 1, n // 2, n // 2 + 3, n - 1, 12345 % n):
        assert evals[i] == nat.poly_eval(v, pow(w, i, R))
        assert coset[2 * i + 1] == nat.poly_eval(v, g * pow(w2, 2 * i + 1, R) % R)
    assert nat.intt(evals) == v
    assert nat.coset_intt(coset) == v.resize(2 * n)
