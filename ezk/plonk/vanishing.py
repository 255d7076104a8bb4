"""The vanishing argument: all constraints folded by y, divided by Z_H, split into pieces.

Every constraint Cᵢ (gates, permutation, logUp) must vanish on H, so
    h(X) = Σᵢ y^{N−1−i}·Cᵢ(X) / (Xⁿ − 1)
is a polynomial of degree < (D − 1)·n. The prover evaluates the Cᵢ on the extended coset
g·H_ext as whole FrVecs (``CosetEnv``), divides pointwise, interpolates, and commits h as
pieces h_0 … h_{D−2} of n coefficients: h(X) = Σ_p X^{n·p}·h_p(X). The verifier evaluates
the same constraints at x from the opened values (``PointEnv``) — the *same* code
(``all_constraints``) runs over vectors and over scalars — and checks
    [Σ_p x^{n·p}·h_p](x) = Σᵢ y^{N−1−i}·Cᵢ(x) / (xⁿ − 1)
through the batched opening. A random polynomial r(X) of degree < n, committed before y and
opened at x, is the halo2 blinding of this argument.
"""

from __future__ import annotations

from ezk import _native
from ezk.plonk import lookup, permutation
from ezk.plonk.constraint_system import ConstraintSystem
from ezk.plonk.domain import Domain
from ezk.plonk.expression import Query

R = _native.MODULUS


def all_constraints(env, cs: ConstraintSystem):
    """Every constraint value, in a fixed order: gates, permutation, lookups."""
    for gate in cs.gates:
        for poly in gate.polys:
            yield poly.evaluate(env.query)
    yield from permutation.constraints(env, cs.permutation_columns, cs.permutation_chunk_size())
    yield from lookup.constraints(env, cs, cs.lookup_tables())


class CosetEnv:
    """Polynomials as evaluations on the extended coset; rotation by r is a cyclic shift by
    r·(n_ext/n). Rotated views are cached (they are reused across constraints)."""

    def __init__(self, domain: Domain, columns: dict, polys: dict, theta: int, beta: int, gamma: int,
                 l0, l_last, l_blind) -> None:
        self.domain = domain
        self._columns = columns  # Column.index -> coset evaluations
        self._polys = polys  # key -> coset evaluations
        self._cache: dict = {}
        self.theta, self.beta, self.gamma = theta, beta, gamma
        self.l0, self.l_last, self.l_blind = l0, l_last, l_blind
        self.active = l_last.add(l_blind).neg().add_scalar(1)
        self.X = domain.coset_points()

    def _rotated(self, key, base, rotation: int):
        if rotation == 0:
            return base
        ck = (key, rotation)
        if ck not in self._cache:
            self._cache[ck] = base.rotate(rotation * self.domain.ext_factor)
        return self._cache[ck]

    def query(self, q: Query):
        return self._rotated(("col", q.column.index), self._columns[q.column.index], q.rotation)

    def get(self, key: tuple, rotation: int):
        return self._rotated(key, self._polys[key], rotation)


class PointEnv:
    """Polynomials as their opened values at x (and its rotations)."""

    def __init__(self, domain: Domain, x: int, values: dict, theta: int, beta: int, gamma: int) -> None:
        self.domain = domain
        self._values = values  # (("col", index) | key, rotation) -> int
        self.theta, self.beta, self.gamma = theta, beta, gamma
        self.l0, self.l_last, self.l_blind = domain.selectors_at(x)
        self.active = (1 - self.l_last - self.l_blind) % R
        self.X = x

    def query(self, q: Query) -> int:
        return self._values[(("col", q.column.index), q.rotation)]

    def get(self, key: tuple, rotation: int) -> int:
        return self._values[(key, rotation)]


def quotient_pieces(env: CosetEnv, cs: ConstraintSystem, y: int) -> list["_native.FrVec"]:
    """h_0 … h_{D−2}: coefficients of Σ y^{N−1−i}·Cᵢ / Z_H (Horner over the constraints)."""
    d = env.domain
    acc = _native.FrVec.zeros(d.n_ext)
    for c in all_constraints(env, cs):
        acc.scale_assign(y)
        if isinstance(c, int):
            acc = acc.add_scalar(c)
        else:
            acc.add_assign(c)
    acc.mul_assign(d.coset_vanishing_inverse())
    h = _native.coset_intt(acc)
    return [h.slice(p * d.n, (p + 1) * d.n) for p in range(d.pieces)]


def expected_quotient(env: PointEnv, cs: ConstraintSystem, y: int, x: int) -> int:
    """h(x) = Σ y^{N−1−i}·Cᵢ(x) / (xⁿ − 1) from the opened values."""
    acc = 0
    for c in all_constraints(env, cs):
        acc = (acc * y + c) % R
    return acc * pow(env.domain.vanishing_at(x), -1, R) % R
