"""Linear and product ops: add, sub, neg, mul, sum, einsum, rescale.

* add/sub/neg and products with a constant: LIN rows (lincomb), constants folded into C;
* mul of two advice tensors: MUL triples;
* sum: a fixed_dot with all-ones coefficients (a inputs per row, one running sum);
* einsum: fixed_dot when one operand is a fixed parameter (its entries become coefficients,
  b outputs share each row's a input cells), DOT chains when both are advice;
* rescale by 2^k: 2^k·q = x + 2^(k−1) − r with the remainder r = Σ 2^(12i)·r_i split into limbs
  looked up in range tables (r ∈ [0, 2^k)), and q itself bounded, q + 2^(QB−1) = Σ 2^(12i)·q_i
  ∈ [0, 2^QB), QB = RESCALE_BITS (ezk.ops.bounds). The bound on q matters: without it, any
  r' ∈ [0, 2^k) gives a field element q' = q + (r − r')/2^k that a later product by an even
  weight can turn back into a small, wrong integer. With |q|, |q'| < 2^(QB−1) and
  0 ≤ r, r' < 2^k, 2^k·(q − q') = r' − r holds over
  the integers, so q' = q = ⌊(x + 2^(k−1))/2^k⌋. When every use of q is a lookup input, the
  lookup table already bounds q and the extra limbs are skipped.
"""

from __future__ import annotations

import numpy as np

from ezk.errors import EzkError
from ezk.layout.cells import Cells
from ezk.layout.rows import dot_rows, fixed_dot, lincomb, mul_rows, range_terms
from ezk.ops.bounds import RESCALE_BITS as QB  # rescale outputs satisfy −2^35 ≤ q < 2^35


def add(ctx, node, ins):
    return lincomb(ctx.rg, [(ins[0], 1), (ins[1], 1)], 0, out_vals=ctx.value(node), shape=node.shape)


def sub(ctx, node, ins):
    return lincomb(ctx.rg, [(ins[0], 1), (ins[1], -1)], 0, out_vals=ctx.value(node), shape=node.shape)


def neg(ctx, node, ins):
    return lincomb(ctx.rg, [(ins[0], -1)], 0, out_vals=ctx.value(node), shape=node.shape)


def mul(ctx, node, ins):
    x, y = (t.broadcast_to(node.shape) for t in ins)
    if x.all_const() and y.all_const():
        return Cells.const(x.val * y.val)
    if y.all_const():
        return lincomb(ctx.rg, [(x, y.val)], 0, out_vals=ctx.value(node), shape=node.shape)
    if x.all_const():
        return lincomb(ctx.rg, [(y, x.val)], 0, out_vals=ctx.value(node), shape=node.shape)
    return mul_rows(ctx.rg, x, y, ctx.value(node)).reshape(node.shape)


def _grid(shape, axes):
    """Flat indices of a tensor arranged as (kept elements, reduced elements)."""
    rank = len(shape)
    keep = [i for i in range(rank) if i not in axes]
    idx = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape).transpose(keep + list(axes))
    K = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    return idx.reshape(-1, K)


def sum_(ctx, node, ins):
    (x,) = ins
    axes = sorted(a % len(x.shape) for a in node.attrs["axes"])
    grid = _grid(x.shape, axes)
    xs = x.take(grid)
    if xs.all_const():
        return Cells.const(xs.val.sum(axis=1).reshape(node.shape))
    out = fixed_dot(ctx.rg, xs, np.ones((grid.shape[0], 1, grid.shape[1]), np.int64))
    return out.reshape(node.shape)


def _arrange(arr: np.ndarray, letters: str, target: str, dims: dict) -> np.ndarray:
    """arr (indexed by ``letters``) transposed and broadcast to the ``target`` letters."""
    present = [l for l in target if l in letters]
    t = arr.transpose([letters.index(l) for l in present])
    t = t.reshape([dims[l] if l in letters else 1 for l in target])
    return np.broadcast_to(t, [dims[l] for l in target])


def einsum(ctx, node, ins):
    lhs, out = node.attrs["equation"].split("->")
    terms = lhs.split(",")
    if len(terms) != 2 or any(len(set(t)) != len(t) for t in terms):
        raise EzkError(f"the layout supports two-operand einsums without repeated indices; {ctx.where(node)} "
                       f"has {node.attrs['equation']!r}")
    (tx, tw), (x, w) = terms, ins
    dims = {}
    for t, c in zip(terms, ins):
        dims.update({l: d for l, d in zip(t, c.shape)})
    if x.all_const() and w.all_const():
        return Cells.const(np.einsum(node.attrs["equation"], x.val, w.val))
    if x.all_const():
        (tx, tw), (x, w) = (tw, tx), (w, x)
    contracted = "".join(l for l in dict.fromkeys(tx + tw) if l not in out)
    xidx = np.arange(x.size).reshape(x.shape)
    if w.all_const():
        ox = "".join(l for l in out if l in tx)
        ow = "".join(l for l in out if l not in tx)
        wv = w.val
        only_w = "".join(l for l in tw if l not in out and l not in tx)
        if only_w:  # indices summed in w alone: sum them first
            keep = "".join(l for l in tw if l not in only_w)
            wv = np.einsum(f"{tw}->{keep}", wv)
            tw = keep
        kl = "".join(l for l in contracted if l not in only_w)
        G = int(np.prod([dims[l] for l in ox], dtype=np.int64))
        L = int(np.prod([dims[l] for l in ow], dtype=np.int64))
        K = int(np.prod([dims[l] for l in kl], dtype=np.int64))
        xg = x.take(_arrange(xidx, tx, ox + kl, dims).reshape(G, K))
        wg = _arrange(wv, tw, ox + ow + kl, dims).reshape(G, L, K)
        res = fixed_dot(ctx.rg, xg, wg)  # (G, L) in letters ox + ow
        return res.reshape([dims[l] for l in ox + ow]).transpose([(ox + ow).index(l) for l in out])
    widx = np.arange(w.size).reshape(w.shape)
    O = int(np.prod([dims[l] for l in out], dtype=np.int64))
    K = int(np.prod([dims[l] for l in contracted], dtype=np.int64))
    xg = x.take(_arrange(xidx, tx, out + contracted, dims).reshape(O, K))
    wg = w.take(_arrange(widx, tw, out + contracted, dims).reshape(O, K))
    return dot_rows(ctx.rg, xg, wg).reshape(node.shape)


def rescale(ctx, node, ins):
    (x,) = ins
    k = int(node.attrs["shift"])
    q = ctx.value(node)
    half = 1 << (k - 1)
    r = ctx.read(x) + half - (q << k)
    limbs = range_terms(ctx.rg, ctx.tables, r, k, f"the rescale remainder of {ctx.where(node)}")
    terms = [(x, 1)] + [(cells.reshape(node.shape), -w) for cells, w in limbs]
    out = lincomb(ctx.rg, terms, half, divisor=1 << k, out_vals=q, shape=node.shape)
    if ctx.only_looked_up(node):
        return out
    qoff = 1 << (QB - 1)
    qlimbs = range_terms(ctx.rg, ctx.tables, q + qoff, QB,
                         f"the rescale output of {ctx.where(node)} (|q| ≥ 2^{QB - 1}; lower the scales)")
    lincomb(ctx.rg, [(out, 1)] + [(c.reshape(node.shape), -w) for c, w in qlimbs], qoff, output=False,
            shape=node.shape)
    return out
