"""Compiled-circuit artifact round trip and corruption checks; settings file checks."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ezk import api
from ezk.compiled import load_compiled
from ezk.errors import ArtifactError, EzkError
from ezk.graph.forward import forward
from ezk.felts import le_hex_to_i64
from ezk.settings import Settings, parse_variables
from ezk.witness import witness_outputs


@pytest.fixture
def model(tmp_path):
    rng = np.random.default_rng(1)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Softmax", ["r"], ["y"], axis=-1)]
    g = helper.make_graph(nodes, "t", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch_size", 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch_size", 3])],
                          initializer=[numpy_helper.from_array(rng.normal(size=(4, 3)).astype(np.float32), "w")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    p = tmp_path / "net.onnx"
    onnx.save(m, str(p))
    (tmp_path / "input.json").write_text(json.dumps({"input_data": [[0.1, -0.5, 0.7, 1.2]]}))
    return p


def test_compiled_round_trip_and_witness(tmp_path, model):
    s = tmp_path / "settings.json"
    api.gen_settings(model, s, input_scale=9, param_scale=9)
    api.compile_circuit(model, tmp_path / "m.compiled", s)
    comp = load_compiled(tmp_path / "m.compiled")
    assert comp.settings.run_args.input_scale == 9
    assert [n.op for n in comp.graph.nodes][:3] == ["input", "const", "einsum"]
    w = api.gen_witness(tmp_path / "m.compiled", tmp_path / "input.json", tmp_path / "w.json")
    assert abs(sum(witness_outputs(w)[0]) - 1.0) < 0.02
    trace = forward(comp.graph, [le_hex_to_i64(w["inputs"][0]).reshape(1, 4)])
    assert len(trace.values) == len(comp.graph.nodes)
    assert any("remainder" in a for a in trace.aux.values())


def test_tampered_compiled_file_is_rejected(tmp_path, model):
    s = tmp_path / "settings.json"
    api.gen_settings(model, s)
    api.compile_circuit(model, tmp_path / "m.compiled", s)
    with np.load(tmp_path / "m.compiled") as z:
        arrays = {k: z[k] for k in z.files}
    key = next(k for k in arrays if k.endswith(".value"))
    arrays[key] = arrays[key] + 1
    with open(tmp_path / "bad.compiled", "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(ArtifactError, match="corrupt"):
        load_compiled(tmp_path / "bad.compiled")
    (tmp_path / "junk.compiled").write_bytes(b"not a zip")
    with pytest.raises(ArtifactError, match="not an ezk compiled circuit"):
        load_compiled(tmp_path / "junk.compiled")


def test_settings_fields_and_format(tmp_path, model):
    s = tmp_path / "settings.json"
    api.gen_settings(model, s, variables="batch_size=1")
    d = json.loads(s.read_text())
    assert d["format"] == "ezk-settings" and d["version"] == 2
    for k in ("input_scale", "param_scale", "scale_rebase_multiplier", "lookup_range", "logrows", "num_inner_cols",
              "variables", "input_visibility", "output_visibility", "param_visibility"):
        assert k in d["run_args"]
    for k in ("model_input_scales", "model_output_scales", "num_rows", "total_assignments"):
        assert k in d
    d["format"] = "ezkl"
    s.write_text(json.dumps(d))
    with pytest.raises(ArtifactError, match="not an ezk settings file"):
        Settings.load(s)
    with pytest.raises(EzkError):
        parse_variables("batch_size")
    with pytest.raises(EzkError, match="input_visibility"):
        api.gen_settings(model, s, input_visibility="secret")


def test_symbolic_dim_needs_a_value(tmp_path, model):
    m = onnx.load(str(model))
    m.graph.input[0].type.tensor_type.shape.dim[1].dim_param = "features"
    onnx.save(m, str(tmp_path / "sym.onnx"))
    with pytest.raises(EzkError, match="features"):
        api.gen_settings(tmp_path / "sym.onnx", tmp_path / "s.json")
    st = api.gen_settings(tmp_path / "sym.onnx", tmp_path / "s.json", variables="batch_size=1,features=4")
    assert st.run_args.variables == [["batch_size", 1], ["features", 4]]


def test_tract_reference_agrees_with_onnxruntime(model):
    from ezk.graph.onnx_import import load_onnx
    from ezk.reference import run_reference

    om = load_onnx(model)
    x = [np.array([0.3, -1.0, 0.2, 0.9])]
    a, b = run_reference(om, x), run_reference(om, x, force_tract=True)
    assert np.allclose(a["y"], b["y"].reshape(a["y"].shape), atol=1e-6)
