"""What EZKL users meet at the edges, through the `ezk` command (in-process) on a small tanh MLP
(k = 13): flags ezk ignores (one line each), --quiet, --json, --version, why a proof is false,
logrows below the circuit's minimum, output folders checked before work, "does not exist"
naming the command that makes the file, a hand-edited witness output, get-srs and the default
SRS path, inline and @file data, gen-random-data, and EZKL's fields in the JSON files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from cli.main import main
from ezk import api
from ezk.felts import le_hex_to_i64, le_hex_to_ints

K = 13


def tanh_mlp(path: Path) -> Path:
    rng = np.random.default_rng(11)
    w = helper.make_tensor("w", TensorProto.FLOAT, [4, 4], rng.normal(0, 0.6, 16).astype(np.float32).tolist())
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Tanh", ["h"], ["y"])]
    g = helper.make_graph(nodes, "tanh_mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [w])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


class Run:
    def __init__(self, capsys, cwd: Path):
        self.capsys, self.cwd = capsys, cwd

    def __call__(self, *args):
        self.capsys.readouterr()
        old = os.getcwd()
        os.chdir(self.cwd)
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            os.chdir(old)
        cap = self.capsys.readouterr()
        return code, cap.out, cap.err


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A proven pipeline in EZKL's default file names (setup, prove and verify use the default
    SRS path: $EZK_SRS_DIR/kzg13.srs)."""
    d = tmp_path_factory.mktemp("ezkl_msgs")
    tanh_mlp(d / "network.onnx")
    (d / "input.json").write_text(json.dumps({"input_data": [[0.5, -1.0, 0.25, 2.0]]}))
    srs_dir = d / "srs"
    srs_dir.mkdir()
    old = os.environ.get("EZK_SRS_DIR")
    os.environ["EZK_SRS_DIR"] = str(srs_dir)
    cwd = os.getcwd()
    os.chdir(d)
    try:
        api.gen_settings("network.onnx", "settings.json", logrows=K, lookup_range=(-2048, 2048))
        api.compile_circuit("network.onnx", "model.compiled", "settings.json")
        api.gen_witness("model.compiled", "input.json", "witness.json")
        api.gen_srs(str(srs_dir / f"kzg{K}.srs"), K, seed="ezkl-messages")
        api.setup("model.compiled", None, "vk.key", "pk.key")
        api.prove("model.compiled", "witness.json", "pk.key", None, "proof.json")
        yield d
    finally:
        os.chdir(cwd)
        if old is None:
            os.environ.pop("EZK_SRS_DIR", None)
        else:
            os.environ["EZK_SRS_DIR"] = old


@pytest.fixture
def run(work, capsys, monkeypatch):
    monkeypatch.setenv("EZK_SRS_DIR", str(work / "srs"))
    return Run(capsys, work)


def one_error(res, *fragments):
    code, out, err = res
    assert code == 1, (code, out, err)
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


# --------------------------------------------------------------------------- flags and modes


def test_version(run):
    from ezk import __version__

    assert run("--version")[:2] == (0, f"ezk {__version__}\n")


def test_ignored_flags_one_line_each(run):
    code, out, err = run("setup", "-M", "model.compiled", "--vk-path", "vk2.key", "--pk-path", "pk2.key",
                         "-W", "witness.json", "--disable-selector-compression")
    assert code == 0
    notes = [ln for ln in err.splitlines() if "ignored" in ln]
    assert len(notes) == 2 and "-W/--witness" in notes[0] and "--disable-selector-compression" in notes[1]
    code, out, err = run("verify", "--reduced-srs")
    assert code == 0 and out.splitlines()[0] == "verified: true" and err.count("\n") == 1 and "--reduced-srs is ignored" in err
    assert out.splitlines()[1:] and all(ln.startswith("output ") for ln in out.splitlines()[1:])  # the public values
    code, out, err = run("gen-witness", "-V", "vk.key", "-P", "x.srs", "-O", "w_ign.json")
    assert code == 0 and err.count("is ignored") == 2


def test_quiet_silences_all_but_the_verdict(run, tmp_path):
    for args in (("gen-settings", "-O", tmp_path / "q.json", "--check-mode", "safe"),
                 ("gen-witness", "-O", tmp_path / "qw.json"), ("mock",), ("setup", "-W", "witness.json",
                  "--vk-path", tmp_path / "v.key", "--pk-path", tmp_path / "p.key")):
        assert run("--quiet", *args) == (0, "", ""), args
    assert run("verify", "--quiet") == (0, "verified: true\n", "")
    assert run("--quiet", "mock", "-W", "nothing.json")[0] == 1  # errors still show
    assert "does not exist" in run("--quiet", "mock", "-W", "nothing.json")[2]


def test_json_prints_one_object_per_command(run, tmp_path):
    for args, keys in ((("gen-settings", "-O", tmp_path / "j.json", "-K", str(K), "-B", "-2048->2048"), {"settings_path", "k", "rows", "cells", "seconds"}),
                       (("mock",), {"k", "rows", "cells", "seconds"}),
                       (("prove", "--proof-path", tmp_path / "p.json"), {"proof_path", "k", "seconds", "outputs"}),
                       (("verify",), {"verified", "proof_path", "seconds"})):
        code, out, _ = run("--json", *args)
        assert code == 0
        lines = out.strip().splitlines()
        assert len(lines) == 1, out
        obj = json.loads(lines[0])
        assert keys <= set(obj), (args, obj)
    assert json.loads(run("verify", "--json")[1])["verified"] is True


# ----------------------------------------------------------------------------- verify says why


def test_false_verdict_says_why(run, work, tmp_path):
    d = json.loads((work / "proof.json").read_text())
    edited = {**d, "outputs": [[v + 1.0 for v in d["outputs"][0]]]}
    (work / "p_out.json").write_text(json.dumps(edited))
    code, out, err = run("verify", "--proof-path", "p_out.json")
    assert (code, out) == (1, "verified: false\n") and err.strip().count("\n") == 0
    assert "outputs claimed in the proof file differ from its public instances" in err
    raw = bytes.fromhex(d["proof"])
    flipped = (raw[:100] + bytes([raw[100] ^ 4]) + raw[101:]).hex()
    (work / "p_bytes.json").write_text(json.dumps({**d, "proof": flipped, "hex_proof": "0x" + flipped}))
    code, out, err = run("verify", "--proof-path", "p_bytes.json")
    assert code == 1 and out == "verified: false\n"
    assert "pairing check failed" in err or "malformed" in err
    # --json: the verdict and the reason in the object, still exit 1
    code, out, _ = run("--json", "verify", "--proof-path", "p_out.json")
    obj = json.loads(out)
    assert code == 1 and obj["verified"] is False and "differ" in obj["reason"]


# ----------------------------------------------------------------------------- messages


def test_logrows_below_the_minimum_is_refused(run, work, tmp_path):
    line = one_error(run("gen-settings", "-O", tmp_path / "s.json", "-K", "5"), "needs 2^")
    assert "-K" in line and not (tmp_path / "s.json").exists()
    code, _, err = run("gen-settings", "-O", tmp_path / "s2.json")  # default 17: fine, no note
    assert code == 0 and json.loads((tmp_path / "s2.json").read_text())["run_args"]["logrows"] == 17
    s = json.loads((work / "settings.json").read_text())
    s["run_args"]["logrows"] = 6  # hand-edited
    (tmp_path / "small.json").write_text(json.dumps(s))
    one_error(run("compile-circuit", "-S", tmp_path / "small.json", "--compiled-circuit", tmp_path / "m.compiled"),
              "needs 2^", "logrows is 6")


@pytest.mark.parametrize("args,what", [
    (("gen-settings", "-O", "no/such/dir/settings.json"), "settings"),
    (("compile-circuit", "--compiled-circuit", "no/such/dir/m.compiled"), "compiled circuit"),
    (("gen-witness", "-O", "no/such/dir/w.json"), "witness"),
    (("setup", "--vk-path", "no/such/dir/vk.key", "--pk-path", "pk3.key"), "verifying key"),
    (("prove", "--proof-path", "no/such/dir/proof.json"), "proof"),
    (("gen-srs", "--srs-path", "no/such/dir/k.srs", "--logrows", "3"), "SRS"),
])
def test_output_paths_are_checked_before_work(run, args, what):
    one_error(run(*args), f"cannot write the {what}", "does not exist")


@pytest.mark.parametrize("args,maker", [
    (("compile-circuit", "-S", "none.json", "--compiled-circuit", "x.compiled"), "gen-settings"),
    (("gen-witness", "-M", "none.compiled", "-O", "x.json"), "compile-circuit"),
    (("mock", "-W", "none.json"), "gen-witness"),
    (("prove", "--pk-path", "none.key", "--proof-path", "x.json"), "setup"),
    (("verify", "--vk-path", "none.key"), "setup"),
    (("verify", "--proof-path", "none.json"), "prove"),
    (("gen-witness", "-D", "none.json", "-O", "x.json"), "gen-random-data"),
    (("setup", "--srs-path", "none.srs", "--vk-path", "v4.key", "--pk-path", "p4.key"), "get-srs"),
    (("gen-settings", "-M", "none.onnx", "-O", "x.json"), "ONNX"),
])
def test_missing_files_name_the_command_that_makes_them(run, args, maker):
    one_error(run(*args), "does not exist", maker)


def test_hand_edited_witness_output_is_refused(run, work):
    w = json.loads((work / "witness.json").read_text())
    outs = le_hex_to_i64(w["outputs"][0])
    outs[1] += 1
    from ezk.felts import i64_to_le_hex

    w["outputs"][0] = i64_to_le_hex(outs)
    (work / "w_edit.json").write_text(json.dumps(w))
    for cmd in (("mock", "-W", "w_edit.json"), ("prove", "-W", "w_edit.json", "--proof-path", "p_edit.json")):
        one_error(run(*cmd), "output 'y' differs from what the model computes", "element 1", "gen-witness")
    assert not (work / "p_edit.json").exists()


def test_srs_default_path_and_get_srs_messages(run, work, tmp_path, monkeypatch):
    empty = tmp_path / "empty_srs"
    empty.mkdir()
    monkeypatch.setenv("EZK_SRS_DIR", str(empty))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    line = one_error(run("prove", "--proof-path", tmp_path / "p.json"), f"no kzg{K}.srs in", "ezk get-srs", "ezk gen-srs")
    assert str(empty) in line
    line = one_error(run("get-srs", "-S", "settings.json"), f"no SRS file with at least 2^{K} points", "put a ceremony file there")
    assert str(empty) in line and ".ptau" in line
    one_error(run("get-srs", "-S", "none.json"), "needs --logrows or a settings file")
    # a ceremony file (here ezk's own test SRS with more points) is found and prepared once
    (empty / "big.srs").write_bytes((work / "srs" / f"kzg{K}.srs").read_bytes())
    code, out, _ = run("get-srs", "--logrows", "11")
    assert code == 0 and "big.srs" in out and (empty / "kzg11.srs").is_file()
    code, out, _ = run("get-srs", "--logrows", "11")
    assert code == 0 and "already prepared" in out


def test_data_inline_at_file_and_random(run, work, tmp_path):
    code, *_ = run("gen-witness", "-D", "@input.json", "-O", tmp_path / "a.json")
    assert code == 0
    code, *_ = run("gen-witness", "-D", json.dumps({"input_data": [[0.5, -1.0, 0.25, 2.0]]}), "-O", tmp_path / "b.json")
    assert code == 0
    assert json.loads((tmp_path / "a.json").read_text())["outputs"] == json.loads((tmp_path / "b.json").read_text())["outputs"]
    code, *_ = run("gen-random-data", "-M", "network.onnx", "-D", tmp_path / "r.json", "--seed", "3", "--min", "-1", "--max", "1")
    vals = json.loads((tmp_path / "r.json").read_text())["input_data"]
    assert code == 0 and len(vals) == 1 and len(vals[0]) == 4 and all(-1 <= v < 1 for v in vals[0])
    code, *_ = run("gen-witness", "-D", tmp_path / "r.json", "-O", tmp_path / "c.json")
    assert code == 0
    (tmp_path / "two.json").write_text(json.dumps({"input_data": [[0.1] * 8]}))
    one_error(run("gen-witness", "-D", tmp_path / "two.json", "-O", tmp_path / "d.json"), "2 samples?")


# ------------------------------------------------------------------------------ file fields


def test_ezkl_fields_in_the_files(work):
    s = json.loads((work / "settings.json").read_text())
    assert s["format"] == "ezk-settings" and s["model_instance_shapes"] == [[1, 4]]
    assert s["run_args"]["check_mode"] == "unsafe" and s["run_args"]["disable_freivalds"] is False
    w = json.loads((work / "witness.json").read_text())
    assert w["format"] == "ezk-witness" and w["version"] == 2 and w["processed_inputs"] is None
    q_in, scale_in = le_hex_to_i64(w["inputs"][0]), w["input_scales"][0]
    pe = w["pretty_elements"]
    assert [float(x) for x in pe["rescaled_inputs"][0]] == (q_in / 2.0**scale_in).tolist()
    assert [int(x, 16) for x in pe["inputs"][0]] == le_hex_to_ints(w["inputs"][0])
    assert all(x.startswith("0x") and len(x) == 66 for x in pe["outputs"][0])
    p = json.loads((work / "proof.json").read_text())
    assert p["format"] == "ezk-proof" and p["version"] == 2 and p["hex_proof"] == "0x" + p["proof"]
    assert le_hex_to_ints(p["instances"][0]) == le_hex_to_ints(w["outputs"][0])  # public outputs
    assert p["pretty_public_inputs"]["rescaled_outputs"] == pe["rescaled_outputs"] and p["pretty_public_inputs"]["inputs"] == []
    assert [float(x) for x in pe["rescaled_outputs"][0]] == p["outputs"][0]


def test_verify_does_not_load_onnx(work):
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("import sys\nfrom cli.main import main\ntry:\n    main(['verify'])\nexcept SystemExit:\n    pass\n"
            "assert 'onnx' not in sys.modules and 'onnxruntime' not in sys.modules, 'verify loaded onnx'")
    env = {**os.environ, "PYTHONPATH": str(REPO), "EZK_SRS_DIR": str(work / "srs")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.splitlines()[0] == "verified: true", proc.stderr
