"""KZG openings: one polynomial at one point, and GWC batch openings of many polynomials at
several points, each verified with ONE multi-pairing.

Single opening. For p(X) = q(X)·(X − z) + p(z) the witness is W = [q(τ)]₁ and

    e(W, [τ]₂) = e(C − [p(z)]₁ + z·W, [1]₂)        (both sides equal e([q(τ)·τ]₁, [1]₂)).

Batch opening (GWC, as halo2's ``ProverGWC``/``VerifierGWC`` and the PLONK paper).
Queries (z, p, p(z)) are grouped by point in order of first appearance: group j has the point
z_j and the queries (p_{j,0}, e_{j,0}), (p_{j,1}, e_{j,1}), … . With a challenge v,

    P_j(X) = Σ_i v^i p_{j,i}(X),   E_j = Σ_i v^i e_{j,i},   W_j = [(P_j(X) − E_j)/(X − z_j)]₁.

The verifier forms C_j = Σ_i v^i C_{j,i}, draws u after seeing every W_j, and checks

    e(Σ_j u^j W_j, [τ]₂) = e(Σ_j u^j (z_j W_j + C_j − [E_j]₁), [1]₂)

as one ``pairing_check`` after two small MSMs (sizes: #queries + #points + 1 and #points),
independent of the polynomials' degree.

Transcript (prover and verifier make the same calls): absorb_scalars ``kzg_points`` (every
query point, in query order), absorb_scalars ``kzg_evals`` (every claimed evaluation), squeeze
``kzg_v``, absorb_points ``kzg_w`` (W_0, W_1, …), squeeze ``kzg_u``. The caller must have
absorbed every commitment C before (as a PLONK prover does): v must depend on them.

Identical duplicate queries are harmless (both sides keep them); the same commitment queried
twice at the same point with two different evaluations is rejected by the verifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Sequence

from ezk import _native
from ezk.errors import EzkError
from ezk.kzg.commit import commit
from ezk.kzg.srs import SRS, VerifierSRS
from ezk.transcript import Transcript

R = _native.MODULUS


@dataclass(frozen=True)
class ProverQuery:
    """Open ``poly`` (coefficient form) at ``point``; ``eval`` must be poly(point)."""

    point: int
    poly: "_native.FrVec"
    eval: int


@dataclass(frozen=True)
class Combination:
    """The commitment Σ scalars_i·bases_i, kept as its terms: a verifier that forms a
    commitment from others (PLONK's quotient Σ_p x^{n·p}·[h_p]₁) hands it to the batch check,
    which folds the terms into its final MSM instead of paying a scalar multiplication each."""

    bases: tuple
    scalars: tuple


@dataclass(frozen=True)
class VerifierQuery:
    """The claim that the polynomial committed in ``commitment`` (a point or a
    ``Combination``) takes ``eval`` at ``point``."""

    point: int
    commitment: "_native.G1 | Combination"
    eval: int


# ---------------------------------------------------------------------- single opening


def _quotient(poly: "_native.FrVec", z: int) -> "_native.FrVec":
    """q with p(X) = q(X)(X − z) + p(z); a constant polynomial has q = 0."""
    if len(poly) < 2:
        return _native.FrVec.zeros(1)
    return _native.poly_divide_linear(poly, z)


def open_at(srs: SRS, poly: "_native.FrVec", z: int) -> tuple[int, "_native.G1"]:
    """``(p(z), [q(τ)]₁)`` where q = (p − p(z)) / (X − z)."""
    if len(poly) > srs.n:
        raise EzkError(f"cannot open a polynomial of {len(poly)} coefficients with an SRS of {srs.n} powers.")
    value = _native.poly_eval(poly, z) if len(poly) else 0
    return value, commit(srs, _quotient(poly, z))


def verify_opening(vsrs: VerifierSRS, commitment: "_native.G1", z: int, value: int,
                   proof: "_native.G1") -> bool:
    """e(W, [τ]₂) · e(−(C − [v]₁ + z·W), [1]₂) = 1."""
    try:
        rhs = commitment - vsrs.g1.mul(value) + proof.mul(z)
        return _native.pairing_check([proof, -rhs], [vsrs.tau_g2, vsrs.g2])
    except ValueError:
        return False


# ----------------------------------------------------------------------- batch opening


def _group_by_point(points: Sequence[int]) -> list[tuple[int, list[int]]]:
    """[(z_j, [indices of the queries at z_j])] in order of first appearance (z mod r)."""
    groups: dict[int, list[int]] = {}
    for i, z in enumerate(points):
        groups.setdefault(z % R, []).append(i)
    return list(groups.items())


def _absorb_claims(transcript: Transcript, points: Sequence[int], evals: Sequence[int]) -> int:
    transcript.absorb_scalars(b"kzg_points", points)
    transcript.absorb_scalars(b"kzg_evals", evals)
    return transcript.squeeze_challenge(b"kzg_v")


def batch_open(srs: SRS, queries: Sequence[ProverQuery], transcript: Transcript) -> list["_native.G1"]:
    """GWC witnesses ``[W_j]`` in point order (see the module docstring); absorbs them."""
    if not queries:
        raise EzkError("a KZG batch opening needs at least one query.")
    for q in queries:
        if len(q.poly) > srs.n:
            raise EzkError(
                f"cannot open a polynomial of {len(q.poly)} coefficients with an SRS of {srs.n} powers."
            )
    groups = _group_by_point([q.point for q in queries])
    v = _absorb_claims(transcript, [q.point for q in queries], [q.eval for q in queries])
    witnesses = []
    for z, members in groups:
        v_powers = _native.FrVec.powers(v, len(members)).to_ints()
        combined = _native.linear_combination([queries[i].poly for i in members], v_powers)
        claimed = sum(c * queries[i].eval for c, i in zip(v_powers, members)) % R
        if len(combined) and _native.poly_eval(combined, z) != claimed:
            bad = [i for i in members if _native.poly_eval(queries[i].poly, z) != queries[i].eval % R]
            raise EzkError(f"KZG query {bad[0] if bad else members[0]} claims a wrong evaluation of its polynomial.")
        witnesses.append(commit(srs, _quotient(combined, z)))
    transcript.absorb_points(b"kzg_w", witnesses)
    transcript.squeeze_challenge(b"kzg_u")
    return witnesses


def batch_open_stream(srs: SRS, claims: Sequence[tuple[int, Hashable, int]],
                      produce: Callable[[Hashable], "_native.FrVec"], transcript: Transcript) -> list["_native.G1"]:
    """``batch_open`` without holding every polynomial: the same transcript and witnesses.

    ``claims`` are the queries (point, key, eval) in query order; ``produce(key)`` returns the
    polynomial's coefficients and is called ONCE per distinct key, after v is squeezed. Each polynomial is folded at once into the accumulator
    P_j = Σ_i v^i p_{j,i} of every point group it is queried in and then dropped, so only the
    #points accumulators and one polynomial are alive. The sums are the same field elements as
    ``batch_open``'s (addition commutes), hence byte-identical witnesses."""
    if not claims:
        raise EzkError("a KZG batch opening needs at least one query.")
    points = [z for z, _, _ in claims]
    groups = _group_by_point(points)
    v = _absorb_claims(transcript, points, [e for _, _, e in claims])
    # per key: [(group number, v^i)] where i is the claim's position inside its group
    uses: dict = {}
    claimed = []
    for g, (z, members) in enumerate(groups):
        v_powers = _native.FrVec.powers(v, len(members)).to_ints()
        claimed.append(sum(c * claims[i][2] for c, i in zip(v_powers, members)) % R)
        for c, i in zip(v_powers, members):
            uses.setdefault(claims[i][1], []).append((g, c))
    acc: list = [None] * len(groups)
    for key, targets in uses.items():
        poly = produce(key)
        if len(poly) > srs.n:
            raise EzkError(f"cannot open a polynomial of {len(poly)} coefficients with an SRS of {srs.n} powers.")
        for g, c in targets:
            if acc[g] is None:
                acc[g] = poly.scale(c)
            elif len(acc[g]) >= len(poly):
                acc[g].axpy_assign(c, poly.resize(len(acc[g])) if len(poly) < len(acc[g]) else poly)
            else:
                grown = poly.scale(c)
                grown.add_assign(acc[g].resize(len(poly)))
                acc[g] = grown
        del poly
    witnesses = []
    for g, (z, members) in enumerate(groups):
        combined = acc[g]
        acc[g] = None
        if len(combined) and _native.poly_eval(combined, z) != claimed[g]:
            raise EzkError(f"KZG query {members[0]} (or another at its point) claims a wrong evaluation of its polynomial.")
        witnesses.append(commit(srs, _quotient(combined, z)))
        del combined
    transcript.absorb_points(b"kzg_w", witnesses)
    transcript.squeeze_challenge(b"kzg_u")
    return witnesses


@dataclass(frozen=True)
class PairingClaim:
    """A deferred KZG check: it holds iff e(left, [τ]₂) = e(right, [1]₂). Kept as the two MSMs'
    inputs (left = Σ left_scalars·left_bases, likewise right), so that the claims of many
    proofs are checked by ``check_pairing_claims`` with two MSMs and one multi-pairing in all."""

    left_bases: tuple
    left_scalars: tuple
    right_bases: tuple
    right_scalars: tuple

    @property
    def left(self) -> "_native.G1":
        return _native.G1Vec.from_points(list(self.left_bases)).msm(_native.FrVec.from_ints(list(self.left_scalars)))

    @property
    def right(self) -> "_native.G1":
        return _native.G1Vec.from_points(list(self.right_bases)).msm(_native.FrVec.from_ints(list(self.right_scalars)))


def batch_verify_deferred(vsrs: VerifierSRS, queries: Sequence[VerifierQuery], witnesses: Sequence["_native.G1"],
                          transcript: Transcript) -> PairingClaim | None:
    """``batch_verify`` up to, not including, the pairing: the claim it would check, or None for
    an input that is wrong before any pairing (no queries, a wrong count of witnesses,
    conflicting duplicate queries)."""
    if not queries:
        return None
    seen: dict[tuple[int, "_native.G1"], int] = {}
    for q in queries:
        key = (q.point % R, q.commitment)
        if seen.setdefault(key, q.eval % R) != q.eval % R:
            return None  # one commitment, one point, two different values
    groups = _group_by_point([q.point for q in queries])
    if len(witnesses) != len(groups):
        return None
    v = _absorb_claims(transcript, [q.point for q in queries], [q.eval for q in queries])
    transcript.absorb_points(b"kzg_w", witnesses)
    u = transcript.squeeze_challenge(b"kzg_u")
    # right = Σ_j u^j (z_j W_j + Σ_i v^i C_{j,i}) − [Σ_j u^j E_j]₁ ; left = Σ_j u^j W_j
    bases, scalars = [], []
    total_eval = 0
    u_j = 1
    u_powers = []
    for (z, members), w in zip(groups, witnesses):
        v_i = u_j
        for i in members:
            c = queries[i].commitment
            if isinstance(c, Combination):
                bases.extend(c.bases)
                scalars.extend(v_i * s % R for s in c.scalars)
            else:
                bases.append(c)
                scalars.append(v_i)
            total_eval += v_i * queries[i].eval
            v_i = v_i * v % R
        bases.append(w)
        scalars.append(u_j * z % R)
        u_powers.append(u_j)
        u_j = u_j * u % R
    bases.append(vsrs.g1)
    scalars.append(-total_eval % R)
    return PairingClaim(tuple(witnesses), tuple(u_powers), tuple(bases), tuple(scalars))


def check_pairing_claims(vsrs: VerifierSRS, claims: Sequence[PairingClaim]) -> bool:
    """Every claim holds, by ONE multi-pairing over a random combination: with fresh random
    r_i (the verifier's own coins, unknown to any prover), e(Σ r_i·L_i, [τ]₂) = e(Σ r_i·R_i, [1]₂)
    fails for a false claim except with probability 1/|F|."""
    if not claims:
        return False
    r = [1] if len(claims) == 1 else _native.FrVec.random(len(claims)).to_ints()

    def side(bases_of, scalars_of) -> "_native.G1":
        """Σ_i r_i·(claim i's side) as one MSM; a base met twice (a commitment queried at two
        points, a key's column shared by segments, a link in both its segments) is one term."""
        bases = [b for c in claims for b in bases_of(c)]
        scalars = _native.FrVec.concat([_native.FrVec.from_ints(list(scalars_of(c))).scale(ri)
                                        for c, ri in zip(claims, r)])
        return _native.msm_merged(bases, scalars)

    try:
        left = side(lambda c: c.left_bases, lambda c: c.left_scalars)
        right = side(lambda c: c.right_bases, lambda c: c.right_scalars)
        return _native.pairing_check([left, -right], [vsrs.tau_g2, vsrs.g2])
    except ValueError:
        return False


def batch_verify(vsrs: VerifierSRS, queries: Sequence[VerifierQuery], witnesses: Sequence["_native.G1"],
                 transcript: Transcript) -> bool:
    """Accept iff the GWC witnesses prove every query; False (never an exception) for any
    well-typed but wrong input: wrong count of witnesses, conflicting duplicate queries, a
    wrong evaluation, point, commitment or witness."""
    claim = batch_verify_deferred(vsrs, queries, witnesses, transcript)
    return claim is not None and check_pairing_claims(vsrs, [claim])
