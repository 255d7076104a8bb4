"""Shared helpers: int64 overflow guards and broadcasting shape rules."""

from __future__ import annotations

import numpy as np

from ezk.errors import WitnessError
from ezk.ops.bounds import COMPARE_BITS, RESCALE_BITS

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


# The circuit proves a ≥ b through a range check of the gap (ezk.layout.ops.compare): every
# comparison it lays out (max, min, compare, and the pairwise trees of reduce_max/min) needs
# |a − b| < 2^COMPARE_BITS (ezk.ops.bounds). Checked before those ops evaluate (their OpSpec,
# ezk.ops.core) so that gen-witness refuses an input the circuit could not prove, naming the
# node, instead of writing an unprovable witness.


def check_compare_gap(node, args: list[np.ndarray]) -> None:
    """Raise a WitnessError when a comparison of ``node`` spans 2^COMPARE_BITS or more (for a
    reduction: max − min over each reduced group, a bound on every pairwise gap of its tree)."""
    if node.op in ("reduce_max", "reduce_min"):
        (x,) = args
        if x.size == 0:
            return
        axes = tuple(sorted(a % x.ndim for a in node.attrs["axes"])) if x.ndim else ()
        gap = max_abs(np.max(x, axis=axes) - np.min(x, axis=axes)) if axes else 0
    else:
        a, b = (np.asarray(v, dtype=np.int64) for v in args[:2])
        gap = max_abs(np.subtract(a, b))  # |a|, |b| < 2^62 (guard), so the difference fits int64
    if gap >= 1 << COMPARE_BITS:
        raise WitnessError(
            f"a comparison in ONNX node {node.onnx_name!r} ({node.onnx_op}) has operands {gap} apart, outside the "
            f"range |a - b| < 2^{COMPARE_BITS} the circuit can prove; use inputs in the calibrated range or a lower input_scale"
        )


# A rescale's output q is range-checked by the circuit, −2^(B−1) ≤ q < 2^(B−1) with B the node's
# ``qbits`` (calibrated) or RESCALE_BITS (ezk.ops.bounds; ezk.layout.ops.rescale: without a bound a
# prover could pick another remainder and a wrapped q); refused here for the same reason as the
# comparison gap.

def check_rescale_output(node, q: np.ndarray) -> None:
    bits = int(node.attrs.get("qbits", RESCALE_BITS))
    bound = 1 << (bits - 1)
    if q.size and (int(q.min()) < -bound or int(q.max()) >= bound):
        bad = int(q.min()) if int(q.min()) < -bound else int(q.max())
        raise WitnessError(
            f"the rescale of ONNX node {node.onnx_name!r} ({node.onnx_op}) produced {bad}, outside the range "
            f"[-2^{bits - 1}, 2^{bits - 1}) the circuit can prove; use inputs in the calibrated range "
            f"or lower the scales"
        )


def broadcast_shape(*shapes) -> tuple[int, ...]:
    try:
        return tuple(int(d) for d in np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError as exc:
        raise ValueError(f"shapes {list(shapes)} do not broadcast") from exc
