"""argmin: index of the first extreme element along axis (attrs axis, keepdims);
the output is an integer at scale 0."""

from __future__ import annotations

import numpy as np


def infer_shape(in_shapes, node):
    shape = list(in_shapes[0])
    ax = node.attrs["axis"] % len(shape)
    if node.attrs.get("keepdims", True):
        shape[ax] = 1
    else:
        del shape[ax]
    return tuple(shape)


def infer_scale(in_scales, node):
    return 0


def evaluate(node, inputs):
    (x,) = inputs
    ax = node.attrs["axis"] % x.ndim
    out = np.argmin(x, axis=ax).astype(np.int64)
    if node.attrs.get("keepdims", True):
        out = np.expand_dims(out, ax)
    return out
