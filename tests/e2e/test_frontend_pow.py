"""Elementwise Pow with a tensor exponent, x^y = exp(y·ln x) (ezk.graph.lowering.arith): close
to onnxruntime for positive bases (and integer-typed exponents), the honest witness passes the
mock, and a negative base is one sentence at gen-witness."""

from __future__ import annotations

import json

import numpy as np
import pytest
from onnx import TensorProto, helper

from ezk import api
from ezk.errors import WitnessError
from tests.onnx_models import mock_run, model, run_front_end, value_info


def _pow_model(shape, y_type=TensorProto.FLOAT):
    return model([helper.make_node("Pow", ["x", "y"], ["z"])],
                 [value_info("x", shape), value_info("y", shape, y_type)], [value_info("z", shape)])


def test_pow_of_two_tensors_matches_onnxruntime(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0.2, 3.0, (4, 32)), rng.uniform(-2.0, 2.5, (4, 32))
    run = run_front_end(_pow_model([4, 32]), [x, y], tmp_path)
    assert max(run.rel_errors()) <= 0.005, run.rel_errors()
    mock_run(run)


def test_pow_with_an_integer_exponent_tensor(tmp_path):
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0.5, 2.0, (2, 16)), rng.integers(-3, 5, (2, 16))
    run = run_front_end(_pow_model([2, 16], TensorProto.INT64), [x, y], tmp_path)
    assert max(run.rel_errors()) <= 0.005, run.rel_errors()


def test_a_zero_base_gives_about_zero_for_positive_exponents(tmp_path):
    x = np.array([[0.0, 1.0, 2.0, 0.5]])
    y = np.array([[2.0, 3.0, 0.5, 1.5]])
    run = run_front_end(_pow_model([1, 4]), [x, y], tmp_path)
    assert abs(run.outputs[0][0, 0]) < 1e-3 and max(run.rel_errors()) <= 0.01


def test_a_negative_base_is_one_sentence(tmp_path):
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0.2, 3.0, (1, 8)), rng.uniform(-1.0, 2.0, (1, 8))
    run = run_front_end(_pow_model([1, 8]), [x, y], tmp_path)
    x[0, 3] = -1.5
    with pytest.raises(WitnessError, match=r"Pow in ONNX node .* needs a base x ≥ 0") as info:
        api.gen_witness(run.compiled, json.dumps({"input_data": [x.reshape(-1).tolist(), y.reshape(-1).tolist()]}),
                        None)
    assert "\n" not in str(info.value)
