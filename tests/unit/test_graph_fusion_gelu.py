"""torch's exact GELU export (x · 0.5 · (1 + erf(x/√2)), ezk/graph/fusion.py) is one gelu table:
no erf table, no product of two advice tensors, and an error against onnxruntime as small as
ONNX's own Gelu op gets. The chain is left alone when one of its links is read elsewhere."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ezk.calibrate import evaluate_candidate
from ezk.graph.fusion import find_fusions
from ezk.graph.onnx_import import load_onnx
from ezk.reference import run_reference
from ezk.settings import RunArgs


def _const(name: str, v: float):
    return numpy_helper.from_array(np.array(v, np.float32), name)


def _gelu_nodes(form: str) -> list:
    if form == "torch":  # Div → Erf → Add → Mul(x, ·) → Mul(·, 0.5)
        return [helper.make_node("Div", ["x", "sqrt2"], ["d"]), helper.make_node("Erf", ["d"], ["e"]),
                helper.make_node("Add", ["e", "one"], ["a"]), helper.make_node("Mul", ["x", "a"], ["m"]),
                helper.make_node("Mul", ["m", "half"], ["y"])]
    if form == "mul_first":  # Mul(x, 1/√2), Add(1, e), Mul(a, x), Mul(0.5, m)
        return [helper.make_node("Mul", ["rsqrt2", "x"], ["d"]), helper.make_node("Erf", ["d"], ["e"]),
                helper.make_node("Add", ["one", "e"], ["a"]), helper.make_node("Mul", ["a", "x"], ["m"]),
                helper.make_node("Mul", ["half", "m"], ["y"])]
    # half_x: Mul(Mul(x, 0.5), 1 + erf)
    return [helper.make_node("Div", ["x", "sqrt2"], ["d"]), helper.make_node("Erf", ["d"], ["e"]),
            helper.make_node("Add", ["e", "one"], ["a"]), helper.make_node("Mul", ["x", "half"], ["h"]),
            helper.make_node("Mul", ["h", "a"], ["y"])]


def _model(tmp_path, nodes, extra_out=()):
    inits = [_const("sqrt2", np.sqrt(2.0)), _const("rsqrt2", 1 / np.sqrt(2.0)), _const("one", 1.0), _const("half", 0.5)]
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("y", *extra_out)]
    g = helper.make_graph(nodes, "gelu", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 20])], outs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    path = tmp_path / "gelu.onnx"
    onnx.save(m, str(path))
    return path


@pytest.mark.parametrize("form", ["torch", "mul_first", "half_x"])
def test_torch_gelu_is_one_gelu_table(tmp_path, form):
    path = _model(tmp_path, _gelu_nodes(form))
    fused, absorbed = find_fusions(onnx.load(str(path)).graph)
    assert len(fused) == 1 and len(absorbed) == 4
    x = (2 * np.random.default_rng(5).normal(size=(3, 20))).astype(np.float32)
    om = load_onnx(path)
    cand = evaluate_candidate(om, RunArgs(input_scale=13, param_scale=13), [[x]], [run_reference(om, [x])], 2.0)
    assert not cand.failure, cand.failure
    g = cand.graph
    assert [n.attrs["fn"] for n in g.nodes if n.op == "lookup"] == ["gelu"]
    assert not [n for n in g.nodes if n.op == "mul"]
    assert cand.worst < 1e-3


def test_a_gelu_chain_read_elsewhere_is_not_fused(tmp_path):
    path = _model(tmp_path, _gelu_nodes("torch"), extra_out=("e",))
    assert find_fusions(onnx.load(str(path)).graph) == ({}, set())
