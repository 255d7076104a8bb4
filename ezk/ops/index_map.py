"""index_map: a free re-indexing of one or more tensors (reshape, transpose, slice, concat, pad,
expand, squeeze, split, constant gathers, im2col windows, constant-condition where …).

``arrays['index']`` has the output's shape; entry i ≥ 0 picks element i of the concatenation of
the flattened inputs, and −1 is the constant ``attrs['fill']``.  All inputs share one scale.
It costs no constraints: the layout only copies cells."""

from __future__ import annotations

import numpy as np


def concat_index(shapes, axis: int) -> np.ndarray:
    """The ``index`` array of a concat along ``axis`` of tensors of ``shapes`` (each input's
    flat positions, offset by the sizes before it)."""
    idx, off = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        idx.append(np.arange(size, dtype=np.int64).reshape(shape) + off)
        off += size
    return np.concatenate(idx, axis=axis)


def infer_shape(in_shapes, node):
    return tuple(node.arrays["index"].shape)


def infer_scale(in_scales, node):
    if len(set(in_scales)) > 1:
        raise ValueError(f"index_map inputs need one scale, got {in_scales}")
    return in_scales[0]


def evaluate(node, inputs):
    flat = np.concatenate([x.reshape(-1) for x in inputs] + [np.array([node.attrs.get("fill", 0)], dtype=np.int64)])
    idx = node.arrays["index"]
    return flat[np.where(idx < 0, flat.size - 1, idx)]
