"""reduce_max: the max over axes (attrs axes, keepdims) at the input scale."""

from __future__ import annotations

import numpy as np

from ezk.ops.sum import infer_shape as _sum_shape


def infer_shape(in_shapes, node):
    return _sum_shape(in_shapes, node)


def infer_scale(in_scales, node):
    return in_scales[0]


def evaluate(node, inputs):
    (x,) = inputs
    axes = tuple(sorted(a % x.ndim for a in node.attrs["axes"]))
    return np.max(x, axis=axes, keepdims=bool(node.attrs.get("keepdims", False)))
