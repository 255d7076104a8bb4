"""Table ops: lookup (a unary non-linearity) and gather with private indices over fixed data.

lookup: each element looks (tag_f, x, y) up in the function table of its node; an input
outside the node's range is a WitnessError naming the node and the range (when assigning: a
measuring run reads zeros, and a narrowed table, such as a softmax reciprocal's, may not hold 0).

gather(data, idx, axis) with fixed data: data is seen as columns D[j, col] (j along ``axis``,
col over every other axis); each output element looks (tag_col, idx, out) up in the table
{(j, D[j mod n, col]) : −n ≤ j < n} of its column — which also proves −n ≤ idx < n — or
{(j, D[j, col]) : 0 ≤ j < n} when the lowering normalised the indices (attrs ``nonnegative``:
half the table rows). The lookups are placed bank by bank (``bank_order``).

gather over advice data (private parameters, computed tensors): a dynamic lookup
(ezk.layout.dynamic) — one table per column {(j, D[j mod n, col]) : −n ≤ j < n} made of the
data's own cells (0 ≤ j < n when the lowering normalised the indices, attrs ``nonnegative``),
and each output element looks (idx, out) up in the table of its column: n (or 2n) table rows
per column and one lookup per output, where a one-hot selection cost n bits per index.
"""

from __future__ import annotations

import numpy as np

from ezk.layout.rows import lookup_rows
from ezk.layout.cells import Cells
from ezk.layout.distinct import fold_elementwise
from ezk.layout.ops.lookup_sum import fusable_sum, lookup_and_sum
from ezk.ops.lookup import check_range, table_values


def lookup(ctx, node, ins):
    if node.id in ctx.fused:  # laid out with the rescale it reads (rescale_lookup.py)
        return ctx.fused.pop(node.id)
    (x,) = ins
    if not ctx.rg.bk.measuring:  # measured values are zeros, and a table need not hold 0
        check_range(node, ctx.read(x))
    x = x.flat()
    cm = x.is_const
    if cm.all():  # the table's value at a constant is a constant (the forward pass's own formula)
        return Cells.const(table_values(node.attrs, x.val).reshape(node.shape))
    tag = ctx.tables.function(node.attrs)
    y_vals = np.asarray(ctx.value(node), np.int64).reshape(-1)

    if (total := fusable_sum(ctx, node)) is not None:  # the sum rides in the lookup rows' lanes
        return lookup_and_sum(ctx, node, total, x, tag, y_vals, table_values(node.attrs, x.val)).reshape(node.shape)

    def place(i):
        return lookup_rows(ctx.rg, np.full(i.size, tag), x[i], y_vals=y_vals[i])[1]

    # constants give the table's value, repeated inputs share one lookup (layout/distinct.py)
    return fold_elementwise(x, lambda v: table_values(node.attrs, v), place).reshape(node.shape)


def gather(ctx, node, ins):
    data, idx = ins
    ax = node.attrs["axis"] % len(data.shape)
    n = data.shape[ax]
    if not data.all_const():
        return _dynamic_gather(ctx, node, data, idx, ax, n)
    d = np.moveaxis(data.val, ax, 0).reshape(n, -1)  # (n, ncols), columns ordered pre + post axes
    ncols = d.shape[1]
    js = np.arange(n) if node.attrs.get("nonnegative") else np.arange(-n, n)
    tags = np.array([ctx.tables.gather(f"gather:{node.id}:{col}", js, d[js % n, col]) for col in range(ncols)])
    pre = int(np.prod(data.shape[:ax], dtype=np.int64))
    post = int(np.prod(data.shape[ax + 1:], dtype=np.int64))
    m = idx.size
    # output (pre, idx…, post): element (p, i, q) reads column p·post + q with index i
    p, i, q = np.unravel_index(np.arange(pre * m * post), (pre, m, post))
    col = p * post + q
    order = bank_order(col, len(js), ctx.rg.u - 1, ctx.rg.fn_slots)
    _, y = lookup_rows(ctx.rg, tags[col[order]], idx.flat().take(i[order]),
                       y_vals=ctx.value(node).reshape(-1)[order])
    return y.take(np.argsort(order)).reshape(node.shape)


def bank_order(col: np.ndarray, size: int, capacity: int, slots: int) -> np.ndarray:
    """The order to place a fixed gather's lookups in (element indices), so that each bank of
    tables is looked up from as few slots as possible.

    Every (slot, bank) pair that some row uses is one lookup argument (its own tag column, m,
    φ): a gather over a large fixed tensor (a token embedding: thousands of columns, each its
    own table) spread over every slot costs slots × banks arguments. Columns are numbered in
    tag order, so banks (packed first fit, tables of one size in tag order) take about
    ``capacity // size`` consecutive columns: the group g = col // per goes to slot g mod S,
    S groups side by side per round of rows, about one argument per bank. When the tables
    span fewer banks than there are slots, row-major order (every slot) takes fewer rows.
    Only the placement changes: the same (tag, idx, out) lookups in any order."""
    per = max(1, capacity // max(size, 1))
    group = col // per
    if int(group.max(initial=0)) + 1 < slots:
        return np.arange(col.size)
    rank = np.zeros(col.size, np.int64)  # each element's position within its group
    first = np.argsort(group, kind="stable")
    g_sorted = group[first]
    starts = np.searchsorted(g_sorted, g_sorted, side="left")
    rank[first] = np.arange(col.size) - starts
    return np.lexsort((group % slots, rank, group // slots))


def _dynamic_gather(ctx, node, data, idx, ax, n):
    pre = int(np.prod(data.shape[:ax], dtype=np.int64))
    post = int(np.prod(data.shape[ax + 1:], dtype=np.int64))
    js = np.arange(n) if node.attrs.get("nonnegative") else np.arange(-n, n)
    d_idx = np.moveaxis(np.arange(data.size).reshape(data.shape), ax, 0).reshape(n, pre * post)  # (n, ncols)
    tables = ctx.dynamic.tables(ctx.rg, data.flat().take(d_idx[js % n].T), f"the data of {ctx.where(node)}", js)
    m = idx.size
    p, i, q = np.unravel_index(np.arange(pre * m * post), (pre, m, post))
    out = ctx.dynamic.gather(ctx.rg, tables[p * post + q], idx.flat().take(i), ctx.value(node).reshape(-1))
    return out.reshape(node.shape)
