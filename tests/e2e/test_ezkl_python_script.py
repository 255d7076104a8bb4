"""An EZKL Python script, written from EZKL's ezkl.pyi, run with `import ezk as ezkl`: PyRunArgs,
gen_settings, calibrate_settings on multi-sample data, compile_circuit, gen_witness, mock,
get_srs (a coroutine, offline, from a ceremony file in $EZK_SRS_DIR), setup,
gen_vk_from_pk_single, prove, verify — on the zoo's 1l_relu (skipped without ../shared) and
the bundled nanoGPT micro (built here)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import numpy as np
import pytest

import ezk as ezkl
from models.nanogpt import MICRO, write_nanogpt
from tests.srs_files import write_halo2_params


@pytest.fixture
def srs_dir(tmp_path, monkeypatch):
    """A local SRS directory ($EZK_SRS_DIR), empty: each test puts its "downloaded" ceremony file."""
    d = tmp_path / "srs"
    d.mkdir()
    monkeypatch.setenv("EZK_SRS_DIR", str(d))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return d


def ezkl_script(workdir: Path, model: str, data: str, calibration: str, scales, download=None) -> dict:
    """What an EZKL user writes, step by step (file names as in EZKL's notebooks)."""
    os.chdir(workdir)
    run_args = ezkl.PyRunArgs()
    run_args.input_visibility = "private"
    run_args.output_visibility = "public"
    run_args.param_visibility = "fixed"
    assert ezkl.gen_settings(model, "settings.json", py_run_args=run_args) is True
    assert ezkl.calibrate_settings(calibration, model, "settings.json", "resources", scales=scales) is True
    assert ezkl.compile_circuit(model, "network.compiled", "settings.json") is True
    if download:  # the ceremony file a user fetched for this logrows
        download(json.loads(Path("settings.json").read_text())["run_args"]["logrows"])
    res = asyncio.run(ezkl.get_srs("settings.json"))
    assert res is True
    witness = ezkl.gen_witness(data, "network.compiled", "witness.json")
    assert isinstance(witness, dict) and witness["outputs"] and "rescaled_outputs" in witness["pretty_elements"]
    assert ezkl.mock("witness.json", "network.compiled") is True
    assert ezkl.setup("network.compiled", "vk.key", "pk.key") is True
    assert ezkl.gen_vk_from_pk_single("pk.key", "settings.json", "vk_from_pk.key") is True
    proof = ezkl.prove("witness.json", "network.compiled", "pk.key", "proof.json")
    assert proof["proof"].startswith("0x") and proof["instances"]
    assert ezkl.verify("proof.json", "settings.json", "vk.key") is True
    assert ezkl.verify("proof.json", "settings.json", "vk_from_pk.key") is True
    return {"witness": witness, "proof": proof, "settings": json.loads(Path("settings.json").read_text())}


def check_outputs(out: dict) -> None:
    """The proof's public outputs are the witness's, as EZKL users read them back with the felt helpers."""
    scale = out["settings"]["model_output_scales"][0]
    from_felts = [ezkl.felt_to_float(f, scale) for f in out["proof"]["instances"][0]]
    rescaled = [float(x) for x in out["witness"]["pretty_elements"]["rescaled_outputs"][0]]
    assert from_felts == rescaled == [float(x) for x in out["proof"]["pretty_public_inputs"]["rescaled_outputs"][0]]
    assert out["settings"]["model_instance_shapes"]


def test_ezkl_script_on_1l_relu(tmp_path, srs_dir, shared_dir, monkeypatch):
    """From a larger ceremony file: get_srs computes the size-2^k Lagrange basis once."""
    monkeypatch.chdir(tmp_path)
    write_halo2_params(srs_dir / "kzg14.srs", tau=0x5EED5EED, k=14)
    zoo = shared_dir / "zoo" / "1l_relu"
    rng = np.random.default_rng(5)
    (tmp_path / "cal.json").write_text(json.dumps({"input_data": [rng.normal(0, 1, 3 * 10).tolist()]}))
    out = ezkl_script(tmp_path, str(zoo / "network.onnx"), str(zoo / "input.json"), "cal.json", [7, 9])
    check_outputs(out)
    assert out["settings"]["run_args"]["input_visibility"] == "private"


@pytest.mark.slow  # nanoGPT micro is proven through the CLI in the default run (test_pipeline_cli)
def test_ezkl_script_on_nanogpt_micro(tmp_path, srs_dir, monkeypatch):
    """From EZKL's kzg{k}.srs of exactly the circuit's size: its own g_lagrange is used."""
    monkeypatch.chdir(tmp_path)
    model, data = write_nanogpt(tmp_path / "m", MICRO)
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, MICRO.vocab_size, size=(4, MICRO.block_size))  # 4 calibration samples
    (tmp_path / "calibration.json").write_text(json.dumps({"input_data": [tokens.reshape(-1).tolist()]}))
    out = ezkl_script(tmp_path, str(model), str(data), "calibration.json", [11],
                      download=lambda k: write_halo2_params(srs_dir / f"kzg{k}.srs", tau=0x5EED5EED, k=k))
    check_outputs(out)
    # a verifier that does not trust the prover's files: a changed public output fails, saying why
    d = json.loads((tmp_path / "proof.json").read_text())
    d["outputs"][0][0] += 1.0
    (tmp_path / "bad.json").write_text(json.dumps(d))
    with pytest.raises(ezkl.EzklError, match="claimed in the proof file differ"):
        ezkl.verify("bad.json", "settings.json", "vk.key")
    with pytest.raises(RuntimeError):  # EZKL raises RuntimeError; ezk's error is one
        ezkl.mock("witness.json", "no.compiled")
