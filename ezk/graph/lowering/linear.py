"""Linear ops as einsum: MatMul (with numpy batch broadcasting and 1-D operands), Gemm
(transposes folded into the equation, α into the constant operand, βC added), Einsum, and Conv
(N-d, strides, dilations, pads, groups) as an im2col index map followed by

    y[n, g, o, X] = Σ_{c, K} patches[n, g, c, X, K] · w[g, o, c, K]."""

from __future__ import annotations

import numpy as np

from ezk.graph.builder import Const, Tensor
from ezk.graph.lowering._util import attr, is_const
from ezk.graph.windows import conv_pads, window_index

_LET = "abcdefghijklmnopqrstuvwxyz"


def _drop_ones(b, v, keep_dims: list[int]):
    """Reshape v to keep only `keep_dims` (the dropped ones are broadcast size-1 dims)."""
    shape = tuple(v.shape[i] for i in keep_dims)
    return v if len(shape) == len(v.shape) else b.reshape(v, shape, "squeeze")


def matmul(b, x, y):
    xs, ys = list(x.shape), list(y.shape)
    x1, y1 = len(xs) == 1, len(ys) == 1
    if x1:
        xs = [1] + xs
        x = b.reshape(x, xs)
    if y1:
        ys = ys + [1]
        y = b.reshape(y, ys)
    bx, by = xs[:-2], ys[:-2]
    bout = list(np.broadcast_shapes(tuple(bx), tuple(by)))
    nb = len(bout)
    letters = _LET[:nb]
    m, k, n = "x", "y", "z"

    def term(v, bshape):
        off = nb - len(bshape)
        keep, t = [], ""
        for i, d in enumerate(bshape):
            if d == bout[off + i]:
                keep.append(i)
                t += letters[off + i]
        keep += [len(bshape), len(bshape) + 1]
        return _drop_ones(b, v, keep), t

    x, tx = term(x, bx)
    y, ty = term(y, by)
    out = b.einsum(f"{tx}{m}{k},{ty}{k}{n}->{letters}{m}{n}", x, y)
    shape = bout + ([] if x1 else [xs[-2]]) + ([] if y1 else [ys[-1]])
    return b.reshape(out, shape)


def _matmul(b, node, ins, opset):
    return [matmul(b, ins[0], ins[1])]


def _gemm(b, node, ins, opset):
    a, w = ins[0], ins[1]
    c = ins[2] if len(ins) > 2 else None
    alpha, beta = float(attr(node, "alpha", 1.0)), float(attr(node, "beta", 1.0))
    ta, tb = int(attr(node, "transA", 0)), int(attr(node, "transB", 0))
    if alpha != 1.0:
        if is_const(w):
            w = Const(np.asarray(w.value, dtype=np.float64) * alpha, w.is_param)
        elif is_const(a):
            a = Const(np.asarray(a.value, dtype=np.float64) * alpha, a.is_param)
        else:
            a = b.mul(a, Const(np.array(alpha)))
    eq = ("km" if ta else "mk") + "," + ("nk" if tb else "kn") + "->mn"
    out = b.einsum(eq, a, w)
    if c is not None and beta != 0.0:
        if is_const(c):
            c = Const(np.asarray(c.value, dtype=np.float64) * beta, c.is_param)
        elif beta != 1.0:
            c = b.mul(c, Const(np.array(beta)))
        out = b.add(out, c)
    return [out]


def _einsum(b, node, ins, opset):
    eq = attr(node, "equation")
    eq = (eq.decode() if isinstance(eq, bytes) else eq).replace(" ", "")
    if "->" not in eq or "." in eq:
        raise ValueError("Einsum needs an explicit output and no ellipsis")
    return [b.einsum(eq, *ins)]


def conv_nd(b, x: Tensor, w: Const, bias, strides, dilations, pads, group: int):
    n, cin = x.shape[0], x.shape[1]
    spatial = tuple(x.shape[2:])
    cout, cg = w.shape[0], w.shape[1]
    kernel = tuple(w.shape[2:])
    win, out_sp = window_index(spatial, kernel, strides, dilations, pads, channels=n * cin)  # [*O, *K]
    nd = len(spatial)
    sp = int(np.prod(spatial))
    chan = np.arange(cin).reshape(group, cg)
    base = (np.arange(n)[:, None, None] * cin + chan[None]) * sp  # [N, G, Cg]
    base = base.reshape(base.shape + (1,) * (2 * nd))
    idx = np.where(win[None, None, None] < 0, -1, base + win[None, None, None])
    patches = b.index_map([x], idx, "im2col")
    og = cout // group
    wq = Const(np.asarray(w.value).reshape((group, og, cg) + kernel), w.is_param)
    X, K = "pqr"[:nd], "uvw"[:nd]
    y = b.einsum(f"ngc{X}{K},goc{K}->ngo{X}", patches, wq)
    y = b.reshape(y, (n, cout) + tuple(out_sp))
    if bias is not None:
        if is_const(bias):
            bias = Const(np.asarray(bias.value).reshape((cout,) + (1,) * nd), bias.is_param)
        else:
            bias = b.reshape(bias, (cout,) + (1,) * nd)
        y = b.add(y, bias)
    return y


def _conv(b, node, ins, opset):
    x, w = ins[0], ins[1]
    bias = ins[2] if len(ins) > 2 else None
    if not is_const(w):
        raise ValueError("Conv weights must be constant")
    x = b.tensor(x)
    nd = len(x.shape) - 2
    kernel = tuple(w.shape[2:])
    strides = list(attr(node, "strides", [1] * nd))
    dil = list(attr(node, "dilations", [1] * nd))
    pads = conv_pads(node, tuple(x.shape[2:]), kernel, strides, dil)
    return [conv_nd(b, x, w, bias, strides, dil, pads, int(attr(node, "group", 1)))]


RULES = {"MatMul": _matmul, "Gemm": _gemm, "Einsum": _einsum, "Conv": _conv}
