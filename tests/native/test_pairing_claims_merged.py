"""check_pairing_claims sums the scalars of a base that several terms (or claims) share into
one MSM term: the verdicts are those of the unmerged sums — a true batch holds, and one false
claim among claims sharing every base still fails the batch."""

from __future__ import annotations

from ezk import _native
from ezk.kzg import PairingClaim, check_pairing_claims
from ezk.kzg.srs import VerifierSRS

R = _native.MODULUS
TAU = 0x1234567890ABCDEF1234567890ABCDEF  # known: these are test claims, not proofs


def _vsrs() -> VerifierSRS:
    g2 = _native.G2.generator()
    return VerifierSRS(g1=_native.G1.generator(), g2=g2, tau_g2=g2.mul(TAU))


def _claim(w: int, extra: int = 0) -> PairingClaim:
    """e(w·G, [τ]₂) = e((τ·w + extra)·G, [1]₂), the right side split over one base, used twice,
    and a second base: true iff extra = 0."""
    g = _native.G1.generator()
    h = g.mul(7)
    split = (TAU * w - 5 * 7 + extra) % R
    return PairingClaim((g.mul(w),), (1,), (g, h, g), (split - 3, 5, 3))


def test_claims_sharing_bases_hold_when_each_holds():
    vsrs = _vsrs()
    assert check_pairing_claims(vsrs, [_claim(2)])
    assert check_pairing_claims(vsrs, [_claim(2), _claim(2), _claim(9)])


def test_one_false_claim_among_claims_sharing_every_base_fails_the_batch():
    vsrs = _vsrs()
    assert not check_pairing_claims(vsrs, [_claim(2, extra=1)])
    assert not check_pairing_claims(vsrs, [_claim(2), _claim(2, extra=1), _claim(9)])
    assert not check_pairing_claims(vsrs, [_claim(2, extra=R - 1), _claim(2, extra=1)])  # opposite errors
