"""sum: Σ over ``axes`` (attrs ``axes``, ``keepdims``) at the input scale.
Exact: max|x| · (number of summed terms) < 2^62 is checked."""

from __future__ import annotations

import math

import numpy as np

from ezk.ops._checks import guard, max_abs


def _axes(node, rank):
    return tuple(sorted(a % rank for a in node.attrs["axes"]))


def infer_shape(in_shapes, node):
    shape = list(in_shapes[0])
    axes = _axes(node, len(shape))
    if node.attrs.get("keepdims", False):
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def infer_scale(in_scales, node):
    return in_scales[0]


def evaluate(node, inputs):
    (x,) = inputs
    axes = _axes(node, x.ndim)
    guard(max_abs(x) * max(1, math.prod(x.shape[a] for a in axes)), node, "a sum")
    return np.sum(x, axis=axes, keepdims=bool(node.attrs.get("keepdims", False)), dtype=np.int64)
