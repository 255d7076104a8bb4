"""The evaluation domain H = ⟨ω⟩ of size n = 2^k, its row layout and the extended coset.

Row layout (halo2's): rows 0 .. u−1 are *usable* (u = n − b − 1), row u is ``last`` (where the
grand products / running sums are checked), rows u+1 .. n−1 are b blinding rows filled with
random values so that openings at x reveal nothing about the witness.

    l_0(X)     = L_0(X)                 (1 on row 0)
    l_last(X)  = L_u(X)
    l_blind(X) = Σ_{i=u+1}^{n−1} L_i(X)
    L_i(x)     = ωⁱ·(xⁿ − 1) / (n·(x − ωⁱ))       (a few field ops at the verifier)

The quotient is computed on the coset g·H_ext, |H_ext| = n_ext = n·2^⌈log₂(D−1)⌉, where the
rotation by ω^r is the cyclic shift by r·(n_ext/n).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ezk import _native
from ezk.errors import EzkError

R = _native.MODULUS
# The largest k of a circuit: the quotient is computed on an extended coset of up to 4n points
# (constraint degree ≤ 5), and Fr has 2-power roots of unity of order up to 2^TWO_ADICITY only.
MAX_K = _native.TWO_ADICITY - 2


def usable_rows(k: int, blinding: int) -> int:
    """u = n − b − 1: rows 0 .. u−1 hold the circuit, row u is l_last, the last b are blinding."""
    return (1 << k) - blinding - 1


def _next_pow2(v: int) -> int:
    p = 1
    while p < v:
        p *= 2
    return p


@dataclass(frozen=True)
class Domain:
    k: int
    degree: int  # D, the maximum constraint degree
    blinding: int  # b

    def __post_init__(self) -> None:
        if not 1 <= self.k <= MAX_K:
            raise EzkError(f"k = {self.k} is out of range (1 ≤ k ≤ {MAX_K}).")
        if self.usable < 1:
            raise EzkError(
                f"2^{self.k} rows leave no usable rows after {self.blinding + 1} blinding rows; raise k."
            )

    @property
    def n(self) -> int:
        return 1 << self.k

    @property
    def usable(self) -> int:
        """u: rows 0 .. u−1 hold the circuit; row u is l_last."""
        return usable_rows(self.k, self.blinding)

    @property
    def last_row(self) -> int:
        return self.usable

    @cached_property
    def omega(self) -> int:
        return _native.root_of_unity(self.n)

    @property
    def pieces(self) -> int:
        """Number of n-coefficient pieces of the quotient h (deg h < (D − 1)·n)."""
        return self.degree - 1

    @property
    def ext_factor(self) -> int:
        return _next_pow2(self.degree - 1)

    @property
    def n_ext(self) -> int:
        return self.n * self.ext_factor

    # ------------------------------------------------------------------ scalar side (verifier)
    @cached_property
    def _omega_powers(self) -> dict[int, int]:
        """ω^r by r, filled by ``rotate_point`` (a verifier asks for the same few rotations)."""
        return {}

    def rotate_point(self, x: int, rotation: int) -> int:
        """ω^rotation · x."""
        r = rotation % self.n
        w = self._omega_powers.get(r)
        if w is None:
            w = self._omega_powers[r] = pow(self.omega, r, R)
        return w * x % R

    def vanishing_at(self, x: int) -> int:
        """Z_H(x) = xⁿ − 1."""
        return (pow(x, self.n, R) - 1) % R

    def lagrange_at(self, rows: list[int], x: int) -> list[int]:
        """[L_i(x) for i in rows]; x must lie outside H."""
        return self._lagrange_at_points([pow(self.omega, i, R) for i in rows], x)

    def _lagrange_at_points(self, points: list[int], x: int) -> list[int]:
        """[L_i(x)] for the points ωⁱ given: ωⁱ·(xⁿ − 1)/(n·(x − ωⁱ)), one batch inversion
        (ValueError when x is one of the points)."""
        c = self.vanishing_at(x) * pow(self.n, -1, R) % R
        inv = _native.FrVec.from_ints([(x - p) % R for p in points]).batch_inverse().to_ints()
        return [p * c % R * d % R for p, d in zip(points, inv)]

    def selectors_at(self, x: int) -> tuple[int, int, int]:
        """(l_0(x), l_last(x), l_blind(x)): rows 0, u and the blinding rows u+1 … n−1."""
        u, n, w = self.usable, self.n, self.omega
        points = [1, pow(w, u, R)]
        for _ in range(u + 1, n):
            points.append(points[-1] * w % R)
        vals = self._lagrange_at_points(points, x)
        return vals[0], vals[1], sum(vals[2:]) % R

    def instance_at(self, values: "_native.FrVec", x: int) -> int:
        """The instance polynomial (values on rows 0 .. len−1, zero elsewhere) at x, by the
        barycentric formula Σ vᵢ·L_i(x) = (xⁿ − 1)/n · Σ vᵢ·ωⁱ/(x − ωⁱ): O(len) native work."""
        m = len(values)
        if m == 0:
            return 0
        wi = _native.FrVec.powers(self.omega, m)
        denom = wi.neg().add_scalar(x).batch_inverse()
        s = values.inner(wi.mul(denom))
        return s * self.vanishing_at(x) % R * pow(self.n, -1, R) % R

    # ------------------------------------------------------------------ vector side (prover)
    def row_indicator(self, rows: range) -> "_native.FrVec":
        """The n-vector with ones on ``rows`` (a contiguous range) and zeros elsewhere."""
        v = _native.FrVec.zeros(self.n)
        v.set_slice(rows.start, _native.FrVec.constant(1, len(rows)))
        return v

    def coset_points(self) -> "_native.FrVec":
        """[g·ω_extⁱ]: the extended coset, i.e. the polynomial X evaluated on it."""
        return _native.FrVec.powers(_native.root_of_unity(self.n_ext), self.n_ext, _native.coset_generator())

    def coset_vanishing_inverse(self) -> "_native.FrVec":
        """1/Z_H on the extended coset (Z_H(g·ω_extⁱ) = gⁿ·(ω_extⁿ)ⁱ − 1 ≠ 0)."""
        g, we = _native.coset_generator(), _native.root_of_unity(self.n_ext)
        zh = _native.FrVec.powers(pow(we, self.n, R), self.n_ext, pow(g, self.n, R)).add_scalar(-1)
        return zh.batch_inverse()

    def to_coset(self, values: "_native.FrVec") -> tuple["_native.FrVec", "_native.FrVec"]:
        """(coefficients, extended-coset evaluations) of the polynomial through ``values`` on H."""
        coeffs = _native.intt(values)
        return coeffs, _native.coset_ntt(coeffs, self.n_ext)
