"""rescale: divide by 2^k rounding half up, lowering the scale by k (attrs ``shift`` = k ≥ 1).

    q = ⌊(x + 2^(k-1)) / 2^k⌋,   r = x + 2^(k-1) − q·2^k ∈ [0, 2^k)

so that x + 2^(k-1) = q·2^k + r; the remainder r is returned as the auxiliary tensor
``remainder`` for the layout to range-check."""

from __future__ import annotations

import numpy as np


def infer_shape(in_shapes, node):
    return tuple(in_shapes[0])


def infer_scale(in_scales, node):
    k = int(node.attrs["shift"])
    if k < 1:
        raise ValueError("rescale needs shift >= 1")
    return in_scales[0] - k


def evaluate(node, inputs):
    (x,) = inputs
    k = int(node.attrs["shift"])
    biased = x + (1 << (k - 1))
    q = biased >> k  # arithmetic shift = floor division by 2^k
    r = biased - (q << k)
    return q, {"remainder": r}
