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
    if ctx.rg.fn_slots > ctx.rg.lanes or 2 * ctx.rg.fn_slots > ctx.rg.geo.a:
        return None
    for u in ctx.users(node):
        if u.op == "sum" and list(u.inputs) == [node.id] and ctx.placing(u):
            return u
    return None


def sum_lanes(grp: np.ndarray, r: np.ndarray, yv: np.ndarray, bias: np.ndarray, nrows: int, L: int):
    """The running sums of groups ``grp`` (per element, placed group by group in rows ``r``,
    values ``yv``; ``bias`` per group) in L lanes: (lane per element, the group in each (row,
    lane) or −1, the lane's value after each row, whether it continues its group from the row
    above)."""
    has = np.unique(grp)  # groups with a live element, ranked
    lane = np.searchsorted(has, grp) % L
    first = np.r_[True, grp[1:] != grp[:-1]]  # an element that starts its group
    start_row = np.full(bias.size, -1, np.int64)
    start_row[grp[first]] = r[first]
    part = np.zeros((nrows, L), np.int64)
    np.add.at(part, (r, lane), yv)
    grp_at = np.full((nrows, L), -1, np.int64)
    grp_at[r, lane] = grp
    cont = np.zeros((nrows, L), bool)
    cont[r, lane] = r != start_row[grp]
    acc = np.zeros((nrows, L), np.int64)
    for j in range(L):  # L ≤ 4 lanes, each vectorised over its rows
        rows = np.flatnonzero(grp_at[:, j] >= 0)
        if not rows.size:
            continue
        pv, gg = part[rows, j], grp_at[rows, j]
        new = np.r_[True, gg[1:] != gg[:-1]]
        cs = np.cumsum(pv)
        acc[rows, j] = cs - (cs - pv)[new][np.cumsum(new) - 1] + bias[gg]
    return lane, grp_at, acc, cont


def group_order(shape, sum_node, cm: np.ndarray):
    """The sum's groups over a tensor of ``shape`` (cm: its constant elements): (live elements
    group by group, their groups, the flat elements of each group (G, K))."""
    from ezk.layout.ops.linear import _grid

    axes = sorted(ax % len(shape) for ax in sum_node.attrs["axes"])
    grid = _grid(shape, axes)
    G, K = grid.shape
    order = grid.reshape(-1)
    keep = ~cm[order]
    return order[keep], np.repeat(np.arange(G), K)[keep], grid


def sum_cells(grow: np.ndarray, r: np.ndarray, grp: np.ndarray, lane: np.ndarray, col0: int, bias: np.ndarray) -> Cells:
    """The sum of each group: its lane cell (column col0 + lane) in its last row, or the
    constant ``bias`` of a group without a live element."""
    G = bias.size
    last_row = np.full(G, -1, np.int64)
    last_row[grp] = r  # the last write wins: elements are in row order
    glane = np.zeros(G, np.int64)
    glane[grp] = lane
    lv = last_row >= 0
    out_g = np.where(lv, grow[np.maximum(last_row, 0)] if grow.size else 0, 0)
    out_c = np.where(lv, col0 + glane, CONST)
    return Cells(out_g.astype(np.int64), out_c.astype(np.int64), np.where(lv, 0, bias).astype(np.int64))


def lookup_and_sum(ctx, node, sum_node, x: Cells, tag: int, y_vals: np.ndarray, consts: np.ndarray) -> Cells:
    """Lookup rows for the live elements of flat ``x`` (``consts``: the table's values at every
    element, used where x is constant) with the sum of ``sum_node`` in their lanes; the sum's
    cells go to ``ctx.fused`` for its own layout call. Returns the lookup's flat output."""
    rg, geo = ctx.rg, ctx.rg.geo
    a, W, S, L = geo.a, geo.width, rg.fn_slots, rg.lanes
    cm = x.is_const
    live, grp, grid = group_order(node.shape, sum_node, cm)
    bias = np.where(cm[grid], consts[grid], 0).sum(axis=1)  # (G,)
    n = live.size
    e = np.arange(n)
    r, s = e // S, e % S
    nrows = -(-n // S)
    yv = np.asarray(y_vals, np.int64).reshape(-1)[live]
    lane, grp_at, acc, cont = sum_lanes(grp, r, yv, bias, nrows, L)
    spec_g = np.zeros((nrows, W), np.int64)
    spec_c = np.full((nrows, W), EMPTY, np.int64)
    vals = np.zeros((nrows, W), np.int64)
    xs = x[live]
    spec_g[r, 2 * s], spec_c[r, 2 * s] = xs.g, xs.c
    spec_c[r, 2 * s + 1] = NEW
    vals[r, 2 * s + 1] = yv
    tags = np.zeros((nrows, geo.slots), np.int64)
    tags[r, s] = tag
    F = np.zeros((nrows, geo.b, a), np.int64)
    F[r, lane, 2 * s + 1] = 1
    fixed = {"lk_tag": tags, "lin_f": F, **lane_fixed(spec_c, vals, grp_at, acc, cont, bias, a, 0, geo.b)}
    grow = rg.place(Cells(spec_g, spec_c, np.zeros_like(vals)), vals, fixed,
                    chain=cont.any(axis=1), carry_cols=tuple(range(a, a + L)), kind=KIND_FN)
    ctx.fused[sum_node.id] = sum_cells(grow, r, grp, lane, a, bias).reshape(sum_node.shape)
    dead = np.flatnonzero(cm)
    parts = [(live, Cells.at(grow[r], 2 * s + 1))] + ([(dead, Cells.const(consts[dead]))] if dead.size else [])
    return Cells.merge(x.size, parts)


def lane_fixed(spec_c, vals, grp_at, acc, cont, bias, a: int, j0: int, b: int) -> dict:
    """The running sums' lane cells (lanes j0 … j0 + L − 1, columns a + j0 + j; written into
    spec_c and vals) and their LIN coefficients P, C, S ((rows, b) arrays, zero elsewhere; the
    caller's F holds the y coefficients)."""
    nrows, L = grp_at.shape
    on = grp_at >= 0
    rr, jj = np.nonzero(on)
    spec_c[rr, a + j0 + jj] = NEW
    vals[rr, a + j0 + jj] = acc[rr, jj]
    P, C, S = (np.zeros((nrows, b), np.int64) for _ in range(3))
    P[:, j0:j0 + L] = cont
    C[:, j0:j0 + L] = np.where(on & ~cont, bias[np.maximum(grp_at, 0)], 0)
    S[:, j0:j0 + L] = on
    return {"lin_p": P, "lin_c": C, "lin_s": S}
