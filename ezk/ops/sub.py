"""sub: elementwise with numpy broadcasting; both operands at the same scale (the builder aligns
them), which is the output scale.  Exact: |out| ≤ max|a| + max|b| < 2^62 is checked."""

from __future__ import annotations

import numpy as np

from ezk.ops._checks import broadcast_shape, guard, max_abs


def infer_shape(in_shapes, node):
    return broadcast_shape(*in_shapes)


def infer_scale(in_scales, node):
    if in_scales[0] != in_scales[1]:
        raise ValueError(f"sub needs equal scales, got {in_scales}")
    return in_scales[0]


def evaluate(node, inputs):
    a, b = inputs
    guard(max_abs(a) + max_abs(b), node, "an addition")
    return np.subtract(a, b)
