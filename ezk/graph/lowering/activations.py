"""Non-linearities: Relu/LeakyRelu/PRelu as max/min, unary tables (Sigmoid, Tanh, Erf, Exp, Log,
Gelu, Elu, …) as lookups, and Softmax / LogSoftmax as composites over a shifted exp
(``stable_exp``, also used by ReduceLogSumExp): softmax(x) = softmax(x − c) for any c per row, and
c only keeps exp's input in range. Two forms:

* with the maximum (the default): m = max_j x_j, d = max(x − m, −C), e = exp(d), S = Σ_j e_j,
  y = e · recip(S). d ≤ 0 and exp(−C)·2^s_out < ½ with C = (s_out + 1)·ln 2, so the clamp changes
  nothing yet bounds the exp table; S ∈ [1, n] bounds the reciprocal's table too. Where
  calibration found every row's span small (``…:noclamp``), the clamp goes and the exp table
  (calibrated, ending at d = 0) bounds d itself.
* with a constant, where calibration found it safe (``calibrate.choose_softmax_shifts``): the
  row maxima of the calibration data lie in [c − σ, c]; d = x − c costs no row. Rows whose
  maximum sinks up to D = margin·σ + ln 2 below c, or rises up to U = (margin − 1)·σ + ln 2
  above it, keep the precision of the first form: e gets ⌈D/ln 2⌉ extra bits (its largest
  entry stays ≥ 2^s_out) and S ∈ [e^−D, n·e^U] sizes the reciprocal's (or log's) table. Beyond
  those bounds the exp and reciprocal tables end (``lo_cap``/``hi_cap``), so such an input is a
  WitnessError, never a silently wrong result."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ezk.graph.builder import Const

MAX_LIMB_BITS = 18  # ezk.layout.tables.MAX_LIMB_BITS (the front end does not import the layout)
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


SHIFT_KEYS = (":c16", ":d16", ":u16")  # calibrated c, D, U of a constant shift (·2^16, rounded)


@dataclass
class StableExp:
    d: object  # x − shift
    e: object  # exp(d)
    total: object  # Σ e over the axes (keepdims)
    n: int  # elements summed
    shift: object  # the max tensor, or the constant c (float)
    s_max: float  # S ≤ s_max and S ≥ s_min (in exp's units)
    s_min: float


def stable_exp(b, x, axes: list[int]) -> StableExp:
    """exp(x − shift) and its sum over ``axes`` (module docstring: max or calibrated constant)."""
    key = f"{b.ctx_name}:softmax"
    b.softmax_sources[key] = (x.id, list(axes))
    n = int(np.prod([x.shape[a] for a in axes]))
    s_out = b.target
    cal = [b.lookup_scales.get(key + k) for k in SHIFT_KEYS]
    if all(v is not None for v in cal):
        c, D, U = (v / 2.0**16 for v in cal)
        s_e = s_out + max(0, math.ceil(D / math.log(2.0)))
        d = b.emit("sub", [x, b.const_int(np.array(int(round(c * 2.0**x.scale))), x.scale)])
        e = b.lookup(d, "exp", out_scale=s_e, hi_cap=U)
        total = b.sum(e, axes, keepdims=True)
        return StableExp(d, e, total, n, c, float(n) * math.exp(U) * 1.05, math.exp(-D))
    m = b.emit("reduce_max", [x], {"axes": list(axes), "keepdims": True})
    d = b.emit("sub", [x, m])
    if b.lookup_scales.get(key + ":noclamp"):  # calibrated: every row spans little, d ≤ 0
        e = b.lookup(d, "exp", out_scale=s_out, hi_cap=0.0)
        return StableExp(d, e, b.sum(e, axes, keepdims=True), n, m, float(n) * 1.05, 1.0)
    c = (s_out + 1) * math.log(2.0) + 0.5
    d = b.emit("max", [d, b.const_int(np.array(-int(math.ceil(c * 2.0**d.scale))), d.scale)])
    e = b.lookup(d, "exp", out_scale=s_out, max_abs=c)
    total = b.sum(e, axes, keepdims=True)
    return StableExp(d, e, total, n, m, float(n) * 1.05, 1.0)


def softmax_parts(b, x, axis: int):
    """(d, e, S, n) of a numerically stable softmax over `axis` (keepdims)."""
    st = stable_exp(b, x, [axis])
    return st.d, st.e, st.total, st.n


def _softmax(b, node, ins, opset):
    x = b.tensor(ins[0])
    axis = int(attr(node, "axis", -1 if opset >= 13 else 1)) % len(x.shape)
    if opset < 13 and axis != len(x.shape) - 1:
        # opset < 13 flattens from `axis`: softmax over all trailing dims
        n = int(np.prod(x.shape[axis:]))
        flat = b.reshape(x, x.shape[:axis] + (n,))
        return [b.reshape(_softmax_last(b, flat, len(flat.shape) - 1), x.shape)]
    return [_softmax_last(b, x, axis)]


def _sum_lookup(b, st: StableExp, fn: str, out_scale: int):
    """fn(S) through a table sized by S's bounds; S below s_min/2 is a WitnessError."""
    lo_cap = st.s_min / 2 if st.s_min < 1.0 else None
    return b.lookup(st.total, fn, out_scale=out_scale, max_abs=st.s_max, lo_cap=lo_cap)


def _softmax_last(b, x, axis):
    st = stable_exp(b, x, [axis])
    # r's extra bits: ⌈log2 n⌉ (r ≥ 1/n), fewer when the product's rescale would need a remainder
    # wider than the widest range limb (MAX_LIMB_BITS: two limbs cost twice the rows)
    s_e = st.e.scale
    s_r = min(b.target + max(1, math.ceil(math.log2(max(st.n, 2)))), 24, MAX_LIMB_BITS + b.target - s_e)
    r = _sum_lookup(b, st, "recip", s_r)
    # no rebase of r before the product: its extra bits are the point (e ≤ 2^s, r ≤ 2^s_r)
    return b.emit("mul", [st.e, r])


def _log_softmax(b, node, ins, opset):
    x = b.tensor(ins[0])
    axis = int(attr(node, "axis", -1 if opset >= 13 else 1)) % len(x.shape)
    st = stable_exp(b, x, [axis])
    logs = _sum_lookup(b, st, "log", b.target)
    return [b.add(st.d, logs, "sub")]


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
