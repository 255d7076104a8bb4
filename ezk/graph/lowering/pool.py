"""Pooling as a window index map followed by a reduction: MaxPool (reduce_max; padded reads are
replaced by a valid element of the same window, which leaves the max unchanged), AveragePool
(sum times the constant 1/count per output), GlobalAveragePool, GlobalMaxPool, and LpPool /
GlobalLpPool, y = (Σ_window |x|^p)^(1/p) with zero padding: p = 1 is Σ max(x, −x), p = 2 is
sqrt(Σ x·x), other p go through pow tables."""

from __future__ import annotations

import numpy as np

from ezk.graph.builder import Const
from ezk.graph.lowering._util import attr
from ezk.graph.windows import conv_pads, window_index


def _windows(b, node, x):
    nd = len(x.shape) - 2
    kernel = tuple(attr(node, "kernel_shape"))
    strides = list(attr(node, "strides", [1] * nd))
    dil = list(attr(node, "dilations", [1] * nd))
    pads = conv_pads(node, tuple(x.shape[2:]), kernel, strides, dil)
    nc = x.shape[0] * x.shape[1]
    win, outs = window_index(tuple(x.shape[2:]), kernel, strides, dil, pads, bool(attr(node, "ceil_mode", 0)), nc)
    sp = int(np.prod(x.shape[2:]))
    base = (np.arange(nc) * sp).reshape((x.shape[0], x.shape[1]) + (1,) * (2 * nd))
    idx = np.where(win[None, None] < 0, -1, base + win[None, None])
    k_axes = list(range(2 + nd, 2 + 2 * nd))
    return idx, k_axes, win


def _max_pool(b, node, ins, opset):
    if len(node.output) > 1 and node.output[1]:
        raise ValueError("MaxPool indices output is not supported")
    x = b.tensor(ins[0])
    idx, k_axes, _ = _windows(b, node, x)
    flat = idx.reshape(idx.shape[: -len(k_axes)] + (-1,))
    first = np.take_along_axis(flat, np.argmax(flat >= 0, axis=-1)[..., None], axis=-1)
    idx = np.where(flat < 0, first, flat).reshape(idx.shape)
    patches = b.index_map([x], idx, "pool_windows")
    return [b.emit("reduce_max", [patches], {"axes": k_axes, "keepdims": False})]


def _avg_pool(b, node, ins, opset):
    x = b.tensor(ins[0])
    idx, k_axes, win = _windows(b, node, x)
    patches = b.index_map([x], idx, "pool_windows")
    total = b.sum(patches, k_axes, keepdims=False)
    if attr(node, "count_include_pad", 0):
        count = np.full(win.shape[: len(k_axes)], float(np.prod(win.shape[len(k_axes):])))
    else:
        count = (win >= 0).reshape(win.shape[: len(k_axes)] + (-1,)).sum(-1).astype(np.float64)
    return [b.mul(total, Const(1.0 / np.maximum(count, 1.0)))]


def _global(kind):
    def rule(b, node, ins, opset):
        x = b.tensor(ins[0])
        axes = list(range(2, len(x.shape)))
        if kind == "max":
            return [b.emit("reduce_max", [x], {"axes": axes, "keepdims": True})]
        out = b.sum(x, axes, keepdims=True)
        return [b.mul(out, Const(np.array(1.0 / int(np.prod(x.shape[2:])))))]

    return rule


def lp_norm(b, x, axes, p: float, keepdims: bool):
    ax = b.emit("max", [x, b.emit("neg", [x])])
    if p == 1:
        return b.sum(ax, axes, keepdims=keepdims)
    if p == 2:
        return b.lookup(b.sum(b.mul(x, x), axes, keepdims=keepdims), "sqrt")
    powed = b.lookup(ax, "pow", {"exponent": float(p)})
    return b.lookup(b.sum(powed, axes, keepdims=keepdims), "pow", {"exponent": 1.0 / float(p)})


def _lp_pool(b, node, ins, opset):
    x = b.tensor(ins[0])
    idx, k_axes, _ = _windows(b, node, x)
    patches = b.index_map([x], idx, "pool_windows")
    return [lp_norm(b, patches, k_axes, float(attr(node, "p", 2)), False)]


def _global_lp(b, node, ins, opset):
    x = b.tensor(ins[0])
    return [lp_norm(b, x, list(range(2, len(x.shape))), float(attr(node, "p", 2)), True)]


RULES = {
    "LpPool": _lp_pool,
    "GlobalLpPool": _global_lp,
    "MaxPool": _max_pool,
    "AveragePool": _avg_pool,
    "GlobalAveragePool": _global("avg"),
    "GlobalMaxPool": _global("max"),
}
