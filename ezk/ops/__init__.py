"""Core ops of the ezk IR: each module gives a shape rule, a scale rule and the exact integer
evaluation (the witness semantics) of one op, vectorised with numpy.

A value x at scale s is the integer round(x·2^s).  The registry maps an op name to its module;
every module exposes ``infer_shape(in_shapes, node)``, ``infer_scale(in_scales, node)`` and
``evaluate(node, inputs) -> ndarray | (ndarray, aux dict)``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# op name -> module name under ezk.ops
_MODULES = {
    "input": "leaf",
    "const": "leaf",
    "einsum": "einsum",
    "add": "add",
    "sub": "sub",
    "mul": "mul",
    "neg": "neg",
    "sum": "sum",
    "rescale": "rescale",
    "lookup": "lookup",
    "max": "maximum",
    "min": "minimum",
    "reduce_max": "reduce_max",
    "reduce_min": "reduce_min",
    "argmax": "argmax",
    "argmin": "argmin",
    "compare": "compare",
    "where": "where",
    "gather": "gather",
    "scatter": "scatter",
    "index_map": "index_map",
}

CORE_OPS = tuple(_MODULES)
_cache: dict[str, ModuleType] = {}


def op_module(name: str) -> ModuleType:
    """The module implementing core op `name`."""
    mod = _cache.get(name)
    if mod is None:
        if name not in _MODULES:
            raise KeyError(f"unknown core op {name!r}")
        mod = importlib.import_module(f"ezk.ops.{_MODULES[name]}")
        _cache[name] = mod
    return mod
