"""Row primitives: whole tensors placed as batches of gate rows (numpy index arithmetic only).

LIN row (lane j < b, inputs in columns 0..a−1, lane j's cell in column a+j):
    Σ_c F[j,c]·A_c + P[j]·A_{a+j}(prev) + C[j] − S[j]·A_{a+j} = 0
  · lincomb: S·out = Σ coeff·term + C (several outputs per row, e.g. 4 additions of two cells);
  · fixed_dot: a chain of rows accumulating Σ_k x_k·w_k with w FIXED (coefficients F), the
    same a input cells shared by b lanes (b outputs per row: a·b products per row).
DOT row: Σ_t Q_t·A_{2t}·A_{2t+1} + Qc·A_{W−1}(prev) − Qs·A_{W−1} = 0 (advice × advice).
MUL row: Q·(A_{3t}·A_{3t+1} − A_{3t+2}) = 0 for every triple t (elementwise products, bits).
Lookup row: slot s puts (x, y) in columns (2s, 2s+1); see tables.py.

Every gate position that is not used has a zero coefficient/selector, so no stray cell can
move a result.
"""

from __future__ import annotations

import numpy as np

from ezk.errors import EzkError, WitnessError
from ezk.layout.cells import CONST, EMPTY, NEW, Cells
from ezk.layout import region
from ezk.layout.region import KIND_FN, KIND_RANGE, Region
from ezk.layout.tables import Tables


def _spec(nrows: int, W: int):
    return (np.zeros((nrows, W), np.int64), np.full((nrows, W), EMPTY, np.int64), np.zeros((nrows, W), np.int64))


def _fill(spec, rows, cols, cells: Cells | None = None, new_vals=None):
    g, c, v = spec
    if cells is not None:
        g[rows, cols], c[rows, cols] = cells.g, cells.c
    else:
        c[rows, cols] = NEW
        v[rows, cols] = new_vals


def materialize(rg: Region, cells: Cells, consts: bool = True) -> Cells:
    """Cells with every constant replaced by a fresh cell fixed to it (a LIN row S·x = C) and
    every affine reference k·x + v by a fresh cell y with y = k·x + v (a LIN row); with
    consts=False constants stay constants."""
    m = cells.is_affine | cells.is_const if consts else cells.is_affine
    if not m.any():
        return cells if cells.k is None else cells.bare()
    sub = cells[m]
    made = lincomb(rg, [(sub, 1)], 0, out_vals=rg.read(sub))
    g, c = cells.g.copy(), cells.c.copy()
    g[m], c[m] = made.g, made.c
    return Cells(g, c, np.where(c == CONST, cells.val, 0))


def lincomb(rg: Region, terms: list[tuple[Cells, object]], const, divisor=1, out_vals=None,
            output: bool = True, shape=None) -> Cells | None:
    """divisor·out = Σ coeff·term + const elementwise (broadcast to ``shape``); with
    output=False the row only constrains Σ coeff·term + const = 0, its first term in the lane's
    own column (S = −coeff), so a lane needs one input column less. Affine terms k·x + v fold
    into the row: coefficient coeff·k on x, coeff·v into the constant."""
    geo = rg.geo
    if shape is None:
        shape = np.broadcast_shapes(*([np.shape(const)] + [t.shape for t, _ in terms]))
    n = int(np.prod(shape, dtype=np.int64))
    C = np.broadcast_to(np.asarray(const, np.int64), shape).reshape(-1).copy()
    live: list[tuple[Cells, np.ndarray]] = []
    for cells, coeff in terms:
        cells = cells.broadcast_to(shape).flat()
        k = np.broadcast_to(np.asarray(coeff, np.int64), shape).reshape(-1).copy()
        m = cells.is_const
        C += k * cells.val  # constants, and the offsets of affine references
        if m.all():
            continue
        k = np.where(m, 0, k * cells.coef)
        c = cells.c.copy()
        c[m] = EMPTY
        live.append((Cells(cells.g, c, np.zeros_like(cells.val)), k))
    T = len(live)
    # without an output the lane's own column is free: the first term sits there (S = −coeff)
    inline = not output and T >= 1
    Tin = T - 1 if inline else T
    if Tin > geo.a:
        raise EzkError(f"a linear constraint of {T} terms does not fit in {geo.a} input columns; "
                       f"use more num_inner_cols")
    lanes = max(1, min(rg.lanes, geo.a // max(Tin, 1)))
    nrows = -(-n // lanes)
    spec = _spec(nrows, geo.width)
    F = np.zeros((nrows, geo.b, geo.a), np.int64)
    Cc = np.zeros((nrows, geo.b), np.int64)
    S = np.zeros((nrows, geo.b), np.int64)
    e = np.arange(n)
    r, j = e // lanes, e % lanes
    for i, (cells, k) in enumerate(live):
        ok = cells.c != EMPTY
        if inline and i == 0:
            _fill(spec, r[ok], geo.a + j[ok], cells[ok])
            S[r, j] = -k
            continue
        ii = i - 1 if inline else i
        _fill(spec, r[ok], j[ok] * Tin + ii, cells[ok])
        F[r, j, j * Tin + ii] = k
    Cc[r, j] = C
    if output:
        S[r, j] = np.broadcast_to(np.asarray(divisor, np.int64), shape).reshape(-1)
        _fill(spec, r, geo.a + j, new_vals=np.asarray(out_vals, np.int64).reshape(-1))
    grow = rg.place(Cells(*spec), spec[2], {"lin_f": F, "lin_c": Cc, "lin_s": S})
    return Cells.at(grow[r], geo.a + j).reshape(shape) if output else None


def fixed_dot(rg: Region, x: Cells, w: np.ndarray, bias=None) -> Cells:
    """out[g, l] = Σ_k x[g, k]·w[g, l, k] (+ bias[g, l]); x is (G, K) cells, w (G, L, K) ints.
    Chains of ⌈K/a⌉ LIN rows, b lanes share the row's a input cells; returns (G, L) cells."""
    geo = rg.geo
    a, b = geo.a, rg.lanes  # lanes in use (the lean layout: 1)
    G, K = x.shape
    L = w.shape[1]
    if x.any_affine():
        raise AssertionError("fixed_dot reads bare cells: fold affine references into w and bias first")
    cm = x.is_const
    if cm.any():  # constant inputs (zero fills of padded or strided convolutions …) need no cell:
        # their products join the bias, and each group's live inputs move to the front
        fold = np.einsum("gk,glk->gl", np.where(cm, x.val, 0), w)
        bias = fold if bias is None else np.asarray(bias, np.int64) + fold
        order = np.argsort(cm, axis=1, kind="stable")
        K = max(int((~cm).sum(axis=1).max()), 1)
        order = order[:, :K]
        dead = np.take_along_axis(cm, order, axis=1)
        xs = Cells(*(np.take_along_axis(getattr(x, f), order, axis=1) for f in ("g", "c", "val")))
        x = Cells(xs.g, np.where(dead, EMPTY, xs.c), np.zeros_like(xs.val))
        w = np.where(dead[:, None, :], 0, np.take_along_axis(w, order[:, None, :], axis=2))
    R = -(-K // a)
    nch = -(-L // b)
    Kp, Lp = R * a, nch * b
    xp = Cells(np.zeros((G, Kp), np.int64), np.full((G, Kp), EMPTY, np.int64), np.zeros((G, Kp), np.int64))
    xp.g[:, :K], xp.c[:, :K] = x.g, x.c
    wp = np.zeros((G, Lp, Kp), np.int64)
    wp[:, :L, :K] = w
    bp = np.zeros((G, Lp), np.int64)
    if bias is not None:
        bp[:, :L] = bias
    xv = np.zeros((G, Kp), np.int64)
    xv[:, :K] = rg.read(x)
    # partial sums: (G, Lp, R) running over the row blocks
    part = np.einsum("grc,glrc->glr", xv.reshape(G, R, a), wp.reshape(G, Lp, R, a))
    part = np.cumsum(part, axis=2) + bp[:, :, None]
    # logical rows ordered (g, chunk, r)
    nrows = G * nch * R
    gi, ch, rr = np.unravel_index(np.arange(nrows), (G, nch, R))
    W = geo.width
    xin = xp.reshape(G, R, a)[gi, rr]  # (nrows, a)
    g_s = np.zeros((nrows, W), np.int64)
    c_s = np.full((nrows, W), EMPTY, np.int64)
    v_s = np.zeros((nrows, W), np.int64)
    g_s[:, :a], c_s[:, :a] = xin.g, xin.c
    lanes = ch[:, None] * b + np.arange(b)  # (nrows, b)
    live = lanes < L
    B = geo.b
    c_s[:, a:a + b] = np.where(live, NEW, EMPTY)
    v_s[:, a:a + b] = part[gi[:, None], lanes, rr[:, None]]
    F = np.zeros((nrows, B, a), np.int64)
    F[:, :b] = wp.reshape(G, Lp, R, a)[gi[:, None], lanes, rr[:, None]]  # (nrows, b, a)
    first = rr == 0
    P, Cc, S = (np.zeros((nrows, B), np.int64) for _ in range(3))
    P[:, :b] = np.where(live & ~first[:, None], 1, 0)
    Cc[:, :b] = np.where(live & first[:, None], bp[gi[:, None], lanes], 0)
    S[:, :b] = live
    grow = rg.place(Cells(g_s, c_s, v_s), v_s, {"lin_f": F, "lin_p": P, "lin_c": Cc, "lin_s": S},
                    chain=~first, carry_cols=tuple(range(a, a + b)))
    last = grow.reshape(G, nch, R)[:, :, R - 1]  # (G, nch)
    ll = np.arange(L)
    return Cells.at(last[:, ll // b], a + ll % b)


def dot_rows(rg: Region, x: Cells, y: Cells) -> Cells:
    """out[o] = Σ_k x[o, k]·y[o, k] with both operands advice: DOT chains, p products per row
    (whole chains region.BATCH_ROWS rows at a time: the same circuit as one placement)."""
    O, K = x.shape
    x, y = materialize(rg, x), materialize(rg, y)
    step = max(1, region.BATCH_ROWS // max(1, -(-K // rg.geo.pairs)))  # chains per batch
    if O <= step:
        return _dot_rows(rg, x, y)
    return Cells.concat([_dot_rows(rg, x[lo:lo + step], y[lo:lo + step]) for lo in range(0, O, step)])


def _dot_rows(rg: Region, x: Cells, y: Cells) -> Cells:
    geo = rg.geo
    p, W = geo.pairs, geo.width
    O, K = x.shape
    R = -(-K // p)
    Kp = R * p
    xv, yv = np.zeros((O, Kp), np.int64), np.zeros((O, Kp), np.int64)
    xv[:, :K], yv[:, :K] = rg.read(x), rg.read(y)
    part = np.cumsum((xv * yv).reshape(O, R, p).sum(axis=2), axis=1)  # (O, R)
    nrows = O * R
    spec = _spec(nrows, W)
    oi, kk = np.unravel_index(np.arange(O * K), (O, K))
    r = oi * R + kk // p
    t = kk % p
    _fill(spec, r, 2 * t, x.flat())
    _fill(spec, r, 2 * t + 1, y.flat())
    Q = np.zeros((nrows, p), np.int64)
    Q[r, t] = 1
    _fill(spec, np.arange(nrows), W - 1, new_vals=part.reshape(-1))
    rr = np.arange(nrows) % R
    grow = rg.place(Cells(*spec), spec[2], {"dot_q": Q, "dot_s": np.ones(nrows, np.int64),
                                            "dot_c": (rr > 0).astype(np.int64)},
                    chain=rr > 0, carry_cols=(W - 1,))
    return Cells.at(grow.reshape(O, R)[:, R - 1], W - 1)


def mul_rows(rg: Region, x: Cells, y: Cells, out_vals: np.ndarray) -> Cells:
    """out = x·y elementwise (same shapes), several triples per row."""
    geo = rg.geo
    m = geo.triples
    x, y = materialize(rg, x.flat()), materialize(rg, y.flat())
    n = x.size
    nrows = -(-n // m)
    spec = _spec(nrows, geo.width)
    e = np.arange(n)
    r, t = e // m, e % m
    _fill(spec, r, 3 * t, x)
    _fill(spec, r, 3 * t + 1, y)
    _fill(spec, r, 3 * t + 2, new_vals=np.asarray(out_vals, np.int64).reshape(-1))
    grow = rg.place(Cells(*spec), spec[2], {"mul_q": np.ones(nrows, np.int64)})
    return Cells.at(grow[r], 3 * t + 2)


def bits(rg: Region, vals: np.ndarray, what: str) -> Cells:
    """Fresh cells holding 0/1 values, each constrained by c·c = c (a MUL triple (c, c, c))."""
    v = np.asarray(vals, np.int64).reshape(-1)
    if v.size and (v.min() < 0 or v.max() > 1):
        raise WitnessError(f"{what} must be 0 or 1")
    geo = rg.geo
    m = geo.triples
    n = v.size
    nrows = -(-n // m)
    spec = _spec(nrows, geo.width)
    e = np.arange(n)
    r, t = e // m, e % m
    for off in range(3):
        _fill(spec, r, 3 * t + off, new_vals=v)
    grow = rg.place(Cells(*spec), spec[2], {"mul_q": np.ones(nrows, np.int64)})
    # the three positions of a triple are one value: copies tie them together
    src = np.stack([grow[r], 3 * t], axis=1)
    rg._copies.append(np.concatenate([np.concatenate([src, np.stack([grow[r], 3 * t + 1], axis=1)], axis=1),
                                      np.concatenate([src, np.stack([grow[r], 3 * t + 2], axis=1)], axis=1)]))
    return Cells.at(grow[r], 3 * t).reshape(np.shape(vals))


def lookup_rows(rg: Region, tags: np.ndarray, x: Cells | None, x_vals=None, y_vals=None,
                range_only: bool = False) -> tuple[Cells, Cells | None]:
    """(tag, x, y) lookups, S slots per row. x: existing cells (copied) or, when None, fresh
    cells with ``x_vals``; y: fresh cells with ``y_vals`` or, when None, 0 (range tables).
    Range checks use every slot (every column in the wide layout); function and gather lookups
    ``rg.fn_slots`` slots."""
    geo = rg.geo
    if x is not None:
        x = materialize(rg, x.flat())
        n = x.size
    else:
        x_vals = np.asarray(x_vals, np.int64).reshape(-1)
        n = x_vals.size
    if range_only:
        rg.wide_rows += -(-n // geo.width)
    wide = range_only and rg.wide
    S = geo.width if wide else geo.slots if range_only else rg.fn_slots
    step = S * region.BATCH_ROWS  # region.BATCH_ROWS rows at a time: the same circuit as one placement
    if n <= step:
        return _lookup_rows(rg, n, S, wide, tags, x, x_vals, y_vals, range_only)
    tags = np.broadcast_to(np.asarray(tags, np.int64), (n,))
    y_vals = None if y_vals is None else np.asarray(y_vals, np.int64).reshape(-1)
    parts = [_lookup_rows(rg, min(n, lo + step) - lo, S, wide, tags[lo:lo + step],
                          None if x is None else x[lo:lo + step], None if x is not None else x_vals[lo:lo + step],
                          None if y_vals is None else y_vals[lo:lo + step], range_only) for lo in range(0, n, step)]
    return (Cells.concat([q[0] for q in parts]),
            Cells.concat([q[1] for q in parts]) if y_vals is not None else None)


def _lookup_rows(rg: Region, n: int, S: int, wide: bool, tags, x: Cells | None, x_vals, y_vals,
                 range_only: bool) -> tuple[Cells, Cells | None]:
    geo = rg.geo
    nrows = -(-n // S)
    spec = _spec(nrows, geo.width)
    e = np.arange(n)
    r, s = e // S, e % S
    xc = s if wide else 2 * s  # the x column of each lookup
    if x is not None:
        _fill(spec, r, xc, x)
    else:
        _fill(spec, r, xc, new_vals=x_vals)
    tag = np.zeros((nrows, geo.width if wide else geo.slots), np.int64)
    tag[r, s] = np.broadcast_to(np.asarray(tags, np.int64), (n,))
    if y_vals is not None:
        _fill(spec, r, 2 * s + 1, new_vals=np.asarray(y_vals, np.int64).reshape(-1))
    grow = rg.place(Cells(*spec), spec[2], {"rk_tag" if wide else "lk_tag": tag},
                    kind=KIND_RANGE if range_only else KIND_FN)
    xs = Cells.at(grow[r], xc)
    return xs, (Cells.at(grow[r], 2 * s + 1) if y_vals is not None else None)


def range_terms(rg: Region, tables: Tables, vals: np.ndarray, bits_: int, what: str,
                limb_bits: int | None = None) -> list[tuple[Cells, int]]:
    """Limb cells l_i (looked up in range tables) with v = Σ 2^(w·i)·l_i, v ∈ [0, 2^bits): n =
    ⌈bits/limb_bits⌉ limbs of w = ⌈bits/n⌉ bits, the top one of the bits left (limb_bits: the
    tables' unless a narrower width is asked). Returns the (cells, weight) terms; an
    out-of-range value is a WitnessError."""
    v = np.asarray(vals, np.int64).reshape(-1)
    if v.size and (v.min() < 0 or (bits_ < 63 and v.max() >= (1 << bits_))):
        bad = int(v.min()) if v.min() < 0 else int(v.max())
        raise WitnessError(f"{what}: value {bad} is outside [0, 2^{bits_})")
    n = -(-bits_ // min(limb_bits or tables.limb_bits, tables.limb_bits))
    w = -(-bits_ // n)
    terms = []
    for i in range(n):
        nb = min(w, bits_ - w * i)
        limb = (v >> (w * i)) & ((1 << nb) - 1)
        cells, _ = lookup_rows(rg, np.full(v.size, tables.range(nb)), None, x_vals=limb, range_only=True)
        terms.append((cells, 1 << (w * i)))
    return terms
