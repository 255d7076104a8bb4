"""Sliding-window index maps for convolution and pooling (im2col without copying values).

For spatial size S, kernel K, stride t, dilation δ and pads (begin p, end q) the output size is
O = ⌊(S + p + q − δ(K − 1) − 1)/t⌋ + 1 and window element (o, k) reads the padded position
o·t + k·δ, i.e. the input position o·t + k·δ − p, or nothing (−1) in the padding."""

from __future__ import annotations

import numpy as np

from ezk.graph.lowering._util import attr


def window_index(spatial, kernel, strides, dilations, pads, ceil_mode: bool = False):
    """Index array [*O, *K] into the flattened input (−1 = padding) and the output sizes O."""
    nd = len(spatial)
    begin, end = pads[:nd], pads[nd:]
    padded = np.pad(np.arange(int(np.prod(spatial)), dtype=np.int64).reshape(spatial),
                    [(int(p), int(q)) for p, q in zip(begin, end)], constant_values=-1)
    outs, pos = [], []
    for d in range(nd):
        span = dilations[d] * (kernel[d] - 1) + 1
        full = spatial[d] + begin[d] + end[d] - span
        o = (-(-full // strides[d]) if ceil_mode else full // strides[d]) + 1
        if o < 1:
            raise ValueError("the kernel is larger than the padded input")
        outs.append(int(o))
        p = np.arange(o)[:, None] * strides[d] + np.arange(kernel[d])[None, :] * dilations[d]
        shape = [1] * (2 * nd)
        shape[d], shape[nd + d] = o, kernel[d]
        pos.append(p.reshape(shape))
    # ceil_mode may step past the padded edge: those reads are padding
    limits = padded.shape
    valid = np.ones(np.broadcast_shapes(*[q.shape for q in pos]), dtype=bool)
    for d in range(nd):
        valid &= pos[d] < limits[d]
    safe = [np.minimum(q, limits[d] - 1) for d, q in enumerate(pos)]
    idx = np.where(valid, padded[tuple(safe)], -1)
    return idx, outs


def conv_pads(node, spatial, kernel, strides, dilations):
    nd = len(spatial)
    auto = attr(node, "auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for d in range(nd):
            o = -(-spatial[d] // strides[d])
            total = max(0, (o - 1) * strides[d] + dilations[d] * (kernel[d] - 1) + 1 - spatial[d])
            lo = total // 2 if auto == "SAME_UPPER" else total - total // 2
            begin.append(lo)
            end.append(total - lo)
        return begin + end
    if auto == "VALID":
        return [0] * (2 * nd)
    return list(attr(node, "pads", [0] * (2 * nd)))
