"""Layout of each core op: ``LAYOUTS[op](ctx, node, inputs: list[Cells]) -> Cells``."""

from __future__ import annotations

from ezk.layout.ops import argmax, compare, leaves, linear, nonlinear, scatter

LAYOUTS = {
    "input": leaves.input_,
    "const": leaves.const,
    "index_map": leaves.index_map,
    "add": linear.add,
    "sub": linear.sub,
    "neg": linear.neg,
    "mul": linear.mul,
    "sum": linear.sum_,
    "einsum": linear.einsum,
    "rescale": linear.rescale,
    "lookup": nonlinear.lookup,
    "gather": nonlinear.gather,
    "scatter": scatter.scatter,
    "max": compare.maximum,
    "min": compare.minimum,
    "compare": compare.compare,
    "where": compare.where,
    "reduce_max": compare.reduce_max,
    "reduce_min": compare.reduce_min,
    "argmax": argmax.argmax,
    "argmin": argmax.argmin,
}
