"""The prover, one function per round (halo2's order), each returning what it sends.

    0. absorb vk digest and instances                 (``absorb_statement``)
    1. advice a_j, blinded rows at the bottom          → [a_j]₁            ; θ
    2. logUp multiplicities m_t                        → [m_t]₁            ; β, γ
    3. permutation products z_c, logUp sums φ_p        → [z_c]₁, [φ_p]₁
    4. random vanishing polynomial r                   → [r]₁              ; y
    5. quotient pieces h_p on the extended coset       → [h_p]₁            ; x
    6. evaluations of every opened polynomial at ω^rot·x
    7. batched KZG opening (GWC, ``ezk.kzg.opening.batch_open_stream``)

Streaming: every polynomial lives in ``ProofPolynomials`` in its compact form (advice as the
witness's int64 rows + its blinding values, fixed and σ as the proving key stores them, m as
int64 counts + blinding) and is turned into values on H or coefficients only when a round needs
it; coefficients are kept within a byte budget (``cache_bytes``) and recomputed beyond it. Only
z_c, φ_p, r and the quotient pieces, which have no smaller form, are held whole.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import dataclass, field

from ezk import _native
from ezk.kzg import commit, commit_lagrange
from ezk.kzg.opening import batch_open_stream
from ezk.plonk import lookup, permutation
from ezk.plonk.circuit import Witness
from ezk.plonk.domain import Domain
from ezk.plonk.keygen import ProvingKey, VerifyingKey
from ezk.plonk.polys import LazyColumns, ProofPolynomials, RowColumns, with_blinding
from ezk.plonk.proof import Proof, evaluation_layout
from ezk.plonk.quotient import QuotientEvaluator
from ezk.plonk.vanishing import quotient_pieces
from ezk.transcript import Transcript

R = _native.MODULUS
PROTOCOL = b"ezk-plonk-v1"
DEFAULT_CACHE_BYTES = 6 << 30  # most coefficient bytes kept between rounds (see cache_budget)


@dataclass(frozen=True)
class Committed:
    """What one round sent (commitments) and the per-polynomial randomness it drew."""

    commitments: list
    blinds: list = field(default_factory=list)


def _blinded(values: "_native.FrVec", d: Domain) -> "_native.FrVec":
    """Rows u .. n−1 replaced by fresh randomness."""
    return with_blinding(values.slice(0, min(len(values), d.usable)), _native.FrVec.random(d.n - d.usable), d)


def _mem_available() -> int | None:
    """MemAvailable from /proc/meminfo in bytes (None where unknown)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) << 10
    except (OSError, ValueError, IndexError):
        pass
    return None


def cache_budget(pk: ProvingKey, cache_bytes: int | None = None) -> int:
    """Bytes of coefficient vectors to keep between rounds: ``cache_bytes``, else
    EZK_PROVER_CACHE_MB, else min(6 GiB, what the machine has available beyond the vectors the
    prover must hold anyway: z_c, φ_p, r, the quotient pieces and the quotient's working set
    ≈ (held + 3·e + 16)·n·32 bytes). A smaller budget only costs recomputed iNTTs."""
    if cache_bytes is not None:
        return max(0, int(cache_bytes))
    env = os.environ.get("EZK_PROVER_CACHE_MB")
    if env:
        return max(0, int(env)) << 20
    d, cs = pk.vk.domain, pk.vk.cs
    perm = len(cs.permutation_columns)
    held = -(-perm // cs.permutation_chunk_size()) + sum(len(t.chunks) for t in cs.lookup_tables()) + 1 + d.pieces
    reserve = (held + 3 * d.ext_factor + 16) * d.n * 32
    avail = _mem_available()
    if avail is None:
        return DEFAULT_CACHE_BYTES
    return max(0, min(DEFAULT_CACHE_BYTES, avail - reserve))


class _Trace:
    """Per-round seconds into ``rounds`` (when given a dict), and with peak RSS on stderr when
    EZK_PROVER_TRACE is set (profiling)."""

    def __init__(self, rounds: dict | None = None) -> None:
        self.on = bool(os.environ.get("EZK_PROVER_TRACE"))
        self.rounds = rounds
        self.t = time.perf_counter()

    def __call__(self, what: str, polys: "ProofPolynomials | None" = None) -> None:
        now = time.perf_counter()
        if self.rounds is not None:
            self.rounds[what] = self.rounds.get(what, 0.0) + now - self.t
        if not self.on:
            self.t = now
            return
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
        extra = (f" intts={polys.intts} cached={polys.cached_bytes >> 20}/{polys.cache_bytes >> 20}MB"
                 if polys is not None else "")
        print(f"ezk prove: {what:<12} {now - self.t:8.1f} s  peak {peak} MB{extra}", file=sys.stderr, flush=True)
        self.t = now


def absorb_statement(t: Transcript, vk: VerifyingKey, instances: list) -> None:
    t.absorb_bytes(b"vk", vk.digest)
    for inst in instances:
        t.absorb_bytes(b"instance", inst.to_bytes())


def round_advice(pk: ProvingKey, srs, advice: list, t: Transcript,
                 polys: ProofPolynomials | None = None) -> Committed:
    """Commit every advice column with fresh blinding rows, one column alive at a time.

    ``advice[j]`` is column j's values (FrVec or int array, at most u rows). With ``polys``, each
    column is registered there in compact form (values + blinding) and its coefficients offered
    to the cache while its values are at hand."""
    d = pk.vk.domain
    blinds, commitments = [], []
    for j, a in enumerate(advice):
        blind = _native.FrVec.random(d.n - d.usable)
        values = with_blinding(a, blind, d)
        commitments.append(commit_lagrange(srs, values))
        if polys is not None:
            key = ("col", pk.vk.cs.advice[j].index)
            polys.add_advice(key[1], a, blind)
            polys.cache_values_and_coeffs(key, values)
        del values
        blinds.append(blind)
    t.absorb_points(b"advice", commitments)
    return Committed(commitments, blinds)


def _row_query(columns):
    """Query over H (the 2^k rows): the column's values, cyclically rotated."""
    return lambda q: columns[q.column.index].rotate(q.rotation) if q.rotation else columns[q.column.index]


def round_multiplicities(pk: ProvingKey, srs, polys: ProofPolynomials, theta: int, t: Transcript) -> Committed:
    """m_t for every table as int64 counts + blinding; committed, registered in ``polys``."""
    d, cs = pk.vk.domain, pk.vk.cs
    commitments = []
    for ti, tab in enumerate(cs.lookup_tables()):
        counts, _ = lookup.multiplicities(cs, tab, _row_query(RowColumns(polys)), theta, d.usable, d.n)
        blind = _native.FrVec.random(d.n - d.usable)
        polys.add_counts(("m", ti), counts, blind)
        values = polys.values(("m", ti))
        commitments.append(commit_lagrange(srs, values))
        polys.cache_values_and_coeffs(("m", ti), values)
        del values
    t.absorb_points(b"m", commitments)
    return Committed(commitments)


def _commit_and_hold(srs, polys: ProofPolynomials, key, values: "_native.FrVec") -> "_native.G1":
    point = commit_lagrange(srs, values)
    polys.hold(key, _native.intt(values))
    return point


def round_permutation(pk: ProvingKey, srs, polys: ProofPolynomials, beta: int, gamma: int,
                      t: Transcript) -> Committed:
    """z_c per chunk, from the permuted columns and σ built one at a time; coefficients held."""
    d, cs = pk.vk.domain, pk.vk.cs
    perm = cs.permutation_columns
    commitments = []
    if perm:
        values = LazyColumns(len(perm), lambda j: polys.values(("col", perm[j].index)))
        sigmas = LazyColumns(len(perm), lambda j: polys.values(("sigma", j)))
        zs = permutation.grand_products(values, sigmas, beta, gamma, cs.permutation_chunk_size(), d.usable, d.n)
        for c in range(len(zs)):
            commitments.append(_commit_and_hold(srs, polys, ("z", c), zs[c]))
            zs[c] = None
        del zs
    t.absorb_points(b"z", commitments)
    return Committed(commitments)


def round_lookup_sums(pk: ProvingKey, srs, polys: ProofPolynomials, theta: int, beta: int,
                      t: Transcript) -> Committed:
    """φ_p chunk by chunk (each committed and held as coefficients before the next is built)."""
    d, cs = pk.vk.domain, pk.vk.cs
    commitments = []
    for ti, tab in enumerate(cs.lookup_tables()):
        m = polys.values(("m", ti))
        for phi in lookup.running_sums(cs, tab, m, _row_query(RowColumns(polys)), theta, beta, d.usable, d.n):
            commitments.append(_commit_and_hold(srs, polys, ("phi", len(commitments)), phi))
            del phi
        del m
    t.absorb_points(b"phi", commitments)
    return Committed(commitments)


def round_random(pk: ProvingKey, srs, polys: ProofPolynomials, t: Transcript) -> Committed:
    coeffs = _native.FrVec.random(pk.vk.domain.n)
    polys.hold(("random",), coeffs)
    out = Committed([commit(srs, coeffs)])
    t.absorb_points(b"random", out.commitments)
    return out


def _selectors(d: Domain) -> tuple:
    return tuple(_native.intt(d.row_indicator(rows)) for rows in
                 (range(0, 1), range(d.usable, d.usable + 1), range(d.usable + 1, d.n)))


def round_quotient(pk: ProvingKey, srs, polys: ProofPolynomials, theta: int, beta: int, gamma: int,
                   y: int, t: Transcript) -> tuple[Committed, list]:
    """h by the native constraint program (``ezk.plonk.quotient``), or by the Python reference
    evaluator when EZK_PROVER_QUOTIENT=python (profiling and cross-checks)."""
    d = pk.vk.domain
    if os.environ.get("EZK_PROVER_QUOTIENT") == "python":
        pieces = quotient_pieces(polys, _selectors(d), pk.vk.cs, d, theta, beta, gamma, y)
    else:
        pieces = QuotientEvaluator(pk.vk.cs, d).pieces(polys, theta, beta, gamma, y)
    out = Committed([commit(srs, p) for p in pieces])
    t.absorb_points(b"h", out.commitments)
    return out, pieces


def round_evaluations(pk: ProvingKey, polys: ProofPolynomials, x: int, t: Transcript) -> list[int]:
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
    t.absorb_scalars(b"evals", evals)
    return evals


def round_opening(pk: ProvingKey, srs, polys: ProofPolynomials, evals: list, h_pieces: list, x: int,
                  t: Transcript) -> list:
    """GWC opening of the layout's claims plus h(x), h = Σ_p xⁿᵖ·h_p, polynomial by polynomial."""
    d = pk.vk.domain
    layout = evaluation_layout(pk.vk.cs, d)
    claims = [(d.rotate_point(x, rot), key, e) for (key, rot), e in zip(layout, evals)]
    xn = pow(x, d.n, R)
    h = _native.linear_combination(h_pieces, [pow(xn, p, R) for p in range(len(h_pieces))])
    claims.append((x, ("h",), _native.poly_eval(h, x)))
    return batch_open_stream(srs, claims, lambda key: h if key == ("h",) else polys.coeffs(key), t)


def prove(pk: ProvingKey, srs, witness: Witness, cache_bytes: int | None = None,
          timings: dict | None = None) -> Proof:
    """A zero-knowledge proof that ``witness`` satisfies the circuit of ``pk``.

    ``cache_bytes`` bounds the coefficient vectors kept between rounds (default: see
    ``cache_budget``); polynomials beyond it are recomputed when used. ``timings``, if given,
    receives each round's seconds (benchmarks)."""
    vk, d = pk.vk, pk.vk.domain
    cs = vk.cs
    instances = witness.instance_list(cs, d)
    t = Transcript(PROTOCOL)
    absorb_statement(t, vk, instances)
    trace = _Trace(timings)
    polys = ProofPolynomials(pk, d, cache_budget(pk, cache_bytes))
    for c, v in zip(cs.instance, instances):
        polys.add_instance(c.index, v)

    advice = [witness.advice_column(cs, d, i) for i in range(len(cs.advice))]
    adv = round_advice(pk, srs, advice, t, polys)
    theta = t.squeeze_challenge(b"theta")
    trace('advice', polys)

    ms = round_multiplicities(pk, srs, polys, theta, t)
    beta = t.squeeze_challenge(b"beta")
    gamma = t.squeeze_challenge(b"gamma")
    trace('m', polys)

    zs = round_permutation(pk, srs, polys, beta, gamma, t)
    trace('z', polys)
    phis = round_lookup_sums(pk, srs, polys, theta, beta, t)
    trace('phi', polys)
    polys.drop_sigma_table()
    rnd = round_random(pk, srs, polys, t)
    y = t.squeeze_challenge(b"y")

    h, pieces = round_quotient(pk, srs, polys, theta, beta, gamma, y, t)
    x = t.squeeze_challenge(b"x")
    trace('quotient', polys)

    evals = round_evaluations(pk, polys, x, t)
    trace('evaluations', polys)
    opening = round_opening(pk, srs, polys, evals, pieces, x, t)
    trace('opening', polys)
    del pieces
    polys.clear()
    return Proof(
        advice=tuple(adv.commitments), m=tuple(ms.commitments), z=tuple(zs.commitments),
        phi=tuple(phis.commitments), random=tuple(rnd.commitments), h=tuple(h.commitments),
        evals=tuple(evals), opening=tuple(opening),
    )
