"""Core ops of the ezk IR: each module gives a shape rule, a scale rule and the exact integer
evaluation (the witness semantics) of one op, vectorised with numpy.

A value x at scale s is the integer round(x·2^s). The set of core ops is closed:
``ezk.ops.core.CoreOp`` lists them, ``spec(op)`` gives each one's interface (``infer_shape``,
``infer_scale``, ``evaluate(node, inputs, check) -> (output, aux)``) and
``ezk.layout.ops.LAYOUTS[op]`` its layout. A graph whose node holds any other op is refused
when it is built or loaded (``ezk.graph.ir.check_core_ops``).

Adding a core op ``foo`` (each step is caught by a test or an import check until done):

1. ``ezk/ops/foo.py``: ``infer_shape(in_shapes, node)``, ``infer_scale(in_scales, node)``,
   ``evaluate(node, inputs)`` returning the int64 output, or (output, aux dict) when the
   layout needs more cells (a rescale's remainder). Guard int64 overflow (``_checks.guard``);
   a bound the circuit proves goes in ``bounds.py`` and is checked in the spec (below).
2. ``ezk/ops/core.py``: ``FOO = "foo"`` in ``CoreOp`` and its ``OpSpec`` in ``_SPECS`` (with
   ``before=``/``after=`` witness checks if the gadget range-checks something). Importing
   ezk.ops fails while the enum and the specs disagree.
3. ``ezk/layout/ops/<gadget>.py``: the gadget ``foo(ctx, node, inputs) -> Cells``, every advice
   cell constrained; its entry in ``ezk/layout/ops/__init__.py`` ``LAYOUTS`` (and
   ``AFFINE_INPUTS`` if it reads affine references itself). Importing ezk.layout fails while an
   op has no layout.
4. Tests that fail until done: ``tests/unit/test_core_ops.py`` (every CoreOp has a spec and a
   layout; the per-op harness: a case in ``tests/unit/op_cases.py`` — small random inputs →
   forward → layout → the mock passes → every assigned advice cell, changed, is rejected) and
   ``tests/unit/test_ops_integer_semantics.py`` (its evaluation against numpy). Write the
   gadget's attack test first
   (``tests/unit/test_layout_*.py``: the forgery its soundness argument is about, named by the
   mock; ``tests/e2e``: the same forgery proven does not verify).
5. The lowering that emits it (``ezk/graph/lowering/*``, through ``builder.emit``) and the
   every-op lowering test (``tests/unit/test_lowering_every_op.py``) for the ONNX ops it serves.
"""

from __future__ import annotations

from ezk.ops.core import CoreOp, OpSpec, spec

__all__ = ["CoreOp", "OpSpec", "spec"]
