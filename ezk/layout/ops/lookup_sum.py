"""A function lookup and the sum over some of its axes in the same rows (softmax's Σ exp).

The lookup rows of a function table use the x, y columns of their slots (2s, 2s + 1, all
inside the LIN input columns) and leave the LIN lanes free, so the sum rides in those lanes:
the live (non-constant) elements are placed group by group (a group: the elements of one
output of the sum), S per row, and the h-th group with a live element accumulates in lane
h mod L (L ≥ S lanes, so the at most S groups of a row use distinct lanes):

    Σ_{slots s of h in row r} y_s + P·acc_h(row r − 1) + C − acc_h(row r) = 0

with P = 0, C = the sum of the group's constant elements' table values on the group's first
row, P = 1, C = 0 on the others (a carry row copies the lanes across a block start). The sum
is the lane cell of the group's last row: the same integer as the sum's own fixed_dot rows,
from the same y cells, constrained by the same linear relation, in rows the lookup takes
anyway. A group without a live element sums constants only: a constant.
"""

from __future__ import annotations

import numpy as np

from ezk.layout.cells import CONST, EMPTY, NEW, Cells
from ezk.layout.region import KIND_FN


def fusable_sum(ctx, node):
    """The sum node that reads ``node``'s output and is laid out in this layout, or None."""
    if ctx.rg.fn_slots > ctx.rg.lanes or 2 * ctx.rg.fn_slots > ctx.rg.geo.a or ctx.rg.wide:
        return None
    for u in ctx.users(node):
        if u.op == "sum" and list(u.inputs) == [node.id] and ctx.placing(u):
            return u
    return None


def lookup_and_sum(ctx, node, sum_node, x: Cells, tag: int, y_vals: np.ndarray, consts: np.ndarray) -> Cells:
    """Lookup rows for the live elements of flat ``x`` (``consts``: the table's values at every
    element, used where x is constant) with the sum of ``sum_node`` in their lanes; the sum's
    cells go to ``ctx.fused`` for its own layout call. Returns the lookup's flat output."""
    from ezk.layout.ops.linear import _grid

    rg, geo = ctx.rg, ctx.rg.geo
    a, W, S, L = geo.a, geo.width, rg.fn_slots, rg.lanes
    axes = sorted(ax % len(node.shape) for ax in sum_node.attrs["axes"])
    grid = _grid(node.shape, axes)  # (G, K): the flat elements of each group
    G, K = grid.shape
    cm = x.is_const
    order = grid.reshape(-1)
    live = order[~cm[order]]  # live elements, group by group
    grp = np.repeat(np.arange(G), K)[~cm[order]]
    bias = np.where(cm[grid], consts[grid], 0).sum(axis=1)  # (G,)
    n = live.size
    e = np.arange(n)
    r, s = e // S, e % S
    nrows = -(-n // S)
    has = np.unique(grp)  # groups with a live element, ranked
    rank = np.searchsorted(has, grp)
    lane = rank % L
    first = np.r_[True, grp[1:] != grp[:-1]]  # an element that starts its group
    start_row = np.full(G, -1, np.int64)
    start_row[grp[first]] = r[first]
    row_first = r == start_row[grp]  # the element sits in its group's first row (P = 0 there)
    yv = np.asarray(y_vals, np.int64).reshape(-1)[live]
    # the lane's running value after each row: the group's partial sum over its rows so far
    part = np.zeros((nrows, L), np.int64)
    np.add.at(part, (r, lane), yv)
    grp_at = np.full((nrows, L), -1, np.int64)
    grp_at[r, lane] = grp
    acc = np.zeros((nrows, L), np.int64)
    for j in range(L):  # a loop over L ≤ 4 lanes, vectorised over rows
        g = grp_at[:, j]
        on = g >= 0
        rows = np.flatnonzero(on)
        if not rows.size:
            continue
        pv = part[rows, j]
        gg = g[rows]
        new = np.r_[True, gg[1:] != gg[:-1]]
        seg = np.cumsum(new) - 1
        cs = np.cumsum(pv)
        base = (cs - pv)[new][seg]
        acc[rows, j] = cs - base + bias[gg]
    spec_g = np.zeros((nrows, W), np.int64)
    spec_c = np.full((nrows, W), EMPTY, np.int64)
    vals = np.zeros((nrows, W), np.int64)
    xs = x[live]
    spec_g[r, 2 * s], spec_c[r, 2 * s] = xs.g, xs.c
    spec_c[r, 2 * s + 1] = NEW
    vals[r, 2 * s + 1] = yv
    on = grp_at >= 0
    rr, jj = np.nonzero(on)
    spec_c[rr, a + jj] = NEW
    vals[rr, a + jj] = acc[rr, jj]
    tags = np.zeros((nrows, geo.slots), np.int64)
    tags[r, s] = tag
    F = np.zeros((nrows, geo.b, a), np.int64)
    F[r, lane, 2 * s + 1] = 1
    P, Cc, Sc = (np.zeros((nrows, geo.b), np.int64) for _ in range(3))
    cont = np.zeros((nrows, L), bool)  # a lane that continues its group from the row above
    cont[r, lane] = ~row_first
    P[:, :L] = cont
    gfirst = np.where(on & ~cont, grp_at, -1)
    Cc[:, :L] = np.where(gfirst >= 0, bias[np.maximum(gfirst, 0)], 0)
    Sc[:, :L] = on
    grow = rg.place(Cells(spec_g, spec_c, np.zeros_like(vals)), vals,
                    {"lk_tag": tags, "lin_f": F, "lin_p": P, "lin_c": Cc, "lin_s": Sc},
                    chain=cont.any(axis=1), carry_cols=tuple(range(a, a + L)), kind=KIND_FN)
    y = Cells.at(grow[r], 2 * s + 1)
    # the sum: the lane cell of each group's last row, or its constant when it has no live element
    last_row = np.full(G, -1, np.int64)
    last_row[grp] = r  # the last write wins: elements are in row order
    out_g = np.zeros(G, np.int64)
    out_c = np.full(G, CONST, np.int64)
    lv = last_row >= 0
    glane = np.zeros(G, np.int64)
    glane[grp] = lane
    out_g[lv] = grow[last_row[lv]]
    out_c[lv] = a + glane[lv]
    total = Cells(out_g, out_c, np.where(lv, 0, bias))
    ctx.fused[sum_node.id] = total.reshape(sum_node.shape)
    dead = np.flatnonzero(cm)
    parts = [(live, y)] + ([(dead, Cells.const(consts[dead]))] if dead.size else [])
    return Cells.merge(x.size, parts)
