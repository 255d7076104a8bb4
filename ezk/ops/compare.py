"""compare: elementwise a ∘ b for ∘ in {lt, le, gt, ge, eq} (attrs ``kind``) at equal scales;
the output is 0/1 at scale 0."""

from __future__ import annotations

import numpy as np

from ezk.ops._checks import broadcast_shape

KINDS = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal, "eq": np.equal}


def infer_shape(in_shapes, node):
    return broadcast_shape(*in_shapes)


def infer_scale(in_scales, node):
    if in_scales[0] != in_scales[1]:
        raise ValueError("compare needs equal scales")
    return 0


def evaluate(node, inputs):
    return KINDS[node.attrs["kind"]](inputs[0], inputs[1]).astype(np.int64)
