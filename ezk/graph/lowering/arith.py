"""Elementwise arithmetic: Add, Sub, Mul, Div, Neg, Pow, Sqrt, Reciprocal, Abs, Max, Min, Sum,
Mean, comparisons, Where, Cast, Clip.

Div by a constant is a product with its reciprocal (quantized at param_scale); Div by a tensor is
a product with a ``recip`` lookup; Pow by a small integer is repeated products.

Pow with a tensor exponent (x^y, both tensors) is exp(y·ln x): a ``log`` table whose input
range is [0, hi] — so the circuit itself refuses a negative base, and a base that quantizes to 0
is read as half its least step — one product y·ln x and an ``exp`` table at the calibrated scale.
Supported: bases x ≥ 0 (x below the log table's step, 2^-s_in, is taken as 2^-(s_in+1)), and
y·ln x within the exp table's calibrated range (values beyond saturate as every table does).
Its error is |y|·2^-(s+1) in the exponent plus the exp table's step, i.e. relative
≈ (|y| + 1)·2^-s; a negative base is one sentence at gen-witness (the table has no row for it).
Integer exponents by repeated squaring would need a bound on y and a rescale per squaring:
dearer than the two tables, and no more exact in fixed point."""

from __future__ import annotations

import numpy as np

from ezk.graph.builder import Const, Tensor
from ezk.graph.lowering._util import attr, const_float, is_const


def _add(b, node, ins, opset):
    return [b.add(ins[0], ins[1])]


def _sub(b, node, ins, opset):
    return [b.add(ins[0], ins[1], "sub")]


def _mul(b, node, ins, opset):
    return [b.mul(ins[0], ins[1])]


def _div(b, node, ins, opset):
    x, y = ins
    if is_const(y) and np.asarray(y.value).dtype.kind in "iu" and not is_const(x):
        from ezk.graph.lowering.logic import int_div

        return [int_div(b, x, y)]  # ONNX Div of integers truncates toward zero
    if is_const(y):
        with np.errstate(divide="ignore"):
            r = np.where(y.value == 0, 0.0, 1.0 / np.asarray(y.value, dtype=np.float64))
        return [b.mul(x, Const(r, y.is_param))]
    if is_const(x):
        x = b.tensor(x)
    return [b.mul(x, b.lookup(y, "recip"))]


def _neg(b, node, ins, opset):
    return [b.emit("neg", [ins[0]])]


POW_DOMAIN = ("with a tensor exponent ezk proves x^y = exp(y·ln x), which needs a base x ≥ 0 "
              "(a negative base has no row in the log table)")


def _pow_tensors(b, x: Tensor, e: Tensor) -> Tensor:
    """x^y = exp(y·ln x) elementwise (module docstring)."""
    lx = b.lookup(x, "log_floor")
    node = b.nodes[lx.id]
    node.attrs["range"] = [0, int(b.ra.lookup_range[1])]
    node.attrs["params"] = {"floor": 2.0 ** -(node.attrs["in_scale"] + 1)}
    node.attrs["domain"] = POW_DOMAIN
    return b.lookup(b.mul(e, lx), "exp")


def _pow(b, node, ins, opset):
    x, e = ins
    if not is_const(x) and not is_const(e):
        return [_pow_tensors(b, b.tensor(x), b.tensor(e))]
    if is_const(x) and not is_const(e):
        base = const_float(x, "Pow base")
        if base <= 0:
            raise ValueError("Pow with a tensor exponent needs a positive constant base")
        return [b.lookup(e, "exp_base", {"base": base})]
    p = const_float(e, "Pow exponent")
    if p == int(p) and 1 <= p <= 4:
        out = x
        for _ in range(int(p) - 1):
            out = b.mul(out, x)
        return [out]
    if p == 0.5:
        return [b.lookup(x, "sqrt")]
    if p == -1:
        return [b.lookup(x, "recip")]
    if p == -0.5:
        return [b.lookup(x, "rsqrt")]
    return [b.lookup(x, "pow", {"exponent": p})]


def _unary_lookup(fn):
    def rule(b, node, ins, opset):
        return [b.lookup(ins[0], fn)]

    return rule


def _abs(b, node, ins, opset):
    x = ins[0]
    return [b.emit("max", [x, b.emit("neg", [x])])]


def _variadic(op):
    def rule(b, node, ins, opset):
        out = ins[0]
        for v in ins[1:]:
            if op in ("max", "min"):
                out = b.emit(op, b.align(out, v))
            else:
                out = b.add(out, v)
        if isinstance(out, Const):
            out = b.tensor(out)
        if node.op_type == "Mean":
            out = b.mul(out, Const(np.array(1.0 / len(ins))))
        return [out]

    return rule


def _compare(kind, swap=False):
    def rule(b, node, ins, opset):
        x, y = (ins[1], ins[0]) if swap else (ins[0], ins[1])
        return [b.emit("compare", b.align(x, y), {"kind": kind})]

    return rule


def _where(b, node, ins, opset):
    c, x, y = ins
    if is_const(c):
        cond = np.asarray(c.value).astype(bool)
        x, y = b.align(x, y)
        shape = np.broadcast_shapes(cond.shape, x.shape, y.shape)
        ix = np.broadcast_to(np.arange(x.size).reshape(x.shape), shape)
        iy = np.broadcast_to(np.arange(y.size).reshape(y.shape) + x.size, shape)
        return [b.index_map([x, y], np.where(np.broadcast_to(cond, shape), ix, iy), "where")]
    if c.scale != 0:
        raise ValueError("Where condition must be boolean")
    x, y = b.align(x, y)
    return [b.emit("where", [c, x, y])]


def trunc_to_int(b, x: Tensor) -> Tensor:
    """trunc(x) toward zero for a fixed-point tensor x = X/2^s (s ≥ 1), exactly, from core ops:

        n = [X < 0],   trunc(X/2^s) = ⌊(X + n·(2^s − 1)) / 2^s⌋ = rescale(X + n·(2^s − 1) − 2^(s−1), s)

    (⌊·⌋ for X ≥ 0, ⌈·⌉ = ⌊(X + 2^s − 1)/2^s⌋ for X < 0; rescale rounds half up, so subtracting
    half a step first makes it a floor).  Every step is a constrained core op (compare, product
    with a constant, sums, a rescale whose remainder is range-checked): no table, so no rounding
    of x to a coarser lookup scale first."""
    s = x.scale
    neg = b.emit("compare", [x, b.const_int(np.array(0), s)], {"kind": "lt"})
    lift = b.emit("mul", [neg, b.const_int(np.array((1 << s) - 1), s)])
    y = b.emit("sub", [b.emit("add", [x, lift]), b.const_int(np.array(1 << (s - 1)), s)])
    return b.rescale_to(y, 0)


def _cast(b, node, ins, opset):
    x = ins[0]
    to = np.dtype(__import__("onnx").helper.tensor_dtype_to_np_dtype(attr(node, "to")))
    if isinstance(x, Const):  # numpy's astype truncates toward zero, as ONNX
        return [Const(np.asarray(x.value).astype(to), x.is_param)]
    if to.kind in "iu" and x.scale > 0:
        return [trunc_to_int(b, x)]  # ONNX Cast float→int truncates toward zero
    if to.kind in "iu" and x.scale < 0:
        return [b.rescale_to(x, 0)]  # an integer at a coarser grid: exact
    if to.kind == "b":
        raise ValueError("Cast of a tensor to bool is not supported")
    return [x]


def _clip(b, node, ins, opset):
    x = ins[0]
    if opset >= 11 and any(isinstance(v, Tensor) for v in ins[1:3]):
        # bounds computed by the model: max then min at one common scale
        lo = ins[1] if len(ins) > 1 else None
        hi = ins[2] if len(ins) > 2 else None
        if lo is not None:
            x = b.emit("max", b.align(x, lo))
        if hi is not None:
            x = b.emit("min", b.align(x, hi))
        return [x]
    lo = attr(node, "min") if opset < 11 else (const_float(ins[1], "Clip min") if len(ins) > 1 and ins[1] is not None else None)
    hi = attr(node, "max") if opset < 11 else (const_float(ins[2], "Clip max") if len(ins) > 2 and ins[2] is not None else None)
    if lo is not None:
        x = b.emit("max", [x, b.quant(Const(np.array(lo)), x.scale)])
    if hi is not None:
        x = b.emit("min", [x, b.quant(Const(np.array(hi)), x.scale)])
    return [x]


RULES = {
    "Add": _add,
    "Sub": _sub,
    "Mul": _mul,
    "Div": _div,
    "Neg": _neg,
    "Pow": _pow,
    "Sqrt": _unary_lookup("sqrt"),
    "Reciprocal": _unary_lookup("recip"),
    "Abs": _abs,
    "Max": _variadic("max"),
    "Min": _variadic("min"),
    "Sum": _variadic("add"),
    "Mean": _variadic("add"),
    "Less": _compare("lt"),
    "LessOrEqual": _compare("le"),
    "Greater": _compare("gt"),
    "GreaterOrEqual": _compare("ge"),
    "Equal": _compare("eq"),
    "Where": _where,
    "Cast": _cast,
    "Clip": _clip,
}
