"""Normalizations at any reduction length: LayerNormalization, InstanceNormalization and RMSNormalization over
16 … 4,096 elements within 1 % of onnxruntime at ``--target accuracy`` (the error used to grow
with the length: γ/n quantized at param_scale, Σ c² ~ n³), and the honest witness passes the mock."""

from __future__ import annotations

import numpy as np
import pytest

from tests.onnx_models import initializer, mock_run, model, run_front_end, value_info
from onnx import helper


def _layer_norm(shape, axis=-1, seed=0, loc=0.0, spread=1.0):
    rng = np.random.default_rng(seed)
    d = shape[axis:] if axis != -1 else shape[-1:]
    g = initializer("g", rng.uniform(0.5, 1.5, d))
    b = initializer("b", rng.uniform(-0.5, 0.5, d))
    node = helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], axis=axis, epsilon=1e-5)
    m = model([node], [value_info("x", shape)], [value_info("y", shape)], [g, b])
    return m, [rng.normal(loc, spread, shape)]


def _instance_norm(shape, seed=0):
    rng = np.random.default_rng(seed)
    c = shape[1]
    g, b = initializer("g", rng.uniform(0.5, 1.5, c)), initializer("b", rng.uniform(-0.5, 0.5, c))
    node = helper.make_node("InstanceNormalization", ["x", "g", "b"], ["y"], epsilon=1e-5)
    m = model([node], [value_info("x", shape)], [value_info("y", shape)], [g, b])
    return m, [rng.normal(0.0, 1.0, shape)]


@pytest.mark.parametrize("n", [16, 256, 4096])
def test_layer_norm_within_one_percent_at_any_length(tmp_path, n):
    run = run_front_end(*_layer_norm([2, n]), tmp_path)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()


def test_layer_norm_over_two_axes_with_an_offset_mean(tmp_path):
    # a large common offset and a small spread: exact centring in integers keeps the variance exact
    run = run_front_end(*_layer_norm([3, 16, 64], axis=1, loc=5.0, spread=0.1), tmp_path)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()
    mock_run(run)


def test_instance_norm_2x10x32x32_within_one_percent(tmp_path):
    run = run_front_end(*_instance_norm([2, 10, 32, 32]), tmp_path)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()


def test_instance_norm_mock_accepts_the_honest_witness(tmp_path):
    run = run_front_end(*_instance_norm([1, 3, 8, 8]), tmp_path)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()
    mock_run(run)


def test_layer_norm_default_target_stays_close(tmp_path):
    run = run_front_end(*_layer_norm([2, 1024]), tmp_path, target="resources")
    assert max(run.rel_errors()) <= 0.03, run.rel_errors()


def _rms_norm(shape, seed=0):
    rng = np.random.default_rng(seed)
    scale = initializer("s", rng.uniform(0.5, 1.5, shape[-1:]))
    node = helper.make_node("RMSNormalization", ["x", "s"], ["y"], axis=-1, epsilon=1e-5)
    m = model([node], [value_info("x", shape)], [value_info("y", shape)], [scale], opset=23)
    return m, [rng.normal(0.3, 1.0, shape)]


@pytest.mark.parametrize("n", [16, 256, 4096])
def test_rms_normalization_within_one_percent_at_any_length(tmp_path, n):
    run = run_front_end(*_rms_norm([2, n]), tmp_path)
    assert max(run.rel_errors()) <= 0.01, run.rel_errors()
