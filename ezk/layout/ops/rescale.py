"""rescale by 2^k (round half up): q = ⌊(x + 2^(k−1)) / 2^k⌋, in packed LIN rows.

With the signed remainder s = x − 2^k·q ∈ [−2^(k−1), 2^(k−1)) (s = r − 2^(k−1) for the usual
r ∈ [0, 2^k)), one relation per element

    k_x·x + v_x − s − 2^k·q = 0                    (x = k_x·x + v_x when x is affine)

holds, s sits in a fresh cell of the same row, checked in a signed range table of k bits
(when k exceeds the limb width lb: low limbs of lb bits in unsigned tables, the top limb in a
signed one — together exactly [−2^(k−1), 2^(k−1))), and q is checked where its uses need it:

* q ∈ [−2^(B−1), 2^(B−1)) for B = ``qbits`` (attrs; QB unless calibration measured less):
  when B ≤ lb, q's own cell is looked up in the signed table of lb bits; otherwise
  q = Σ_i 2^(lb·i)·q_i + 2^(lb·(m−1))·q_top in a second lane, limbs as for s.
* no check when every use of q is a lookup input: the lookup table bounds q already.

Why the bound is needed and sufficient: without it any s' ∈ [−2^(k−1), 2^(k−1)) gives a field
element q' = q + (s − s')/2^k satisfying the relation, which a later product by an even weight
(or a sum of such products) can turn back into a small, wrong integer. With q, q' in an
interval of width 2^B (any interval: the bounds of the tables used) and s, s' in one of width
2^k, 2^k·(q − q') = s' − s holds over the integers (both sides stay below 2^(k+B) < p/2), so
2^k divides s' − s, |s' − s| < 2^k, and s' = s, q' = q. So the bound's interval only has to
hold the honest q; a q outside it is a WitnessError (the forward pass checks ``qbits``).
"""

from __future__ import annotations

import numpy as np

from ezk.layout.cells import Cells
from ezk.layout.distinct import fold_elementwise
from ezk.layout.ops.rescale_lookup import fusable_lookup, rescale_and_lookup
from ezk.layout.packed import Fresh, Lane, check_signed, pack, signed_limbs

from ezk.ops.bounds import RESCALE_BITS as QB  # default quotient bound: −2^35 ≤ q < 2^35


def rescale(ctx, node, ins):
    (x,) = ins
    k = int(node.attrs["shift"])
    x = x.broadcast_to(node.shape).flat()
    if x.all_const():  # from the constant itself: a measuring run's values are zeros
        return Cells.const(((x.val + (1 << (k - 1))) >> k).reshape(node.shape))
    q = ctx.value(node).reshape(-1)
    kt = k - _common_twos(x[~x.is_const], k)
    if (fused := fusable_lookup(ctx, node, kt)) is not None:  # in the rows of the lookup reading it
        return rescale_and_lookup(ctx, node, x, q, k, k - kt, fused).reshape(node.shape)
    # constants stay constants, repeated inputs share one element (layout/distinct.py)
    out = fold_elementwise(x, lambda v: (v + (1 << (k - 1))) >> k, lambda i: _placed(ctx, node, x[i], q[i], k))
    return out.reshape(node.shape)


def _common_twos(x: Cells, k: int) -> int:
    """The largest t < k with 2^t dividing every coefficient and offset of the affine elements x."""
    v = np.concatenate([x.coef.reshape(-1), x.val.reshape(-1)])
    v = np.abs(v[v != 0])
    if not v.size:
        return 0
    low = np.bitwise_and(v, -v)  # the lowest set bit of each
    return int(min(k - 1, int(low.min()).bit_length() - 1))


def _placed(ctx, node, x: Cells, q: np.ndarray, k: int) -> Cells:
    """The packed rows of the rescale of the advice elements x (flat) to q; q's cells (flat).
    When 2^t divides every coefficient and offset of x (a product by a power-of-two constant,
    such as attention's 1/√d), x = 2^t·x' and q = ⌊(x' + 2^(k−t−1))/2^(k−t)⌋ exactly: the row
    rescales x' by k − t bits, t fewer remainder bits to range-check."""
    t = _common_twos(x, k)
    if t:
        x = Cells(x.g, x.c, x.val >> t, x.coef >> t)
        k -= t
    tables, lb = ctx.tables, ctx.tables.limb_bits
    s = ctx.read(x) - (q << k)
    check_signed(s, k, f"the rescale remainder of {ctx.where(node)}")
    rem = signed_limbs(tables, s, k)
    bound = not ctx.only_looked_up(node)
    qbits = int(node.attrs.get("qbits", QB))
    if bound:
        check_signed(q, lb if qbits <= lb else qbits,
                     f"the rescale output of {ctx.where(node)} (recalibrate, or lower the scales)")
    n = q.size
    if not bound or qbits <= lb:  # inputs [x, s_0 … s_{n−1}], lane q
        qcell = Fresh(q, tables.srange(lb) if bound else 0)
        coef = {0: 1} | {1 + i: -w for i, (_, w) in enumerate(rem)}
        _, (out,) = pack(ctx.rg, n, [x] + [c for c, _ in rem], [Lane(qcell, 1 << k, coef)])
        return out
    # inputs [x, q, s_0 … s_{n−2}, q_0 … q_{m−2}], lanes s_top (the relation) and q_top (q's split)
    ql = signed_limbs(tables, q, qbits)
    ins_ = [x, Fresh(q)] + [c for c, _ in rem[:-1]] + [c for c, _ in ql[:-1]]
    c1 = {0: 1, 1: -(1 << k)} | {2 + i: -w for i, (_, w) in enumerate(rem[:-1])}
    o = 2 + len(rem) - 1
    c2 = {1: 1} | {o + i: -w for i, (_, w) in enumerate(ql[:-1])}
    (_, out, *_), _ = pack(ctx.rg, n, ins_, [Lane(rem[-1][0], rem[-1][1], c1), Lane(ql[-1][0], ql[-1][1], c2)])
    return out
