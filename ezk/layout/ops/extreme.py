"""reduce_max / reduce_min over axes: an upper (lower) bound that is one of the elements.

For a group x_0 … x_{K−1} with sign σ = +1 (max) or −1 (min), and its extreme m (a fresh cell):

    t_j = σ·(m − x_j) ∈ [0, 2^B)          for every j,  B = COMPARE_BITS
    s_j ∈ {0, 1},  Σ_j s_j = 1,  Σ_j s_j·x_j = m

t_j sits in limbs in the same packed LIN row as its relation σ·m − σ·x_j − Σ_i 2^(lb·i)·t_{j,i} = 0
(low limbs in unsigned tables, all range-checked in place); s_j is looked up in the one-bit table
{0, 1}; the two sums are a fixed_dot and a DOT chain.
Why m is the extreme: t_j ≥ 0 says σm ≥ σx_j for every j (|t_j| < 2^B ≪ p/2, so the range
check on the field element is the integer inequality); the bits summing to 1 (K < p) pick
exactly one j*, and Σ s_j·x_j = x_{j*} = m. So m = max_j x_j (min_j for σ = −1), whatever
index the prover picks among equal extremes. A spread of 2^B or more is a WitnessError (the
forward pass refuses it first, ezk.ops._checks.check_compare_gap).
Cost per element: one packed row for ⌊a/(2 + n − 1)⌋ elements (n limbs), a quarter of a
lookup row, a fifth of a DOT row and an eighth of a LIN row — against about 2.5 rows for each
pairwise max of a tree (ops/compare.py).
"""

from __future__ import annotations

import numpy as np

from ezk.layout.cells import Cells
from ezk.layout.ops.compare import COMPARE_BITS
from ezk.layout.packed import Lane, pack, unsigned_limbs
from ezk.layout.rows import dot_rows, fixed_dot, lincomb, lookup_rows, materialize


def _reduce(ctx, node, ins, sign: int):
    (x,) = ins
    from ezk.layout.ops.linear import _grid

    rg = ctx.rg
    axes = sorted(a % len(x.shape) for a in node.attrs["axes"])
    xs = x.take(_grid(x.shape, axes))  # (G, K)
    G, K = xs.shape
    if xs.all_const():
        v = xs.val.max(axis=1) if sign > 0 else xs.val.min(axis=1)
        return Cells.const(v.reshape(node.shape))
    xs = materialize(rg, xs)
    xv = ctx.read(xs)
    mv = ctx.value(node).reshape(G)
    m = rg.new_cells(mv)
    tv = (sign * (mv[:, None] - xv)).reshape(-1)
    limbs = unsigned_limbs(ctx.tables, tv, COMPARE_BITS, f"the extreme of {ctx.where(node)} minus an element")
    mb = m.reshape(G, 1).broadcast_to((G, K)).flat()
    coef = {0: sign, 1: -sign} | {2 + i: -w for i, (_, w) in enumerate(limbs[:-1])}
    pack(rg, G * K, [mb, xs.flat()] + [c for c, _ in limbs[:-1]], [Lane(limbs[-1][0], limbs[-1][1], coef)])
    # one-hot choice of the extreme: bits looked up in {0, 1}, Σ s = 1, Σ s·x = m
    j = (np.argmax(xv, axis=1) if sign > 0 else np.argmin(xv, axis=1)) if K else np.zeros(G, np.int64)
    sv = (np.arange(K)[None, :] == j[:, None]).astype(np.int64)
    s, _ = lookup_rows(rg, np.full(G * K, ctx.tables.range(1)), None, x_vals=sv, range_only=True)
    s = s.reshape(G, K)
    total = fixed_dot(rg, s, np.ones((G, 1, K), np.int64))
    lincomb(rg, [(total.reshape(G), 1)], -1, output=False)
    picked = dot_rows(rg, s, xs)
    lincomb(rg, [(picked, 1), (m, -1)], 0, output=False)
    return m.reshape(node.shape)


def reduce_max(ctx, node, ins):
    return _reduce(ctx, node, ins, 1)


def reduce_min(ctx, node, ins):
    return _reduce(ctx, node, ins, -1)
