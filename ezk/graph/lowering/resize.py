"""Resize / Upsample with constant scales or sizes.

Every ONNX resize mode (nearest, linear, cubic, with any coordinate transformation) is
separable and linear in the input, so along each resized axis d it is a constant matrix
M_d ∈ ℝ^{out_d × in_d}:  y = x ×_d M_d.  M_d is obtained EXACTLY from ONNX's own reference
implementation, by resizing an identity basis along d alone.  When every row of M_d is one-hot
(nearest modes) the axis is a free index map; otherwise it is one ``einsum`` with the constant
M_d (weights at the exact scale that represents them, else param_scale)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper

from ezk.graph.builder import Const
from ezk.graph.fold import fold_node
from ezk.graph.lowering._util import attr, const_ints, is_const

_LET = "abcdefghijklmnopqrstuvwxy"


def _full_targets(node, ins, opset, rank, in_shape):
    """('scales' | 'sizes', full-rank list) of a Resize/Upsample node."""
    if node.op_type == "Upsample":
        sc = attr(node, "scales") if opset < 9 else None
        if sc is None:
            sc = np.asarray(ins[1].value, dtype=np.float64).reshape(-1)
        return "scales", [float(s) for s in sc]
    if opset < 11:
        return "scales", [float(s) for s in np.asarray(ins[1].value, dtype=np.float64).reshape(-1)]
    scales = ins[2] if len(ins) > 2 else None
    sizes = ins[3] if len(ins) > 3 else None
    axes = attr(node, "axes")
    axes = list(range(rank)) if axes is None else [int(a) % rank for a in axes]
    if sizes is not None and np.asarray(sizes.value).size:
        full = list(in_shape)
        for a, v in zip(axes, const_ints(sizes, "Resize sizes")):
            full[a] = v
        if attr(node, "keep_aspect_ratio_policy", b"stretch") not in (b"stretch", "stretch"):
            raise ValueError("Resize keep_aspect_ratio_policy other than stretch is not supported")
        return "sizes", full
    if scales is None or not np.asarray(scales.value).size:
        raise ValueError("Resize needs scales or sizes")
    full = [1.0] * rank
    for a, v in zip(axes, np.asarray(scales.value, dtype=np.float64).reshape(-1)):
        full[a] = float(v)
    return "scales", full


def axis_matrix(node, opset, kind: str, target, rank: int, d: int, n_in: int) -> np.ndarray:
    """M_d [out, in] from the ONNX reference evaluator on an identity basis along d."""
    e = 0 if d != 0 else 1
    shape = [1] * rank
    shape[d] = n_in
    if rank == 1:
        basis = [np.eye(n_in, dtype=np.float32)[i] for i in range(n_in)]
    else:
        shape[e] = n_in
        basis = [np.eye(n_in, dtype=np.float32).reshape(shape)]  # symmetric: axes e and d
    cols = []
    for x in basis:
        if kind == "scales":
            t = [1.0] * rank
            t[d] = target[d]
            tv = np.asarray(t, dtype=np.float32)
        else:
            t = list(x.shape)
            t[d] = target[d]
            tv = np.asarray(t, dtype=np.int64)
        n = onnx.NodeProto()
        n.CopyFrom(node)
        del n.input[:]
        for a in list(n.attribute):
            if a.name == "axes" or (a.name == "scales" and node.op_type == "Upsample"):
                n.attribute.remove(a)
        if node.op_type == "Upsample" and opset < 9:
            n.attribute.append(helper.make_attribute("scales", [float(v) for v in tv]))
            n.input.extend(["x"])
            vals = [x]
        elif node.op_type == "Upsample" or opset < 11:
            n.input.extend(["x", "s"])
            vals = [x, tv]
        else:
            n.input.extend(["x", "", "s", ""] if kind == "scales" else ["x", "", "", "s"])
            vals = [x, None, tv, None] if kind == "scales" else [x, None, None, tv]
        y = fold_node(n, vals, opset)[0]
        cols.append(y)
    if rank == 1:
        return np.stack([c.reshape(-1) for c in cols], axis=1)  # [out, in]
    y = cols[0]
    y2 = y.reshape(y.shape[min(d, e)], y.shape[max(d, e)])
    return y2.T if e < d else y2  # [out, in]


def _resize(b, node, ins, opset):
    x = ins[0]
    ctm = attr(node, "coordinate_transformation_mode", b"")
    ctm = ctm.decode() if isinstance(ctm, bytes) else ctm
    if ctm == "tf_crop_and_resize":
        raise ValueError("Resize with tf_crop_and_resize is not supported")
    for i, v in enumerate(ins[1:], start=1):
        if v is not None and not is_const(v):
            raise ValueError("Resize scales and sizes must be constant")
    rank = len(x.shape)
    kind, target = _full_targets(node, ins, opset, rank, x.shape)
    if kind == "scales" and ctm == "align_corners":
        # align_corners depends on the output lengths only (⌊in·scale⌋); onnx's reference
        # evaluator uses the unfloored in·scale there, so give it the sizes
        kind, target = "sizes", [int(np.floor(n * s)) for n, s in zip(x.shape, target)]
    out = x if is_const(x) else b.tensor(x)
    for d in range(rank):
        if (kind == "scales" and target[d] == 1.0) or (kind == "sizes" and target[d] == x.shape[d]):
            continue  # every coordinate transformation maps an unscaled axis onto itself
        m = axis_matrix(node, opset, kind, target, rank, d, x.shape[d]).astype(np.float64)
        if m.shape[0] == m.shape[1] and np.allclose(m, np.eye(m.shape[0]), atol=1e-7):
            continue
        hot = np.isclose(m, 1.0, atol=1e-6)
        if np.all(hot.sum(1) == 1) and np.allclose(m[~hot], 0.0, atol=1e-6):
            cols = hot.argmax(1)
            out = b.remap(out, lambda a, cols=cols, d=d: np.take(a, cols, axis=d), "resize")
            continue
        lets = _LET[:rank]
        eq = f"{lets},z{lets[d]}->{lets[:d]}z{lets[d + 1:]}"
        out = b.einsum(eq, out, Const(m))
    return [out]


RULES = {"Resize": _resize, "Upsample": _resize}
