"""pairing_check: bilinearity, agreement with py_ecc's pairing, argument checks."""

import pytest
from py_ecc import optimized_bn128 as bn

import ezk._native as nat

from .fieldref import R, ecc_g1, ecc_g2

G1, G2 = nat.G1, nat.G2


def test_bilinearity():
    p, q = G1.generator().mul(0xABC), G2.generator().mul(0x123)
    a, b = 2**130 + 17, 987654321
    assert nat.pairing_check([p.mul(a), p.mul(a * b).neg()], [q.mul(b), q])
    assert not nat.pairing_check([p.mul(a), p.mul(a * b + 1).neg()], [q.mul(b), q])
    # e(P, Q)·e(-P, Q) = 1, e(P, Q) ≠ 1 for non-identity P, Q
    assert nat.pairing_check([p, p.neg()], [q, q])
    assert not nat.pairing_check([p], [q])
    assert nat.pairing_check([G1.identity()], [q]) and nat.pairing_check([p], [G2.identity()])
    assert nat.pairing_check([], [])


def test_kzg_style_relation():
    """e(C - [y]₁, [1]₂) = e(W, [τ]₂ - [z]₂) for C = [p(τ)]₁, W = [(p(τ)-y)/(τ-z)]₁."""
    tau, z = 0x7A0, 5
    coeffs = nat.FrVec.from_ints([3, 1, 4, 1, 5])
    srs = nat.G1Vec.powers_of_tau(tau, 5)
    c = srs.msm(coeffs)
    y = nat.poly_eval(coeffs, z)
    w = srs.msm(nat.poly_divide_linear(coeffs, z))
    g1, g2 = G1.generator(), G2.generator()
    tau2 = g2.mul(tau)
    assert nat.pairing_check([c - g1.mul(y), w.neg()], [g2, tau2.add(g2.mul(-z))])
    assert not nat.pairing_check([c - g1.mul(y + 1), w.neg()], [g2, tau2.add(g2.mul(-z))])


def test_agrees_with_py_ecc_pairing():
    """Points built by py_ecc; the relation e(P1, Q1) = e(P2, Q2) holds per py_ecc iff
    pairing_check([P1, -P2], [Q1, Q2]) says so."""
    a, b, c = 0x1234567, 0x89ABCDE, 0x55AA
    d = a * b * pow(c, -1, R) % R  # a·b = c·d
    pts = {k: bn.multiply(bn.G1, k) for k in (a, c)}
    qts = {k: bn.multiply(bn.G2, k) for k in (b, d, d + 1)}
    e1 = bn.pairing(qts[b], pts[a])
    assert e1 == bn.pairing(qts[d], pts[c])
    assert e1 != bn.pairing(qts[d + 1], pts[c])

    def g1(k):
        return G1.from_xy(*ecc_g1(k))

    def g2(k):
        return G2.from_xy(*ecc_g2(k))

    assert nat.pairing_check([g1(a), g1(c).neg()], [g2(b), g2(d)])
    assert not nat.pairing_check([g1(a), g1(c).neg()], [g2(b), g2(d + 1)])


def test_length_mismatch():
    with pytest.raises(ValueError, match="2 G1 points but 1 G2"):
        nat.pairing_check([G1.generator()] * 2, [G2.generator()])
