"""Lowering of what Llama exports need. Fused chains: RMSNorm (one exact Σx², one rsqrt table; its error does not grow with the
normalised dimension) and SiLU (one table); ReduceMean's 1/n is fine enough for any n; −inf
mask constants."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ezk.calibrate import evaluate_candidate
from ezk.graph.builder import SATURATED, quantize
from ezk.graph.fusion import find_fusions
from ezk.graph.lower import lower_model
from ezk.graph.onnx_import import load_onnx
from ezk.reference import run_reference
from ezk.settings import RunArgs

EPS = 1e-5


def _chain(form: str) -> list:
    """RMSNorm of x into "y" in one of the forms exporters write."""
    sq = helper.make_node("Mul", ["x", "x"], ["sq"]) if form == "mul_square" else \
        helper.make_node("Pow", ["x", "two"], ["sq"])
    nodes = [sq, helper.make_node("ReduceMean", ["sq"], ["ms"], axes=[-1], keepdims=1),
             helper.make_node("Add", ["eps", "ms"] if form == "eps_first" else ["ms", "eps"], ["a"])]
    if form in ("torch", "mul_square", "eps_first"):
        nodes += [helper.make_node("Sqrt", ["a"], ["s"]), helper.make_node("Div", ["one", "s"], ["r"]),
                  helper.make_node("Mul", ["x", "r"], ["n"])]
    elif form == "reciprocal":
        nodes += [helper.make_node("Sqrt", ["a"], ["s"]), helper.make_node("Reciprocal", ["s"], ["r"]),
                  helper.make_node("Mul", ["r", "x"], ["n"])]
    elif form == "pow_half":
        nodes += [helper.make_node("Pow", ["a", "mhalf"], ["r"]), helper.make_node("Mul", ["x", "r"], ["n"])]
    elif form == "div_sqrt":
        nodes += [helper.make_node("Sqrt", ["a"], ["s"]), helper.make_node("Div", ["x", "s"], ["n"])]
    return nodes + [helper.make_node("Mul", ["n", "w"], ["y"])]


def _model(tmp_path, nodes, n: int, T: int = 4, extra_outputs=()):
    consts = {"two": 2.0, "eps": EPS, "one": 1.0, "mhalf": -0.5}
    inits = [numpy_helper.from_array(np.array(v, np.float32), k) for k, v in consts.items()]
    inits.append(numpy_helper.from_array((1 + 0.1 * np.random.default_rng(n).normal(size=n)).astype(np.float32), "w"))
    outs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in ("y", *extra_outputs)]
    g = helper.make_graph(nodes, "rms", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, T, n])], outs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    p = tmp_path / f"rms_{n}.onnx"
    onnx.save(m, str(p))
    return p


def _rel_error(path, x, scale=13) -> tuple[float, object]:
    """Worst error / max|ref| of the calibrated integer forward pass at `scale`."""
    om = load_onnx(path)
    ref = run_reference(om, [x])
    cand = evaluate_candidate(om, RunArgs(input_scale=scale, param_scale=scale), [[x]], [ref], 2.0)
    assert not cand.failure, cand.failure
    return cand.worst, cand.graph


@pytest.mark.parametrize("form", ["torch", "mul_square", "eps_first", "reciprocal", "pow_half", "div_sqrt"])
def test_rms_norm_forms_are_fused_into_one_rsqrt_table(tmp_path, form):
    path = _model(tmp_path, _chain(form), 24)
    fused, absorbed = find_fusions(onnx.load(str(path)).graph)
    assert len(fused) == 1 and len(absorbed) == (4 if form in ("pow_half", "div_sqrt") else 5)
    x = np.random.default_rng(1).normal(size=(1, 4, 24)).astype(np.float32)
    err, g = _rel_error(path, x)
    fns = [n.attrs["fn"] for n in g.nodes if n.op == "lookup"]
    assert fns == ["rsqrt"]
    assert err < 1e-3


def test_a_chain_whose_intermediate_is_read_elsewhere_is_not_fused(tmp_path):
    path = _model(tmp_path, _chain("torch"), 24, extra_outputs=("ms",))
    fused, absorbed = find_fusions(onnx.load(str(path)).graph)
    assert not fused and not absorbed
    x = np.random.default_rng(2).normal(size=(1, 4, 24)).astype(np.float32)
    om = load_onnx(path)
    g, _ = lower_model(om, RunArgs(input_scale=13, param_scale=13))
    assert [n.attrs["fn"] for n in g.nodes if n.op == "lookup"] == ["sqrt", "recip"]


@pytest.mark.parametrize("std", [1.0, 0.02])
def test_rms_norm_error_does_not_grow_with_dim(tmp_path, std):
    errs = {}
    for n in (16, 96, 288, 768, 2048):
        x = (std * np.random.default_rng(n).normal(size=(1, 4, n))).astype(np.float32)
        errs[n], _ = _rel_error(_model(tmp_path, _chain("torch"), n), x)
    # one rsqrt table with 1/n inside: the error is the input quantization's, whatever n
    assert max(errs.values()) < (6e-4 if std == 1.0 else 2.5e-3), errs
    assert errs[2048] < 3 * errs[16] + 2e-4 and errs[768] < 3 * errs[16] + 2e-4, errs


def test_reduce_mean_is_exact_enough_for_any_count(tmp_path):
    for n in (3, 288, 768, 1000):
        nodes = [helper.make_node("ReduceMean", ["x"], ["y"], axes=[-1], keepdims=1)]
        g = helper.make_graph(nodes, "mean", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, n])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        onnx.save(m, str(tmp_path / "mean.onnx"))
        x = (1.0 + np.abs(np.random.default_rng(n).normal(size=(2, n)))).astype(np.float32)
        err, _ = _rel_error(tmp_path / "mean.onnx", x)
        # 1/n at param_scale alone would be off by up to n·2^-14 (1.8 % at n = 288)
        assert err < 5e-4, (n, err)


def test_infinite_constants_saturate_where_comparisons_still_hold():
    q = quantize(np.array([-np.inf, np.inf, -3.4028235e38, 1.5]), 13)
    assert list(q) == [-SATURATED, SATURATED, -SATURATED, 12288]


def test_softmax_after_an_infinite_causal_mask_gives_exact_zeros(tmp_path):
    T = 6
    mask = np.triu(np.full((T, T), -np.inf, np.float32), 1)
    nodes = [helper.make_node("Add", ["x", "mask"], ["s"]), helper.make_node("Softmax", ["s"], ["y"], axis=-1)]
    g = helper.make_graph(nodes, "masked", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, T, T])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(mask, "mask")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, str(tmp_path / "masked.onnx"))
    x = (2 * np.random.default_rng(6).normal(size=(2, T, T))).astype(np.float32)
    err, _ = _rel_error(tmp_path / "masked.onnx", x)  # with every range and comparison gap checked
    assert err < 2e-3
    om = load_onnx(tmp_path / "masked.onnx")
    cand = evaluate_candidate(om, RunArgs(input_scale=13, param_scale=13), [[x]], [run_reference(om, [x])], 2.0)
    y = cand.trace.values[cand.graph.outputs[0]]
    assert (y[:, np.triu_indices(T, 1)[0], np.triu_indices(T, 1)[1]] == 0).all()


@pytest.mark.parametrize("order", [["x", "s"], ["s", "x"]])
def test_x_times_sigmoid_x_is_one_silu_table(tmp_path, order):
    nodes = [helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Mul", order, ["y"])]
    g = helper.make_graph(nodes, "silu", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 20])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, str(tmp_path / "silu.onnx"))
    x = (3 * np.random.default_rng(4).normal(size=(3, 20))).astype(np.float32)
    err, graph = _rel_error(tmp_path / "silu.onnx", x)
    assert [n.attrs["fn"] for n in graph.nodes if n.op == "lookup"] == ["silu"]
    assert not [n for n in graph.nodes if n.op == "mul"]
    assert err < 1e-3


def test_sigmoid_read_elsewhere_keeps_its_own_table(tmp_path):
    nodes = [helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Mul", ["x", "s"], ["y"])]
    g = helper.make_graph(nodes, "silu", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 20])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
                           helper.make_tensor_value_info("s", TensorProto.FLOAT, None)])
    assert find_fusions(g) == ({}, set())
