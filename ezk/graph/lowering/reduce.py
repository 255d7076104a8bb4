"""Reductions: ReduceSum, ReduceMean (a sum times the constant 1/n), ReduceMax, ReduceMin,
ArgMax, ArgMin, ReduceSumSquare."""

from __future__ import annotations

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
        if kind == "sumsquare":
            x = b.mul(x, x)
        out = b.sum(x, axes, keepdims=keep)
        if kind == "mean":
            n = int(np.prod([x.shape[a] for a in axes]))
            out = b.mul(out, Const(np.array(1.0 / n)))
        return [out]

    return rule


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
    "ArgMax": _arg("argmax"),
    "ArgMin": _arg("argmin"),
}
