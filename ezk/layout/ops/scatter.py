"""scatter (ezk.ops.scatter) with computed positions, by two dynamic lookups (ezk.layout.dynamic).

For the N elements of data and m updates (positions p_i, values u_i), with fresh cells

    h_j ∈ {0, 1}  (bit: c·c = c),   w_j (free),   z_j = h_j·w_j        (MUL)
    y_j (free),   out_j = data_j + h_j·y_j                             (MUL, LIN)

and the constraints

    (p_i, i + 1) ∈ {(j, z_j)}   for every update i                    (dynamic lookup)
    Σ_j h_j = m                                                        (LIN)
    (p_i, u_i)   ∈ {(j, out_j)} for every update i                    (dynamic lookup)

Soundness: the first lookup puts every p_i in [0, N) and makes z_{p_i} = i + 1 ≠ 0, so h_{p_i} = 1;
the p_i are distinct, since z_j has one value. So h is 1 on the m positions p_i at least, and
Σ h = m (a sum of N < r bits) makes it 0 everywhere else: there out_j = data_j. The second lookup
makes out_{p_i} = u_i. About 6N + 3m cells and 2N table rows.
"""

from __future__ import annotations

import numpy as np

from ezk.layout.cells import Cells
from ezk.layout.rows import bits, fixed_dot, lincomb, mul_rows


def written(dv: np.ndarray, pv: np.ndarray, uv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The free cells' values (h, w, y) for data ``dv``, positions ``pv`` and updates ``uv``."""
    n, m = dv.size, pv.size
    hit, wv, yv = (np.zeros(n, np.int64) for _ in range(3))
    if m:  # the forward pass refused out-of-range and repeated positions (measuring: all zeros)
        hit[pv] = 1
        wv[pv] = np.arange(1, m + 1)
        yv[pv] = uv - dv[pv]
    return hit, wv, yv


def scatter(ctx, node, ins):
    data, pos, upd = (x.flat() for x in ins)
    rg, dyn = ctx.rg, ctx.dynamic
    n, m = data.size, pos.size
    hit, wv, yv = written(ctx.read(data), ctx.read(pos), ctx.read(upd))
    h = bits(rg, hit, f"a scatter bit of {ctx.where(node)}")
    z = mul_rows(rg, h, rg.new_cells(wv), hit * wv)
    which = dyn.tables(rg, z.reshape(1, n), f"the written positions of {ctx.where(node)}")
    dyn.lookup(rg, which, pos, Cells.const(np.arange(1, m + 1)))
    total = fixed_dot(rg, h.reshape(1, n), np.ones((1, 1, n), np.int64))
    lincomb(rg, [(total.reshape(1), 1)], -m, output=False)
    e = mul_rows(rg, h, rg.new_cells(yv), hit * yv)
    out = lincomb(rg, [(data, 1), (e, 1)], 0, out_vals=ctx.read(data) + hit * yv, shape=(n,))
    values = dyn.tables(rg, out.reshape(1, n), f"the output of {ctx.where(node)}")
    dyn.lookup(rg, values, pos, upd)
    return out.reshape(node.shape)
