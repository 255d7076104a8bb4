"""Normalisations.

LayerNormalization over the trailing n elements, exactly centred in integers:

    S = Σ x,   c = n·x − S = n(x − μ),   q = Σ c² = n³·var
    r = rsqrt(q/n³ + ε)  (one lookup, the 1/n³ and ε folded into the table)
    y = c · r · (γ/n) + β

BatchNormalization (inference) is the per-channel affine map x·a + b with a = γ/√(var+ε),
b = β − μ·a.  InstanceNormalization is LayerNormalization over the spatial dims per channel."""

from __future__ import annotations

import numpy as np

from ezk.graph.builder import Const
from ezk.graph.lowering._util import attr


def layer_norm(b, x, axes: list[int], gamma, beta, eps: float):
    x = b.rebase(x)
    n = int(np.prod([x.shape[a] for a in axes]))
    total = b.sum(x, axes, keepdims=True)
    c = b.emit("sub", [b.emit("mul", [x, b.const_int(np.array(n), 0)]), total])
    q = b.sum(b.emit("mul", [c, c]), axes, keepdims=True)
    r = b.lookup(q, "rsqrt", pre_mul=1.0 / float(n) ** 3, pre_add=eps)
    y = b.mul(c, r)
    if gamma is not None:
        g = gamma.value if isinstance(gamma, Const) else None
        if g is not None:
            y = b.mul(y, Const(np.asarray(g, dtype=np.float64) / n, gamma.is_param))
        else:
            y = b.mul(b.mul(y, Const(np.array(1.0 / n))), gamma)
    else:
        y = b.mul(y, Const(np.array(1.0 / n)))
    if beta is not None:
        y = b.add(y, beta)
    return y


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


RULES = {
    "LayerNormalization": _layer_norm,
    "BatchNormalization": _batch_norm,
    "InstanceNormalization": _instance_norm,
}
