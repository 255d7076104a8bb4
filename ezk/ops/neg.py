"""neg: elementwise −x at the input scale."""

from __future__ import annotations

import numpy as np


def infer_shape(in_shapes, node):
    return tuple(in_shapes[0])


def infer_scale(in_scales, node):
    return in_scales[0]


def evaluate(node, inputs):
    return np.negative(inputs[0])
