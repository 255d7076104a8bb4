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
from ezk.ops import spec
from ezk.ops.bounds import COMPARE_BITS, leaf_bits
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


# An infinite constant — the −inf of a causal mask added before a softmax — becomes ±2^46: every
# comparison still proves its gap with any in-range value (gaps < 2^COMPARE_BITS = 2^48), so the
# softmax's max/clamp see it as −∞ and exp gives exactly 0, as for −inf in floats. float32's
# extreme values (torch.finfo(float32).min masks) count as infinite too.
SATURATED = 1 << (COMPARE_BITS - 2)
_INFINITE = 1e38


def quantize(x: np.ndarray, scale: int) -> np.ndarray:
    """round_half_up(x·2^scale) as int64 (saturating far outside any useful range); ±∞ → ±SATURATED."""
    v = np.asarray(x, dtype=np.float64)
    y = np.floor(v * 2.0**scale + 0.5)
    y = np.clip(y, -(2.0**62), 2.0**62)
    infinite = np.abs(v) >= _INFINITE
    if infinite.any():
        y = np.where(infinite, np.sign(v) * float(SATURATED), y)
    return y.astype(np.int64)


class Builder:
    def __init__(self, run_args: RunArgs, lookup_scales: dict[str, int] | None = None):
        self.ra = run_args
        self.nodes: list[Node] = []
        self.lookup_scales = dict(lookup_scales or {})
        self.bound = run_args.scale_rebase_multiplier * max(run_args.input_scale, run_args.param_scale)
        self.chain_bound = 2 * self.bound + run_args.param_scale
        self.target = run_args.input_scale
        self.ctx_name = ""
        self.ctx_op = ""
        self._lookup_counter = 0
        self._rescale_counter = 0
        self._rebased: dict[int, Tensor] = {}
        # calibration needs, per lookup key, the tensor measured before the pre-rescale, and per
        # softmax-like key the tensor (and axes) whose maximum keeps exp in range
        self.lookup_sources: dict[str, int] = {}
        self.softmax_sources: dict[str, tuple[int, list[int]]] = {}

    # ---- context ----------------------------------------------------------------
    def enter(self, onnx_name: str, onnx_op: str) -> None:
        self.ctx_name, self.ctx_op = onnx_name, onnx_op
        self._lookup_counter = 0
        self._rescale_counter = 0

    # ---- node creation ----------------------------------------------------------
    def emit(self, op: str, inputs: list[Tensor], attrs: dict | None = None, arrays: dict | None = None,
             shape=None, scale=None) -> Tensor:
        node = Node(id=len(self.nodes), op=op, inputs=[t.id for t in inputs], attrs=attrs or {},
                    shape=tuple(shape or ()), scale=0 if scale is None else int(scale),
                    onnx_name=self.ctx_name, onnx_op=self.ctx_op, arrays=arrays or {})
        rules = spec(op)
        node.shape = tuple(int(d) for d in rules.infer_shape([t.shape for t in inputs], node))
        node.scale = int(rules.infer_scale([t.scale for t in inputs], node))
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
            key = f"{self.ctx_name}#r{self._rescale_counter}:rescale"
            self._rescale_counter += 1
            attrs = {"shift": t.scale - scale, "key": key}
            if key in self.lookup_scales:  # calibrated bound on the quotient (ezk.layout.ops.rescale)
                attrs["qbits"] = int(self.lookup_scales[key])
            return self.emit("rescale", [t], attrs)
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
    def is_fixed(self, v) -> bool:
        """A constant the circuit knows (not a private parameter): multiplying by it costs no row."""
        private = self.ra.param_visibility == "private"
        if isinstance(v, Const):
            return not (v.is_param and private)
        node = self.nodes[v.id]
        return node.op == "const" and node.attrs.get("visibility", "fixed") != "private"

    def mul(self, a, b) -> Tensor:
        ta, tb = self.tensor(a), self.tensor(b)
        fa, fb = self.is_fixed(ta), self.is_fixed(tb)
        if fa != fb and ta.scale + tb.scale <= self.chain_bound:
            return self.emit("mul", [ta, tb])  # rebased once, after the chain (module docstring)
        return self.emit("mul", [self.rebase(ta), self.rebase(tb)])

    def add(self, a, b, op: str = "add") -> Tensor:
        a, b = self.align(a, b)
        return self.emit(op, [a, b])

    def einsum(self, equation: str, *operands) -> Tensor:
        ts = [self.rebase(self.tensor(v)) for v in operands]
        return self.emit("einsum", ts, {"equation": equation})

    def sum(self, t: Tensor, axes, keepdims=True) -> Tensor:
        return self.emit("sum", [t], {"axes": [int(a) for a in axes], "keepdims": bool(keepdims)})

    def lookup(self, t: Tensor, fn: str, params: dict | None = None, out_scale=None,
               pre_mul: float = 1.0, pre_add: float = 0.0, max_abs: float | None = None,
               lo_cap: float | None = None, hi_cap: float | None = None) -> Tensor:
        """y = round(f(pre_mul·x + pre_add)·2^out_scale) through a table over lookup_range.

        The input is first rescaled to the lookup's input scale: from ``max_abs`` when the
        caller knows a bound on |x|, else from calibration (``lookup_scales[key]``), else
        min(scale, input_scale).  ``out_scale``: an int, a function of the input scale, or None
        (input_scale). ``lo_cap``/``hi_cap`` (in x's units) narrow the table to the inputs where
        the caller's result is still accurate: others are a WitnessError."""
        key = f"{self.ctx_name}#{self._lookup_counter}:{fn}"
        self._lookup_counter += 1
        t, alpha, beta = self._fold_scalar_affine(t)  # the caller's input = alpha·t + beta
        pre_add, pre_mul = pre_add + pre_mul * beta, pre_mul * alpha
        if alpha < 0:
            lo_cap, hi_cap = hi_cap, lo_cap
        lo_cap = None if lo_cap is None else (lo_cap - beta) / alpha
        hi_cap = None if hi_cap is None else (hi_cap - beta) / alpha
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
        out_scale = self.target if out_scale is None else out_scale(x.scale) if callable(out_scale) else out_scale
        if lo_cap is not None:
            lo = min(max(lo, math.ceil(lo_cap * 2.0**x.scale)), hi)
        if hi_cap is not None:
            hi = max(min(hi, math.floor(hi_cap * 2.0**x.scale)), lo)
        attrs = {"fn": fn, "params": dict(params or {}), "in_scale": x.scale, "out_scale": int(out_scale),
                 "pre_mul": float(pre_mul), "pre_add": float(pre_add), "range": [lo, hi], "key": key}
        return self.emit("lookup", [x], attrs)

    def _fold_scalar_affine(self, t: Tensor) -> tuple[Tensor, float, float]:
        """(a, α, β) with t = α·a + β, through products with and sums of fixed scalars: a lookup
        of t becomes a lookup of a with α, β folded into pre_mul / pre_add (the table maps a's
        scale to the output anyway, and a's rescale is usually smaller: c·a sits c's scale higher)."""
        alpha, beta = 1.0, 0.0
        while True:
            node = self.nodes[t.id]
            if node.op not in ("mul", "add", "sub") or len(node.inputs) != 2:
                return t, alpha, beta
            a, c = (self.nodes[i] for i in node.inputs)
            if node.op == "mul" and self._scalar(a) is not None:
                a, c = c, a
            v = self._scalar(c)
            if v is None or self._scalar(a) is not None or (node.op == "mul" and v == 0) \
                    or (node.op == "sub" and node.inputs[0] != a.id):
                return t, alpha, beta
            val = v / 2.0**c.scale
            if node.op == "mul":
                alpha *= val
            else:
                beta += alpha * (val if node.op == "add" else -val)
            t = Tensor(a.id, a.shape, a.scale)

    def _scalar(self, node) -> int | None:
        """The value of a fixed constant node with one element (else None)."""
        if node.op != "const" or node.attrs.get("visibility", "fixed") == "private" or node.size != 1:
            return None
        return int(np.asarray(node.arrays["value"]).reshape(-1)[0])

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
