"""Gathers and scatters whose indices are computed from the input, over computed data — proven
by dynamic lookups (ezk.layout.dynamic): outputs equal onnxruntime's (up to quantization), the
honest witness passes the mock, and what ezk cannot prove is one sentence."""

from __future__ import annotations

import json

import numpy as np
import pytest
from onnx import TensorProto, helper

from ezk import api
from ezk.errors import EzkError, WitnessError
from tests.onnx_models import mock_run, model, run_front_end, value_info

INT = TensorProto.INT64


def _argmax(name, x, axis=1):
    return helper.make_node("ArgMax", [x], [name], axis=axis, keepdims=1)


def test_gather_elements_at_the_argmax_of_computed_data(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["r"]), _argmax("i", "x"),
             helper.make_node("GatherElements", ["r", "i"], ["z"], axis=1)]
    m = model(nodes, [value_info("x", [4, 16])], [value_info("z", [4, 1])])
    run = run_front_end(m, [np.random.default_rng(0).normal(0, 1, (4, 16))], tmp_path, calibrate=False)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()
    stats = mock_run(run)
    assert stats["dynamic_lookups"] == 4 and stats["dynamic_table_rows"] == 64


def test_gather_with_negative_computed_indices_over_computed_data(tmp_path):
    nodes = [helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Gather", ["s", "i"], ["z"], axis=1)]
    m = model(nodes, [value_info("x", [3, 10]), value_info("i", [5], INT)], [value_info("z", [3, 5])])
    run = run_front_end(m, [np.random.default_rng(1).normal(0, 2, (3, 10)), np.array([0, -1, 9, -10, 4])], tmp_path, calibrate=False)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()
    mock_run(run)


def test_gather_nd_at_computed_indices_over_computed_data(tmp_path):
    # the argmax of each row picks (row, argmax) pairs of the computed data: GatherND with m = 2
    nodes = [helper.make_node("Exp", ["x"], ["e"]), _argmax("i", "x"),
             helper.make_node("Constant", [], ["rows"], value=helper.make_tensor("rows", INT, [5, 1], list(range(5)))),
             helper.make_node("Concat", ["rows", "i"], ["pos"], axis=1),
             helper.make_node("GatherND", ["e", "pos"], ["z"])]
    m = model(nodes, [value_info("x", [5, 9])], [value_info("z", [5])])
    run = run_front_end(m, [np.random.default_rng(6).normal(0, 1, (5, 9))], tmp_path, calibrate=False)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()
    stats = mock_run(run)
    assert stats["dynamic_lookups"] == 5 and stats["dynamic_table_rows"] == 45


def test_gather_nd_with_batch_dims_and_input_indices(tmp_path):
    nodes = [helper.make_node("Tanh", ["x"], ["t"]), helper.make_node("GatherND", ["t", "i"], ["z"], batch_dims=1)]
    m = model(nodes, [value_info("x", [3, 4, 6]), value_info("i", [3, 2, 1], INT)], [value_info("z", [3, 2, 6])])
    rng = np.random.default_rng(7)
    run = run_front_end(m, [rng.normal(0, 1, (3, 4, 6)), np.array([[[0], [3]], [[-1], [2]], [[1], [1]]])], tmp_path,
                        calibrate=False)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()
    mock_run(run)


def _scatter_elements(shape, idx_shape, **attrs):
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Tanh", ["u"], ["t"]),
             helper.make_node("ScatterElements", ["r", "i", "t"], ["z"], **attrs)]
    return model(nodes, [value_info("x", shape), value_info("i", idx_shape, INT), value_info("u", idx_shape)],
                 [value_info("z", shape)])


def test_scatter_elements_with_computed_indices(tmp_path):
    rng = np.random.default_rng(2)
    idx = np.stack([rng.choice(8, 3, replace=False) - 8 * rng.integers(0, 2, 3) for _ in range(4)])  # some negative
    run = run_front_end(_scatter_elements([4, 8], [4, 3], axis=1),
                        [rng.normal(0, 1, (4, 8)), idx, rng.normal(0, 1, (4, 3))], tmp_path, calibrate=False)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()
    stats = mock_run(run)
    assert stats["dynamic_lookups"] == 2 * 12


def test_scatter_elements_at_the_argmax(tmp_path):
    # write −max into the argmax of every row: indices and updates both computed from the input
    nodes = [_argmax("i", "x"), helper.make_node("ReduceMax", ["x"], ["mx"], axes=[1], keepdims=1),
             helper.make_node("Neg", ["mx"], ["n"]), helper.make_node("ScatterElements", ["x", "i", "n"], ["z"], axis=1)]
    m = model(nodes, [value_info("x", [3, 12])], [value_info("z", [3, 12])])
    run = run_front_end(m, [np.random.default_rng(3).normal(0, 1, (3, 12))], tmp_path, calibrate=False)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()
    mock_run(run)


def test_scatter_nd_with_computed_indices(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("ScatterND", ["r", "i", "u"], ["z"])]
    m = model(nodes, [value_info("x", [6, 2, 3]), value_info("i", [2, 2], INT), value_info("u", [2, 3])],
              [value_info("z", [6, 2, 3])])
    rng = np.random.default_rng(4)
    run = run_front_end(m, [rng.normal(0, 1, (6, 2, 3)), np.array([[4, 1], [-6, 0]]), rng.normal(0, 1, (2, 3))], tmp_path, calibrate=False)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()
    mock_run(run)


def test_repeated_scatter_indices_are_one_sentence(tmp_path):
    rng = np.random.default_rng(5)
    x, u = rng.normal(0, 1, (2, 8)), rng.normal(0, 1, (2, 3))
    run = run_front_end(_scatter_elements([2, 8], [2, 3], axis=1), [x, np.array([[1, 2, 3], [0, 4, 5]]), u], tmp_path, calibrate=False)
    data = {"input_data": [x.reshape(-1).tolist(), [1, 2, 3, 0, 4, -8], u.reshape(-1).tolist()]}  # −8 ≡ 0
    with pytest.raises(WitnessError, match="ScatterElements in ONNX node .* writes flat position 8 twice") as info:
        api.gen_witness(run.compiled, json.dumps(data), None)
    assert "\n" not in str(info.value)


def test_scatter_with_a_reduction_is_a_clear_error(tmp_path):
    m = _scatter_elements([2, 8], [2, 3], axis=1, reduction="add")
    path = tmp_path / "m.onnx"
    import onnx

    onnx.save(m, path)
    with pytest.raises(EzkError, match="reduction=add is not supported"):
        api.gen_settings(path, tmp_path / "s.json")


@pytest.mark.slow
def test_a_segmented_model_with_a_computed_index_gather_proves_and_verifies(tmp_path):
    # the gather's data crosses a cut: its segment builds the dynamic table from link-in cells
    from ezk.layout import lay_out
    from ezk.segments.tasks import context

    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Tanh", ["r"], ["t"]),
             helper.make_node("Sigmoid", ["t"], ["s"]), helper.make_node("Exp", ["s"], ["e"]),
             _argmax("i", "x"), helper.make_node("GatherElements", ["e", "i"], ["z"], axis=1)]
    import onnx

    onnx.save(model(nodes, [value_info("x", [32, 64])], [value_info("z", [32, 1])]), tmp_path / "m.onnx")
    x = np.random.default_rng(8).normal(0, 1, (32, 64))
    (tmp_path / "in.json").write_text(json.dumps({"input_data": [x.reshape(-1).tolist()]}))
    f = {k: tmp_path / v for k, v in dict(s="settings.json", c="m.compiled", w="w.json", srs="kzg.srs", vk="vk.key",
                                          pk="pk.key", p="proof.json").items()}
    api.gen_settings(tmp_path / "m.onnx", f["s"], input_scale=5, param_scale=5, lookup_range=(-1024, 1024))
    api.compile_circuit(tmp_path / "m.onnx", f["c"], f["s"], max_logrows=13)
    comp, plan, st = context(f["c"])
    assert len(plan.segments) >= 2
    laid = lay_out(comp.graph, st, segment=plan.segments[-1])
    assert laid.stats["dynamic_lookups"] == 32 and laid.stats["link_in"] > 0
    api.gen_witness(f["c"], tmp_path / "in.json", f["w"])
    api.gen_srs(f["srs"], 13, seed="ezk-segmented-dynamic")
    api.setup(f["c"], f["srs"], f["vk"], f["pk"])
    out = api.prove(f["c"], f["w"], f["pk"], f["srs"], f["p"])
    assert out["segments"] == len(plan.segments)
    ref = np.exp(1 / (1 + np.exp(-np.tanh(np.maximum(x, 0))))).max(axis=1)
    assert np.abs(np.array(out["outputs"][0]) - ref).max() < 0.1
    assert api.verify(f["p"], f["s"], f["vk"], f["srs"])
