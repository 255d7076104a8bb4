"""Leaves and index maps.

Inputs and private (or hashed) parameters are values the prover picks, so each element is range-checked to
the bound its node states (``attrs["bound_bits"]`` = B, see ezk.ops.bounds): the leaf's cell is
the output of a LIN row over limb cells looked up in range tables,

    x = Σ_i 2^(w·i)·l_i − 2^B,    l_i ∈ [0, 2^w_i),  Σ w_i = B + 1,

so −2^B ≤ x < 2^B holds over the integers (one limb lookup per element when B + 1 fits the
range tables' limb width). No leaf cell is free: a field element such as √z mod r for a
negative z cannot be written into an input (a hashed leaf is range-checked too: its hash
binds the cells, the check keeps them fixed-point values). Fixed parameters are constants (they
reach the circuit only as fixed coefficients); index maps re-index cell references and cost
nothing.
"""

from __future__ import annotations

import numpy as np

from ezk.errors import EzkError
from ezk.layout.cells import Cells
from ezk.layout.rows import lincomb, range_terms
from ezk.ops.bounds import describe_leaf_bound


def _bounded_leaf(ctx, node, what: str) -> Cells:
    bits = node.attrs.get("bound_bits")
    if bits is None:
        raise EzkError(f"{what} carries no range bound (compiled by an older ezk?); run ezk compile-circuit again.")
    bits = int(bits)
    vals = ctx.value(node).reshape(-1)
    off = 1 << bits
    limbs = range_terms(ctx.rg, ctx.tables, vals + off, bits + 1,
                        f"{what} (outside its bound {describe_leaf_bound(bits, node.scale)}, offset by 2^{bits})")
    return lincomb(ctx.rg, [(c, w) for c, w in limbs], -off, out_vals=vals).reshape(node.shape)


def input_(ctx, node, ins):
    return _bounded_leaf(ctx, node, f"input {node.onnx_name!r}")


def const(ctx, node, ins):
    if node.attrs.get("visibility", "fixed") != "fixed":  # private, or hashed (private cells + a public hash)
        return _bounded_leaf(ctx, node, f"the private parameter of {ctx.where(node)}")
    return Cells.const(np.asarray(node.arrays["value"], np.int64).reshape(node.shape))


def index_map(ctx, node, ins):
    fill = Cells.const(np.array([int(node.attrs.get("fill", 0))]))
    flat = Cells.concat([x.flat() for x in ins] + [fill])
    idx = node.arrays["index"]
    return flat.take(np.where(idx < 0, flat.size - 1, idx)).reshape(node.shape)  # the index may be (1,) for a scalar
