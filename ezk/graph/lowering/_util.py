"""Small helpers shared by the lowering rules."""

from __future__ import annotations

import numpy as np
import onnx

from ezk.graph.builder import Const, Tensor


def attr(node: onnx.NodeProto, name: str, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def const_ints(v, what: str) -> list[int]:
    if v is None:
        return None
    if not isinstance(v, Const):
        raise ValueError(f"{what} must be a constant")
    return [int(x) for x in np.asarray(v.value).reshape(-1)]


def const_float(v, what: str) -> float:
    if not isinstance(v, Const) or np.asarray(v.value).size != 1:
        raise ValueError(f"{what} must be a constant scalar")
    return float(np.asarray(v.value).reshape(-1)[0])


def shape_of(v) -> tuple[int, ...]:
    return tuple(v.shape)


def is_const(v) -> bool:
    return isinstance(v, Const)


def is_tensor(v) -> bool:
    return isinstance(v, Tensor)


def reduce_axes(node, ins, opset: int, rank: int, attr_until: int = 18):
    """Axes of a Reduce* node: attribute before `attr_until`, input from then on (None = all)."""
    axes = attr(node, "axes")
    if axes is None and len(ins) > 1 and ins[1] is not None:
        axes = const_ints(ins[1], "reduce axes")
    if not axes:
        if attr(node, "noop_with_empty_axes", 0):
            return []
        return list(range(rank))
    return [int(a) % rank for a in axes]
