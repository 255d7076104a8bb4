"""An EZKL shell script, written from EZKL's documented CLI (src/commands.rs of zkonduit/ezkl),
run unchanged with `ezkl` meaning `ezk`: EZKL's short options and `->` syntax, calibration on a
multi-sample calibration.json (the default -D), get-srs from a halo2/EZKL kzg{K}.srs ceremony file
in ~/.ezkl/srs (HOME points at a temporary folder), the default SRS path on setup / prove /
verify, gen-witness -D @file, mock, prove, verify. Every command must exit 0.

The model is the zoo's 1l_relu when ../shared is present, else a one-layer ReLU MLP built here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

from tests.conftest import REPO, SHARED
from tests.srs_files import write_halo2_params

CEREMONY_K = 15  # the "downloaded" ceremony file: larger than the circuit needs

SCRIPT = r"""
set -euo pipefail
set -x
$EZKL --version
$EZKL gen-settings -M network.onnx -O settings.json -S 7 --param-scale 7 -B='-32768->32768' -N 2 -V 'batch_size->1' \
    -K 17 --input-visibility private --output-visibility public --param-visibility fixed \
    --check-mode safe --decomp-base 16384 --decomp-legs 2
$EZKL calibrate-settings -M network.onnx -O settings.json --target resources --lookup-safety-margin 2 --scales 7,9
$EZKL compile-circuit -M network.onnx -S settings.json --compiled-circuit model.compiled
$EZKL get-srs -S settings.json
$EZKL setup -M model.compiled --vk-path vk.key --pk-path pk.key
$EZKL gen-witness -D @input.json -M model.compiled -O witness.json
$EZKL mock -M model.compiled -W witness.json
$EZKL prove -W witness.json -M model.compiled --pk-path pk.key --proof-path proof.json
$EZKL verify -S settings.json --proof-path proof.json --vk-path vk.key
$EZKL --json verify --proof-path proof.json > verdict.json
"""


def relu_mlp(path: Path) -> None:
    rng = np.random.default_rng(3)
    w = helper.make_tensor("w", TensorProto.FLOAT, [3, 3], rng.normal(0, 0.5, 9).astype(np.float32).tolist())
    nodes = [helper.make_node("MatMul", ["input", "w"], ["h"]), helper.make_node("Relu", ["h"], ["output"])]
    g = helper.make_graph(nodes, "relu", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3])], [w])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def ezkl_wrapper(bin_dir: Path) -> Path:
    """An `ezkl` command that is ezk."""
    bin_dir.mkdir()
    exe = bin_dir / "ezkl"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} -m cli.main \"$@\"\n")
    exe.chmod(0o755)
    return exe


def test_ezkl_script_runs_unchanged_with_ezk(tmp_path):
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    zoo = SHARED / "zoo" / "1l_relu" / "network.onnx"
    if zoo.is_file():
        (work / "network.onnx").write_bytes(zoo.read_bytes())
    else:
        relu_mlp(work / "network.onnx")
    rng = np.random.default_rng(0)
    (work / "input.json").write_text(json.dumps({"input_data": [[0.5, -0.25, 1.0]]}))
    samples = rng.uniform(-1, 1, size=(20, 3))  # EZKL's calibration layout: 20 samples concatenated
    (work / "calibration.json").write_text(json.dumps({"input_data": [samples.reshape(-1).tolist()]}))
    (home / ".ezkl" / "srs").mkdir(parents=True)
    write_halo2_params(home / ".ezkl" / "srs" / f"kzg{CEREMONY_K}.srs", tau=0xC0FFEE1234, k=CEREMONY_K)
    exe = ezkl_wrapper(tmp_path / "bin")
    env = {**os.environ, "HOME": str(home), "EZKL": str(exe), "PYTHONPATH": str(REPO)}
    env.pop("EZK_SRS_DIR", None)
    env.pop("EZKL_REPO_PATH", None)
    proc = subprocess.run(["bash", "-c", SCRIPT], cwd=work, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, f"the script stopped:\n{proc.stderr[-4000:]}"
    assert "calibrating on calibration.json" in proc.stderr and "calibrated on 20 sample(s)" in proc.stdout
    assert "--check-mode is stored in settings.json but has no effect" in proc.stderr
    k = json.loads((work / "settings.json").read_text())["run_args"]["logrows"]
    prepared = home / ".ezk" / "srs" / f"kzg{k}.srs"
    assert prepared.is_file() and f"kzg{CEREMONY_K}.srs" in proc.stdout  # made from the ceremony file
    assert proc.stdout.count("verified: true") == 1
    assert json.loads((work / "verdict.json").read_text())["verified"] is True
