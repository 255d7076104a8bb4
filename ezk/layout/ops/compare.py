"""Comparisons through a sign bit and a range check.

ge(a, b): d = a − b, a bit c (c·c = c), e = c·d, and the slack
    t = 2e + c − d − 1 = c·(2d + 1) − d − 1 ∈ [0, 2^COMPARE_BITS)
checked by limbs in range tables, in place in the packed LIN row of the relation (packed.py):
c = 1 forces d ≥ 0, c = 0 forces d ≤ −1, so c = [a ≥ b] whenever |a − b| < 2^COMPARE_BITS (a
larger gap is a WitnessError, never a bad witness).
Then max = b + e, min = a − e, where(cond, a, b) = b + cond·(a − b) (cond bit-checked),
gt/lt/le/eq from ge (reduce_max/min: ops/extreme.py).
"""

from __future__ import annotations

import numpy as np

from ezk.layout.cells import Cells
from ezk.layout.packed import Lane, pack, unsigned_limbs
from ezk.layout.rows import bits, lincomb, mul_rows
from ezk.ops.bounds import COMPARE_BITS


def _ge(ctx, node, a: Cells, b: Cells):
    """(c, d, e) cells: c = [a ≥ b], d = a − b, e = c·d."""
    rg = ctx.rg
    shape = np.broadcast_shapes(a.shape, b.shape)
    a, b = a.broadcast_to(shape), b.broadcast_to(shape)
    dv = ctx.read(a) - ctx.read(b)
    if b.all_const() and not b.val.any() and not a.is_const.any():
        d = a  # a − 0 is a itself: no row
    else:
        d = lincomb(rg, [(a, 1), (b, -1)], 0, out_vals=dv, shape=shape)
    cv = (dv >= 0).astype(np.int64)
    c = bits(rg, cv, f"a comparison bit of {ctx.where(node)}")
    e = mul_rows(rg, c, d, cv * dv).reshape(shape)
    tv = cv * (2 * dv + 1) - dv - 1
    limbs = unsigned_limbs(ctx.tables, tv, COMPARE_BITS,
                           f"a comparison in {ctx.where(node)} (operands differ by 2^{COMPARE_BITS} or more)")
    coef = {0: 2, 1: 1, 2: -1} | {3 + i: -w for i, (_, w) in enumerate(limbs[:-1])}
    pack(rg, e.size, [e.flat(), c.flat(), d.flat()] + [l for l, _ in limbs[:-1]],
         [Lane(limbs[-1][0], limbs[-1][1], coef, -1)])
    return c, d, e


def _max(ctx, node, a, b, sign):
    c, d, e = _ge(ctx, node, a, b)
    shape = c.shape
    if sign > 0:  # max = b + e
        if b.all_const() and not b.val.any():
            return e  # max(a, 0) = e = [a ≥ 0]·a (relu): no row
        vals = ctx.read(b.broadcast_to(shape)) + ctx.read(e)
        return lincomb(ctx.rg, [(b, 1), (e, 1)], 0, out_vals=vals, shape=shape)
    vals = ctx.read(a.broadcast_to(shape)) - ctx.read(e)  # min = a − e
    return lincomb(ctx.rg, [(a, 1), (e, -1)], 0, out_vals=vals, shape=shape)


def maximum(ctx, node, ins):
    return _max(ctx, node, ins[0], ins[1], 1).reshape(node.shape)


def minimum(ctx, node, ins):
    return _max(ctx, node, ins[0], ins[1], -1).reshape(node.shape)


def _not(ctx, c: Cells) -> Cells:
    return lincomb(ctx.rg, [(c, -1)], 1, out_vals=1 - ctx.read(c), shape=c.shape)


def compare(ctx, node, ins):
    a, b = ins
    kind = node.attrs["kind"]
    if kind == "ge":
        out = _ge(ctx, node, a, b)[0]
    elif kind == "le":
        out = _ge(ctx, node, b, a)[0]
    elif kind == "lt":
        out = _not(ctx, _ge(ctx, node, a, b)[0])
    elif kind == "gt":
        out = _not(ctx, _ge(ctx, node, b, a)[0])
    else:  # eq = [a ≥ b]·[b ≥ a]
        c1, c2 = _ge(ctx, node, a, b)[0], _ge(ctx, node, b, a)[0]
        out = mul_rows(ctx.rg, c1, c2, ctx.read(c1) * ctx.read(c2))
    return out.reshape(node.shape)


def where(ctx, node, ins):
    cond, a, b = (t.broadcast_to(node.shape) for t in ins)
    rg = ctx.rg
    if cond.all_const():
        c = cond.val != 0
        return Cells.where(c, a, b)
    cv = ctx.read(cond)
    cb = bits(rg, cv, f"the condition of {ctx.where(node)}")
    lincomb(rg, [(cond, 1), (cb, -1)], 0, output=False, shape=node.shape)  # cond is that bit
    av, bv = ctx.read(a), ctx.read(b)
    d = lincomb(rg, [(a, 1), (b, -1)], 0, out_vals=av - bv, shape=node.shape)
    p = mul_rows(rg, cb, d, cv * (av - bv)).reshape(node.shape)
    return lincomb(rg, [(b, 1), (p, 1)], 0, out_vals=bv + cv * (av - bv), shape=node.shape)
