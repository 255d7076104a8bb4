"""FrVec against plain Python ints mod r: construction, conversions, arithmetic, index maps."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ezk._native as nat

from .fieldref import R, fr, ints

BIG = st.integers(min_value=-(2**300), max_value=2**300)
I64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def test_constants():
    assert R == 21888242871839275222246405745257275088548364400416034343698204186575808495617
    assert nat.BASE_MODULUS == 21888242871839275222246405745257275088696311157297823662689037894645226208583
    assert nat.TWO_ADICITY == 28
    assert (R - 1) % 2**28 == 0 and ((R - 1) >> 28) % 2 == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(BIG, BIG), min_size=0, max_size=20), BIG)
def test_field_laws_match_python_ints(pairs, c):
    a_py = [x % R for x, _ in pairs]
    b_py = [y % R for _, y in pairs]
    a, b = fr(x for x, _ in pairs), fr(y for _, y in pairs)
    c_mod = c % R
    assert ints(a) == a_py
    assert ints(a.add(b)) == [(x + y) % R for x, y in zip(a_py, b_py)]
    assert ints(a - b) == [(x - y) % R for x, y in zip(a_py, b_py)]
    assert ints(a * b) == [(x * y) % R for x, y in zip(a_py, b_py)]
    assert ints(-a) == [(-x) % R for x in a_py]
    assert ints(a.scale(c)) == [(x * c_mod) % R for x in a_py]
    assert ints(a.add_scalar(c)) == [(x + c_mod) % R for x in a_py]
    assert a.sum() == sum(a_py) % R
    assert a.inner(b) == sum(x * y for x, y in zip(a_py, b_py)) % R
    acc, cs = 0, []
    for x in a_py:
        acc = (acc + x) % R
        cs.append(acc)
    assert ints(a.cumsum()) == cs
    acc, cp = 1, []
    for x in a_py:
        acc = acc * x % R
        cp.append(acc)
    assert ints(a.cumprod()) == cp


@settings(max_examples=30, deadline=None)
@given(st.lists(BIG, min_size=1, max_size=10), st.integers(min_value=0, max_value=2**270))
def test_pow_and_batch_inverse(values, e):
    v = fr(values)
    assert ints(v.pow(e)) == [pow(x % R, e, R) for x in values]
    nonzero = [x for x in values if x % R != 0] or [1]
    w = fr(nonzero)
    assert ints(w.batch_inverse()) == [pow(x % R, -1, R) for x in nonzero]


def test_batch_inverse_zero_is_clear_error():
    v = nat.FrVec.from_i64(np.array([3, 5, 0, 7], dtype=np.int64))
    with pytest.raises(ValueError, match="element 2 is zero"):
        v.batch_inverse()


def test_prefix_scans_span_many_chunks():
    n = 3 * 4096 + 17
    v = nat.FrVec.random(n, seed=b"scan")
    xs = ints(v)
    cs, acc = [], 0
    for x in xs:
        acc = (acc + x) % R
        cs.append(acc)
    assert ints(v.cumsum()) == cs
    assert v.cumprod()[-1] == __import__("functools").reduce(lambda a, b: a * b % R, xs, 1)


@settings(max_examples=50, deadline=None)
@given(st.lists(I64, max_size=30))
def test_i64_round_trip(values):
    a = np.array(values, dtype=np.int64)
    v = nat.FrVec.from_i64(a)
    assert ints(v) == [x % R for x in values]
    out = v.to_i64()
    assert out.dtype == np.int64 and np.array_equal(out, a)


def test_i64_extremes_and_overflow():
    a = np.array([0, 1, -1, 2**63 - 1, -(2**63)], dtype=np.int64)
    assert np.array_equal(nat.FrVec.from_i64(a).to_i64(), a)
    assert nat.FrVec.from_i64(np.array([-5]))[0] == R - 5
    with pytest.raises(ValueError, match="element 1"):
        fr([1, 2**63]).to_i64()
    with pytest.raises(ValueError, match="element 0"):
        fr([-(2**63) - 1]).to_i64()
    # other integer dtypes are accepted, non-integers are not
    assert ints(nat.FrVec.from_i64(np.array([-3, 4], dtype=np.int32))) == [R - 3, 4]
    with pytest.raises(ValueError):
        nat.FrVec.from_i64(np.array([1.5]))
    with pytest.raises(ValueError):
        nat.FrVec.from_i64(np.zeros((2, 2), dtype=np.int64))
    # non-contiguous input
    strided = np.arange(10, dtype=np.int64)[::2]
    assert ints(nat.FrVec.from_i64(strided)) == [0, 2, 4, 6, 8]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=R - 1), max_size=12))
def test_bytes_round_trip(values):
    v = fr(values)
    data = v.to_bytes()
    assert data == b"".join(x.to_bytes(32, "little") for x in values)
    assert nat.FrVec.from_bytes(data) == v


def test_from_bytes_rejects_non_canonical_and_bad_length():
    good = (5).to_bytes(32, "little")
    with pytest.raises(ValueError, match="element 1"):
        nat.FrVec.from_bytes(good + R.to_bytes(32, "little"))
    with pytest.raises(ValueError, match="element 0"):
        nat.FrVec.from_bytes((2**256 - 1).to_bytes(32, "little"))
    with pytest.raises(ValueError, match="multiple of 32"):
        nat.FrVec.from_bytes(good + b"\x00")
    assert len(nat.FrVec.from_bytes(b"")) == 0


def test_montgomery_bytes_round_trip_and_name_the_first_bad_element_of_a_long_vector():
    """Parsed in parallel straight into the vector: a long input round-trips, and a refused
    record is named by its index (the first one), wherever in the vector it is."""
    v = nat.FrVec.random(5000, b"mont")
    data = v.to_montgomery_bytes()
    assert nat.FrVec.from_montgomery_bytes(data) == v
    assert nat.FrVec.from_bytes(v.to_bytes()) == v
    bad = bytearray(data)
    for i in (4321, 2999):
        bad[32 * i:32 * i + 32] = R.to_bytes(32, "little")
    with pytest.raises(ValueError, match="element 2999 is not a reduced"):
        nat.FrVec.from_montgomery_bytes(bytes(bad))
    with pytest.raises(ValueError, match="element 4999 is not a canonical"):
        nat.FrVec.from_bytes(v.to_bytes()[:-32] + (2**256 - 1).to_bytes(32, "little"))
    assert len(nat.FrVec.from_montgomery_bytes(b"")) == 0


def test_from_ints_reduces_and_rejects_non_ints():
    assert ints(fr([R, R + 1, -1, -R - 2, 2**1000])) == [0, 1, R - 1, R - 2, pow(2, 1000, R)]
    with pytest.raises((ValueError, TypeError)):
        nat.FrVec.from_ints([1, "x"])


def test_constructors():
    assert ints(nat.FrVec.zeros(3)) == [0, 0, 0]
    assert ints(nat.FrVec.constant(-2, 2)) == [R - 2, R - 2]
    assert ints(nat.FrVec.powers(3, 5)) == [1, 3, 9, 27, 81]
    assert ints(nat.FrVec.powers(3, 3, start=2)) == [2, 6, 18]
    n = 2 * 4096 + 5
    p = nat.FrVec.powers(7, n)
    assert p[4096] == pow(7, 4096, R) and p[-1] == pow(7, n - 1, R)
    assert ints(nat.FrVec.concat([fr([1, 2]), fr([]), fr([3])])) == [1, 2, 3]


def test_random_is_seeded_reproducible_and_uniform_looking():
    a = nat.FrVec.random(5000, seed=b"abc")
    assert a == nat.FrVec.random(5000, seed=b"abc")
    assert a != nat.FrVec.random(5000, seed=b"abd")
    assert nat.FrVec.random(10) != nat.FrVec.random(10)
    xs = ints(a)
    assert all(0 <= x < R for x in xs)
    assert len(set(xs)) == len(xs)
    # top bit of a 254-bit uniform value is set with probability ≈ 0.41
    hi = sum(x >> 253 for x in xs) / len(xs)
    assert 0.3 < hi < 0.5


def test_getitem_copy_eq():
    v = fr([10, 20, 30])
    assert v[0] == 10 and v[-1] == 30
    with pytest.raises(IndexError):
        v[3]
    assert list(v) == [10, 20, 30]
    w = v.copy()
    w.add_assign(fr([1, 1, 1]))
    assert ints(v) == [10, 20, 30] and ints(w) == [11, 21, 31]
    assert v != w and v == fr([10, 20, 30]) and v != [10, 20, 30]


def test_in_place_ops():
    v = fr([1, 2, 3])
    v.sub_assign(fr([1, 1, 1]))
    v.mul_assign(fr([5, 5, 5]))
    v.scale_assign(-1)
    assert ints(v) == [0, R - 5, R - 10]
    v.axpy_assign(2, fr([1, 2, 3]))
    assert ints(v) == [2, R - 1, R - 4]
    v.set_slice(1, fr([7, 8]))
    assert ints(v) == [2, 7, 8]
    with pytest.raises(ValueError, match="do not fit"):
        v.set_slice(2, fr([1, 2]))


def test_length_mismatch_is_value_error():
    a, b = fr([1, 2]), fr([1])
    for op in (a.add, a.sub, a.mul, a.inner, a.add_assign, a.mul_assign):
        with pytest.raises(ValueError, match="lengths differ"):
            op(b)
    with pytest.raises(ValueError):
        a + b


def test_index_maps():
    v = fr([0, 1, 2, 3, 4])
    assert ints(v.rotate(1)) == [1, 2, 3, 4, 0]  # out[i] = v[i + 1]: the "next row"
    assert ints(v.rotate(-1)) == [4, 0, 1, 2, 3]
    assert ints(v.rotate(12)) == [2, 3, 4, 0, 1]
    assert len(nat.FrVec.zeros(0).rotate(3)) == 0
    assert ints(v.gather(np.array([4, 4, 0], dtype=np.int64))) == [4, 4, 0]
    with pytest.raises(ValueError, match="index\\[1\\]"):
        v.gather(np.array([0, 5]))
    with pytest.raises(ValueError):
        v.gather(np.array([-1]))
    assert ints(v.slice(1, 3)) == [1, 2]
    with pytest.raises(ValueError):
        v.slice(3, 6)
    assert ints(v.resize(2)) == [0, 1]
    assert ints(v.resize(7)) == [0, 1, 2, 3, 4, 0, 0]


def test_in_place_ops_with_self_as_argument():
    v = fr([1, 2, 3])
    v.add_assign(v)
    assert ints(v) == [2, 4, 6]
    v.mul_assign(v)
    assert ints(v) == [4, 16, 36]
    v.axpy_assign(-1, v)
    assert ints(v) == [0, 0, 0]
    w = fr([5, 6])
    w.set_slice(0, w)
    w.sub_assign(w)
    assert ints(w) == [0, 0]
