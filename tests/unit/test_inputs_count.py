"""input.json with more (or fewer) arrays than the model has inputs: as EZKL, the first arrays
feed the inputs and the rest are ignored with a notice that says what was found; too few is one
sentence naming the inputs."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from ezk import api
from ezk.errors import WitnessError
from ezk.inputs import check_inputs, split_samples


def _two_input_model(path):
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [3])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])
    g = helper.make_graph([helper.make_node("Add", ["a", "b"], ["y"])], "add", [a, b], [y])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)


def test_extra_arrays_use_the_first_ones_with_a_notice(capsys):
    vals = [np.arange(3.0), np.ones(3), np.full(5, 7.0)]
    out = check_inputs(vals, [(3,), (3,)], ["a", "b"])
    assert [o.tolist() for o in out] == [[0, 1, 2], [1, 1, 1]]
    err = capsys.readouterr().err
    assert "holds 3 arrays (of 3, 3, 5 values)" in err and "takes 2 input(s)" in err and "3…3 are ignored" in err


def test_extra_arrays_in_calibration_samples(capsys):
    samples = split_samples([np.arange(6.0), np.arange(6.0), np.arange(2.0)], [(3,), (3,)], ["a", "b"])
    assert len(samples) == 2 and all(len(s) == 2 for s in samples)
    assert "ignored" in capsys.readouterr().err


def test_trailing_empty_arrays_pass_quietly(capsys):
    check_inputs([np.arange(3.0), np.zeros(0)], [(3,)], ["a"])
    assert capsys.readouterr().err == ""


def test_too_few_arrays_name_the_inputs_and_what_was_found():
    with pytest.raises(WitnessError, match=r"takes 2 input\(s\) — 'a' \(3 values\), 'b' \(3 values\) — but "
                                           r"input_data holds 1 array \(of 3 values\)"):
        check_inputs([np.arange(3.0)], [(3,), (3,)], ["a", "b"])


def test_gen_witness_with_extra_arrays_equals_the_exact_file(tmp_path, capsys):
    model = tmp_path / "m.onnx"
    _two_input_model(model)
    settings, compiled = tmp_path / "s.json", tmp_path / "c"
    api.gen_settings(model, settings)
    api.compile_circuit(model, compiled, settings)
    exact = {"input_data": [[0.5, 1.0, -1.0], [0.25, 0.25, 2.0]]}
    extra = {"input_data": exact["input_data"] + [[9.0, 9.0]]}
    w1 = api.gen_witness(compiled, exact, None)
    capsys.readouterr()
    w2 = api.gen_witness(compiled, json.dumps(extra), None)
    assert "ignored" in capsys.readouterr().err
    assert w1["outputs"] == w2["outputs"] and w1["inputs"] == w2["inputs"]
