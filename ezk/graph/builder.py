"""Builder: emits quantized core-op nodes while ONNX nodes are lowered.

Values flowing through lowering are either :class:`Const` (a float/int numpy array still
unquantized, with whether it came from the model's weights) or :class:`Tensor` (an IR tensor
with a shape and a scale).  Quantization rules (value = round(x·2^s)):

* inputs at ``input_scale`` (integer ONNX inputs at scale 0); weights that multiply at
  ``param_scale`` — or the smallest scale that represents them exactly (0.5 → scale 1);
  constants that are added are quantized at the scale of what they are added to;
* products add scales; an operand whose scale exceeds ``multiplier × max(input_scale,
  param_scale)`` is rescaled to ``input_scale`` before it enters a product (and outputs too);
* a lookup first rescales its input to the lookup's own input scale, chosen by calibration
  (``lookup_scales``) so that the input fits the table range, or derived from a known bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ezk.graph.ir import Node
from ezk.ops import op_module
from ezk.ops.bounds import leaf_bits
from ezk.settings import RunArgs


@dataclass(frozen=True)
class Tensor:
    id: int
    shape: tuple[int, ...]
    scale: int

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass
class Const:
    value: np.ndarray
    is_param: bool = False

    @property
    def shape(self):
        return tuple(self.value.shape)


def quantize(x: np.ndarray, scale: int) -> np.ndarray:
    """round_half_up(x·2^scale) as int64 (saturating far outside any useful range)."""
    y = np.floor(np.asarray(x, dtype=np.float64) * 2.0**scale + 0.5)
    return np.clip(y, -(2.0**62), 2.0**62).astype(np.int64)


class Builder:
    def __init__(self, run_args: RunArgs, lookup_scales: dict[str, int] | None = None):
        self.ra = run_args
        self.nodes: list[Node] = []
        self.lookup_scales = dict(lookup_scales or {})
        self.bound = run_args.scale_rebase_multiplier * max(run_args.input_scale, run_args.param_scale)
        self.target = run_args.input_scale
        self.ctx_name = ""
        self.ctx_op = ""
        self._lookup_counter = 0
        self._rebased: dict[int, Tensor] = {}
        # calibration needs, per lookup key, the tensor measured before the pre-rescale
        self.lookup_sources: dict[str, int] = {}

    # ---- context ----------------------------------------------------------------
    def enter(self, onnx_name: str, onnx_op: str) -> None:
        self.ctx_name, self.ctx_op = onnx_name, onnx_op
        self._lookup_counter = 0

    # ---- node creation ----------------------------------------------------------
    def emit(self, op: str, inputs: list[Tensor], attrs: dict | None = None, arrays: dict | None = None,
             shape=None, scale=None) -> Tensor:
        node = Node(id=len(self.nodes), op=op, inputs=[t.id for t in inputs], attrs=attrs or {},
                    shape=tuple(shape or ()), scale=0 if scale is None else int(scale),
                    onnx_name=self.ctx_name, onnx_op=self.ctx_op, arrays=arrays or {})
        mod = op_module(op)
        node.shape = tuple(int(d) for d in mod.infer_shape([t.shape for t in inputs], node))
        node.scale = int(mod.infer_scale([t.scale for t in inputs], node))
        self.nodes.append(node)
        return Tensor(node.id, node.shape, node.scale)

    def input(self, index: int, shape, scale: int, name: str) -> Tensor:
        saved = (self.ctx_name, self.ctx_op)
        self.enter(name, "input")
        t = self.emit("input", [], {"index": index, "visibility": self.ra.input_visibility,
                                    "bound_bits": leaf_bits(scale, self.ra.lookup_range)}, shape=shape, scale=scale)
        self.ctx_name, self.ctx_op = saved
        return t

    def const_int(self, value: np.ndarray, scale: int, param: bool = False) -> Tensor:
        vis = self.ra.param_visibility if param else "fixed"
        attrs = {"visibility": vis}
        if vis != "fixed":  # advice cells (private or hashed): range-checked like an input (ezk.ops.bounds)
            attrs["bound_bits"] = leaf_bits(scale, self.ra.lookup_range)
        return self.emit("const", [], attrs, {"value": np.asarray(value, dtype=np.int64)}, scale=scale)

    def quant(self, c: Const, scale: int) -> Tensor:
        return self.const_int(quantize(c.value, scale), scale, c.is_param)

    def exact_scale(self, c: Const) -> int:
        """Smallest scale ≤ param_scale representing every value of c exactly, else param_scale."""
        v = np.asarray(c.value, dtype=np.float64)
        for s in range(0, self.ra.param_scale + 1):
            y = v * 2.0**s
            if np.all(np.abs(y - np.round(y)) <= 1e-9 * np.maximum(1.0, np.abs(y))):
                return s
        return self.ra.param_scale

    def tensor(self, v, scale: int | None = None) -> Tensor:
        """A Tensor for v; a Const is quantized at `scale` (default: its exact/param scale)."""
        if isinstance(v, Tensor):
            return v
        return self.quant(v, self.exact_scale(v) if scale is None else scale)

    # ---- scales -----------------------------------------------------------------
    def rescale_to(self, t: Tensor, scale: int) -> Tensor:
        if t.scale > scale:
            return self.emit("rescale", [t], {"shift": t.scale - scale})
        if t.scale < scale:
            k = self.const_int(np.array(1 << (scale - t.scale)), scale - t.scale)
            return self.emit("mul", [t, k])
        return t

    def rebase(self, t: Tensor) -> Tensor:
        """Bring t back to input_scale when its scale exceeds the rebase bound (cached)."""
        if t.scale <= self.bound:
            return t
        if t.id not in self._rebased:
            self._rebased[t.id] = self.rescale_to(t, self.target)
        return self._rebased[t.id]

    def align(self, *vals) -> list[Tensor]:
        """Tensors at one common scale (the largest tensor scale); Consts quantized at it."""
        scales = [v.scale for v in vals if isinstance(v, Tensor)]
        s = max(scales) if scales else self.target
        return [self.rescale_to(v, s) if isinstance(v, Tensor) else self.quant(v, s) for v in vals]

    # ---- arithmetic helpers -----------------------------------------------------
    def mul(self, a, b) -> Tensor:
        a = self.rebase(self.tensor(a))
        b = self.rebase(self.tensor(b))
        return self.emit("mul", [a, b])

    def add(self, a, b, op: str = "add") -> Tensor:
        a, b = self.align(a, b)
        return self.emit(op, [a, b])

    def einsum(self, equation: str, *operands) -> Tensor:
        ts = [self.rebase(self.tensor(v)) for v in operands]
        return self.emit("einsum", ts, {"equation": equation})

    def sum(self, t: Tensor, axes, keepdims=True) -> Tensor:
        return self.emit("sum", [t], {"axes": [int(a) for a in axes], "keepdims": bool(keepdims)})

    def lookup(self, t: Tensor, fn: str, params: dict | None = None, out_scale: int | None = None,
               pre_mul: float = 1.0, pre_add: float = 0.0, max_abs: float | None = None) -> Tensor:
        """y = round(f(pre_mul·x + pre_add)·2^out_scale) through a table over lookup_range.

        The input is first rescaled to the lookup's input scale: from ``max_abs`` when the
        caller knows a bound on |x|, else from calibration (``lookup_scales[key]``), else
        min(scale, input_scale)."""
        key = f"{self.ctx_name}#{self._lookup_counter}:{fn}"
        self._lookup_counter += 1
        self.lookup_sources[key] = t.id
        lo, hi = self.ra.lookup_range
        if max_abs is not None:
            s_l = math.floor(math.log2(min(-lo, hi) / max(max_abs, 2.0**-30)))
        elif key in self.lookup_scales:
            s_l = self.lookup_scales[key]
        else:
            s_l = min(t.scale, self.ra.input_scale)
        s_l = min(s_l, t.scale)
        x = self.rescale_to(t, s_l)
        out_scale = self.target if out_scale is None else out_scale
        attrs = {"fn": fn, "params": dict(params or {}), "in_scale": x.scale, "out_scale": int(out_scale),
                 "pre_mul": float(pre_mul), "pre_add": float(pre_add), "range": [lo, hi], "key": key}
        return self.emit("lookup", [x], attrs)

    # ---- index maps -------------------------------------------------------------
    def index_map(self, inputs: list[Tensor], index: np.ndarray, kind: str, fill: int = 0) -> Tensor:
        return self.emit("index_map", list(inputs), {"kind": kind, "fill": int(fill)},
                         {"index": np.asarray(index, dtype=np.int64)})

    def remap(self, v, fn, kind: str):
        """Apply a pure re-indexing numpy function to a Const (directly) or a Tensor (as an index map)."""
        if isinstance(v, Const):
            return Const(np.asarray(fn(v.value)), v.is_param)
        idx = np.asarray(fn(np.arange(v.size, dtype=np.int64).reshape(v.shape)))
        if idx.shape == v.shape and np.array_equal(idx.reshape(-1), np.arange(v.size)):
            return v
        return self.index_map([v], idx, kind)

    def reshape(self, v, shape, kind="reshape"):
        return self.remap(v, lambda a: a.reshape(tuple(int(d) for d in shape)), kind)

    def const_like_tensor(self, v, scale: int) -> Tensor:
        return v if isinstance(v, Tensor) else self.quant(v, scale)
