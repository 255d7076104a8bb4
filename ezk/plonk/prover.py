"""The prover, one function per round (halo2's order), each returning what it sends.

    0. absorb vk digest and instances                 (``absorb_statement``)
    1. advice a_j, blinded rows at the bottom          → [a_j]₁            ; θ
    2. logUp multiplicities m_t                        → [m_t]₁            ; β, γ
    3. permutation products z_c, logUp sums φ_p        → [z_c]₁, [φ_p]₁
    4. random vanishing polynomial r                   → [r]₁              ; y
    5. quotient pieces h_p on the extended coset       → [h_p]₁            ; x
    6. evaluations of every opened polynomial at ω^rot·x
    7. batched KZG opening (GWC, ``ezk.kzg.batch_open``)
"""

from __future__ import annotations

from dataclasses import dataclass

from ezk import _native
from ezk.kzg import ProverQuery, batch_open, commit, commit_lagrange
from ezk.plonk import lookup, permutation
from ezk.plonk.circuit import Witness
from ezk.plonk.domain import Domain
from ezk.plonk.keygen import ProvingKey, VerifyingKey
from ezk.plonk.proof import Proof, evaluation_layout
from ezk.plonk.vanishing import quotient_pieces
from ezk.transcript import Transcript

R = _native.MODULUS
PROTOCOL = b"ezk-plonk-v1"


@dataclass(frozen=True)
class Committed:
    """Polynomials sent by commitment: values on H, coefficients, commitments."""

    values: list
    coeffs: list
    commitments: list


def _commit_values(srs, values: list) -> Committed:
    coeffs = [_native.intt(v) for v in values]
    return Committed(values, coeffs, [commit_lagrange(srs, v) for v in values])


def _blinded(values: "_native.FrVec", d: Domain) -> "_native.FrVec":
    """Rows u .. n−1 replaced by fresh randomness."""
    return _native.FrVec.concat([values.slice(0, d.usable), _native.FrVec.random(d.n - d.usable)])


def absorb_statement(t: Transcript, vk: VerifyingKey, instances: list) -> None:
    t.absorb_bytes(b"vk", vk.digest)
    for inst in instances:
        t.absorb_bytes(b"instance", inst.to_bytes())


def round_advice(pk: ProvingKey, srs, advice: list, t: Transcript) -> Committed:
    d = pk.vk.domain
    out = _commit_values(srs, [_blinded(a, d) for a in advice])
    t.absorb_points(b"advice", out.commitments)
    return out


def _row_query(columns: dict):
    """Query over H (the 2^k rows): the column's values, cyclically rotated."""
    return lambda q: columns[q.column.index].rotate(q.rotation) if q.rotation else columns[q.column.index]


def round_multiplicities(pk: ProvingKey, srs, columns: dict, theta: int, t: Transcript) -> Committed:
    d, cs = pk.vk.domain, pk.vk.cs
    ms = [lookup.multiplicities(cs, tab, _row_query(columns), theta, d.usable, d.n)[0]
          for tab in cs.lookup_tables()]
    out = _commit_values(srs, ms)
    t.absorb_points(b"m", out.commitments)
    return out


def round_permutation(pk: ProvingKey, srs, columns: dict, sigmas: list, beta: int, gamma: int,
                      t: Transcript) -> Committed:
    d, cs = pk.vk.domain, pk.vk.cs
    perm = cs.permutation_columns
    zs = permutation.grand_products([columns[c.index] for c in perm], sigmas, beta, gamma,
                                    cs.permutation_chunk_size(), d.usable, d.n) if perm else []
    out = _commit_values(srs, zs)
    t.absorb_points(b"z", out.commitments)
    return out


def round_lookup_sums(pk: ProvingKey, srs, columns: dict, ms: list, theta: int, beta: int,
                      t: Transcript) -> Committed:
    d, cs = pk.vk.domain, pk.vk.cs
    phis = []
    for tab, m in zip(cs.lookup_tables(), ms):
        phis += lookup.running_sums(cs, tab, m, _row_query(columns), theta, beta, d.usable, d.n)
    out = _commit_values(srs, phis)
    t.absorb_points(b"phi", out.commitments)
    return out


def round_random(pk: ProvingKey, srs, t: Transcript) -> Committed:
    coeffs = _native.FrVec.random(pk.vk.domain.n)
    out = Committed([], [coeffs], [commit(srs, coeffs)])
    t.absorb_points(b"random", out.commitments)
    return out


def round_quotient(pk: ProvingKey, srs, coeffs: dict, selectors: tuple, theta: int, beta: int, gamma: int,
                   y: int, t: Transcript) -> Committed:
    d = pk.vk.domain
    pieces = quotient_pieces(coeffs, selectors, pk.vk.cs, d, theta, beta, gamma, y)
    out = Committed([], pieces, [commit(srs, p) for p in pieces])
    t.absorb_points(b"h", out.commitments)
    return out


def round_evaluations(pk: ProvingKey, coeffs: dict, x: int, t: Transcript) -> list[int]:
    d = pk.vk.domain
    layout = evaluation_layout(pk.vk.cs, d)
    by_rot: dict[int, list[int]] = {}
    for i, (key, rot) in enumerate(layout):
        by_rot.setdefault(rot, []).append(i)
    evals = [0] * len(layout)
    for rot, idx in by_rot.items():
        vals = _native.poly_eval_many([coeffs[layout[i][0]] for i in idx], d.rotate_point(x, rot))
        for i, v in zip(idx, vals):
            evals[i] = v
    t.absorb_scalars(b"evals", evals)
    return evals


def round_opening(pk: ProvingKey, srs, coeffs: dict, evals: list, h_pieces: list, x: int,
                  t: Transcript) -> list:
    d = pk.vk.domain
    layout = evaluation_layout(pk.vk.cs, d)
    queries = [ProverQuery(d.rotate_point(x, rot), coeffs[key], e) for (key, rot), e in zip(layout, evals)]
    xn = pow(x, d.n, R)
    h = _native.linear_combination(h_pieces, [pow(xn, p, R) for p in range(len(h_pieces))])
    queries.append(ProverQuery(x, h, _native.poly_eval(h, x)))
    return batch_open(srs, queries, t)


def prove(pk: ProvingKey, srs, witness: Witness) -> Proof:
    """A zero-knowledge proof that ``witness`` satisfies the circuit of ``pk``."""
    vk, d = pk.vk, pk.vk.domain
    cs = vk.cs
    instances = witness.instance_list(cs, d)
    t = Transcript(PROTOCOL)
    absorb_statement(t, vk, instances)

    adv = round_advice(pk, srs, witness.advice_values(cs, d), t)
    fixed = pk.fixed_values()
    inst_vals = [v.resize(d.n) for v in instances]
    columns = {}
    for c, v in zip(cs.advice, adv.values):
        columns[c.index] = v
    for c, v in zip(cs.fixed, fixed):
        columns[c.index] = v
    for c, v in zip(cs.instance, inst_vals):
        columns[c.index] = v
    theta = t.squeeze_challenge(b"theta")

    ms = round_multiplicities(pk, srs, columns, theta, t)
    beta = t.squeeze_challenge(b"beta")
    gamma = t.squeeze_challenge(b"gamma")

    sigmas = pk.sigma_values()
    zs = round_permutation(pk, srs, columns, sigmas, beta, gamma, t)
    phis = round_lookup_sums(pk, srs, columns, ms.values, theta, beta, t)
    rnd = round_random(pk, srs, t)
    y = t.squeeze_challenge(b"y")

    # every polynomial in coefficient form (for the openings and the quotient)
    coeffs: dict = {}
    for c, a in zip(cs.advice, adv.coeffs):
        coeffs[("col", c.index)] = a
    for c, v in zip(cs.fixed, fixed):
        coeffs[("col", c.index)] = _native.intt(v)
    for c, v in zip(cs.instance, inst_vals):
        coeffs[("col", c.index)] = _native.intt(v)
    del columns, fixed, inst_vals
    for j, s in enumerate(sigmas):
        coeffs[("sigma", j)] = _native.intt(s)
    del sigmas
    for name, committed in (("z", zs), ("m", ms), ("phi", phis)):
        for i, cf in enumerate(committed.coeffs):
            coeffs[(name, i)] = cf
    selectors = tuple(_native.intt(d.row_indicator(rows)) for rows in
                      (range(0, 1), range(d.usable, d.usable + 1), range(d.usable + 1, d.n)))
    h = round_quotient(pk, srs, coeffs, selectors, theta, beta, gamma, y, t)
    coeffs[("random",)] = rnd.coeffs[0]
    x = t.squeeze_challenge(b"x")

    evals = round_evaluations(pk, coeffs, x, t)
    opening = round_opening(pk, srs, coeffs, evals, h.coeffs, x, t)
    return Proof(
        advice=tuple(adv.commitments), m=tuple(ms.commitments), z=tuple(zs.commitments),
        phi=tuple(phis.commitments), random=tuple(rnd.commitments), h=tuple(h.commitments),
        evals=tuple(evals), opening=tuple(opening),
    )
