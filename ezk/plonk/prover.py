"""The prover, one function per round (halo2's order), each returning the message it sends
(``ezk.plonk.protocol``); ``prove`` hands every message to the ``ProofTranscript`` that the
verifier replays, and takes the next round's challenges from it.

    1. advice a_j, phase by phase, blinded rows at the bottom  → [a_j]₁     ; phase challenges, θ
    2. logUp multiplicities m_t                               → [m_t]₁     ; β, γ
    3. permutation products z_c, logUp sums φ_p               → [z_c]₁, [φ_p]₁
    4. random vanishing polynomial r                          → [r]₁       ; y
    5. quotient pieces h_p on the extended coset              → [h_p]₁     ; x
    6. evaluations of every opened polynomial at ω^rot·x
    7. batched KZG opening (GWC, ``ezk.kzg.opening.batch_open_stream``)

The advice of phase p ≥ 1 comes from ``Witness.later(p, challenges)`` once the challenges of
phases < p are drawn.

Streaming: every polynomial lives in ``ProofPolynomials`` in its compact form (advice as the
witness's int64 rows + its blinding values, fixed and σ as the proving key stores them, m as
int64 counts + blinding) and is turned into values on H or coefficients only when a round needs
it; coefficients are kept within a byte budget (``ezk.plonk.budget.cache_budget``) and
recomputed beyond it. Only z_c, φ_p, r and the quotient pieces, which have no smaller form, are
held whole.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Mapping

from ezk import _native
from ezk.errors import EzkError
from ezk.kzg import commit, commit_lagrange
from ezk.kzg.opening import batch_open_stream
from ezk.plonk import lookup, permutation
from ezk.plonk.budget import Trace, cache_budget
from ezk.plonk.circuit import Witness, to_frvec
from ezk.plonk.domain import Domain
from ezk.plonk.expression import ADVICE
from ezk.plonk.keygen import ProvingKey
from ezk.plonk.polys import LazyColumns, ProofPolynomials, RowColumns, with_blinding
from ezk.plonk.proof import Proof, evaluation_layout
from ezk.plonk.protocol import (
    AdviceCommitments, ArgumentCommitments, Challenges, Evaluations, MultiplicityCommitments, Opening,
    ProofTranscript, QuotientCommitments, RandomCommitment,
)
from ezk.plonk.quotient import QuotientEvaluator
from ezk.plonk.vanishing import quotient_pieces
from ezk.transcript import Transcript

R = _native.MODULUS
AdviceBlinding = Mapping[int, "_native.FrVec"]


def round_advice(pk: ProvingKey, srs, phase: int, values: list, polys: ProofPolynomials,
                 blinding: AdviceBlinding | None = None) -> AdviceCommitments:
    """Commit the advice columns of ``phase`` with blinding rows, one column alive at a time.

    ``values[i]`` holds ``cs.advice_in_phase(phase)[i]`` (FrVec or int array, at most u rows).
    Rows u .. n−1 are fresh randomness, or ``blinding[column.index]`` where given. Each column
    is registered in ``polys`` in compact form (values + blinding) and its coefficients offered
    to the cache while its values are at hand."""
    d = pk.vk.domain
    commitments = []
    for col, a in zip(pk.vk.cs.advice_in_phase(phase), values):
        blind = blinding.get(col.index) if blinding else None
        if blind is None:
            blind = _native.FrVec.random(d.n - d.usable)
        full = with_blinding(a, blind, d)
        commitments.append(commit_lagrange(srs, full))
        polys.add_advice(col.index, a, blind)
        polys.cache_values_and_coeffs(("col", col.index), full)
        del full
    return AdviceCommitments(phase, tuple(commitments))


def _row_query(columns):
    """Query over H (the 2^k rows): the column's values, cyclically rotated."""
    return lambda q: columns[q.column.index].rotate(q.rotation) if q.rotation else columns[q.column.index]


def round_multiplicities(pk: ProvingKey, srs, polys: ProofPolynomials, ch: Challenges) -> MultiplicityCommitments:
    """m_t for every table as int64 counts + blinding; committed, registered in ``polys``."""
    d, cs = pk.vk.domain, pk.vk.cs
    commitments = []
    for ti, tab in enumerate(cs.lookup_tables()):
        counts, _ = lookup.multiplicities(cs, tab, _row_query(RowColumns(polys)), ch, d.usable, d.n)
        blind = _native.FrVec.random(d.n - d.usable)
        polys.add_counts(("m", ti), counts, blind)
        values = polys.values(("m", ti))
        commitments.append(commit_lagrange(srs, values))
        polys.cache_values_and_coeffs(("m", ti), values)
        del values
    return MultiplicityCommitments(tuple(commitments))


def _commit_and_hold(srs, polys: ProofPolynomials, key, values: "_native.FrVec") -> "_native.G1":
    point = commit_lagrange(srs, values)
    polys.hold(key, _native.intt(values))
    return point


def round_permutation(pk: ProvingKey, srs, polys: ProofPolynomials, ch: Challenges) -> tuple:
    """[z_c]₁ per chunk, from the permuted columns and σ built one at a time; coefficients held."""
    d, cs = pk.vk.domain, pk.vk.cs
    perm = cs.permutation_columns
    commitments = []
    if perm:
        values = LazyColumns(len(perm), lambda j: polys.values(("col", perm[j].index)))
        sigmas = LazyColumns(len(perm), lambda j: polys.values(("sigma", j)))
        zs = permutation.grand_products(values, sigmas, ch.beta, ch.gamma, cs.permutation_chunk_size(), d.usable, d.n)
        for c in range(len(zs)):
            commitments.append(_commit_and_hold(srs, polys, ("z", c), zs[c]))
            zs[c] = None
        del zs
    return tuple(commitments)


def round_lookup_sums(pk: ProvingKey, srs, polys: ProofPolynomials, ch: Challenges) -> tuple:
    """[φ_p]₁ chunk by chunk (each committed and held as coefficients before the next is built)."""
    d, cs = pk.vk.domain, pk.vk.cs
    commitments = []
    for ti, tab in enumerate(cs.lookup_tables()):
        m = polys.values(("m", ti))
        for phi in lookup.running_sums(cs, tab, m, _row_query(RowColumns(polys)), ch, d.usable, d.n):
            commitments.append(_commit_and_hold(srs, polys, ("phi", len(commitments)), phi))
            del phi
        del m
    return tuple(commitments)


def round_random(pk: ProvingKey, srs, polys: ProofPolynomials) -> RandomCommitment:
    coeffs = _native.FrVec.random(pk.vk.domain.n)
    polys.hold(("random",), coeffs)
    return RandomCommitment(commit(srs, coeffs))


def _selectors(d: Domain) -> tuple:
    return tuple(_native.intt(d.row_indicator(rows)) for rows in
                 (range(0, 1), range(d.usable, d.usable + 1), range(d.usable + 1, d.n)))


def round_quotient(pk: ProvingKey, srs, polys: ProofPolynomials, ch: Challenges) -> tuple[QuotientCommitments, list]:
    """h by the native constraint program (``ezk.plonk.quotient``), or by the Python reference
    evaluator when EZK_PROVER_QUOTIENT=python (profiling and cross-checks)."""
    d = pk.vk.domain
    if os.environ.get("EZK_PROVER_QUOTIENT") == "python":
        pieces = quotient_pieces(polys, _selectors(d), pk.vk.cs, d, ch)
    else:
        q = QuotientEvaluator(pk.vk.cs, d)
        pieces = q.pieces(polys, ch, polys.stored)
    t0, c0 = time.perf_counter(), time.process_time()
    h = QuotientCommitments(tuple(commit(srs, p) for p in pieces))
    if os.environ.get("EZK_PROVER_TRACE") and os.environ.get("EZK_PROVER_QUOTIENT") != "python":
        print("ezk prove: quotient cpu/wall " + ", ".join(f"{k} {v:.1f}/{q.wall[k]:.1f} s" for k, v in q.cpu.items())
              + f", commit {time.process_time() - c0:.1f}/{time.perf_counter() - t0:.1f} s; "
              f"{q.transforms} sub-coset NTTs, at most {q.peak_slots} vectors alive", file=sys.stderr)
    return h, pieces


def round_evaluations(pk: ProvingKey, polys: ProofPolynomials, x: int) -> Evaluations:
    """Every (key, rotation) of the evaluation layout, one polynomial's coefficients at a time."""
    d = pk.vk.domain
    layout = evaluation_layout(pk.vk.cs, d)
    by_key: dict = {}
    for i, (key, rot) in enumerate(layout):
        by_key.setdefault(key, []).append(i)
    evals = [0] * len(layout)
    for key, idx in by_key.items():
        coeffs = polys.coeffs(key)
        for i in idx:
            evals[i] = _native.poly_eval(coeffs, d.rotate_point(x, layout[i][1]))
        del coeffs
    return Evaluations(tuple(evals))


def round_opening(pk: ProvingKey, srs, polys: ProofPolynomials, evals: Evaluations, h_pieces: list, x: int,
                  t: Transcript) -> Opening:
    """GWC opening of the layout's claims plus h(x), h = Σ_p xⁿᵖ·h_p, polynomial by polynomial
    (``t``: the proof's transcript after the evaluations)."""
    d = pk.vk.domain
    layout = evaluation_layout(pk.vk.cs, d)
    claims = [(d.rotate_point(x, rot), key, e) for (key, rot), e in zip(layout, evals.evals)]
    xn = pow(x, d.n, R)
    h = _native.linear_combination(h_pieces, [pow(xn, p, R) for p in range(len(h_pieces))])
    claims.append((x, ("h",), _native.poly_eval(h, x)))
    return Opening(tuple(batch_open_stream(srs, claims, lambda key: h if key == ("h",) else polys.coeffs(key), t)))


def _checked_blinding(cs, d: Domain, blinding) -> dict | None:
    """``advice_blinding`` validated: advice column index → n − u field elements."""
    if not blinding:
        return None
    out = {}
    for index, values in blinding.items():
        if not isinstance(index, int) or not 0 <= index < len(cs.columns) or cs.columns[index].kind != ADVICE:
            raise EzkError(f"advice_blinding names column {index!r}, which is not an advice column of this circuit.")
        v = to_frvec(values, f"the blinding of column {cs.columns[index].name}")
        if len(v) != d.n - d.usable:
            raise EzkError(f"the blinding of column {cs.columns[index].name} has {len(v)} values; it needs {d.n - d.usable}.")
        out[index] = v
    return out


def prove(pk: ProvingKey, srs, witness: Witness, cache_bytes: int | None = None,
          advice_blinding: AdviceBlinding | None = None, timings: dict | None = None,
          fixed_cosets=None) -> Proof:
    """A zero-knowledge proof that ``witness`` satisfies the circuit of ``pk``.

    ``cache_bytes`` bounds the coefficient vectors kept between rounds (default: see
    ``cache_budget``); polynomials beyond it are recomputed when used.

    ``advice_blinding`` ({advice column index: n − u field elements}) fixes the blinding rows of
    those columns instead of drawing fresh ones: two proofs that commit the same values with
    the same blinding send the same [a_j]₁ (linking a tensor across circuits). The values must
    be uniformly random and used only for commitments to the same column values, or zero
    knowledge is lost. ``timings``, if given, receives each round's seconds (benchmarks).
    ``fixed_cosets`` (``fixed_cosets.FixedCosets``): the fixed polynomials' coefficients and
    sub-coset values stored at setup, read instead of computed (the same proof)."""
    vk, d = pk.vk, pk.vk.domain
    cs = vk.cs
    instances = witness.instance_list(cs, d)
    blinding = _checked_blinding(cs, d, advice_blinding)
    fs = ProofTranscript(vk, instances)
    trace = Trace(timings)
    polys = ProofPolynomials(pk, d, cache_budget(pk, cache_bytes), fixed_cosets)
    for c, v in zip(cs.instance, instances):
        polys.add_instance(c.index, v)

    advice, ch = [], fs.challenges
    for phase in range(cs.num_phases):
        values = witness.phase_advice(cs, d, phase, ch.drawn(cs.challenges))
        advice.append(round_advice(pk, srs, phase, values, polys, blinding))
        del values
        ch = fs.round_advice(advice[-1])
    trace('advice', polys)

    ms = round_multiplicities(pk, srs, polys, ch)
    ch = fs.round_multiplicities(ms)
    trace('m', polys)

    zs = round_permutation(pk, srs, polys, ch)
    trace('z', polys)
    phis = round_lookup_sums(pk, srs, polys, ch)
    trace('phi', polys)
    arguments = ArgumentCommitments(zs, phis)
    fs.round_arguments(arguments)
    polys.drop_row_values()

    rnd = round_random(pk, srs, polys)
    ch = fs.round_random(rnd)
    trace('random', polys)

    h, pieces = round_quotient(pk, srs, polys, ch)
    ch = fs.round_quotient(h)
    trace('quotient', polys)

    evals = round_evaluations(pk, polys, ch.x)
    t = fs.round_evaluations(evals)
    trace('evaluations', polys)
    opening = round_opening(pk, srs, polys, evals, pieces, ch.x, t)
    trace('opening', polys)
    del pieces
    polys.clear()
    return Proof.from_messages(advice, ms, arguments, rnd, h, evals, opening)
