"""Lowering of the chains ezk.graph.fusion matches: RMSNorm (ezk.graph.lowering.norm.rms_norm)
SiLU (one ``silu`` table) and GELU (one ``gelu`` table)."""

from __future__ import annotations

import numpy as np

from ezk.errors import UnsupportedOpError
from ezk.graph.builder import Const
from ezk.graph.lowering.norm import rms_norm


def lower_fusion(b, fusion, env, name: str):
    """The value of a fused chain's last node (ezk.graph.fusion.Fusion)."""
    x = env.get(fusion.x)
    if x is None:
        raise UnsupportedOpError(f"ONNX node {name!r} reads tensor {fusion.x!r}, which no earlier node produces")
    if fusion.kind == "silu":
        if isinstance(x, Const):
            v = np.asarray(x.value, dtype=np.float64)
            return Const(v / (1.0 + np.exp(-v)), x.is_param)
        return b.lookup(x, "silu")
    if fusion.kind == "gelu":
        if isinstance(x, Const):
            from ezk.ops.lookup_fns import apply

            return Const(apply("gelu", np.asarray(x.value, dtype=np.float64), {"approximate": "none"}), x.is_param)
        return b.lookup(x, "gelu", {"approximate": "none"})
    if fusion.axes is not None:
        axes = list(fusion.axes)
    else:
        ax = env.get(fusion.axes_input)
        if not isinstance(ax, Const):
            raise UnsupportedOpError(f"ONNX node {name!r}: the ReduceMean axes of this RMSNorm must be constant")
        axes = [int(a) for a in np.asarray(ax.value).reshape(-1)]
    rank = len(x.shape)
    axes = [a % rank for a in axes]
    if isinstance(x, Const):
        v = np.asarray(x.value, dtype=np.float64)
        return Const(v / np.sqrt(np.mean(v * v, axis=tuple(axes), keepdims=True) + fusion.eps), x.is_param)
    return rms_norm(b, x, axes, fusion.eps)
