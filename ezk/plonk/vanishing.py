"""The vanishing argument: all constraints folded by y, divided by Z_H, split into pieces.

Every constraint Cᵢ (gates, permutation, logUp) must vanish on H, so
    h(X) = Σᵢ y^{N−1−i}·Cᵢ(X) / (Xⁿ − 1)
is a polynomial of degree < (D − 1)·n. The prover evaluates the Cᵢ on the extended coset
g·H_ext, one size-n sub-coset at a time (``SubCosetEnv``), divides pointwise, interpolates, and commits h as
pieces h_0 … h_{D−2} of n coefficients: h(X) = Σ_p X^{n·p}·h_p(X). The verifier evaluates
the same constraints at x from the opened values (``PointEnv``) — the *same* code
(``all_constraints``) runs over vectors and over scalars — and checks
    [Σ_p x^{n·p}·h_p](x) = Σᵢ y^{N−1−i}·Cᵢ(x) / (xⁿ − 1)
through the batched opening. A random polynomial r(X) of degree < n, committed before y and
opened at x, is the halo2 blinding of this argument.

An *environment* is what the constraints are evaluated through: ``query(q)`` (a column at a
rotation), ``get(key, rotation)`` (an argument polynomial), ``challenge(ch)`` (a circuit
challenge's value), the protocol challenges ``theta``, ``beta``, ``gamma``, the selectors
``l0``, ``l_last``, ``l_blind``, ``active``, the point(s) ``X`` and the ``domain``.
"""

from __future__ import annotations

import numpy as np

from ezk import _native
from ezk.plonk import lookup, permutation
from ezk.plonk.constraint_system import ConstraintSystem
from ezk.plonk.domain import Domain
from ezk.plonk.expression import Challenge, Query
from ezk.plonk.protocol import Challenges

R = _native.MODULUS


def all_constraints(env, cs: ConstraintSystem):
    """Every constraint value, in a fixed order: gates, permutation, lookups."""
    for gate in cs.gates:
        for poly in gate.polys:
            yield poly.evaluate(env.query, env.challenge)
    yield from permutation.constraints(env, cs.permutation_columns, cs.permutation_chunk_size())
    yield from lookup.constraints(env, cs, cs.lookup_tables())


class SubCosetEnv:
    """Polynomials evaluated on ONE sub-coset s_j·H of the extended coset, s_j = g·ζʲ
    (ζ = ω_ext, j < n_ext/n): g·H_ext is the disjoint union of the s_j·H, point g·ζ^(e·i+j)
    of g·H_ext being point i of s_j·H (e = n_ext/n, ζᵉ = ω). On s_j·H the rotation by ω^r is
    the cyclic shift by r, and Z_H = s_jⁿ − 1 is a constant.

    A polynomial's values are computed on first use from its coefficients c (p(s_j·ωⁱ) is the
    coset NTT of c_m·ζ^(j·m)) and dropped after the constraint that uses it last
    (``release``), so at most the polynomials of the constraints in flight are held."""

    def __init__(self, domain: Domain, j: int, coeffs: dict, selectors: tuple, challenges: Challenges) -> None:
        self.domain = domain
        n = domain.n
        self.zeta_j = pow(_native.root_of_unity(domain.n_ext), j, R)
        self.shift = _native.coset_generator() * self.zeta_j % R
        self._coeffs = coeffs  # key -> coefficients (n of them); columns are ("col", index)
        self._twist = _native.FrVec.powers(self.zeta_j, n) if j else None
        self._values: dict = {}
        self._rotated: dict = {}
        self.challenges = challenges
        self.theta, self.beta, self.gamma = challenges.theta, challenges.beta, challenges.gamma
        self.l0, self.l_last, self.l_blind = (self.evaluate(c) for c in selectors)
        self.active = self.l_last.add(self.l_blind).neg().add_scalar(1)
        self.X = _native.FrVec.powers(domain.omega, n, self.shift)

    def evaluate(self, coeffs: "_native.FrVec") -> "_native.FrVec":
        """p(s_j·ωⁱ) for i < n from p's coefficients."""
        if self._twist is not None:
            coeffs = coeffs.mul(self._twist.slice(0, len(coeffs)))
        return _native.coset_ntt(coeffs, self.domain.n)

    def get(self, key: tuple, rotation: int):
        base = self._values.get(key)
        if base is None:
            base = self._values[key] = self.evaluate(self._coeffs[key])
        if rotation == 0:
            return base
        rk = (key, rotation)
        if rk not in self._rotated:
            self._rotated[rk] = base.rotate(rotation)
        return self._rotated[rk]

    def query(self, q: Query):
        return self.get(("col", q.column.index), q.rotation)

    def challenge(self, ch: Challenge) -> int:
        return self.challenges.challenge(ch)

    def release(self, keys) -> None:
        for key in keys:
            self._values.pop(key, None)
            for rk in [rk for rk in self._rotated if rk[0] == key]:
                del self._rotated[rk]

    def vanishing_inverse(self) -> int:
        return pow((pow(self.shift, self.domain.n, R) - 1) % R, -1, R)


class _UseRecorder:
    """A scalar environment that records which polynomials each constraint reads (all values 1):
    the plan for releasing sub-coset values after their last use."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self.theta = self.beta = self.gamma = 1
        self.l0 = self.l_last = self.l_blind = self.active = self.X = 1
        self.reads: set = set()

    def query(self, q: Query) -> int:
        self.reads.add(("col", q.column.index))
        return 1

    def challenge(self, ch: Challenge) -> int:
        return 1

    def get(self, key: tuple, rotation: int) -> int:
        self.reads.add(key)
        return 1


def release_plan(domain: Domain, cs: ConstraintSystem) -> list[list]:
    """plan[i]: the polynomial keys whose last read is by constraint i (``all_constraints`` order)."""
    rec = _UseRecorder(domain)
    reads = []
    for _ in all_constraints(rec, cs):
        reads.append(rec.reads)
        rec.reads = set()
    last: dict = {}
    for i, keys in enumerate(reads):
        for key in keys:
            last[key] = i
    plan: list[list] = [[] for _ in reads]
    for key, i in last.items():
        plan[i].append(key)
    return plan


class PointEnv:
    """Polynomials as their opened values at x (and its rotations)."""

    def __init__(self, domain: Domain, values: dict, challenges: Challenges) -> None:
        self.domain = domain
        self._values = values  # (("col", index) | key, rotation) -> int
        self.challenges = challenges
        self.theta, self.beta, self.gamma = challenges.theta, challenges.beta, challenges.gamma
        self.X = x = challenges.x
        self.l0, self.l_last, self.l_blind = domain.selectors_at(x)
        self.active = (1 - self.l_last - self.l_blind) % R

    def query(self, q: Query) -> int:
        return self._values[(("col", q.column.index), q.rotation)]

    def challenge(self, ch: Challenge) -> int:
        return self.challenges.challenge(ch)

    def get(self, key: tuple, rotation: int) -> int:
        return self._values[(key, rotation)]


def quotient_pieces(coeffs: dict, selectors: tuple, cs: ConstraintSystem, domain: Domain,
                    challenges: Challenges) -> list["_native.FrVec"]:
    """h_0 … h_{D−2}: coefficients of Σ y^{N−1−i}·Cᵢ / Z_H (Horner over the constraints).

    ``coeffs`` maps every polynomial key (("col", index), ("sigma", j), ("z", c), ("m", t),
    ("phi", p)) to its n coefficients — a dict, or the prover's ``ProofPolynomials``, which
    builds each on ``[key]`` from its compact form (within its cache budget, else afresh for
    every sub-coset); ``selectors`` are the coefficients of l_0, l_last,
    l_blind; ``challenges`` has everything up to y. The constraints are evaluated one sub-coset s_j·H at a time (``SubCosetEnv``), so
    only n-sized vectors of the polynomials in use are alive; the e = n_ext/n parts are then
    interleaved into g·H_ext order (point e·i + j = point i of part j) for one coset iNTT."""
    d, y = domain, challenges.y
    plan = release_plan(d, cs)
    parts = []
    for j in range(d.ext_factor):
        env = SubCosetEnv(d, j, coeffs, selectors, challenges)
        acc = _native.FrVec.zeros(d.n)
        for i, c in enumerate(all_constraints(env, cs)):
            acc.scale_assign(y)
            if isinstance(c, int):
                acc = acc.add_scalar(c)
            else:
                acc.add_assign(c)
            del c
            env.release(plan[i])
        acc.scale_assign(env.vanishing_inverse())
        parts.append(acc)
        del env
    e = d.ext_factor
    order = (np.arange(d.n_ext, dtype=np.int64) % e) * d.n + np.arange(d.n_ext, dtype=np.int64) // e
    full = _native.FrVec.concat(parts).gather(order)
    del parts
    h = _native.coset_intt(full)
    del full
    return [h.slice(p * d.n, (p + 1) * d.n) for p in range(d.pieces)]


def expected_quotient(env: PointEnv, cs: ConstraintSystem) -> int:
    """h(x) = Σ y^{N−1−i}·Cᵢ(x) / (xⁿ − 1) from the opened values."""
    y, x = env.challenges.y, env.challenges.x
    acc = 0
    for c in all_constraints(env, cs):
        acc = (acc * y + c) % R
    return acc * pow(env.domain.vanishing_at(x), -1, R) % R


def expected_quotient_compiled(env: PointEnv, cs: ConstraintSystem) -> int:
    """``expected_quotient`` through the constraints' compiled DAG (``program.point_dag``: the
    same ``all_constraints`` run once symbolically, then one native pass over its nodes per
    proof): the same field element (tests compare the two), without a Python walk per proof."""
    from ezk.plonk.program import point_dag

    d, ch = env.domain, env.challenges
    dag = point_dag(cs, d)
    n = d.n
    frame = {(("X",), 0): env.X, (("L0",), 0): env.l0, (("L0",), (-d.last_row) % n): env.l_last,
             (("l_blind",), 0): env.l_blind}
    opened = {(key, rot % n): v for (key, rot), v in env._values.items()}
    values = [frame[r] if r in frame else opened[r] for r in dag.reads]
    challenges = [ch.theta, ch.beta, ch.gamma, *ch.user]
    acc = dag.native.evaluate(_native.FrVec.from_ints(values), challenges, ch.y)
    return acc * pow(d.vanishing_at(ch.x), -1, R) % R
