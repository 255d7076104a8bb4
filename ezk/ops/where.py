"""where: cond ? a : b elementwise with broadcasting; cond is 0/1 at scale 0, a and b share
the output scale.  (A constant condition lowers to a free index map instead.)"""

from __future__ import annotations

import numpy as np

from ezk.ops._checks import broadcast_shape


def infer_shape(in_shapes, node):
    return broadcast_shape(*in_shapes)


def infer_scale(in_scales, node):
    if in_scales[1] != in_scales[2]:
        raise ValueError("where needs equal scales for its branches")
    return in_scales[1]


def evaluate(node, inputs):
    c, a, b = inputs
    return np.where(c != 0, a, b).astype(np.int64)
