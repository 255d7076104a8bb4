"""ConvTranspose as a stride-1 convolution of a zero-stuffed, re-padded input (free index map)
with the flipped, channel-swapped kernel.

Per spatial axis with input size S, kernel K, stride t, dilation δ, pads (p, q) and
output_padding o, the output size is  O = t(S − 1) + o + δ(K − 1) + 1 − p − q,  and

    y[o] = Σ_k  u[o + δk] · w'[k],   w'[k] = w[K − 1 − k] (channels swapped, per group)

where u is x with t − 1 zeros between its elements and δ(K − 1) − p zeros before (a negative
count crops).  u is one index map (−1 = zero), so only the convolution's einsum costs rows."""

from __future__ import annotations

import numpy as np

from ezk.graph.builder import Const
from ezk.graph.lowering._util import attr, is_const
from ezk.graph.lowering.linear import conv_nd


def _pads(node, spatial, kernel, strides, dil, out_pad):
    nd = len(spatial)
    out_shape = attr(node, "output_shape")
    auto = attr(node, "auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if out_shape is not None or auto in ("SAME_UPPER", "SAME_LOWER"):
        if out_shape is None:
            out_shape = [spatial[d] * strides[d] for d in range(nd)]
        out_shape = list(out_shape)[-nd:]
        begin, end = [], []
        for d in range(nd):
            total = strides[d] * (spatial[d] - 1) + out_pad[d] + ((kernel[d] - 1) * dil[d] + 1) - out_shape[d]
            if auto == "SAME_UPPER":
                begin.append(total // 2)
                end.append(total - total // 2)
            else:
                begin.append(total - total // 2)
                end.append(total // 2)
        return begin + end
    if auto == "VALID":
        return [0] * (2 * nd)
    return list(attr(node, "pads", [0] * (2 * nd)))


def _stuffed_index(spatial, kernel, strides, dil, pads, out_pad):
    """Index array of u (−1 = zero) into the flattened spatial block, and u's sizes."""
    nd = len(spatial)
    per_axis, sizes = [], []
    for d in range(nd):
        lead = dil[d] * (kernel[d] - 1) - pads[d]
        tail = dil[d] * (kernel[d] - 1) - pads[nd + d] + out_pad[d]
        length = (spatial[d] - 1) * strides[d] + 1 + lead + tail
        if length < dil[d] * (kernel[d] - 1) + 1:
            raise ValueError("ConvTranspose pads leave an empty output")
        src = np.arange(length) - lead
        ok = (src >= 0) & (src % strides[d] == 0) & (src // strides[d] < spatial[d])
        per_axis.append(np.where(ok, src // strides[d], -1))
        sizes.append(length)
    grids = np.meshgrid(*per_axis, indexing="ij")
    valid = np.all([g >= 0 for g in grids], axis=0)
    flat = np.ravel_multi_index([np.maximum(g, 0) for g in grids], spatial)
    return np.where(valid, flat, -1), sizes


def _conv_transpose(b, node, ins, opset):
    x, w = ins[0], ins[1]
    bias = ins[2] if len(ins) > 2 else None
    if not is_const(w):
        raise ValueError("ConvTranspose weights must be constant")
    x = b.tensor(x)
    nd = len(x.shape) - 2
    spatial = tuple(x.shape[2:])
    wv = np.asarray(w.value, dtype=np.float64)
    kernel = tuple(wv.shape[2:])
    group = int(attr(node, "group", 1))
    strides = list(attr(node, "strides", [1] * nd))
    dil = list(attr(node, "dilations", [1] * nd))
    out_pad = list(attr(node, "output_padding", [0] * nd))
    pads = _pads(node, spatial, kernel, strides, dil, out_pad)
    idx, sizes = _stuffed_index(spatial, kernel, strides, dil, pads, out_pad)
    n, cin = x.shape[:2]
    block = int(np.prod(spatial))
    base = (np.arange(n * cin) * block).reshape((n, cin) + (1,) * nd)
    u = b.index_map([x], np.where(idx[None, None] < 0, -1, base + idx[None, None]), "conv_transpose_stuff")
    # w: [C_in, C_out/g, K…] → conv weight [C_out, C_in/g, K…], flipped spatially
    cg, og = cin // group, wv.shape[1]
    wg = wv.reshape((group, cg, og) + kernel)
    wc = np.swapaxes(wg, 1, 2).reshape((group * og, cg) + kernel)
    wc = wc[(slice(None), slice(None)) + (slice(None, None, -1),) * nd]
    return [conv_nd(b, u, Const(np.ascontiguousarray(wc), w.is_param), bias, [1] * nd, dil, [0] * (2 * nd), group)]


RULES = {"ConvTranspose": _conv_transpose}
