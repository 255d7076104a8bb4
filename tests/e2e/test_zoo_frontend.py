"""The EZKL example suite (../shared/zoo, 76 models) through the front-end chain:
gen-settings → calibrate-settings → compile-circuit → gen-witness, every output within
0.05 × max|reference| of onnxruntime (tract where onnxruntime refuses an old export).

The per-model tests cover every model expected to pass (the three largest circuits are marked
slow); ``test_suite_pass_count`` (slow: it needs all 76) checks the issue's ≥ 73 bar."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ezk import api
from ezk.errors import EzkError
from ezk.graph.onnx_import import load_onnx
from ezk.inputs import load_input_data
from ezk.reference import run_reference
from ezk.witness import witness_outputs

TOLERANCE = 0.05
MIN_PASSING = 73
ZOO = sorted("""
1l_batch_norm 1l_concat 1l_conv 1l_conv_transpose 1l_div 1l_downsample 1l_eltwise_div 1l_elu
1l_gelu_tanh_appx 1l_identity 1l_leakyrelu 1l_linear 1l_lppool 1l_max_pool 1l_relu 1l_reshape 1l_slice
1l_softmax 1l_tanh 1l_topk 1l_upsample 1l_var 2l_relu_fc 2l_relu_sigmoid 2l_relu_sigmoid_conv
2l_relu_sigmoid_small 2l_relu_small 3l_relu_conv_fc arange blackman_window boolean celu decision_tree exp
fr_age gather_elements gather_nd general_exp gru hard_max hard_sigmoid hard_swish hierarchical_risk
integer_div large_mlp large_op_graph layernorm lenet_5 less lightgbm linear_regression log_softmax
logsumexp lstm lstm_large lstm_medium ltsf max min mish mnist_gan multihead_attention oh_decision_tree
prelu_gmm quantize_dequantize random_forest remainder rnn rounding_ops rsqrt selu sklearn_mlp softsign
variable_cnn xgboost xgboost_reg
""".split())
# the largest circuits (2^24+ rows, ~2500 ONNX nodes): seconds each, kept out of the default run
SLOW = {"fr_age", "mnist_gan", "random_forest"}

_RESULTS: dict[str, tuple[float | None, str]] = {}


def run_chain(model_dir: Path, tmp: Path) -> tuple[float | None, str]:
    """(max over outputs of max|ezk − ref| / max|ref|, error sentence or '')."""
    onnx_path, data = model_dir / "network.onnx", model_dir / "input.json"
    settings, compiled, witness = tmp / "settings.json", tmp / "model.compiled", tmp / "witness.json"
    try:
        api.gen_settings(onnx_path, settings)
        api.calibrate_settings(onnx_path, data, settings)
        api.compile_circuit(onnx_path, compiled, settings)
        api.gen_witness(compiled, data, witness)
    except EzkError as exc:
        return None, str(exc)
    outs = witness_outputs(json.loads(witness.read_text()))
    om = load_onnx(onnx_path)
    ref = run_reference(om, load_input_data(data))
    worst = 0.0
    assert len(outs) == len(om.outputs)
    for name, out in zip(om.outputs, outs):
        r = np.asarray(ref[name], dtype=np.float64).reshape(-1)
        y = np.asarray(out, dtype=np.float64)
        assert y.size == r.size, f"output {name}: {y.size} values, onnxruntime gives {r.size}"
        if r.size:
            worst = max(worst, float(np.abs(y - r).max() / max(np.abs(r).max(), 1e-12)))
    return worst, ""


def result(shared_dir: Path, tmp_path_factory, name: str) -> tuple[float | None, str]:
    if name not in _RESULTS:
        _RESULTS[name] = run_chain(shared_dir / "zoo" / name, tmp_path_factory.mktemp(name))
    return _RESULTS[name]


def test_zoo_list_matches_shared(shared_dir):
    present = sorted(p.name for p in (shared_dir / "zoo").iterdir() if (p / "network.onnx").is_file())
    assert present == ZOO


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n
                                  for n in ZOO])
def test_zoo_model(shared_dir, tmp_path_factory, name):
    rel, err = result(shared_dir, tmp_path_factory, name)
    assert not err, f"{name}: {err}"
    assert rel <= TOLERANCE, f"{name}: max error {rel:.4f} of max|onnxruntime|"


@pytest.mark.slow
def test_suite_pass_count(shared_dir, tmp_path_factory):
    passed = [n for n in ZOO if (r := result(shared_dir, tmp_path_factory, n))[1] == "" and r[0] <= TOLERANCE]
    assert len(passed) >= MIN_PASSING, f"{len(passed)} of {len(ZOO)} pass: missing {sorted(set(ZOO) - set(passed))}"
