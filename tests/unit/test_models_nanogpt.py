"""models/nanogpt.py builds a valid nanoGPT: checked against an independent numpy forward pass."""

import math

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from models.nanogpt import MICRO, TINY, NanoGPTConfig, build_nanogpt, count_parameters, sample_tokens, write_nanogpt


def _layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _reference_forward(model: onnx.ModelProto, cfg: NanoGPTConfig, tokens: np.ndarray) -> np.ndarray:
    """nanoGPT's forward pass written directly from the paper/code, reading the weights by name."""
    W = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    T, C, H = cfg.block_size, cfg.n_embd, cfg.n_head
    D = C // H
    erf = np.vectorize(math.erf)
    x = W["wte.weight"][tokens] + W["wpe.weight_T"]
    causal = np.tril(np.ones((T, T), dtype=bool))
    for layer in range(cfg.n_layer):
        p = f"h.{layer}"
        h = _layer_norm(x, W[f"{p}.ln_1.weight"], W[f"{p}.ln_1.bias"])
        qkv = h @ W[f"{p}.attn.c_attn.weight_t"] + W[f"{p}.attn.c_attn.bias"]
        q, k, v = (qkv[:, i * C:(i + 1) * C].reshape(T, H, D).transpose(1, 0, 2) for i in range(3))
        att = q @ k.transpose(0, 2, 1) / math.sqrt(D)
        att = np.where(causal, att, -10.0)
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        y = (att @ v).transpose(1, 0, 2).reshape(T, C)
        x = x + y @ W[f"{p}.attn.c_proj.weight_t"] + W[f"{p}.attn.c_proj.bias"]
        h = _layer_norm(x, W[f"{p}.ln_2.weight"], W[f"{p}.ln_2.bias"])
        h = h @ W[f"{p}.mlp.c_fc.weight_t"] + W[f"{p}.mlp.c_fc.bias"]
        h = 0.5 * h * (1.0 + erf(h / math.sqrt(2.0)))
        x = x + h @ W[f"{p}.mlp.c_proj.weight_t"] + W[f"{p}.mlp.c_proj.bias"]
    x = _layer_norm(x, W["ln_f.weight"], W["ln_f.bias"])
    return x @ W["wte.weight"].T


@pytest.mark.parametrize("cfg", [MICRO, NanoGPTConfig(n_layer=2, n_head=4, n_embd=16, block_size=6, random_biases=True, seed=3)])
def test_onnx_graph_matches_reference_forward(cfg):
    model = build_nanogpt(cfg)
    tokens = np.array(sample_tokens(cfg), dtype=np.int64)
    sess = ort.InferenceSession(model.SerializeToString())
    got = sess.run(None, {"idx": tokens.reshape(1, -1)})[0][0]
    want = _reference_forward(model, cfg, tokens)
    assert got.shape == (cfg.block_size, cfg.vocab_size)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_parameter_counts_match_the_published_sizes():
    assert count_parameters(build_nanogpt(MICRO)) == 4480
    assert count_parameters(build_nanogpt(TINY)) == 208_320


def test_weights_are_seeded():
    a, b = build_nanogpt(MICRO), build_nanogpt(MICRO)
    c = build_nanogpt(NanoGPTConfig(seed=1))
    assert a.SerializeToString() == b.SerializeToString()
    assert a.SerializeToString() != c.SerializeToString()


def test_write_nanogpt_produces_ezkl_input(tmp_path):
    model_path, input_path = write_nanogpt(tmp_path, MICRO)
    import json

    data = json.loads(input_path.read_text())
    assert len(data["input_data"]) == 1 and len(data["input_data"][0]) == MICRO.block_size
    assert all(0 <= t < MICRO.vocab_size for t in data["input_data"][0])
    onnx.checker.check_model(onnx.load(model_path))


def test_bad_config_is_rejected():
    with pytest.raises(ValueError, match="multiple of n_head"):
        NanoGPTConfig(n_embd=10, n_head=3)
