"""Layout of each core op: ``LAYOUTS[op](ctx, node, inputs: list[Cells]) -> Cells``.

Ops in AFFINE_INPUTS read affine references (cells.py) themselves — index maps re-index them,
add/sub/neg/mul by a constant stay affine without a row, LIN rows fold them; every other op
gets its inputs materialised first (circuit._place)."""

from __future__ import annotations

from ezk.layout.ops import argmax, compare, extreme, leaves, linear, nonlinear, scatter

AFFINE_INPUTS = frozenset({"index_map", "add", "sub", "neg", "mul", "rescale", "sum"})

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
    "reduce_max": extreme.reduce_max,
    "reduce_min": extreme.reduce_min,
    "argmax": argmax.argmax,
    "argmin": argmax.argmin,
}
