"""KZG commitments: one MSM against the powers of tau or against the cached Lagrange basis.

    commit(p)          = [p(τ)]₁ = Σ cᵢ·[τ^i]₁                (p in coefficient form)
    commit_lagrange(e) = [p(τ)]₁ = Σ eᵢ·[L_i(τ)]₁  where eᵢ = p(ωⁱ) on the size-len(e) subgroup
                       = Σ cᵢ·[τ^i]₁              with c = iNTT(e)

so ``commit(c) == commit_lagrange(ntt(c))`` for len(c) a power of two.

``commit_lagrange`` uses the Lagrange basis whenever the SRS has it for that size without a
group iNTT (cached, stored in the SRS file, or from a known τ — see :mod:`ezk.kzg.srs`): the
MSM then runs over the evaluations themselves, and a circuit column of small integers, mostly
zero, hits the native MSM's small-scalar path (~1 ms for a sparse fixed column at 2^14 instead
of ~140 ms). Otherwise it takes the second form: an iNTT over Fr (n log n field operations,
milliseconds) followed by a full-size MSM over random-looking scalars. Building the basis from
the powers is a group iNTT — n log n G1 scalar multiplications, ~15 s at n = 2^16 on two
cores — so it is never done implicitly.
"""

from __future__ import annotations

from ezk import _native
from ezk.errors import EzkError
from ezk.kzg.srs import SRS


def commit(srs: SRS, coeffs: "_native.FrVec") -> "_native.G1":
    """``Σ cᵢ [τ^i]₁``; the polynomial must have at most ``srs.n`` coefficients."""
    if len(coeffs) > srs.n:
        raise EzkError(
            f"cannot commit to {len(coeffs)} coefficients with an SRS of {srs.n} powers; use a larger SRS."
        )
    if len(coeffs) == 0:
        return _native.G1.identity()
    return srs.g1.msm(coeffs)


def commit_lagrange(srs: SRS, evals: "_native.FrVec") -> "_native.G1":
    """``Σ eᵢ [L_i(τ)]₁`` over the subgroup of size len(evals) (a power of two ≤ srs.n)."""
    n = len(evals)
    if n < 1 or n & (n - 1) or n > srs.n:
        raise EzkError(
            f"cannot commit to {n} evaluations: the count must be a power of two ≤ the SRS size {srs.n}."
        )
    basis = srs.cached_lagrange(n)
    if basis is not None:
        return basis.msm(evals)
    return srs.g1.msm(_native.intt(evals))
