"""Reductions: ReduceSum, ReduceMean (a sum times the constant 1/n, quantized finely enough), ReduceMax, ReduceMin,
ArgMax, ArgMin, ReduceSumSquare, ReduceL1 (Σ|x|), ReduceL2 (sqrt Σx²), ReduceLogSum (log Σx), and
ReduceLogSumExp, stable as in softmax (activations.stable_exp: the row maximum, or a calibrated
constant c where that is safe):

    m = max x,  d = max(x − m, −C),  y = log Σ exp(d) + m     (Σ exp(d) ∈ [1, n] bounds the log table)."""

from __future__ import annotations

import math

import numpy as np

from ezk.graph.builder import Const
from ezk.graph.lowering._util import attr, reduce_axes


def _reduce(kind):
    def rule(b, node, ins, opset):
        x = b.tensor(ins[0])
        until = 13 if kind == "sum" else 18
        axes = reduce_axes(node, ins, opset, len(x.shape), until)
        if not axes:
            return [x]
        keep = bool(attr(node, "keepdims", 1))
        if kind in ("max", "min"):
            return [b.emit(f"reduce_{kind}", [x], {"axes": axes, "keepdims": keep})]
        if kind == "logsumexp":
            return [_log_sum_exp(b, x, axes, keep)]
        if kind in ("sumsquare", "l2"):
            x = b.mul(x, x)
        if kind == "l1":
            x = b.emit("max", [x, b.emit("neg", [x])])
        out = b.sum(x, axes, keepdims=keep)
        if kind == "mean":
            out = _divide_by_count(b, out, int(np.prod([x.shape[a] for a in axes])))
        if kind == "l2":
            out = b.lookup(out, "sqrt")
        if kind == "logsum":
            out = b.lookup(out, "log")
        return [out]

    return rule


def _divide_by_count(b, total, n: int):
    """total / n.  1/n at param_scale would be off by up to n·2^−(s+1) relatively (1.5 % for
    n = 288 at s = 13), so unless 1/n is exact there it is quantized at param_scale + ⌈log2 n⌉:
    an integer ≥ 2^param_scale, relative error ≤ 2^−(param_scale+1) whatever n."""
    inv = Const(np.array(1.0 / n))
    if b.exact_scale(inv) < b.ra.param_scale or n == 1:
        return b.mul(total, inv)
    s = b.ra.param_scale + int(math.ceil(math.log2(n)))
    return b.emit("mul", [b.rebase(b.tensor(total)), b.quant(inv, s)])


def _log_sum_exp(b, x, axes, keep):
    from ezk.graph.lowering.activations import _sum_lookup, stable_exp

    st = stable_exp(b, x, axes)  # log Σ exp(x) = log Σ exp(x − shift) + shift
    logs = _sum_lookup(b, st, "log", b.target)
    shift = st.shift if not isinstance(st.shift, float) else Const(np.array(st.shift))
    y = b.add(logs, shift)
    if not keep:
        y = b.reshape(y, [dim for i, dim in enumerate(y.shape) if i not in axes], "squeeze")
    return y


def _arg(kind):
    def rule(b, node, ins, opset):
        x = b.tensor(ins[0])
        if attr(node, "select_last_index", 0):
            raise ValueError("select_last_index=1 is not supported")
        axis = int(attr(node, "axis", 0)) % len(x.shape)
        return [b.emit(kind, [x], {"axis": axis, "keepdims": bool(attr(node, "keepdims", 1))})]

    return rule


RULES = {
    "ReduceSum": _reduce("sum"),
    "ReduceMean": _reduce("mean"),
    "ReduceMax": _reduce("max"),
    "ReduceMin": _reduce("min"),
    "ReduceSumSquare": _reduce("sumsquare"),
    "ReduceL1": _reduce("l1"),
    "ReduceL2": _reduce("l2"),
    "ReduceLogSum": _reduce("logsum"),
    "ReduceLogSumExp": _reduce("logsumexp"),
    "ArgMax": _arg("argmax"),
    "ArgMin": _arg("argmin"),
}
