"""einsum: Σ over the contracted indices of Π operands (MatMul, Gemm, batched products, Conv
after an im2col index map).  attrs: ``equation`` (explicit, with '->').  Scale: Σ of operand
scales.  Exactness: |out| ≤ Π max|operand| · (number of summed terms); when that bound is below
2^53 the product is computed in float64 (exact, BLAS-fast), else in int64 after checking the bound
stays below 2^62, else the evaluation fails loudly."""

from __future__ import annotations

import math

import numpy as np

from ezk.ops._checks import guard, max_abs

FLOAT_EXACT = 2**53


def _parse(equation: str):
    lhs, out = equation.split("->")
    return lhs.split(","), out


def infer_shape(in_shapes, node):
    terms, out = _parse(node.attrs["equation"])
    if len(terms) != len(in_shapes):
        raise ValueError("einsum: operand count does not match the equation")
    dims: dict[str, int] = {}
    for term, shape in zip(terms, in_shapes):
        if len(term) != len(shape):
            raise ValueError(f"einsum: term {term} does not match shape {shape}")
        for c, d in zip(term, shape):
            if dims.setdefault(c, d) != d:
                raise ValueError(f"einsum: index {c} has sizes {dims[c]} and {d}")
    return tuple(dims[c] for c in out)


def infer_scale(in_scales, node):
    return int(sum(in_scales))


def contraction_size(node, in_shapes) -> int:
    terms, out = _parse(node.attrs["equation"])
    dims = {c: d for term, shape in zip(terms, in_shapes) for c, d in zip(term, shape)}
    return math.prod(d for c, d in dims.items() if c not in out)


def evaluate(node, inputs):
    eq = node.attrs["equation"]
    k = contraction_size(node, [x.shape for x in inputs])
    bound = max(k, 1)
    for x in inputs:
        bound *= max_abs(x)
    if bound < FLOAT_EXACT:
        out = np.einsum(eq, *[x.astype(np.float64) for x in inputs], optimize=True)
        return np.rint(out).astype(np.int64)
    guard(bound, node, "a product")
    return np.einsum(eq, *inputs, optimize=False).astype(np.int64)
