"""models/llama*.py: the ONNX graph agrees with the numpy reference and onnxruntime; llama2.c's
config rules and .bin checkpoint formats."""

import json
import struct

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from models.llama import _main as llama_main
from models.llama import build_llama, rope_tables, sample_tokens, write_llama
from models.llama_checkpoint import (CheckpointError, LlamaWeights, random_weights, read_checkpoint,
                                     write_checkpoint)
from models.llama_config import BOS, CONFIGS, LlamaConfig
from models.llama_reference import reference_logits

TINY = LlamaConfig(dim=16, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=40, multiple_of=8, max_seq_len=12, seed=5)


def _ort_logits(model: onnx.ModelProto, tokens) -> np.ndarray:
    sess = ort.InferenceSession(model.SerializeToString())
    return sess.run(None, {"tokens": np.asarray(tokens, dtype=np.int64).reshape(1, -1)})[0][0]


@pytest.mark.parametrize("cfg,T", [
    (TINY, 7),
    (LlamaConfig(dim=24, n_layers=1, n_heads=3, n_kv_heads=1, vocab_size=30, hidden_dim=40, max_seq_len=6, seed=1), 6),
    (LlamaConfig(dim=8, n_layers=3, n_heads=2, vocab_size=20, multiple_of=3, max_seq_len=4, seed=2), 1),
    (CONFIGS["stories260k"], 16),
])
def test_graph_matches_reference_at_every_position(cfg, T):
    w = random_weights(cfg)
    tokens = sample_tokens(cfg, T)
    got = _ort_logits(build_llama(cfg, w, T, all_logits=True), tokens)
    want = reference_logits(cfg, w, tokens)
    assert got.shape == (T, cfg.vocab_size)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-5 * max(1.0, np.abs(want).max()))
    last = _ort_logits(build_llama(cfg, w, T), tokens)  # the default: next-token logits only
    assert last.shape == (1, cfg.vocab_size)
    np.testing.assert_allclose(last[0], want[-1], rtol=1e-4, atol=2e-5 * max(1.0, np.abs(want).max()))


def test_sdpa_attention_export_matches_reference():
    w = random_weights(TINY)
    tokens = sample_tokens(TINY, 8)
    model = build_llama(TINY, w, 8, all_logits=True, attention="sdpa")
    assert {"Trilu", "ConstantOfShape", "Where"} <= {n.op_type for n in model.graph.node}
    np.testing.assert_allclose(_ort_logits(model, tokens), reference_logits(TINY, w, tokens), rtol=1e-4, atol=1e-5)


def test_untied_classifier_is_used():
    w = random_weights(TINY)
    w.output = np.random.default_rng(9).normal(0, 0.02, size=w.tok_embeddings.shape).astype(np.float32)
    tokens = sample_tokens(TINY, 5)
    got = _ort_logits(build_llama(TINY, w, 5), tokens)[0]
    np.testing.assert_allclose(got, reference_logits(TINY, w, tokens)[-1], rtol=1e-4, atol=1e-5)
    tied = reference_logits(TINY, random_weights(TINY), tokens)[-1]
    assert not np.allclose(got, tied, atol=1e-4)


def test_graph_uses_torch_export_op_patterns():
    ops = {n.op_type for n in build_llama(TINY, n_tokens=4).graph.node}
    # RMSNorm, rotary, grouped-query heads, causal softmax, SwiGLU as torch.onnx writes them
    assert {"Pow", "ReduceMean", "Sqrt", "Div", "Gather", "Concat", "Unsqueeze", "Expand", "Softmax", "Sigmoid"} <= ops
    mask = next(t for t in build_llama(TINY, n_tokens=4).graph.initializer if t.name == "mask")
    m = onnx.numpy_helper.to_array(mask)[0, 0]
    assert np.isneginf(m[np.triu_indices(4, 1)]).all() and (m[np.tril_indices(4)] == 0).all()


def test_named_configs_follow_llama2c():
    c = CONFIGS["stories260k"]
    assert (c.dim, c.n_layers, c.n_heads, c.kv_heads, c.vocab_size, c.ffn_dim) == (64, 5, 8, 4, 512, 172)
    assert c.parameters() == 260_032
    assert CONFIGS["stories15m"].ffn_dim == 768 and CONFIGS["stories15m"].parameters() == 15_191_712
    assert CONFIGS["stories42m"].ffn_dim == 1376 and CONFIGS["stories110m"].ffn_dim == 2048
    assert CONFIGS["stories15m"].max_seq_len == 256 and CONFIGS["stories15m"].vocab_size == 32000


def test_rope_tables_match_llama2c_frequencies():
    cos, sin = rope_tables(8, 5)
    theta = 3 * 10000.0 ** (-2 * 2 / 8)  # position 3, pair 2
    assert abs(cos[3, 2] - np.cos(theta)) < 1e-6 and abs(sin[3, 2] - np.sin(theta)) < 1e-6


def test_bad_configs_are_rejected():
    with pytest.raises(ValueError, match="multiple of n_heads"):
        LlamaConfig(dim=10, n_heads=3)
    with pytest.raises(ValueError, match="multiple of n_kv_heads"):
        LlamaConfig(dim=24, n_heads=6, n_kv_heads=4)
    with pytest.raises(ValueError, match="even"):
        LlamaConfig(dim=12, n_heads=4)
    with pytest.raises(ValueError, match="max_seq_len"):
        build_llama(TINY, n_tokens=13)


def test_weights_and_prompt_are_seeded():
    a, b = build_llama(TINY, n_tokens=4), build_llama(TINY, n_tokens=4)
    c = build_llama(LlamaConfig(**{**TINY.__dict__, "seed": 6}), n_tokens=4)
    assert a.SerializeToString() == b.SerializeToString() != c.SerializeToString()
    toks = sample_tokens(TINY, 9)
    assert toks == sample_tokens(TINY, 9) and toks[0] == BOS and len(toks) == 9
    assert all(0 <= t < TINY.vocab_size for t in toks)


# ---- .bin checkpoints ------------------------------------------------------------------------
def _same(a: LlamaWeights, b: LlamaWeights):
    for name in ("tok_embeddings", "attention_norm", "wq", "wk", "wv", "wo", "ffn_norm", "w1", "w2", "w3", "norm"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert (a.output is None) == (b.output is None)
    if a.output is not None:
        np.testing.assert_array_equal(a.output, b.output)


def _legacy_by_hand(path, cfg, w):
    """The legacy layout written field by field, as export.py's legacy_export does."""
    with open(path, "wb") as f:
        vocab = cfg.vocab_size if w.output is None else -cfg.vocab_size
        f.write(struct.pack("iiiiiii", cfg.dim, cfg.ffn_dim, cfg.n_layers, cfg.n_heads, cfg.kv_heads, vocab,
                            cfg.max_seq_len))
        for a in (w.tok_embeddings, w.attention_norm, w.wq, w.wk, w.wv, w.wo, w.ffn_norm, w.w1, w.w2, w.w3, w.norm):
            f.write(np.asarray(a, "<f4").tobytes())
        f.write(np.zeros(cfg.max_seq_len * cfg.head_dim, "<f4").tobytes())  # freq_cis_real, freq_cis_imag
        if w.output is not None:
            f.write(np.asarray(w.output, "<f4").tobytes())


@pytest.mark.parametrize("tied", [True, False])
def test_reader_reads_the_legacy_format(tmp_path, tied):
    w = random_weights(TINY)
    if not tied:
        w.output = random_weights(LlamaConfig(**{**TINY.__dict__, "seed": 8})).tok_embeddings
    _legacy_by_hand(tmp_path / "m.bin", TINY, w)
    cfg, got = read_checkpoint(tmp_path / "m.bin")
    assert (cfg.dim, cfg.ffn_dim, cfg.n_layers, cfg.n_heads, cfg.kv_heads, cfg.vocab_size, cfg.max_seq_len) == \
        (TINY.dim, TINY.ffn_dim, TINY.n_layers, TINY.n_heads, TINY.kv_heads, TINY.vocab_size, TINY.max_seq_len)
    _same(w, got)


@pytest.mark.parametrize("version", [0, 1])
def test_writer_and_reader_round_trip(tmp_path, version):
    w = random_weights(TINY)
    w.output = w.tok_embeddings[::-1].copy()
    write_checkpoint(tmp_path / "m.bin", TINY, w, version=version)
    cfg, got = read_checkpoint(tmp_path / "m.bin")
    assert cfg.ffn_dim == TINY.ffn_dim and cfg.kv_heads == TINY.kv_heads
    _same(w, got)


def test_checkpoint_model_proves_the_checkpoint_weights(tmp_path):
    w = random_weights(LlamaConfig(**{**TINY.__dict__, "seed": 11}))
    write_checkpoint(tmp_path / "m.bin", TINY, w)
    model_path, input_path = write_llama(tmp_path / "out", n_tokens=6, checkpoint=tmp_path / "m.bin")
    tokens = json.loads(input_path.read_text())["input_data"][0]
    got = _ort_logits(onnx.load(model_path), tokens)[0]
    np.testing.assert_allclose(got, reference_logits(TINY, w, tokens)[-1], rtol=1e-4, atol=1e-5)


def test_reader_rejects_files_that_are_not_checkpoints(tmp_path):
    good = tmp_path / "good.bin"
    write_checkpoint(good, TINY, random_weights(TINY))
    raw = good.read_bytes()
    cases = {
        "short.bin": (raw[:20], "shorter than the 28-byte header"),
        "truncated.bin": (raw[:-10], "truncated"),
        "extra.bin": (raw + b"\0" * 8, "8 bytes more"),
        "header.bin": (struct.pack("<7i", 10, 20, 1, 3, 3, 50, 8) + raw[28:], "inconsistent"),
        "v2.bin": (struct.pack("<Ii", 0x616B3432, 2) + b"\0" * 300, "version-2"),
    }
    for name, (data, match) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(CheckpointError, match=match):
            read_checkpoint(tmp_path / name)
    with pytest.raises(CheckpointError, match="does not exist"):
        read_checkpoint(tmp_path / "absent.bin")


def test_cli_writes_model_and_ezkl_input(tmp_path, capsys):
    assert llama_main(["--config", "stories260k", "--tokens", "8", "--out", str(tmp_path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["parameters"] == 260_032 and info["tokens"] == 8 and info["hidden_dim"] == 172
    model = onnx.load(tmp_path / "network.onnx")
    assert [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim] == [1, 8]
    data = json.loads((tmp_path / "input.json").read_text())["input_data"]
    assert len(data) == 1 and len(data[0]) == 8 and all(0 <= t < 512 for t in data[0])


def test_cli_bad_checkpoint_is_one_sentence(tmp_path, capsys):
    (tmp_path / "bad.bin").write_bytes(b"\1" * 40)
    assert llama_main(["--out", str(tmp_path / "o"), "--checkpoint", str(tmp_path / "bad.bin")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
