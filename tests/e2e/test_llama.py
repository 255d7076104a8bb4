"""Llama (llama2.c's architecture) through the front end and the circuit: the next token is
onnxruntime's, the mock accepts the honest witness and rejects changed cells, and stories260K is
proven and verified (`ezk demo --model llama`)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ezk import api
from ezk.compiled import load_compiled
from ezk.inputs import load_input_data
from ezk.layout import lay_out
from ezk.layout.mutate import mutation_check
from ezk.plonk import mock
from ezk.witness import run_witness
from models.llama import CONFIGS, LlamaConfig, write_llama

# every op stories260K needs (GQA with 2 query heads per kv head, RMSNorm, rotary, SwiGLU), small
TINY = LlamaConfig(dim=16, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=48, multiple_of=8, max_seq_len=8, seed=3)


def _front_end(onnx_path, data, tmp_path):
    """calibrate (accuracy) → compile → witness; returns (compiled, trace, proven, reference)."""
    from ezk.graph.onnx_import import load_onnx
    from ezk.reference import run_reference

    settings, compiled = tmp_path / "settings.json", tmp_path / "model.compiled"
    api.gen_settings(onnx_path, settings)
    api.calibrate_settings(onnx_path, data, settings, target="accuracy")
    api.compile_circuit(onnx_path, compiled, settings)
    comp = load_compiled(compiled)
    _, trace = run_witness(comp.graph, load_input_data(data))
    out = comp.graph.outputs[0]
    proven = trace.values[out] / 2.0 ** comp.graph.nodes[out].scale
    om = load_onnx(onnx_path)
    reference = np.asarray(run_reference(om, load_input_data(data))[om.outputs[0]], dtype=np.float64)
    return comp, trace, proven.reshape(reference.shape), reference


def _assert_next_tokens_identical(proven, reference, rel=0.01):
    assert np.array_equal(proven.argmax(-1), reference.argmax(-1)), "top-1 tokens differ from onnxruntime"
    assert np.abs(proven - reference).max() <= rel * np.abs(reference).max()


def _mock_passes(comp, trace):
    laid = lay_out(comp.graph, comp.settings, trace)
    failures = mock(laid.circuit, laid.witness)
    assert not failures, "\n".join(laid.explain(f) for f in failures[:5])
    return laid


def test_tiny_llama_next_token_mock_and_changed_cells(tmp_path):
    onnx_path, data = write_llama(tmp_path, TINY, 6)
    comp, trace, proven, reference = _front_end(onnx_path, data, tmp_path)
    _assert_next_tokens_identical(proven, reference)
    laid = _mock_passes(comp, trace)
    # no unconstrained cell: rsqrt tables, saturated mask entries, rotary index maps, gathers …
    n, accepted = mutation_check(laid, count=120, seed=5)
    assert n == 120 and accepted == [], f"the mock accepted changed cells (block, row, column): {accepted[:10]}"


def test_tiny_llama_with_torch_sdpa_attention_next_token_and_mock(tmp_path):
    """model.py's flash path as torch exports it: the mask from ConstantOfShape/Trilu/Where(−inf)
    and q, kᵀ each scaled by hd^(−1/4)."""
    onnx_path, data = write_llama(tmp_path, TINY, 6, attention="sdpa")
    comp, trace, proven, reference = _front_end(onnx_path, data, tmp_path)
    _assert_next_tokens_identical(proven, reference)
    _mock_passes(comp, trace)


def test_torch_exported_llama_top1_identical(shared_dir, tmp_path):
    """A real torch.onnx export (Pow/ReduceMean/Sqrt/Div RMSNorm, Gather/Mul rotary, Tile heads,
    additive -10 mask, Sigmoid·x): every position's top-1 token is onnxruntime's."""
    d = shared_dir / "models" / "llama" / "torch_small"
    comp, trace, proven, reference = _front_end(d / "network.onnx", d / "input.json", tmp_path)
    _assert_next_tokens_identical(proven, reference)
    assert [n.attrs["fn"] for n in comp.graph.nodes if n.op == "lookup"].count("rsqrt") == 7  # 7 RMSNorms, fused


@pytest.mark.slow
def test_torch_exported_llama_mock_passes(shared_dir, tmp_path):
    d = shared_dir / "models" / "llama" / "torch_small"
    comp, trace, _, _ = _front_end(d / "network.onnx", d / "input.json", tmp_path)
    _mock_passes(comp, trace)


@pytest.mark.slow
def test_stories260k_next_token_and_mock(tmp_path):
    onnx_path, data = write_llama(tmp_path, CONFIGS["stories260k"], 16)
    comp, trace, proven, reference = _front_end(onnx_path, data, tmp_path)
    assert proven.shape == (1, 1, 512)
    _assert_next_tokens_identical(proven, reference)
    _mock_passes(comp, trace)


@pytest.mark.slow
def test_demo_llama_proves_stories260k_next_token(tmp_path, capsys):
    from cli.main import main

    main(["demo", "--model", "llama", "--keep", str(tmp_path), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["model"] == "stories260K" and summary["parameters"] == 260_032
    assert summary["verified"] is True and summary["top1_tokens_identical"] is True
    tokens = json.loads((tmp_path / "input.json").read_text())["input_data"][0]
    assert len(tokens) == 16
    proof = json.loads((tmp_path / "proof.json").read_text())
    assert int(np.argmax(proof["outputs"][0])) == summary["next_token"]
