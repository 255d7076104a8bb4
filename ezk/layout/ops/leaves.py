"""Leaves and index maps: inputs and private (or hashed) parameters are free advice cells, fixed
parameters are constants (they reach the circuit only as fixed coefficients), index maps
re-index cell references and cost nothing."""

from __future__ import annotations

import numpy as np

from ezk.layout.cells import Cells


def input_(ctx, node, ins):
    return ctx.rg.new_cells(ctx.value(node))


def const(ctx, node, ins):
    if node.attrs.get("visibility", "fixed") != "fixed":  # private, or hashed (private cells + a public hash)
        return ctx.rg.new_cells(ctx.value(node))
    return Cells.const(np.asarray(node.arrays["value"], np.int64).reshape(node.shape))


def index_map(ctx, node, ins):
    fill = Cells.const(np.array([int(node.attrs.get("fill", 0))]))
    flat = Cells.concat([x.flat() for x in ins] + [fill])
    idx = node.arrays["index"]
    return flat.take(np.where(idx < 0, flat.size - 1, idx)).reshape(node.shape)  # the index may be (1,) for a scalar
