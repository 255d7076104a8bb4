"""Constant folding: an ONNX node whose inputs are all constants is evaluated once, at import,
with onnx's reference evaluator (exact ONNX semantics for every op type and opset)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ezk.errors import UnsupportedOpError


def fold_node(node: onnx.NodeProto, values: list, opset: int) -> list[np.ndarray]:
    from onnx.reference import ReferenceEvaluator

    names = [f"in{i}" if n else "" for i, n in enumerate(node.input)]
    inits = [numpy_helper.from_array(np.asarray(v), nm) for nm, v in zip(names, values) if nm and v is not None]
    outs = [f"out{i}" for i in range(len(node.output))]
    n = helper.make_node(node.op_type, names, outs, domain=node.domain)
    n.attribute.extend(node.attribute)
    g = helper.make_graph([n], "fold", [], [helper.make_value_info(o, onnx.TypeProto()) for o in outs], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    try:
        res = ReferenceEvaluator(m).run(None, {})
    except Exception as exc:
        raise UnsupportedOpError(
            f"cannot fold constant ONNX node {node.name!r} ({node.op_type}, opset {opset}): {type(exc).__name__}"
        ) from None
    return [np.asarray(r) for r in res]
