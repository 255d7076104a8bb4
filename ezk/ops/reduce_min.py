"""reduce_min: the min over axes (attrs axes, keepdims) at the input scale. Shape and scale
rules are reduce_max's."""

from __future__ import annotations

import numpy as np

from ezk.ops.reduce_max import infer_scale, infer_shape  # noqa: F401  (this op's rules)


def evaluate(node, inputs):
    (x,) = inputs
    axes = tuple(sorted(a % x.ndim for a in node.attrs["axes"]))
    return np.min(x, axis=axes, keepdims=bool(node.attrs.get("keepdims", False)))
