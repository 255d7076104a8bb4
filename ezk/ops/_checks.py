"""Shared helpers: int64 overflow guards and broadcasting shape rules."""

from __future__ import annotations

import numpy as np

from ezk.errors import WitnessError

# Leave one bit of headroom below 2^63 so sums of two in-range values cannot wrap either.
INT64_SAFE = 2**62


def max_abs(a: np.ndarray) -> int:
    """max |a| as a Python int (0 for an empty array)."""
    if a.size == 0:
        return 0
    return max(abs(int(a.max())), abs(int(a.min())))


def guard(bound: int, node, what: str) -> None:
    """Fail loudly (never wrap) when a result could leave the int64 range."""
    if bound >= INT64_SAFE:
        raise WitnessError(
            f"{what} in ONNX node {node.onnx_name!r} ({node.onnx_op}) could overflow 64-bit integers "
            f"(bound 2^{bound.bit_length()}); lower input_scale/param_scale"
        )


def broadcast_shape(*shapes) -> tuple[int, ...]:
    try:
        return tuple(int(d) for d in np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError as exc:
        raise ValueError(f"shapes {list(shapes)} do not broadcast") from exc
