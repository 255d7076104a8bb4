"""argmax / argmin along one axis, ties to the lowest index (np.argmax / np.argmin).

For each group x_0 … x_{K−1} (the reduced axis), with sign σ = +1 (argmax) or −1 (argmin):
  one-hot bits s_j (s·s = s), Σ_j s_j = 1, the index i = Σ_j j·s_j and the picked value
  v = Σ_j s_j·x_j (DOT rows), and for every j the slack
      t_j = K·σ·(v − x_j) + (j − i) ∈ [0, 2^B),   B = COMPARE_BITS + ⌈log₂ K⌉,
  checked by limbs in range tables.
Why this pins i to the first extreme element: the keys k_j = σ·K·x_j + (K − 1 − j) are distinct
and t_j = k_i − k_j, so t ≥ 0 everywhere says k_i is the largest key. If σx_j > σx_i then
K·σ(x_i − x_j) ≤ −K while j − i ≤ K − 1, so t_j < 0; if x_j = x_i with j < i then t_j = j − i < 0.
As in the comparisons, |t_j| stays far below p/2, so the range check on the field element is
the integer inequality; a gap of 2^COMPARE_BITS or more is a WitnessError, never a bad witness.
"""

from __future__ import annotations

import numpy as np

from ezk.layout.cells import Cells
from ezk.ops.bounds import COMPARE_BITS
from ezk.layout.ops.linear import _grid
from ezk.layout.rows import bits, dot_rows, fixed_dot, lincomb, range_terms


def pick(xv: np.ndarray, sign: int) -> np.ndarray:
    """The witness's index per row of xv: the first extreme element."""
    return (np.argmax(xv, axis=1) if sign > 0 else np.argmin(xv, axis=1)).astype(np.int64)


def _arg(ctx, node, ins, sign: int):
    (x,) = ins
    rg = ctx.rg
    ax = node.attrs["axis"] % len(x.shape)
    xs = x.take(_grid(x.shape, [ax]))  # (G, K)
    G, K = xs.shape
    xv = ctx.read(xs)
    iv = pick(xv, sign)
    sv = (np.arange(K)[None, :] == iv[:, None]).astype(np.int64)
    s = bits(rg, sv, f"a one-hot bit of {ctx.where(node)}")
    w = np.stack([np.ones((G, K), np.int64), np.broadcast_to(np.arange(K), (G, K))], axis=1)
    sums = fixed_dot(rg, s, w)  # (G, 2): Σ s, Σ j·s
    lincomb(rg, [(sums[:, 0], 1)], -1, output=False)
    idx = sums[:, 1]
    v = dot_rows(rg, s, xs)  # (G,) the picked value
    vv = xv[np.arange(G), iv]
    j = np.broadcast_to(np.arange(K), (G, K))
    tv = K * sign * (vv[:, None] - xv) + (j - iv[:, None])
    nb = COMPARE_BITS + max(1, int(np.ceil(np.log2(K))))
    limbs = range_terms(rg, ctx.tables, tv, nb,
                        f"the {'argmax' if sign > 0 else 'argmin'} slack of {ctx.where(node)} "
                        f"(values differ by 2^{COMPARE_BITS} or more)")
    vb = v.reshape(G, 1).broadcast_to((G, K))
    ib = idx.reshape(G, 1).broadcast_to((G, K))
    lincomb(rg, [(vb, K * sign), (xs, -K * sign), (ib, -1)] + [(l.reshape(G, K), -wt) for l, wt in limbs],
            j, output=False, shape=(G, K))
    return idx.reshape(node.shape)


def argmax(ctx, node, ins):
    return _arg(ctx, node, ins, 1)


def argmin(ctx, node, ins):
    return _arg(ctx, node, ins, -1)
