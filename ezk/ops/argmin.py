"""argmin: index of the first minimal element along axis (attrs axis, keepdims); the output is
an integer at scale 0. Shape and scale rules are argmax's."""

from __future__ import annotations

import numpy as np

from ezk.ops.argmax import infer_scale, infer_shape  # noqa: F401  (this op's rules)


def evaluate(node, inputs):
    (x,) = inputs
    ax = node.attrs["axis"] % x.ndim
    out = np.argmin(x, axis=ax).astype(np.int64)
    if node.attrs.get("keepdims", True):
        out = np.expand_dims(out, ax)
    return out
