"""Table ops: lookup (a unary non-linearity) and gather with private indices over fixed data.

lookup: each element looks (tag_f, x, y) up in the function table of its node; an input
outside the node's range is a WitnessError naming the node and the range (when assigning: a
measuring run reads zeros, and a narrowed table, such as a softmax reciprocal's, may not hold 0).

gather(data, idx, axis) with fixed data: data is seen as columns D[j, col] (j along ``axis``,
col over every other axis); each output element looks (tag_col, idx, out) up in the table
{(j, D[j mod n, col]) : −n ≤ j < n} of its column — which also proves −n ≤ idx < n.

gather over advice data (private parameters, computed tensors): each index i gets one-hot bits
e_ij (e·e = e), Σ_j e_ij = 1 and Σ_j j·e_ij = idx_i + n·s_i with a bit s_i = [idx_i < 0], so
e picks row idx_i mod n and −n ≤ idx_i < n; then out = Σ_j e_ij·D[j, col] by DOT rows.
"""

from __future__ import annotations

import numpy as np

from ezk.errors import WitnessError
from ezk.layout.rows import bits, dot_rows, fixed_dot, lincomb, lookup_rows
from ezk.ops.lookup import check_range


def lookup(ctx, node, ins):
    (x,) = ins
    if not ctx.rg.bk.measuring:  # measured values are zeros, and a table need not hold 0
        check_range(node, ctx.read(x))
    tag = ctx.tables.function(node.attrs)
    _, y = lookup_rows(ctx.rg, np.full(x.size, tag), x, y_vals=ctx.value(node))
    return y.reshape(node.shape)


def gather(ctx, node, ins):
    data, idx = ins
    ax = node.attrs["axis"] % len(data.shape)
    n = data.shape[ax]
    if not data.all_const():
        return _one_hot_gather(ctx, node, data, idx, ax, n)
    d = np.moveaxis(data.val, ax, 0).reshape(n, -1)  # (n, ncols), columns ordered pre + post axes
    ncols = d.shape[1]
    js = np.arange(-n, n)
    tags = np.array([ctx.tables.gather(f"gather:{node.id}:{col}", js, d[js % n, col]) for col in range(ncols)])
    pre = int(np.prod(data.shape[:ax], dtype=np.int64))
    post = int(np.prod(data.shape[ax + 1:], dtype=np.int64))
    m = idx.size
    # output (pre, idx…, post): element (p, i, q) reads column p·post + q with index i
    p, i, q = np.unravel_index(np.arange(pre * m * post), (pre, m, post))
    xs = idx.flat().take(i)
    _, y = lookup_rows(ctx.rg, tags[p * post + q], xs, y_vals=ctx.value(node).reshape(-1))
    return y.reshape(node.shape)


def _one_hot_gather(ctx, node, data, idx, ax, n):
    rg = ctx.rg
    m = idx.size
    iv = ctx.read(idx).reshape(-1)
    if m and (iv.min() < -n or iv.max() >= n):
        raise WitnessError(f"gather in {ctx.where(node)} got an index outside [-{n}, {n})")
    pos = np.where(iv < 0, iv + n, iv)
    e = bits(rg, (np.arange(n)[None, :] == pos[:, None]).astype(np.int64), f"a one-hot bit of {ctx.where(node)}")
    s = bits(rg, (iv < 0).astype(np.int64), f"a sign bit of {ctx.where(node)}")
    w = np.stack([np.ones((m, n), np.int64), np.broadcast_to(np.arange(n), (m, n))], axis=1)
    sums = fixed_dot(rg, e, w)  # (m, 2): Σ e, Σ j·e
    lincomb(rg, [(sums[:, 0], 1)], -1, output=False)
    lincomb(rg, [(sums[:, 1], 1), (idx.flat(), -1), (s, -n)], 0, output=False)
    pre = int(np.prod(data.shape[:ax], dtype=np.int64))
    post = int(np.prod(data.shape[ax + 1:], dtype=np.int64))
    d_idx = np.moveaxis(np.arange(data.size).reshape(data.shape), ax, 0).reshape(n, pre * post)
    p, i, q = np.unravel_index(np.arange(pre * m * post), (pre, m, post))
    xs = e.take((i[:, None] * n + np.arange(n)[None, :]))
    ys = data.flat().take(d_idx[:, p * post + q].T)
    return dot_rows(rg, xs, ys).reshape(node.shape)
