"""Normalisations.

LayerNormalization over the trailing n elements, exactly centred in integers:

    S = Σ x,   c = n·x − S = n(x − μ),   q = n·Σx² − S² = n²·var      (exact; Σ c² = n·q)
    r = rsqrt(q + n²ε) = 1/(n·√(var + ε))   (one table, n²ε folded in)
    y = (c · r) · γ + β

The 1/n sits inside the table, whose output scale grows with its input range so that r's
smallest value (at the table's largest input) still carries input_scale bits: the error does not
grow with n. (Multiplying by a constant γ/n afterwards, as before, quantized γ/n at param_scale —
13 % relative error per element at n = 1,024, scale 7 — and Σ c² ~ n³ overflowed int64 for long
rows at high scales; q ~ n² does not.)

RMSNorm (torch's Pow/ReduceMean/Add/Sqrt/Div/Mul chain, matched by ezk.graph.fusion) is one exact
Σx² and one rsqrt table: y = x · rsqrt(Σx²/n + ε).
ONNX's RMSNormalization (opset 23) is the same over the trailing axes, times its scale.

RMSNorm (torch's Pow/ReduceMean/Add/Sqrt/Div/Mul chain, matched by ezk.graph.fusion) is one exact
Σx² and one rsqrt table: y = x · rsqrt(Σx²/n + ε).

BatchNormalization (inference) is the per-channel affine map x·a + b with a = γ/√(var+ε),
b = β − μ·a.  InstanceNormalization is LayerNormalization over the spatial dims per channel."""

from __future__ import annotations

import numpy as np

from ezk.graph.builder import Const
from ezk.graph.lowering._util import attr


def layer_norm(b, x, axes: list[int], gamma, beta, eps: float):
    x = b.rebase(x)
    rank = len(x.shape)
    axes = sorted(a % rank for a in axes)
    n = int(np.prod([x.shape[a] for a in axes]))
    total = b.sum(x, axes, keepdims=True)
    c = b.emit("sub", [b.emit("mul", [x, b.const_int(np.array(n), 0)]), total])
    letters = "abcdefghij"[:rank]
    kept = "".join(ch for i, ch in enumerate(letters) if i not in axes)
    squares = b.emit("einsum", [x, x], {"equation": f"{letters},{letters}->{kept}"})
    squares = b.reshape(squares, total.shape, "unsqueeze")
    q = b.emit("sub", [b.emit("mul", [squares, b.const_int(np.array(n), 0)]), b.emit("mul", [total, total])])
    hi = float(b.ra.lookup_range[1])

    def out_scale(s_in: int) -> int:
        smallest = 1.0 / np.sqrt(hi / 2.0**s_in + n * n * eps)  # r at the table's largest input
        return b.target + max(0, int(np.ceil(-np.log2(smallest))))

    r = b.lookup(q, "rsqrt", pre_add=float(n) * n * eps, out_scale=out_scale)
    y = b.emit("mul", [c, r])  # (x − μ)/√(var + ε) at scale s + out_scale: no rebase of r before it
    if gamma is not None:
        y = b.mul(y, gamma)
    if beta is not None:
        y = b.add(y, beta)
    return y


def rms_norm(b, x, axes: list[int], eps: float):
    """x / √(mean(x²) + ε) over `axes` (keepdims), fused (ezk.graph.fusion):

        q = Σ x²  (exact, one DOT chain per row),   r = rsqrt(q/n + ε)  (one table, 1/n and ε inside),
        y = x · r.

    r's output scale grows with the table's input range so that its smallest value, at the
    table's largest input, still carries input_scale bits: the relative error of r does not
    depend on n or on the size of x."""
    x = b.rebase(x)
    rank = len(x.shape)
    axes = sorted(a % rank for a in axes)
    n = int(np.prod([x.shape[a] for a in axes]))
    letters = "abcdefghij"[:rank]
    kept = "".join(c for i, c in enumerate(letters) if i not in axes)
    q = b.emit("einsum", [x, x], {"equation": f"{letters},{letters}->{kept}"})
    q = b.reshape(q, tuple(1 if i in axes else d for i, d in enumerate(x.shape)), "unsqueeze")
    hi = float(b.ra.lookup_range[1])

    def out_scale(s_in: int) -> int:
        smallest = 1.0 / np.sqrt(hi / 2.0**s_in / n + eps)  # r at the table's largest input
        return b.target + max(0, int(np.ceil(-np.log2(smallest))))

    r = b.lookup(q, "rsqrt", pre_mul=1.0 / n, pre_add=eps, out_scale=out_scale)
    return b.mul(x, r)


def _layer_norm(b, node, ins, opset):
    x = b.tensor(ins[0])
    axis = int(attr(node, "axis", -1)) % len(x.shape)
    axes = list(range(axis, len(x.shape)))
    gamma = ins[1] if len(ins) > 1 else None
    beta = ins[2] if len(ins) > 2 else None
    return [layer_norm(b, x, axes, gamma, beta, float(attr(node, "epsilon", 1e-5)))]


def _instance_norm(b, node, ins, opset):
    x = b.tensor(ins[0])
    nd = len(x.shape) - 2
    shape = (x.shape[1],) + (1,) * nd
    g = Const(np.asarray(ins[1].value).reshape(shape), ins[1].is_param)
    bb = Const(np.asarray(ins[2].value).reshape(shape), ins[2].is_param)
    return [layer_norm(b, x, list(range(2, 2 + nd)), g, bb, float(attr(node, "epsilon", 1e-5)))]


def _batch_norm(b, node, ins, opset):
    x = b.tensor(ins[0])
    gamma, beta, mean, var = (np.asarray(v.value, dtype=np.float64) for v in ins[1:5])
    eps = float(attr(node, "epsilon", 1e-5))
    a = gamma / np.sqrt(var + eps)
    shift = beta - mean * a
    shape = (x.shape[1],) + (1,) * (len(x.shape) - 2)
    y = b.mul(x, Const(a.reshape(shape), True))
    return [b.add(y, Const(shift.reshape(shape), True))]


def _rms_normalization(b, node, ins, opset):
    x = b.tensor(ins[0])
    axis = int(attr(node, "axis", -1)) % len(x.shape)
    y = rms_norm(b, x, list(range(axis, len(x.shape))), float(attr(node, "epsilon", 1e-5)))
    return [b.mul(y, ins[1])]


RULES = {
    "LayerNormalization": _layer_norm,
    "RMSNormalization": _rms_normalization,
    "BatchNormalization": _batch_norm,
    "InstanceNormalization": _instance_norm,
}
