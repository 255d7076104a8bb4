"""The front-end commands through the CLI: the happy path and bad input (one sentence, exit 1)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ezk.felts import le_hex_to_i64
from tests.conftest import REPO


def ezk(*args, cwd):
    return subprocess.run([sys.executable, "-m", "cli.main", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def one_sentence_error(res, fragment):
    assert res.returncode == 1, res.stderr
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), res.stderr
    assert "Traceback" not in res.stderr
    assert fragment in lines[0], lines[0]


@pytest.fixture
def micro(shared_dir):
    return shared_dir / "models" / "nanogpt" / "micro"


def test_chain_and_table(tmp_path, micro):
    assert ezk("gen-settings", "-M", micro / "network.onnx", "-O", tmp_path / "s.json", cwd=tmp_path).returncode == 0
    r = ezk("calibrate-settings", "-M", micro / "network.onnx", "-D", micro / "input.json", "-O", tmp_path / "s.json",
            "--scales", "10,12", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "logits" in r.stdout and "worst nodes" in r.stdout
    assert ezk("compile-circuit", "-M", micro / "network.onnx", "-S", tmp_path / "s.json", "--compiled-circuit",
               tmp_path / "m.compiled", cwd=tmp_path).returncode == 0
    r = ezk("gen-witness", "-M", tmp_path / "m.compiled", "-D", micro / "input.json", "-O", tmp_path / "w.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    w = json.loads((tmp_path / "w.json").read_text())
    assert len(w["outputs"][0]) == 8 * 65 and le_hex_to_i64(w["inputs"][0]).tolist() == [16, 54, 63, 49, 41, 51, 45, 53]
    r = ezk("table", "-M", micro / "network.onnx", cwd=tmp_path)
    assert r.returncode == 0 and "einsum" in r.stdout and "lookup" in r.stdout


def test_missing_and_non_onnx_model(tmp_path):
    one_sentence_error(ezk("gen-settings", "-M", tmp_path / "none.onnx", cwd=tmp_path), "does not exist")
    (tmp_path / "bad.onnx").write_bytes(b"\x00garbage\xff" * 10)
    one_sentence_error(ezk("gen-settings", "-M", tmp_path / "bad.onnx", cwd=tmp_path), "not an ONNX model")


def test_unsupported_op(tmp_path):
    # LSTM (this test's first example) is supported now; NonZero of a tensor has a data-dependent shape
    import onnx
    from onnx import TensorProto, helper

    g = helper.make_graph([helper.make_node("NonZero", ["x"], ["y"], name="/NonZero")], "t",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                          [helper.make_tensor_value_info("y", TensorProto.INT64, None)])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(tmp_path / "nz.onnx"))
    one_sentence_error(ezk("gen-settings", "-M", tmp_path / "nz.onnx", cwd=tmp_path),
                       "ONNX op NonZero (node '/NonZero', opset 13) is not supported")


def test_bad_input_json_and_settings(tmp_path, micro):
    ezk("gen-settings", "-M", micro / "network.onnx", "-O", tmp_path / "s.json", cwd=tmp_path)
    ezk("compile-circuit", "-M", micro / "network.onnx", "-S", tmp_path / "s.json", "--compiled-circuit",
        tmp_path / "m.compiled", cwd=tmp_path)
    (tmp_path / "short.json").write_text(json.dumps({"input_data": [[1, 2, 3]]}))
    one_sentence_error(ezk("gen-witness", "-M", tmp_path / "m.compiled", "-D", tmp_path / "short.json", cwd=tmp_path),
                       "needs 8 values")
    (tmp_path / "nan.json").write_text('{"input_data": [[1, 2, 3, 4, 5, 6, 7, NaN]]}')
    one_sentence_error(ezk("gen-witness", "-M", tmp_path / "m.compiled", "-D", tmp_path / "nan.json", cwd=tmp_path),
                       "NaN or infinite")
    (tmp_path / "inf.json").write_text('{"input_data": [[1, 2, 3, 4, 5, 6, 7, Infinity]]}')
    one_sentence_error(ezk("gen-witness", "-M", tmp_path / "m.compiled", "-D", tmp_path / "inf.json", cwd=tmp_path),
                       "NaN or infinite")
    (tmp_path / "other.json").write_text(json.dumps({"format": "other", "run_args": {"input_scale": 7}}))
    one_sentence_error(ezk("compile-circuit", "-M", micro / "network.onnx", "-S", tmp_path / "other.json", cwd=tmp_path),
                       "not an ezk settings file")
    # an EZKL settings file (no "format") is imported, but only what ezk can prove with
    (tmp_path / "ipa.json").write_text(json.dumps({"run_args": {"input_scale": 7, "commitment": "IPA"}, "version": "23.0"}))
    one_sentence_error(ezk("compile-circuit", "-M", micro / "network.onnx", "-S", tmp_path / "ipa.json", cwd=tmp_path),
                       "KZG only")
