"""gather: data.take(indices, axis) with indices a tensor (integers at scale 0) — the private-index
case (e.g. token embeddings); constant indices lower to a free index map instead.
An index outside [-n, n) is a WitnessError naming the ONNX node (outside [0, n) for a gather
whose indices the lowering normalised, attrs ``nonnegative``)."""

from __future__ import annotations

import numpy as np

from ezk.errors import WitnessError


def infer_shape(in_shapes, node):
    data, idx = in_shapes
    ax = node.attrs["axis"] % len(data)
    return tuple(data[:ax]) + tuple(idx) + tuple(data[ax + 1 :])


def infer_scale(in_scales, node):
    if in_scales[1] != 0:
        raise ValueError("gather indices must be integers at scale 0")
    return in_scales[0]


def evaluate(node, inputs):
    data, idx = inputs
    ax = node.attrs["axis"] % data.ndim
    n = data.shape[ax]
    lo = 0 if node.attrs.get("nonnegative") else -n  # normalised by the lowering: 0 ≤ idx < n
    if idx.size and (int(idx.min()) < lo or int(idx.max()) >= n):
        raise WitnessError(
            f"gather in ONNX node {node.onnx_name!r} got an index outside [0, {n}) (values {int(idx.min())}..{int(idx.max())})"
        )
    return np.take(data, np.where(idx < 0, idx + n, idx), axis=ax)
