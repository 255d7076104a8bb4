"""Linear and product ops: add, sub, neg, mul, sum, einsum (rescale: ops/rescale.py).

* adding a constant, negating, multiplying by a constant: no row — the result is an affine
  reference k·x + v (cells.py) that the LIN row reading it folds in;
* add/sub of two advice tensors: LIN rows (lincomb), affine terms and constants folded in;
* mul of two advice tensors: MUL triples;
* sum: a fixed_dot with coefficients k (an affine input's), offsets summed into its constant;
* einsum: a Freivalds check (ops/freivalds.py) when it takes fewer rows; else fixed_dot when
  one operand is a fixed parameter (its entries become coefficients, b outputs share each
  row's a input cells), DOT chains when both are advice. Einsum is not in AFFINE_INPUTS: its
  operands arrive materialised (circuit._place), as both layouts need bare cells.
"""

from __future__ import annotations

import numpy as np

from ezk.errors import EzkError
from ezk.layout.cells import Cells
from ezk.layout.distinct import distinct
from ezk.layout.ops import freivalds
from ezk.layout.ops.rescale import QB, rescale  # noqa: F401  (re-exported)
from ezk.layout.rows import dot_rows, fixed_dot, lincomb, materialize, mul_rows


def _affine(ctx, node, x: Cells, m, add) -> Cells:
    """m·x + add without a row when the coefficients stay small, else one LIN row."""
    out = x.scaled(m, add)
    if out is None:
        out = materialize(ctx.rg, x, consts=False).scaled(m, add)
    if out is None:
        return lincomb(ctx.rg, [(x, m)], add, out_vals=ctx.value(node), shape=node.shape)
    return out


def _combine(ctx, node, ins, sa: int, sb: int) -> Cells:
    """sa·a + sb·b: affine when one side is constant, else a LIN row."""
    a, b = (t.broadcast_to(node.shape) for t in ins)
    if a.all_const() and b.all_const():
        return Cells.const(sa * a.val + sb * b.val)
    if b.all_const():
        return _affine(ctx, node, a, sa, sb * b.val)
    if a.all_const():
        return _affine(ctx, node, b, sb, sa * a.val)
    return lincomb(ctx.rg, [(a, sa), (b, sb)], 0, out_vals=ctx.value(node), shape=node.shape)


def add(ctx, node, ins):
    return _combine(ctx, node, ins, 1, 1)


def sub(ctx, node, ins):
    return _combine(ctx, node, ins, 1, -1)


def neg(ctx, node, ins):
    (x,) = ins
    if x.all_const():
        return Cells.const(-x.val)
    return _affine(ctx, node, x.broadcast_to(node.shape), -1, 0)


def mul(ctx, node, ins):
    x, y = (t.broadcast_to(node.shape) for t in ins)
    if x.all_const() and y.all_const():
        return Cells.const(x.val * y.val)
    if y.all_const():
        return _affine(ctx, node, x, y.val, 0)
    if x.all_const():
        return _affine(ctx, node, y, x.val, 0)
    out = _mul_folded(ctx, node, x.flat(), y.flat())
    if out is None:  # a constant × cell coefficient too large for an affine reference
        out = mul_rows(ctx.rg, x, y, ctx.value(node))
    return out.reshape(node.shape)


def _mul_folded(ctx, node, x: Cells, y: Cells) -> Cells | None:
    """x·y elementwise (layout/distinct.py): where either side is a constant the product is
    the affine reference c·other (no row); the other elements take MUL rows, one per distinct
    pair of references. None when an affine coefficient would grow too large."""
    cx, cy = x.is_const, y.is_const
    parts = []
    ix = np.flatnonzero(cx)
    if ix.size:
        if (ax := y[ix].scaled(x.val[ix])) is None:
            return None
        parts.append((ix, ax))
    iy = np.flatnonzero(cy & ~cx)
    if iy.size:
        if (ay := x[iy].scaled(y.val[iy])) is None:
            return None
        parts.append((iy, ay))
    rest = np.flatnonzero(~(cx | cy))
    if rest.size:
        first, inv = distinct(x[rest], y[rest])
        i = rest[first]
        v = np.asarray(ctx.value(node), np.int64).reshape(-1)[i]
        parts.append((rest, mul_rows(ctx.rg, x[i], y[i], v).take(inv)))
    return Cells.merge(x.size, parts)


def _grid(shape, axes):
    """Flat indices of a tensor arranged as (kept elements, reduced elements)."""
    rank = len(shape)
    keep = [i for i in range(rank) if i not in axes]
    idx = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape).transpose(keep + list(axes))
    K = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    return idx.reshape(-1, K)


def sum_(ctx, node, ins):
    if node.id in ctx.fused:  # laid out with the lookup it sums (lookup_sum.py)
        return ctx.fused.pop(node.id)
    (x,) = ins
    axes = sorted(a % len(x.shape) for a in node.attrs["axes"])
    grid = _grid(x.shape, axes)
    xs = x.take(grid)
    if xs.all_const():
        return Cells.const(xs.val.sum(axis=1).reshape(node.shape))
    # Σ (k·x + v) = fixed_dot(x, k) + Σ v  (constants: k = 1 on their value)
    const = xs.is_const
    w = np.where(const, 1, xs.coef)[:, None, :]
    bias = np.where(const, 0, xs.val).sum(axis=1)[:, None]
    out = fixed_dot(ctx.rg, xs.bare(), w, bias=bias if bias.any() else None)
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
    checked = freivalds.einsum(ctx, node, ins)  # None: the direct layout takes fewer rows
    if checked is not None:
        return checked
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
