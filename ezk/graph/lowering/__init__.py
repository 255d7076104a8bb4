"""Lowering rules: ONNX op type → function(builder, node, input values, opset) → output values.

Each module handles one family of ONNX ops and registers its rules in ``RULES``."""

from __future__ import annotations

from ezk.graph.lowering import (activations, arith, conv_transpose, indexing, linear, logic, norm, pool,
                                recurrent, reduce, resize, shape_ops, topk)

LOWERINGS = {}
for _m in (arith, linear, activations, norm, reduce, pool, shape_ops, logic, indexing, topk, resize,
           conv_transpose, recurrent):
    LOWERINGS.update(_m.RULES)
