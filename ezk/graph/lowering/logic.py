"""Boolean and integer ops on scale-0 tensors, as polynomial identities over {0, 1} or exact
integer compositions of the core ops:

    Not a = 1 − a,   And = a·b,   Or = a + b − a·b,   Xor = a + b − 2·a·b

Mod and integer Div by a constant integer c are tables over the (range-checked) integer input:
``mod`` (sign of the divisor, fmod=0), ``fmod`` (sign of the dividend) and ``int_div``
(truncation toward zero, as onnxruntime's C semantics).  BitShift by a constant n is a product
with 2^n (left) or ⌊x / 2^n⌋ = rescale(x − 2^(n−1), n) (right; rescale rounds half up)."""

from __future__ import annotations

import numpy as np

from ezk.graph.builder import Const
from ezk.graph.lowering._util import attr, const_ints, is_const


def as_bool(b, v):
    """A scale-0 tensor of 0/1 values for a boolean operand."""
    if is_const(v):
        return b.const_int(np.asarray(v.value).astype(bool).astype(np.int64), 0)
    if v.scale != 0:
        raise ValueError("a boolean operand must be a boolean tensor (scale 0)")
    return v


def logic_not(b, a):
    return b.emit("sub", [b.const_int(np.array(1), 0), a])


def _not(b, node, ins, opset):
    return [logic_not(b, as_bool(b, ins[0]))]


def _and(b, node, ins, opset):
    return [b.emit("mul", [as_bool(b, ins[0]), as_bool(b, ins[1])])]


def _or_xor(xor: bool):
    def rule(b, node, ins, opset):
        x, y = as_bool(b, ins[0]), as_bool(b, ins[1])
        s = b.emit("add", [x, y])
        p = b.emit("mul", [x, y])
        if xor:
            p = b.emit("mul", [p, b.const_int(np.array(2), 0)])
        return [b.emit("sub", [s, p])]

    return rule


def int_tensor(b, v):
    """A scale-0 integer tensor for v (a tensor at a positive scale is rounded)."""
    if is_const(v):
        return b.const_int(np.asarray(v.value).astype(np.int64), 0)
    return b.rescale_to(v, 0) if v.scale > 0 else v


def floor_pow2(b, x, k: int):
    """⌊x / 2^k⌋ for a scale-0 tensor: the integer x read at scale k (a product with the
    constant 1 at scale k: free, an affine reference), then rescale(x − 2^(k−1), k), which
    rounds half up and lands at scale 0 (rescaling x at scale 0 would land at scale −k)."""
    if k == 0:
        return x
    at_k = b.emit("mul", [x, b.const_int(np.array(1), k)])
    shifted = b.emit("sub", [at_k, b.const_int(np.array(1 << (k - 1)), k)])
    return b.emit("rescale", [shifted], {"shift": k})


def _int_divisor(c, what: str) -> int:
    vals = np.asarray(c.value, dtype=np.float64).reshape(-1) if is_const(c) else None
    if vals is None or len(set(vals.tolist())) != 1:
        raise ValueError(f"{what} needs one constant divisor")
    cv = vals[0]
    if cv != int(cv) or cv == 0:
        raise ValueError(f"{what} needs a non-zero integer divisor")
    return int(cv)


def _mod(b, node, ins, opset):
    x, c = ins
    cv = _int_divisor(c, "Mod")
    fmod = int(attr(node, "fmod", 0))
    if not is_const(x) and x.scale != 0 and not fmod:
        raise ValueError("Mod of a non-integer tensor needs fmod=1")
    if not is_const(x) and x.scale != 0:
        # fmod of a fixed-point tensor: x − c·trunc(x/c), with the quotient from a table
        q = b.lookup(x, "int_div", {"divisor": float(cv)}, out_scale=0)
        prod = b.mul(q, Const(np.array(float(cv))))
        return [b.add(x, prod, "sub")]
    fn = "fmod" if fmod else "mod"
    return [b.lookup(int_tensor(b, x), fn, {"divisor": float(cv)}, out_scale=0)]


def int_div(b, x, c):
    """ONNX Div of integers by a constant integer: truncation toward zero, through a table."""
    cv = _int_divisor(c, "integer Div")
    return b.lookup(int_tensor(b, x), "int_div", {"divisor": float(cv)}, out_scale=0)


def _bitshift(b, node, ins, opset):
    x, n = ins
    direction = attr(node, "direction", b"")
    direction = direction.decode() if isinstance(direction, bytes) else direction
    shifts = const_ints(n, "BitShift amount")
    if len(set(shifts)) != 1:
        raise ValueError("BitShift needs one constant shift amount")
    s = shifts[0]
    x = int_tensor(b, x)
    if direction == "LEFT":
        return [b.emit("mul", [x, b.const_int(np.array(1 << s), 0)])]
    return [floor_pow2(b, x, s)]


RULES = {
    "Not": _not,
    "And": _and,
    "Or": _or_xor(False),
    "Xor": _or_xor(True),
    "Mod": _mod,
    "BitShift": _bitshift,
}
