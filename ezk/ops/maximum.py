"""max: elementwise maximum of two tensors at the same scale, with broadcasting (Relu is
max(x, 0) for max; clamps are max/min with a constant)."""

from __future__ import annotations

import numpy as np

from ezk.ops._checks import broadcast_shape


def infer_shape(in_shapes, node):
    return broadcast_shape(*in_shapes)


def infer_scale(in_scales, node):
    if in_scales[0] != in_scales[1]:
        raise ValueError("max needs equal scales")
    return in_scales[0]


def evaluate(node, inputs):
    return np.maximum(inputs[0], inputs[1])
