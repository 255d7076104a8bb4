"""The closed set of core ops and the one interface each exposes to the rest of ezk.

``CoreOp`` lists every op the IR may hold; a ``str`` enum, so ``node.op`` stays a plain string
("add", "rescale" …) and the compiled-circuit format is unchanged. ``spec(op)`` is the op's
:class:`OpSpec`, built from its module under ``ezk.ops``:

* ``infer_shape(in_shapes, node)`` and ``infer_scale(in_scales, node)``: the output's shape and
  scale (the builder calls them for every node it emits);
* ``evaluate(node, inputs, check=True) -> (output, aux)``: the exact int64 output and the
  auxiliary tensors the layout also assigns (a rescale's ``remainder``; ``{}`` for most ops).
  With ``check`` it first refuses, as a WitnessError naming the ONNX node, a witness the circuit
  could not prove: a comparison gap ≥ 2^COMPARE_BITS, a lookup input outside its table, a private
  parameter outside its leaf bound, a rescale output outside its range check (ezk.ops.bounds).

The layout half of the interface (the gadget, and whether it reads affine references) lives one
layer up, in ``ezk.layout.ops.LAYOUTS`` keyed by the same enum: ezk.ops sits below the layout
and does not import it. Both tables are checked complete when they are imported."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable

import numpy as np

from ezk.ops import (add, argmax, argmin, compare, einsum, gather, index_map, leaf, lookup, maximum, minimum, mul,
                     neg, reduce_max, reduce_min, rescale, scatter, sub, sum as sum_, where)
from ezk.ops._checks import check_compare_gap, check_rescale_output
from ezk.ops.bounds import check_leaf


class CoreOp(str, Enum):
    """Every op of the ezk IR (its value is the name written in ``node.op`` and in files)."""

    INPUT = "input"
    CONST = "const"
    EINSUM = "einsum"
    ADD = "add"
    SUB = "sub"
    MUL = "mul"
    NEG = "neg"
    SUM = "sum"
    RESCALE = "rescale"
    LOOKUP = "lookup"
    MAX = "max"
    MIN = "min"
    REDUCE_MAX = "reduce_max"
    REDUCE_MIN = "reduce_min"
    ARGMAX = "argmax"
    ARGMIN = "argmin"
    COMPARE = "compare"
    WHERE = "where"
    GATHER = "gather"
    SCATTER = "scatter"
    INDEX_MAP = "index_map"

    def __str__(self) -> str:  # "add", not "CoreOp.ADD", in messages (Python 3.10's Enum)
        return self.value

    __format__ = str.__format__


NAMES = frozenset(op.value for op in CoreOp)

Evaluate = Callable[..., tuple[np.ndarray, dict]]


@dataclass(frozen=True)
class OpSpec:
    """Shape, scale and exact evaluation of one core op (see the module docstring)."""

    op: CoreOp
    infer_shape: Callable
    infer_scale: Callable
    evaluate: Evaluate


def _normalised(raw, before=None, after=None, takes_check: bool = False) -> Evaluate:
    """``raw(node, inputs)`` (returning an array or (array, aux)) as ``evaluate(node, inputs,
    check=True) -> (int64 array, aux)`` with the op's witness checks around it."""

    def evaluate(node, inputs, check: bool = True):
        if check and before is not None:
            before(node, inputs)
        out = raw(node, inputs, check=check) if takes_check else raw(node, inputs)
        out, aux = out if isinstance(out, tuple) else (out, {})
        out = np.asarray(out, dtype=np.int64)
        if check and after is not None:
            after(node, out)
        return out, aux

    return evaluate


def _leaf_evaluate(node, inputs):
    if node.op == CoreOp.INPUT:
        raise RuntimeError("inputs are supplied by the forward pass, not evaluated")
    return leaf.evaluate(node, inputs)


def _private_param(node, out):
    check_leaf(node, out, f"the private parameter of ONNX node {node.onnx_name!r} ({node.onnx_op})")


def _spec(op: CoreOp, module, **checks) -> OpSpec:
    def raw(node, inputs, **kw):  # looked up per call: tests stand in a cheating prover's evaluate
        return module.evaluate(node, inputs, **kw)

    return OpSpec(op, module.infer_shape, module.infer_scale, _normalised(raw, **checks))


_SPECS: dict[CoreOp, OpSpec] = {s.op: s for s in (
    OpSpec(CoreOp.INPUT, leaf.infer_shape, leaf.infer_scale, _normalised(_leaf_evaluate)),
    OpSpec(CoreOp.CONST, leaf.infer_shape, leaf.infer_scale, _normalised(_leaf_evaluate, after=_private_param)),
    _spec(CoreOp.EINSUM, einsum),
    _spec(CoreOp.ADD, add),
    _spec(CoreOp.SUB, sub),
    _spec(CoreOp.MUL, mul),
    _spec(CoreOp.NEG, neg),
    _spec(CoreOp.SUM, sum_),
    _spec(CoreOp.RESCALE, rescale, after=check_rescale_output),
    _spec(CoreOp.LOOKUP, lookup, takes_check=True),
    _spec(CoreOp.MAX, maximum, before=check_compare_gap),
    _spec(CoreOp.MIN, minimum, before=check_compare_gap),
    _spec(CoreOp.REDUCE_MAX, reduce_max, before=check_compare_gap),
    _spec(CoreOp.REDUCE_MIN, reduce_min, before=check_compare_gap),
    _spec(CoreOp.ARGMAX, argmax),
    _spec(CoreOp.ARGMIN, argmin),
    _spec(CoreOp.COMPARE, compare, before=check_compare_gap),
    _spec(CoreOp.WHERE, where),
    _spec(CoreOp.GATHER, gather),
    _spec(CoreOp.SCATTER, scatter),
    _spec(CoreOp.INDEX_MAP, index_map),
)}

_missing = [op.value for op in CoreOp if op not in _SPECS]
if _missing:
    raise ImportError(f"ezk.ops.core: the core ops {_missing} have no OpSpec (see the checklist in ezk.ops)")


def spec(op: str) -> OpSpec:
    """The interface of core op ``op`` (a CoreOp or its name); KeyError for any other name."""
    try:
        return _SPECS[CoreOp(op)]
    except ValueError:
        raise KeyError(f"unknown core op {op!r}") from None
