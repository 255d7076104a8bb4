"""TopK as k rounds of (reduce_max, argmax) with the chosen element masked out:

    v_i = max_j x⁽ⁱ⁾_j,   a_i = argmax_j x⁽ⁱ⁾_j  (first index on ties, as ONNX orders them),
    x⁽ⁱ⁺¹⁾ = where(j = a_i, low, x⁽ⁱ⁾)  with low = min_j x_j − 1,

so the outputs are sorted (largest first; smallest first with min/argmin and high = max + 1).
The values and indices of the k rounds are concatenated along the axis (free index maps)."""

from __future__ import annotations

import numpy as np

from ezk.graph.lowering._util import attr, const_ints
from ezk.ops.index_map import concat_index


def _concat(b, parts, axis):
    if len(parts) == 1:
        return parts[0]
    return b.index_map(parts, concat_index([t.shape for t in parts], axis), "concat")


def top_k(b, x, k: int, axis: int, largest: bool):
    n = x.shape[axis]
    if not 1 <= k <= n:
        raise ValueError(f"TopK k={k} is outside [1, {n}]")
    red, arg, other = ("reduce_max", "argmax", "reduce_min") if largest else ("reduce_min", "argmin", "reduce_max")
    ar = np.arange(n, dtype=np.int64).reshape([n if i == axis else 1 for i in range(len(x.shape))])
    fill = None
    vals, inds = [], []
    cur = x
    for i in range(k):
        vals.append(b.emit(red, [cur], {"axes": [axis], "keepdims": True}))
        a = b.emit(arg, [cur], {"axis": axis, "keepdims": True})
        inds.append(a)
        if i + 1 < k:
            if fill is None:
                ext = b.emit(other, [x], {"axes": [axis], "keepdims": True})
                one = b.const_int(np.array(1), x.scale)
                fill = b.emit("sub" if largest else "add", [ext, one])
            hit = b.emit("compare", [a, b.const_int(ar, 0)], {"kind": "eq"})
            cur = b.emit("where", [hit, fill, cur])
    return _concat(b, vals, axis), _concat(b, inds, axis)


def _topk(b, node, ins, opset):
    x = b.tensor(ins[0])
    k = int(attr(node, "k")) if opset < 10 else const_ints(ins[1], "TopK k")[0]
    axis = int(attr(node, "axis", -1)) % len(x.shape)
    v, i = top_k(b, x, k, axis, bool(attr(node, "largest", 1)))
    return [v, i]


RULES = {"TopK": _topk}
