"""Layout of each core op: ``LAYOUTS[op](ctx, node, inputs: list[Cells]) -> Cells``, keyed by
``ezk.ops.CoreOp`` (the layout half of a core op's interface; ``ezk.ops.spec`` is the other).

Ops in AFFINE_INPUTS read affine references (cells.py) themselves — index maps re-index them,
add/sub/neg/mul by a constant stay affine without a row, LIN rows fold them; every other op
gets its inputs materialised first (circuit._place). Importing this module fails while a core
op has no layout."""

from __future__ import annotations

from ezk.layout.ops import argmax, compare, extreme, leaves, linear, nonlinear, scatter
from ezk.ops import CoreOp

AFFINE_INPUTS = frozenset({CoreOp.INDEX_MAP, CoreOp.ADD, CoreOp.SUB, CoreOp.NEG, CoreOp.MUL, CoreOp.RESCALE,
                           CoreOp.SUM})

LAYOUTS = {
    CoreOp.INPUT: leaves.input_,
    CoreOp.CONST: leaves.const,
    CoreOp.INDEX_MAP: leaves.index_map,
    CoreOp.ADD: linear.add,
    CoreOp.SUB: linear.sub,
    CoreOp.NEG: linear.neg,
    CoreOp.MUL: linear.mul,
    CoreOp.SUM: linear.sum_,
    CoreOp.EINSUM: linear.einsum,
    CoreOp.RESCALE: linear.rescale,
    CoreOp.LOOKUP: nonlinear.lookup,
    CoreOp.GATHER: nonlinear.gather,
    CoreOp.SCATTER: scatter.scatter,
    CoreOp.MAX: compare.maximum,
    CoreOp.MIN: compare.minimum,
    CoreOp.COMPARE: compare.compare,
    CoreOp.WHERE: compare.where,
    CoreOp.REDUCE_MAX: extreme.reduce_max,
    CoreOp.REDUCE_MIN: extreme.reduce_min,
    CoreOp.ARGMAX: argmax.argmax,
    CoreOp.ARGMIN: argmax.argmin,
}

_missing = [op.value for op in CoreOp if op not in LAYOUTS]
if _missing:
    raise ImportError(f"ezk.layout.ops: the core ops {_missing} have no layout (see the checklist in ezk.ops)")
