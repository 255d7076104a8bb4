"""lookup(fn): a unary non-linearity as a table over an integer input range.

attrs: ``fn``, ``params`` (floats for fn), ``in_scale`` s_in, ``out_scale`` s_out, ``pre_mul`` a,
``pre_add`` b, ``range`` [lo, hi] (the table's input rows) and ``key`` (the calibration key).
For every integer x in [lo, hi] the table row is

    T(x) = ⌊ f(a·x/2^s_in + b) · 2^s_out + ½ ⌋

An input outside [lo, hi] cannot be proven, so evaluation raises a WitnessError naming the ONNX
node and the range (the forward pass can switch this check off while calibrating). A table of a
function defined on part of the line only (``attrs["domain"]``: why) has a narrower range, and
an input below it is that reason in one sentence."""

from __future__ import annotations

import numpy as np

from ezk.errors import WitnessError
from ezk.ops.lookup_fns import apply

# |table value| bound: keeps every later product comfortably inside int64.
MAX_TABLE_VALUE = 2**40


def infer_shape(in_shapes, node):
    return tuple(in_shapes[0])


def infer_scale(in_scales, node):
    if in_scales[0] != node.attrs["in_scale"]:
        raise ValueError("lookup input scale does not match its in_scale")
    return int(node.attrs["out_scale"])


def table_values(attrs: dict, x: np.ndarray) -> np.ndarray:
    """T(x) for integer inputs x (the whole table when x = arange(lo, hi + 1))."""
    xf = np.asarray(x, dtype=np.float64) * (attrs.get("pre_mul", 1.0) / 2.0 ** attrs["in_scale"]) + attrs.get("pre_add", 0.0)
    y = apply(attrs["fn"], xf, attrs.get("params", {})) * 2.0 ** attrs["out_scale"]
    y = np.clip(np.floor(y + 0.5), -MAX_TABLE_VALUE, MAX_TABLE_VALUE)
    return y.astype(np.int64)


def check_range(node, x: np.ndarray) -> None:
    lo, hi = node.attrs["range"]
    if x.size and (int(x.min()) < lo or int(x.max()) > hi):
        bad = int(x.min()) if int(x.min()) < lo else int(x.max())
        if "domain" in node.attrs and bad < lo:  # the table covers only the function's domain
            raise WitnessError(f"{node.onnx_op} in ONNX node {node.onnx_name!r} got an input below {lo} "
                               f"({bad} at scale {node.attrs['in_scale']}): {node.attrs['domain']}")
        raise WitnessError(
            f"the {node.attrs['fn']} lookup of ONNX node {node.onnx_name!r} ({node.onnx_op}) got input {bad}, "
            f"outside the lookup range [{lo}, {hi}]; recalibrate with representative data or a larger lookup range"
        )


def evaluate(node, inputs, check: bool = True):
    (x,) = inputs
    if check:
        check_range(node, x)
    return table_values(node.attrs, x)
