"""A rescale whose only reader is a function lookup, in the lookup's rows (softmax's exp input).

When the rescale's remainder takes two limbs (k − t bits in (lb, 2·lb]), an element of its own
packed row holds x, s_0 and q with s_1 in a lane (3 inputs: 2 per row) and the lookup takes
another quarter row. Here one element holds all of it: inputs q, y, x, s_0 in columns
4p … 4p + 3 (q, y in lookup slot 2p) and s_1 in lane p, with the rescale's relation

    k_x·x + v_x − 2^k·q − s_0 − 2^lb·s_1 = 0     (s_0 ∈ [0, 2^lb), s_1 signed: rescale.py)

in that lane, s_0 and s_1 range-checked in place, and (q, y) looked up in the function's table:
2 elements per row for the rescale and the lookup together. q needs no bound of its own: the
table bounds it (rescale.py's "every use of q is a lookup input"). When a sum reads the lookup
(lookup_sum.py) its running values ride in the remaining lanes, L = per lanes after the per
relation lanes. Constant elements fold (distinct.py); every live element is placed (no
sharing of repeats: the sum counts each). Only where a row has the lanes for it (a lean
layout of one lane: no sum); otherwise the two ops lay out on their own.
"""

from __future__ import annotations

import numpy as np

from ezk.layout.cells import EMPTY, NEW, Cells
from ezk.layout.ops.lookup_sum import fusable_sum, group_order, lane_fixed, sum_cells, sum_lanes
from ezk.layout.packed import check_signed, signed_limbs
from ezk.layout.region import KIND_FN
from ezk.ops.lookup import check_range, table_values


def fusable_lookup(ctx, node, k: int):
    """(the lookup reading the rescale ``node``, the sum reading that lookup or None, elements per
    row) when the fused layout applies and saves rows, else None."""
    rg, geo = ctx.rg, ctx.rg.geo
    lb = ctx.tables.limb_bits
    if not lb < k <= 2 * lb or node.id in set(ctx.graph.outputs):
        return None
    users = ctx.users(node)
    if len(users) != 1 or users[0].op != "lookup" or not ctx.placing(users[0]):
        return None
    look = users[0]
    total = fusable_sum(ctx, look)
    per = min(geo.a // 4, (rg.fn_slots + 1) // 2, 2 * ((geo.slots + 1) // 2))
    per = min(per, rg.lanes // 2 if total is not None else rg.lanes)
    if per < 1:
        return None
    return look, total, per


def rescale_and_lookup(ctx, node, x: Cells, q: np.ndarray, k: int, t: int, fused) -> Cells:
    """Place the rescale by k bits of flat ``x`` (q its values; 2^t divides every coefficient
    and offset of its advice elements, so those rows rescale x/2^t by k − t bits) with the
    lookup (and sum) of ``fused``; returns q's cells (flat), the lookup's and the sum's go to
    ctx.fused."""
    look, total, per = fused
    rg, geo, tables = ctx.rg, ctx.rg.geo, ctx.tables
    a, W = geo.a, geo.width
    n_all = x.size
    cm = x.is_const
    qc = (x.val + (1 << (k - 1))) >> k  # the constants' quotients (and zeros elsewhere)
    x = Cells(x.g, x.c, np.where(cm, x.val, x.val >> t), x.coef >> t)
    k -= t
    y_all = np.asarray(ctx.value(look), np.int64).reshape(-1)
    y_const = np.where(cm, table_values(look.attrs, np.where(cm, qc, look.attrs["range"][0])), 0)
    if total is not None:
        live, grp, grid = group_order(look.shape, total, cm)
        bias = np.where(cm[grid], y_const[grid], 0).sum(axis=1)
    else:
        live = np.flatnonzero(~cm)
    n = live.size
    xs, qv, yv = x[live], q[live], y_all[live]
    if not rg.bk.measuring:  # the constants' table inputs too, as the lookup's own layout checks
        check_range(look, np.where(cm, qc, q))
    s = ctx.read(xs) - (qv << k)
    check_signed(s, k, f"the rescale remainder of {ctx.where(node)}")
    (s0, _), (s1, w1) = signed_limbs(tables, s, k)
    e = np.arange(n)
    r, p = e // per, e % per
    nrows = -(-n // per)
    spec_g = np.zeros((nrows, W), np.int64)
    spec_c = np.full((nrows, W), EMPTY, np.int64)
    vals = np.zeros((nrows, W), np.int64)
    rk = np.zeros((nrows, W), np.int64)
    base = 4 * p
    spec_c[r, base], vals[r, base] = NEW, qv
    spec_c[r, base + 1], vals[r, base + 1] = NEW, yv
    spec_g[r, base + 2], spec_c[r, base + 2] = xs.g, xs.c
    spec_c[r, base + 3], vals[r, base + 3], rk[r, base + 3] = NEW, s0.vals, s0.tag
    spec_c[r, a + p], vals[r, a + p], rk[r, a + p] = NEW, s1.vals, s1.tag
    lk = np.zeros((nrows, geo.slots), np.int64)
    lk[r, 2 * p] = tables.function(look.attrs)
    F = np.zeros((nrows, geo.b, a), np.int64)
    F[r, p, base + 2] = xs.coef
    F[r, p, base] = -(1 << k)
    F[r, p, base + 3] = -1
    Cc = np.zeros((nrows, geo.b), np.int64)
    Sc = np.zeros((nrows, geo.b), np.int64)
    Cc[r, p], Sc[r, p] = xs.val, w1
    fixed = {"lk_tag": lk, "rk_tag": rk, "lin_f": F}
    chain, carry = None, ()
    if total is not None:
        lane, grp_at, acc, cont = sum_lanes(grp, r, yv, bias, nrows, per)
        F[r, per + lane, base + 1] = 1
        lanes = lane_fixed(spec_c, vals, grp_at, acc, cont, bias, a, per, geo.b)
        Cc += lanes["lin_c"]
        Sc += lanes["lin_s"]
        fixed["lin_p"] = lanes["lin_p"]
        chain, carry = cont.any(axis=1), tuple(range(a + per, a + 2 * per))
    fixed.update({"lin_c": Cc, "lin_s": Sc})
    grow = rg.place(Cells(spec_g, spec_c, np.zeros_like(vals)), vals, fixed, chain=chain, carry_cols=carry,
                    kind=KIND_FN)
    dead = np.flatnonzero(cm)

    def merged(live_cells, consts):
        return Cells.merge(n_all, [(live, live_cells)] + ([(dead, Cells.const(consts[dead]))] if dead.size else []))

    ctx.fused[look.id] = merged(Cells.at(grow[r], base + 1), y_const).reshape(look.shape)
    if total is not None:
        ctx.fused[total.id] = sum_cells(grow, r, grp, lane, a + per, bias).reshape(total.shape)
    return merged(Cells.at(grow[r], base), qc)
