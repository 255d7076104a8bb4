"""Pure-Python references for the native-kernel tests: plain ints mod r / q and py_ecc points."""

from py_ecc import optimized_bn128 as bn

import ezk._native as nat

R = nat.MODULUS
Q = nat.BASE_MODULUS
MONT = pow(2, 256, Q)  # Montgomery factor of Fq


def ints(v: nat.FrVec) -> list[int]:
    return v.to_ints()


def fr(values) -> nat.FrVec:
    return nat.FrVec.from_ints(list(values))


def ecc_g1(k: int):
    """[k]·G1 from py_ecc, as affine (x, y) ints (None for the identity)."""
    p = bn.multiply(bn.G1, k % R)
    if bn.is_inf(p):
        return None
    x, y = bn.normalize(p)
    return int(x), int(y)


def ecc_g2(k: int):
    """[k]·G2 from py_ecc, as ((x.c0, x.c1), (y.c0, y.c1)) ints (None for the identity)."""
    p = bn.multiply(bn.G2, k % R)
    if bn.is_inf(p):
        return None
    x, y = bn.normalize(p)
    return tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs)


def naive_eval(coeffs: list[int], z: int) -> int:
    return sum(c * pow(z, i, R) for i, c in enumerate(coeffs)) % R
