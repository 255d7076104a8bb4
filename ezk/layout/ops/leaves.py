"""Leaves and index maps.

Inputs and private (or hashed) parameters are values the prover picks, so each element is
range-checked to the bound its node states (``attrs["bound_bits"]`` = B, see ezk.ops.bounds):
the leaf's cells are placed first (consumers copy them), and once every node is laid out
``bound_leaves`` adds, per element, a LIN row over the leaf cell and limb cells looked up in
range tables,

    x + 2^B = Σ_i 2^(w·i)·l_i,    l_i ∈ [0, 2^w_i),  Σ w_i = B + 1,

so −2^B ≤ x < 2^B holds over the integers. The limbs use the widest range table the circuit
already has, or one no larger than the rows or tables it already has (one limb lookup per
element when B + 1 fits that width) — so the check does not raise k — but never more limbs
than the a input columns of a LIN row hold. No leaf cell is
free: a field element such as √z mod r for a negative z cannot be written into an input (a
hashed leaf is range-checked too: its hash binds the cells, the check keeps them fixed-point
values). Fixed parameters are constants (they reach the circuit only as fixed coefficients);
index maps re-index cell references and cost nothing.
"""

from __future__ import annotations

import numpy as np

from ezk.errors import EzkError
from ezk.layout.cells import Cells
from ezk.layout.rows import lincomb, range_terms
from ezk.ops.bounds import describe_leaf_bound

MIN_LEAF_LIMB_BITS = 4


def _leaf(ctx, node) -> Cells:
    if node.attrs.get("bound_bits") is None:
        raise EzkError(f"the leaf of {ctx.where(node)} carries no range bound (compiled by an older ezk?); "
                       f"run ezk compile-circuit again.")
    cells = ctx.rg.new_cells(ctx.value(node))
    ctx.leaves.append((node, cells))
    return cells


def input_(ctx, node, ins):
    return _leaf(ctx, node)


def const(ctx, node, ins):
    if node.attrs.get("visibility", "fixed") != "fixed":  # private, hashed or polycommit: cells the prover picks
        return _leaf(ctx, node)
    return Cells.const(np.asarray(node.arrays["value"], np.int64).reshape(node.shape))


def leaf_limb_bits(ctx) -> int:
    """The limb width of the leaves' range checks (module docstring): a function of the layout's
    structure so far, so both backends and every layout pass choose the same."""
    t = ctx.tables
    room = max(ctx.rg.rows, t.largest(), 1).bit_length() - 1  # a table of 2^room rows adds no row
    return max(MIN_LEAF_LIMB_BITS, min(t.limb_bits, max(t.range_widths() + [room])))


def bound_leaves(ctx) -> None:
    """The range check of every leaf laid out so far (called once all nodes are placed)."""
    if not ctx.leaves:
        return
    w = leaf_limb_bits(ctx)
    for node, cells in ctx.leaves:
        ctx.rg.node = node.id
        bits = int(node.attrs["bound_bits"])
        # at most a limbs, so the LIN row (the leaf and its limbs) fits a block's a input columns
        wl = min(ctx.tables.limb_bits, max(w, -(-(bits + 1) // ctx.rg.geo.a)))
        what = f"input {node.onnx_name!r}" if node.op == "input" else f"the private parameter of {ctx.where(node)}"
        off = 1 << bits
        flat = cells.flat()
        limbs = range_terms(ctx.rg, ctx.tables, ctx.read(flat) + off, bits + 1,
                            f"{what} (outside its bound {describe_leaf_bound(bits, node.scale)}, offset by 2^{bits})",
                            limb_bits=wl)
        lincomb(ctx.rg, [(flat, 1)] + [(c, -wt) for c, wt in limbs], off, output=False)
    ctx.leaves.clear()


def index_map(ctx, node, ins):
    fill = Cells.const(np.array([int(node.attrs.get("fill", 0))]))
    flat = Cells.concat([x.flat() for x in ins] + [fill])
    idx = node.arrays["index"]
    return flat.take(np.where(idx < 0, flat.size - 1, idx)).reshape(node.shape)  # the index may be (1,) for a scalar
