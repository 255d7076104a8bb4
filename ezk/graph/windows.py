"""Sliding-window index maps for convolution and pooling (im2col without copying values).

For spatial size S, kernel K, stride t, dilation δ and pads (begin p, end q) the output size is
O = ⌊(S + p + q − δ(K − 1) − 1)/t⌋ + 1 and window element (o, k) reads the padded position
o·t + k·δ, i.e. the input position o·t + k·δ − p, or nothing (−1) in the padding.

The index map has (channels)·ΠO·ΠK entries, each at least one cell of the circuit: beyond
MAX_WINDOW_ELEMENTS (2^28, 2 GiB of int64 indices) lowering stops with one sentence instead of
running out of memory building it."""

from __future__ import annotations

import numpy as np

from ezk.graph.lowering._util import attr

MAX_WINDOW_ELEMENTS = 1 << 28


def window_index(spatial, kernel, strides, dilations, pads, ceil_mode: bool = False, channels: int = 1):
    """Index array [*O, *K] into the flattened input (−1 = padding) and the output sizes O;
    ``channels`` (the windows taken per position: batch × channels) only bounds the size."""
    nd = len(spatial)
    _check_size(spatial, kernel, strides, dilations, pads, ceil_mode, channels)
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


def _check_size(spatial, kernel, strides, dilations, pads, ceil_mode, channels) -> None:
    nd = len(spatial)
    outs = []
    for d in range(nd):
        full = spatial[d] + pads[d] + pads[nd + d] - (dilations[d] * (kernel[d] - 1) + 1)
        outs.append(max(0, (-(-full // strides[d]) if ceil_mode else full // strides[d]) + 1))
    total = int(channels) * int(np.prod(outs, dtype=np.int64)) * int(np.prod(kernel, dtype=np.int64))
    if total > MAX_WINDOW_ELEMENTS:  # a ValueError: lowering names the ONNX node
        raise ValueError(f"its windows read {total:,} elements ({int(channels):,} × {' × '.join(map(str, outs))} outputs × "
                         f"{' × '.join(map(str, kernel))} kernel), more than ezk lays out (2^28), each at least one cell "
                         f"of the circuit; use a smaller input or kernel, or a larger stride")
