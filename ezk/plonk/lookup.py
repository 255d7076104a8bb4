"""Lookups as logUp (Haböck 2022), grouped by table, with weighted inputs.

All lookups into one table t share one multiplicity column m. Lookup i has a weight wᵢ, an
expression over fixed columns (1 when the circuit gives none). With tuples compressed by θ
(f = Σ θ^{L−1−j}·f_j, t likewise) the lookups hold iff, as rational functions in β,

    Σ_{rows i < u} Σ_lookups w(ωⁱ)/(β + f(ωⁱ))  =  Σ_{rows i < u} m(ωⁱ)/(β + t(ωⁱ)),

m(ωʲ) being the weighted multiplicity: the sum of the weights of the input rows equal to table
row j (each value credited to the first usable table row holding it).

Weights. A row of weight 0 contributes nothing: it is not looked up, and may hold any tuple.
A row of weight w ≠ 0 is looked up: its pole −f(ωⁱ) must cancel against a table pole. Soundness
needs the weights of equal tuples never to cancel each other: if every weight is an integer in
[0, 2^32) on the usable rows, the coefficient of the pole at −f on the left is a sum of at most
(#lookups·u) < 2^64 such weights, an integer in [0, 2^96) ⊂ [0, r) that is 0 in Fr only if every
weight in it is 0 — so a tuple looked up with a nonzero weight gives the left side a pole that
the right side must have too, i.e. the tuple is a table row. Weights are fixed (the verifier
knows them through the verifying key), so keygen and the mock check the range (``check_weights``);
a weight over advice would let the prover choose w = −1 and cancel a false tuple against a true
one, so ConstraintSystem.lookup refuses it. A circuit saves degree this way: instead of inputs
(L, L·a, L·b) (degree 2) into a tagged table, the tag L is the weight and the inputs (L, a, b)
have degree 1; keeping L in the tuple still ties a row to its own table's rows.

Inputs are split into chunks (so each constraint has degree ≤ D); chunk c has a running sum φ_c
with φ_c(1) = 0 and, on usable rows, φ_c(ωX) − φ_c(X) = Σ_{f∈c} w_f/(β+f) [− m/(β+t) for c = 0].
Multiplied out (P = Π_{f∈c}(β+f), S_w = Σ_{f∈c} w_f·Π_{g≠f}(β+g), T = β + t):

    l_0·φ_c = 0
    active·((φ_c(ωX) − φ_c(X))·P·T − S_w·T + m·P) = 0      (chunk 0; others: (Δφ)·P − S_w)
    l_last·Σ_c φ_c = 0

Dynamic tables. A table expression may read advice columns (at rotation 0): a table committed
with the witness, e.g. (tag, index, value) over the cells of a computed tensor. This stays
sound because (i) every advice column, of every phase, is committed before θ and β are drawn,
so the table is fixed before the tuples are compressed and before the pole β is known —
the identity above, a polynomial identity in β of degree ~2u, then holds for a random β only if
every input tuple is a table row (Schwartz–Zippel), whatever m the prover committed; and (ii)
the sums run over the usable rows only (``active`` is 0 on l_last and the blinding rows), so
the random blinding values of a table column — chosen by the prover — never become table rows.
A rotated advice query could carry a blinding row into a usable one, so ConstraintSystem.lookup
refuses it. Rows of a table column that hold no entry must be switched off by the circuit (a
fixed tag that is 0 there, while every looked-up tuple carries a nonzero tag): the usable rows
of an advice column are the prover's.
"""

from __future__ import annotations

import numpy as np

from ezk import _native
from ezk.errors import EzkError
from ezk.plonk.constraint_system import ConstraintSystem, Lookup, LookupTable
from ezk.plonk.expression import Expression, _vec_add, _vec_mul, _vec_sub
from ezk.plonk.protocol import Challenges

R = _native.MODULUS
MAX_WEIGHT = 1 << 32  # weights lie in [0, MAX_WEIGHT) on the usable rows (module docstring)
_KEY = np.dtype([("a", "<u8"), ("b", "<u8"), ("c", "<u8"), ("d", "<u8")])


def compress(exprs: tuple[Expression, ...], query, challenge, theta: int):
    """Σ θ^{L−1−j}·e_j by Horner (an FrVec over a domain, or an int at a point); ``query`` and
    ``challenge`` evaluate the expressions' leaves (``Expression.evaluate``)."""
    acc = exprs[0].evaluate(query, challenge)
    for e in exprs[1:]:
        acc = _vec_add(_vec_mul(acc, theta), e.evaluate(query, challenge))
    return acc


def as_keys(v: "_native.FrVec") -> np.ndarray:
    """Field elements as sortable fixed-width numpy records (for matching, not arithmetic)."""
    return np.frombuffer(v.to_bytes(), dtype=_KEY)


def _const_vec(v, n: int) -> "_native.FrVec":
    return _native.FrVec.constant(v, n) if isinstance(v, int) else v


def weight_values(lk: Lookup, query, usable: int, n: int, first: int = 0) -> np.ndarray | None:
    """Lookup ``lk``'s weight on rows first .. first + usable − 1 as int64 (None: weight 1),
    ``query`` evaluating the expression's fixed-column leaves over n rows; an EzkError names
    the lookup and a row whose weight is not an integer in [0, 2^32)."""
    if lk.weight is None:
        return None
    w = _const_vec(lk.weight.evaluate(query), n).slice(0, usable)
    try:
        ints = w.to_i64()
    except ValueError:
        ints = None
    bad = np.arange(usable) if ints is None else np.flatnonzero((ints < 0) | (ints >= MAX_WEIGHT))
    if bad.size:
        row = first + int(bad[0])
        raise EzkError(f"lookup {lk.name!r}: its weight on row {row} is not an integer in [0, 2^32); "
                       f"weights must be small non-negative integers (ezk.plonk.lookup).")
    return ints


def check_weights(cs: ConstraintSystem, query, usable: int, n: int) -> None:
    """Every lookup weight lies in [0, 2^32) on the usable rows (keygen's check; an EzkError
    otherwise). ``query`` gives a fixed column's n values."""
    seen: set[str] = set()
    for lk in cs.lookups:
        if lk.weight is not None and repr(lk.weight) not in seen:
            weight_values(lk, query, usable, n)
            seen.add(repr(lk.weight))


def multiplicities(cs: ConstraintSystem, table: LookupTable, query, challenges: Challenges, usable: int, n: int):
    """(m on its u usable rows as int64 counts, number of looked-up input rows absent from the
    table); the prover appends m's n − u random blinding rows.

    m(ωʲ) sums the weights of the usable input rows (over all lookups of the table) equal to
    table row j, crediting each value to the first usable table row that holds it; rows of
    weight 0 are skipped."""
    ch, theta = challenges.challenge, challenges.theta
    t = _const_vec(compress(table.table, query, ch, theta), n)
    inputs = [_const_vec(compress(cs.lookups[i].inputs, query, ch, theta), n) for i in table.lookups]
    weights = [weight_values(cs.lookups[i], query, usable, n) for i in table.lookups]
    if all(w is None for w in weights):
        return _native.lookup_multiplicities(t, inputs, usable)  # a hash of the table's values
    return _native.lookup_multiplicities(t, inputs, usable, weights)


def running_sums(cs: ConstraintSystem, table: LookupTable, m: "_native.FrVec", query, challenges: Challenges,
                 usable: int, n: int):
    """Yield the φ_c of each chunk on H: φ_c(ω⁰) = 0, cumulative sums on rows 1 .. u, random
    after (one chunk at a time: the caller commits and stores each before the next is built)."""
    ch, theta, beta = challenges.challenge, challenges.theta, challenges.beta
    for chunk in table.chunks:
        inc = None
        for i in chunk.lookups:
            f = _const_vec(compress(cs.lookups[i].inputs, query, ch, theta), n).slice(0, usable)
            term = f.add_scalar(beta).batch_inverse()
            if cs.lookups[i].weight is not None:
                term = term.mul(_const_vec(cs.lookups[i].weight.evaluate(query), n).slice(0, usable))
            inc = term if inc is None else inc.add(term)
        if chunk.with_table:
            t = _const_vec(compress(table.table, query, ch, theta), n).slice(0, usable)
            inc = inc.sub(m.slice(0, usable).mul(t.add_scalar(beta).batch_inverse()))
        sums = inc.cumsum()
        del inc
        yield _native.FrVec.concat([_native.FrVec.zeros(1), sums, _native.FrVec.random(n - usable - 1)])


def constraints(env, cs: ConstraintSystem, tables: list[LookupTable]):
    """Yield the logUp constraint values (module docstring) through ``env``."""
    theta, beta = env.theta, env.beta
    p = 0
    for ti, table in enumerate(tables):
        total = 0
        for chunk in table.chunks:
            phi, phi_next = env.get(("phi", p), 0), env.get(("phi", p), 1)
            total = _vec_add(total, phi)
            yield _vec_mul(env.l0, phi)
            shifted = [_vec_add(compress(cs.lookups[i].inputs, env.query, env.challenge, theta), beta)
                       for i in chunk.lookups]
            weights = [1 if cs.lookups[i].weight is None else cs.lookups[i].weight.evaluate(env.query, env.challenge)
                       for i in chunk.lookups]
            prod = 1
            for s in shifted:
                prod = _vec_mul(prod, s)
            sum_others = 0  # S_w
            for a in range(len(shifted)):
                term = weights[a]
                for b, s in enumerate(shifted):
                    if a != b:
                        term = _vec_mul(term, s)
                sum_others = _vec_add(sum_others, term)
            expr = _vec_mul(_vec_sub(phi_next, phi), prod)
            if chunk.with_table:
                t = _vec_add(compress(table.table, env.query, env.challenge, theta), beta)
                expr = _vec_add(_vec_sub(_vec_mul(expr, t), _vec_mul(sum_others, t)),
                                _vec_mul(env.get(("m", ti), 0), prod))
            else:
                expr = _vec_sub(expr, sum_others)
            yield _vec_mul(env.active, expr)
            p += 1
        yield _vec_mul(env.l_last, total)
