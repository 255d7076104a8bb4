"""mul: elementwise product with broadcasting.  Scale: s_a + s_b.  Exact: the bound
max|a|·max|b| < 2^62 is checked before multiplying."""

from __future__ import annotations

import numpy as np

from ezk.ops._checks import broadcast_shape, guard, max_abs


def infer_shape(in_shapes, node):
    return broadcast_shape(*in_shapes)


def infer_scale(in_scales, node):
    return int(in_scales[0] + in_scales[1])


def evaluate(node, inputs):
    a, b = inputs
    guard(max_abs(a) * max_abs(b), node, "a product")
    return np.multiply(a, b)
