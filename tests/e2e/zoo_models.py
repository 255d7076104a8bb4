"""Whole models through gen-settings → calibrate → compile → witness → layout → mock: the 24 core
zoo models and the helpers shared by the model, zoo and mutation tests."""

from __future__ import annotations

import numpy as np

from ezk import api
from ezk.compiled import load_compiled
from ezk.inputs import load_input_data
from ezk.layout import lay_out
from ezk.plonk import mock
from ezk.witness import run_witness

ZOO = ("1l_batch_norm 1l_concat 1l_conv 1l_div 1l_eltwise_div 1l_gelu_tanh_appx 1l_identity 1l_leakyrelu "
       "1l_linear 1l_max_pool 1l_relu 1l_reshape 1l_slice 1l_softmax 1l_tanh 1l_var 2l_relu_fc 2l_relu_sigmoid "
       "2l_relu_sigmoid_conv 2l_relu_sigmoid_small 2l_relu_small 3l_relu_conv_fc layernorm multihead_attention").split()

def prepared(model_dir, tmp_path, target="resources", **gen):
    """(graph, settings at the smallest k that fits, forward trace) for a model directory."""
    onnx_path, data = model_dir / "network.onnx", model_dir / "input.json"
    settings, compiled = tmp_path / "settings.json", tmp_path / "model.compiled"
    api.gen_settings(onnx_path, settings, **gen)
    api.calibrate_settings(onnx_path, data, settings, target=target)
    api.compile_circuit(onnx_path, compiled, settings)
    comp = load_compiled(compiled)
    measured = lay_out(comp.graph, comp.settings)
    comp.settings.run_args.logrows = measured.stats["min_k"]
    _, trace = run_witness(comp.graph, load_input_data(data))
    return comp.graph, comp.settings, trace


def same_circuit(c1, c2) -> None:
    assert c1.cs.describe() == c2.cs.describe()
    assert c1.k == c2.k
    f1 = {c.name: np.asarray(v) for c, v in c1.fixed.items()}
    f2 = {c.name: np.asarray(v) for c, v in c2.fixed.items()}
    assert f1.keys() == f2.keys() and all(np.array_equal(f1[k], f2[k]) for k in f1)
    assert np.array_equal(c1.copy_array(), c2.copy_array())


def check_model(model_dir, tmp_path, target="resources", **gen):
    graph, settings, trace = prepared(model_dir, tmp_path, target, **gen)
    measured = lay_out(graph, settings)
    laid = lay_out(graph, settings, trace)
    same_circuit(measured.circuit, laid.circuit)
    assert measured.stats == laid.stats
    failures = mock(laid.circuit, laid.witness)
    assert not failures, "\n".join(laid.explain(f) for f in failures[:5])
    # the public outputs are the forward pass's outputs
    outs = np.concatenate([trace.values[i].reshape(-1) for i in graph.outputs])
    assert np.array_equal(laid.instances[0][-outs.size:], outs)
    return laid


def available_gib() -> float:
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 0.0
