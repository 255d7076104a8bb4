"""Accuracy gate: gen-settings → calibrate-settings → compile-circuit → gen-witness on nanoGPT and
24 zoo models; every output within 5 % of max|onnxruntime| (and top-1 tokens equal on nanoGPT)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ezk import api
from ezk.graph.onnx_import import load_onnx
from ezk.inputs import load_input_data
from ezk.reference import run_reference
from ezk.witness import witness_outputs

ZOO = ("1l_batch_norm 1l_concat 1l_conv 1l_div 1l_eltwise_div 1l_gelu_tanh_appx 1l_identity 1l_leakyrelu "
       "1l_linear 1l_max_pool 1l_relu 1l_reshape 1l_slice 1l_softmax 1l_tanh 1l_var 2l_relu_fc 2l_relu_sigmoid "
       "2l_relu_sigmoid_conv 2l_relu_sigmoid_small 2l_relu_small 3l_relu_conv_fc layernorm multihead_attention").split()


def _chain(model_dir, tmp_path, target="resources"):
    onnx_path, data = model_dir / "network.onnx", model_dir / "input.json"
    settings, compiled, witness = tmp_path / "settings.json", tmp_path / "model.compiled", tmp_path / "witness.json"
    api.gen_settings(onnx_path, settings)
    api.calibrate_settings(onnx_path, data, settings, target=target)
    api.compile_circuit(onnx_path, compiled, settings)
    api.gen_witness(compiled, data, witness)
    w = json.loads(witness.read_text())
    om = load_onnx(onnx_path)
    ref = run_reference(om, load_input_data(data))
    pairs = []
    for name, out in zip(om.outputs, witness_outputs(w)):
        r = np.asarray(ref[name], dtype=np.float64)
        y = np.asarray(out).reshape(r.shape)
        rel = np.abs(y - r).max() / max(np.abs(r).max(), 1e-12)
        pairs.append((y, r, rel))
    return pairs


@pytest.mark.parametrize("name", ZOO)
def test_zoo_model_accuracy(shared_dir, tmp_path, name):
    for _, _, rel in _chain(shared_dir / "zoo" / name, tmp_path):
        assert rel <= 0.05, f"{name}: max error {rel:.4f} of max|onnxruntime|"


@pytest.mark.parametrize("size", ["micro", "tiny"])
def test_nanogpt_accuracy_and_top1(shared_dir, tmp_path, size):
    for y, r, rel in _chain(shared_dir / "models" / "nanogpt" / size, tmp_path, target="accuracy"):
        assert rel <= 0.01, f"nanoGPT {size}: max error {rel:.4f} of max|onnxruntime|"
        assert np.array_equal(y.argmax(-1), r.argmax(-1)), "top-1 tokens differ from onnxruntime"
