"""The whole workflow through the `ezk` command line, on nanoGPTs built by models/nanogpt.py:
gen-settings → calibrate-settings → compile-circuit → gen-witness → mock → gen-srs → setup →
prove → verify, then tampered proofs and mismatched keys, which must all be rejected."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from models.nanogpt import MICRO, NanoGPTConfig, write_nanogpt

SMALL = NanoGPTConfig(vocab_size=16, block_size=4, n_layer=1, n_head=2, n_embd=8)


def ezk(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=cwd, capture_output=True, text=True, timeout=1200)
    if check and proc.returncode != 0:
        raise AssertionError(f"ezk {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def run_pipeline(workdir: Path, cfg: NanoGPTConfig, lookup_range: str) -> Path:
    write_nanogpt(workdir, cfg)
    ezk("gen-settings", "-M", "network.onnx", "-O", "settings.json", f"--lookup-range={lookup_range}", cwd=workdir)
    ezk("calibrate-settings", "-M", "network.onnx", "-D", "input.json", "-O", "settings.json", "--target", "accuracy", cwd=workdir)
    ezk("compile-circuit", "-M", "network.onnx", "-S", "settings.json", "--compiled-circuit", "model.compiled", cwd=workdir)
    ezk("gen-witness", "-M", "model.compiled", "-D", "input.json", "-O", "witness.json", cwd=workdir)
    ezk("mock", "-M", "model.compiled", "-W", "witness.json", cwd=workdir)
    k = json.loads((workdir / "settings.json").read_text())["run_args"]["logrows"]
    ezk("gen-srs", "--srs-path", "kzg.srs", "--logrows", str(k), cwd=workdir)
    ezk("setup", "-M", "model.compiled", "--srs-path", "kzg.srs", "--vk-path", "vk.key", "--pk-path", "pk.key", cwd=workdir)
    ezk("prove", "-M", "model.compiled", "-W", "witness.json", "--pk-path", "pk.key", "--srs-path", "kzg.srs",
        "--proof-path", "proof.json", cwd=workdir)
    return workdir


def verify(workdir: Path, proof="proof.json", vk="vk.key", settings="settings.json") -> subprocess.CompletedProcess:
    return ezk("verify", "--proof-path", proof, "-S", settings, "--vk-path", vk, "--srs-path", "kzg.srs", cwd=workdir, check=False)


def check_outputs_match_onnxruntime(workdir: Path, cfg: NanoGPTConfig, tol: float) -> None:
    tokens = np.array(json.loads((workdir / "input.json").read_text())["input_data"][0]).reshape(1, -1)
    ref = ort.InferenceSession(str(workdir / "network.onnx")).run(None, {"idx": tokens})[0].reshape(-1)
    proven = np.array(json.loads((workdir / "proof.json").read_text())["outputs"][0])
    assert proven.shape == ref.shape
    assert np.abs(proven - ref).max() <= tol * np.abs(ref).max()
    T = cfg.block_size
    assert (proven.reshape(T, -1).argmax(-1) == ref.reshape(T, -1).argmax(-1)).all()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return run_pipeline(tmp_path_factory.mktemp("small"), SMALL, "-1024,1024")


def test_small_nanogpt_proves_and_verifies(small):
    proc = verify(small)
    assert proc.returncode == 0, proc.stderr
    assert "verified: true" in proc.stdout
    check_outputs_match_onnxruntime(small, SMALL, 0.05)


def _edit_proof(workdir: Path, name: str, edit) -> str:
    data = json.loads((workdir / "proof.json").read_text())
    edit(data)
    (workdir / name).write_text(json.dumps(data))
    return name


def test_flipped_hex_digit_is_rejected(small):
    def flip(d):
        h = d["proof"]
        i = len(h) // 3
        d["proof"] = h[:i] + ("0" if h[i] != "0" else "1") + h[i + 1:]

    proc = verify(small, proof=_edit_proof(small, "flipped.json", flip))
    assert proc.returncode != 0 and "verified: true" not in proc.stdout


def test_edited_public_output_is_rejected(small):
    def claim_other_output(d):
        d["outputs"][0][0] += 1.0

    proc = verify(small, proof=_edit_proof(small, "edited_output.json", claim_other_output))
    assert proc.returncode != 0 and "verified: true" not in proc.stdout


def test_edited_instance_with_consistent_output_is_rejected(small):
    """A forger who edits the instance AND the matching dequantized output is caught by the proof."""
    from ezk.artifacts import read_key
    from tests.conftest import proof_instances, with_instances

    header = read_key(small / "vk.key", "vk").header

    def forge(d):
        inst = proof_instances(d)
        inst[0][-1] = inst[0][-1] + 1
        d.update(with_instances(d, header["public"], inst))

    proc = verify(small, proof=_edit_proof(small, "forged.json", forge))
    assert proc.returncode != 0 and "verified: true" not in proc.stdout


def test_non_json_proof_and_wrong_kinds_are_one_sentence_errors(small):
    (small / "garbage.json").write_text("not json {")
    for proof, vk in (("garbage.json", "vk.key"), ("vk.key", "vk.key"), ("proof.json", "pk.key"), ("proof.json", "settings.json")):
        proc = verify(small, proof=proof, vk=vk)
        assert proc.returncode == 1, (proof, vk, proc.stdout, proc.stderr)
        assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_other_models_keys_are_rejected(small, tmp_path):
    other = run_pipeline(tmp_path, NanoGPTConfig(**{**SMALL.__dict__, "seed": 7}), "-1024,1024")
    shutil.copy(small / "kzg.srs", other / "kzg_small.srs")
    # this proof against the other model's vk (and settings): a clear error, not a pass
    shutil.copy(small / "proof.json", other / "small_proof.json")
    proc = verify(other, proof="small_proof.json")
    assert proc.returncode != 0 and "verified: true" not in proc.stdout
    # the other model's vk with this model's settings: refused before any cryptography
    shutil.copy(other / "vk.key", small / "other_vk.key")
    proc = verify(small, vk="other_vk.key")
    assert proc.returncode == 1 and "another model" in proc.stderr


def test_python_api_and_cli_files_are_interchangeable(small, tmp_path):
    from ezk import api

    # keys from the CLI, proof from the API, verified by the CLI
    api.prove(str(small / "model.compiled"), str(small / "witness.json"), str(small / "pk.key"),
              str(small / "kzg.srs"), str(small / "api_proof.json"))
    proc = verify(small, proof="api_proof.json")
    assert proc.returncode == 0 and "verified: true" in proc.stdout
    # and the CLI's proof verified by the API
    assert api.verify(str(small / "proof.json"), str(small / "settings.json"), str(small / "vk.key"), str(small / "kzg.srs"))


def test_micro_nanogpt_proves_and_verifies(tmp_path):
    """nanoGPT micro (4.5k parameters), the `ezk demo` model, through the whole CLI (CI's real proof)."""
    run_pipeline(tmp_path, MICRO, "-32768,32768")
    proc = verify(tmp_path)
    assert proc.returncode == 0 and "verified: true" in proc.stdout
    check_outputs_match_onnxruntime(tmp_path, MICRO, 0.05)


def test_micro_proof_tampering_sweep(tmp_path):
    """nanoGPT micro: 500 sampled byte positions of the proof and every public instance, each
    changed alone, are all rejected by the verifier (issue 7)."""
    from ezk import _native
    from ezk.artifacts import read_key, read_proof_json
    from ezk.kzg import load_srs
    from ezk.plonk import VerifyingKey
    from ezk.plonk import verify as plonk_verify

    run_pipeline(tmp_path, MICRO, "-32768,32768")
    vk = VerifyingKey.from_bytes(read_key(tmp_path / "vk.key", "vk").body)
    vsrs = load_srs(tmp_path / "kzg.srs", 1).verifier()
    proof = read_proof_json(tmp_path / "proof.json")
    raw, inst = proof["proof_bytes"], proof["instance_values"]
    frs = [_native.FrVec.from_ints(col) for col in inst]
    assert plonk_verify(vk, vsrs, frs, raw)

    rng = np.random.default_rng(2026)
    positions = rng.choice(len(raw), size=min(500, len(raw)), replace=False)
    accepted = []
    for pos in positions:
        bad = bytearray(raw)
        bad[pos] ^= 1 << int(rng.integers(8))
        if plonk_verify(vk, vsrs, frs, bytes(bad)):
            accepted.append(int(pos))
    assert accepted == [], f"byte changes the verifier accepted at positions {accepted[:10]}"

    for i in range(len(inst[0])):
        col = list(inst[0])
        col[i] = (col[i] + 1) % _native.MODULUS
        assert not plonk_verify(vk, vsrs, [_native.FrVec.from_ints(col)] + frs[1:], raw), f"instance {i} changed verified"
