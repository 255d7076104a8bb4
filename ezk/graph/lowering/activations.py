"""Non-linearities: Relu/LeakyRelu/PRelu as max/min, unary tables (Sigmoid, Tanh, Erf, Exp, Log,
Gelu, Elu, …) as lookups, and Softmax / LogSoftmax as composites:

    m = max_j x_j,  d = max(x − m, −C),  e = exp(d),  S = Σ_j e_j,  y = e · recip(S)

d ≤ 0 and exp(−C)·2^s_out < ½ with C = (s_out + 1)·ln 2, so the clamp changes nothing yet bounds
the exp table; S ∈ [1, n] bounds the reciprocal's table too, so neither needs calibration."""

from __future__ import annotations

import math

import numpy as np

from ezk.graph.builder import Const
from ezk.graph.lowering._util import attr


def _relu(b, node, ins, opset):
    x = b.tensor(ins[0])
    return [b.emit("max", [x, b.const_int(np.array(0), x.scale)])]


def _leaky(b, node, ins, opset):
    x = b.tensor(ins[0])
    alpha = float(attr(node, "alpha", 0.01))
    ax = b.mul(x, Const(np.array(alpha)))
    xs, axs = b.align(x, ax)
    return [b.emit("max" if alpha <= 1 else "min", [xs, axs])]


def _prelu(b, node, ins, opset):
    x, slope = ins
    x = b.tensor(x)
    pos = b.emit("max", [x, b.const_int(np.array(0), x.scale)])
    neg = b.emit("min", [x, b.const_int(np.array(0), x.scale)])
    return [b.add(pos, b.mul(neg, slope))]


def _table(fn, **fixed):
    def rule(b, node, ins, opset):
        params = {k: float(attr(node, k, v)) for k, v in fixed.items()}
        return [b.lookup(b.tensor(ins[0]), fn, params)]

    return rule


def _gelu(b, node, ins, opset):
    approx = attr(node, "approximate", b"none")
    approx = approx.decode() if isinstance(approx, bytes) else str(approx)
    return [b.lookup(b.tensor(ins[0]), "gelu", {"approximate": approx})]


def softmax_parts(b, x, axis: int):
    """(d, e, S) of a numerically stable softmax over `axis` (keepdims)."""
    s_out = b.target
    m = b.emit("reduce_max", [x], {"axes": [axis], "keepdims": True})
    d = b.emit("sub", [x, m])
    c = (s_out + 1) * math.log(2.0) + 0.5
    d = b.emit("max", [d, b.const_int(np.array(-int(math.ceil(c * 2.0**d.scale))), d.scale)])
    e = b.lookup(d, "exp", out_scale=s_out, max_abs=c)
    total = b.sum(e, [axis], keepdims=True)
    return d, e, total, x.shape[axis]


def _softmax(b, node, ins, opset):
    x = b.tensor(ins[0])
    axis = int(attr(node, "axis", -1 if opset >= 13 else 1)) % len(x.shape)
    if opset < 13 and axis != len(x.shape) - 1:
        # opset < 13 flattens from `axis`: softmax over all trailing dims
        n = int(np.prod(x.shape[axis:]))
        flat = b.reshape(x, x.shape[:axis] + (n,))
        return [b.reshape(_softmax_last(b, flat, len(flat.shape) - 1), x.shape)]
    return [_softmax_last(b, x, axis)]


def _softmax_last(b, x, axis):
    d, e, total, n = softmax_parts(b, x, axis)
    s_r = min(b.target + max(1, math.ceil(math.log2(max(n, 2)))), 24)
    r = b.lookup(total, "recip", out_scale=s_r, max_abs=float(n) * 1.05)
    # no rebase of r before the product: its extra bits are the point (e ≤ 2^s, r ≤ 2^s_r)
    return b.emit("mul", [e, r])


def _log_softmax(b, node, ins, opset):
    x = b.tensor(ins[0])
    axis = int(attr(node, "axis", -1 if opset >= 13 else 1)) % len(x.shape)
    d, e, total, n = softmax_parts(b, x, axis)
    logs = b.lookup(total, "log", out_scale=b.target, max_abs=float(n) * 1.05)
    return [b.add(d, logs, "sub")]


RULES = {
    "Relu": _relu,
    "LeakyRelu": _leaky,
    "PRelu": _prelu,
    "Sigmoid": _table("sigmoid"),
    "Tanh": _table("tanh"),
    "Erf": _table("erf"),
    "Exp": _table("exp"),
    "Log": _table("log"),
    "Softplus": _table("softplus"),
    "Softsign": _table("softsign"),
    "Mish": _table("mish"),
    "Elu": _table("elu", alpha=1.0),
    "Celu": _table("celu", alpha=1.0),
    "Selu": _table("selu", alpha=1.6732632423543772, gamma=1.0507009873554805),
    "HardSigmoid": _table("hard_sigmoid", alpha=0.2, beta=0.5),
    "HardSwish": _table("hard_swish"),
    "Sin": _table("sin"),
    "Cos": _table("cos"),
    "Tan": _table("tan"),
    "Atan": _table("atan"),
    "Sinh": _table("sinh"),
    "Cosh": _table("cosh"),
    "Asinh": _table("asinh"),
    "Asin": _table("asin"),
    "Acos": _table("acos"),
    "Acosh": _table("acosh"),
    "Atanh": _table("atanh"),
    "ThresholdedRelu": _table("thresholded_relu", alpha=1.0),
    "Shrink": _table("shrink", lambd=0.5, bias=0.0),
    "Sign": _table("sign"),
    "Round": _table("round"),
    "Floor": _table("floor"),
    "Ceil": _table("ceil"),
    "Gelu": _gelu,
    "Softmax": _softmax,
    "LogSoftmax": _log_softmax,
}
