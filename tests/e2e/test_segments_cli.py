"""Segmented models through the `ezk` command line: compile-circuit --max-logrows, verify of a
bundle (exit codes), calibrate-settings --max-logrows, and one-sentence errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEGMENT_K

REPO = Path(__file__).resolve().parent.parent.parent


def ezk(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env={**__import__("os").environ, "PYTHONPATH": str(REPO)})


def test_compile_circuit_reports_its_segments(segmented_model, tmp_path):
    m = segmented_model
    p = ezk("compile-circuit", "-M", m.model, "-S", m.settings, "--compiled-circuit", tmp_path / "c.compiled",
            "--max-logrows", SEGMENT_K, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert f"segments of 2^{SEGMENT_K} rows" in p.stdout


def test_verify_accepts_the_bundle_and_rejects_a_tampered_one(segmented_bundle, tmp_path):
    m = segmented_bundle
    args = ["--settings-path", m.settings, "--vk-path", m.vk, "--srs-path", m.srs]
    ok = ezk("verify", "--proof-path", m.proof, *args, cwd=tmp_path)
    assert ok.returncode == 0 and "verified: true" in ok.stdout
    d = json.loads(m.proof.read_text())
    d["outputs"][0][0] += 1.0  # claim another output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d))
    no = ezk("verify", "--proof-path", bad, *args, cwd=tmp_path)
    assert no.returncode == 1 and "verified: false" in no.stdout


def test_a_single_proof_file_against_a_key_bundle_is_one_sentence(segmented_bundle, tmp_path):
    m = segmented_bundle
    (tmp_path / "p.json").write_text(json.dumps({"format": "ezk-proof", "version": 1, "proof": "", "instances": [],
                                                  "outputs": []}))
    p = ezk("verify", "--proof-path", tmp_path / "p.json", "--settings-path", m.settings, "--vk-path", m.vk,
            "--srs-path", m.srs, cwd=tmp_path)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert "segmented proof" in p.stderr


def test_workers_and_scheduler_together_are_refused(segmented_bundle, tmp_path):
    m = segmented_bundle
    p = ezk("prove", "-M", m.compiled, "-W", m.witness, "--pk-path", m.pk, "--srs-path", m.srs,
            "--proof-path", tmp_path / "p.json", "--workers", 2, "--scheduler", "tcp://127.0.0.1:1", cwd=tmp_path)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert "not both" in p.stderr


def test_an_unreachable_scheduler_is_one_sentence(segmented_bundle, tmp_path):
    m = segmented_bundle
    p = ezk("setup", "-M", m.compiled, "--srs-path", m.srs, "--vk-path", tmp_path / "v.key",
            "--pk-path", tmp_path / "p.key", "--scheduler", "tcp://127.0.0.1:9", cwd=tmp_path)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert "Dask scheduler" in p.stderr


def test_calibrate_with_max_logrows_asks_for_segments(segmented_model, tmp_path):
    # calibration shrinks the lookup range (fewer rows than the fixture's settings): a model of
    # 24 blocks still needs more than 2^SEGMENT_K rows after it
    from models.nanogpt import NanoGPTConfig, write_nanogpt

    m = segmented_model
    write_nanogpt(tmp_path, NanoGPTConfig(n_layer=24, n_head=2, n_embd=8, block_size=4, seed=0))
    out = tmp_path / "settings.json"
    out.write_text(m.settings.read_text())
    p = ezk("calibrate-settings", "-M", tmp_path / "network.onnx", "-D", tmp_path / "input.json", "-O", out,
            "--scales", "5", "--max-logrows", SEGMENT_K, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    ra = json.loads(out.read_text())["run_args"]
    assert ra["segment_logrows"] == SEGMENT_K and ra["logrows"] == SEGMENT_K
    assert "segments" in p.stdout


def test_bundle_instances_are_ezkl_little_endian_hex_and_version_1_is_one_sentence(segmented_bundle, tmp_path):
    m = segmented_bundle
    d = json.loads(m.proof.read_text())
    assert d["version"] == 2
    cols = [c for c in d["instances"] if c]
    assert cols and all(len(v) == 64 and v == v.lower() and int(v, 16) >= 0 for c in cols for v in c)
    args = ["--settings-path", m.settings, "--vk-path", m.vk, "--srs-path", m.srs]
    old = {**d, "version": 1, "instances": [[str(int.from_bytes(bytes.fromhex(v), "little")) for v in c]
                                             for c in d["instances"]]}
    for name, data, words in (("old.json", old, "version 1"),
                              ("upper.json", {**d, "instances": [[v.upper() for v in c] for c in d["instances"]]},
                               "lowercase hex"),
                              ("decimal.json", {**old, "version": 2}, "64 hex digits")):
        (tmp_path / name).write_text(json.dumps(data))
        p = ezk("verify", "--proof-path", tmp_path / name, *args, cwd=tmp_path)
        assert p.returncode == 1 and "verified" not in p.stdout and "Traceback" not in p.stderr, p.stderr
        assert words in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
