"""A circuit at k = 16 with 8 advice columns (the benchmark's synthetic circuit), end to end."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ezk.kzg import SRS
from ezk.plonk import keygen, mock, prove, verify


def _benchmark_module():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "prover.py"
    spec = importlib.util.spec_from_file_location("ezk_bench_prover", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_synthetic_small():
    circuit, witness = _benchmark_module().synthetic(9)
    assert len(circuit.cs.advice) >= 8
    assert mock(circuit, witness) == []
    srs = SRS.generate(9, seed=b"synthetic")
    pk, vk = keygen(circuit, srs)
    assert verify(vk, srs.verifier(), [], prove(pk, srs, witness))


@pytest.mark.slow
def test_k16_eight_advice_columns():
    circuit, witness = _benchmark_module().synthetic(16)
    assert circuit.k == 16 and len(circuit.cs.advice) >= 8
    assert mock(circuit, witness) == []
    srs = SRS.generate(16, seed=b"k16")
    pk, vk = keygen(circuit, srs)
    proof = prove(pk, srs, witness)
    assert verify(vk, srs.verifier(), [], proof.to_bytes())
