"""Softmax without its maximum where calibration shows it safe (ezk.calibrate.choose_softmax_shifts):
the circuit proves the integer semantics of whichever form calibration picked, the outputs stay
within the accuracy of the maximum form, and an input outside the calibrated envelope is a
WitnessError naming a lookup, never a silently wrong softmax."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from ezk import api
from ezk.compiled import load_compiled
from ezk.errors import WitnessError
from ezk.inputs import load_input_data
from ezk.layout import lay_out
from ezk.plonk import mock
from ezk.reference import run_reference
from ezk.graph.onnx_import import load_onnx
from ezk.witness import run_witness


def softmax_model(d: Path, rows: int, x: np.ndarray, op: str = "Softmax") -> tuple[Path, Path]:
    d.mkdir(parents=True, exist_ok=True)
    g = helper.make_graph([helper.make_node(op, ["x"], ["y"], axis=-1)], "sm",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, 8])])
    model = d / "network.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(model))
    data = d / "input.json"
    data.write_text(json.dumps({"input_data": [x.reshape(-1).tolist()]}))
    return model, data


def _chain(tmp_path, model, data):
    settings, compiled = tmp_path / "settings.json", tmp_path / "model.compiled"
    api.gen_settings(model, settings)
    st, _ = api.calibrate_settings(model, data, settings, target="accuracy", scales=(9,))
    api.compile_circuit(model, compiled, settings)
    return st, load_compiled(compiled)


def _proven(comp, data):
    _, trace = run_witness(comp.graph, load_input_data(data))
    laid = lay_out(comp.graph, comp.settings, trace)
    assert mock(laid.circuit, laid.witness) == []
    return trace.values[comp.graph.outputs[0]] / 2.0 ** comp.graph.nodes[comp.graph.outputs[0]].scale


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
def test_close_row_maxima_drop_the_maximum(tmp_path, op):
    rng = np.random.default_rng(1)
    x = rng.normal(scale=0.3, size=(16, 8))
    x[np.arange(16), rng.integers(0, 8, 16)] = 1.0  # every row's maximum is about 1
    model, data = softmax_model(tmp_path / "m", 16, x, op)
    st, comp = _chain(tmp_path, model, data)
    assert any(k.endswith(":softmax:c16") for k in st.lookup_scales)
    assert not any(n.op in ("reduce_max", "max") for n in comp.graph.nodes)
    y = _proven(comp, data)
    ref = np.asarray(run_reference(load_onnx(model), load_input_data(data))["y"]).reshape(y.shape)
    assert np.abs(y - ref).max() <= 0.01 * np.abs(ref).max()
    # a row far above the calibrated maxima leaves the exp table: one clear sentence
    far = x.copy()
    far[0] += 6.0
    data.write_text(json.dumps({"input_data": [far.reshape(-1).tolist()]}))
    with pytest.raises(WitnessError, match="exp lookup .* outside the lookup range"):
        run_witness(comp.graph, load_input_data(data))


def test_spread_row_maxima_keep_the_maximum_but_not_the_clamp(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(scale=0.3, size=(16, 8)) + np.linspace(-4, 4, 16)[:, None]  # maxima 8 apart
    model, data = softmax_model(tmp_path / "m", 16, x)
    st, comp = _chain(tmp_path, model, data)
    assert not any(k.endswith(":c16") for k in st.lookup_scales)
    assert any(k.endswith(":softmax:noclamp") for k in st.lookup_scales)
    ops = [n.op for n in comp.graph.nodes]
    assert "reduce_max" in ops and "max" not in ops
    y = _proven(comp, data)
    ref = np.asarray(run_reference(load_onnx(model), load_input_data(data))["y"]).reshape(y.shape)
    assert np.abs(y - ref).max() <= 0.01


def test_a_single_row_keeps_the_maximum(tmp_path):
    x = np.array([[0.5, -1.0, 2.0, 0.0, 1.0, -0.5, 0.25, 3.0]])
    model, data = softmax_model(tmp_path / "m", 1, x)
    st, comp = _chain(tmp_path, model, data)
    assert not any(k.endswith(":c16") for k in st.lookup_scales)
    assert "reduce_max" in [n.op for n in comp.graph.nodes]
    _proven(comp, data)
