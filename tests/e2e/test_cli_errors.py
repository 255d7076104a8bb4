"""Bad input through the `ezk` command line: one clear sentence on stderr and exit 1, never a
traceback (``--debug`` shows one). Front-end commands here; the proving commands (setup, mock,
prove, verify) and the tampering checks are in ``test_cli_errors_proving.py``.

The CLI runs in-process (``cli.main.main(argv)``) so that many cases stay fast; one case runs
``python -m cli.main`` in a subprocess to check the real exit status and ``--debug``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import onnx
import pytest
from onnx import TensorProto, helper

from tests.conftest import REPO
from tests.e2e.cli_runner import assert_one_sentence, run_cli
from tests.unit.onnx_models import tiny_model


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli_front")
    model = tiny_model(d / "tiny.onnx")
    (d / "input.json").write_text(json.dumps({"input_data": [[0.5, -1.0, 0.25, 2.0]]}))
    from ezk import api

    api.gen_settings(str(model), str(d / "settings.json"), logrows=13)
    api.compile_circuit(str(model), str(d / "model.compiled"), str(d / "settings.json"))
    api.gen_witness(str(d / "model.compiled"), str(d / "input.json"), str(d / "witness.json"))
    return d


def test_missing_model(capsys, tmp_path):
    assert_one_sentence(run_cli(capsys, "gen-settings", "-M", tmp_path / "none.onnx", "-O", tmp_path / "s.json"),
                        "does not exist")


@pytest.mark.parametrize("content", [b"", b"\x00garbage\xff" * 10, b'{"input_data": [[1]]}', b"\x08\x07" * 3])
def test_not_an_onnx_file(capsys, tmp_path, content):
    (tmp_path / "bad.onnx").write_bytes(content)
    assert_one_sentence(run_cli(capsys, "gen-settings", "-M", tmp_path / "bad.onnx", "-O", tmp_path / "s.json"))


def test_unsupported_op_names_op_node_and_opset(capsys, tmp_path):
    g = helper.make_graph([helper.make_node("NonZero", ["x"], ["y"], name="/find/NonZero")], "t",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                          [helper.make_tensor_value_info("y", TensorProto.INT64, None)])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(tmp_path / "nz.onnx"))
    assert_one_sentence(run_cli(capsys, "gen-settings", "-M", tmp_path / "nz.onnx", "-O", tmp_path / "s.json"),
                        "NonZero", "/find/NonZero", "13")


@pytest.mark.parametrize("text,fragment", [
    ('{"input_data": [[1, 2, 3]]}', "needs 4 values"),
    ('{"input_data": [[1, 2, 3, 4, 5]]}', "needs 4 values"),
    ('{"input_data": [[1, 2, 3, NaN]]}', "NaN or infinite"),
    ('{"input_data": [[1, 2, 3, Infinity]]}', "NaN or infinite"),
    ('{"input_data": [[1, 2, 3, -Infinity]]}', "NaN or infinite"),
    ('{"input_data": [[1, 2, 3, "four"]]}', "not a list of numbers"),
    ('{"input_data": []}', "takes 1 input(s)"),
    ('{"inputs": [[1, 2, 3, 4]]}', "input_data"),
    ("input_data = [1, 2, 3, 4]", "not valid JSON"),
    ('{"input_data": [[1e12, 1, 1, 1e12]]}', "outside the bound [-65536, 65536)"),
])
def test_bad_input_json(capsys, front, tmp_path, text, fragment):
    (tmp_path / "in.json").write_text(text)
    assert_one_sentence(run_cli(capsys, "gen-witness", "-M", front / "model.compiled", "-D", tmp_path / "in.json",
                                "-O", tmp_path / "w.json"), fragment)
    assert not (tmp_path / "w.json").exists()


def test_extra_input_arrays_are_ignored_with_a_notice(capsys, front, tmp_path):
    # as EZKL: the model's one input takes the first array; the notice says what was found
    (tmp_path / "in.json").write_text('{"input_data": [[1, 2, 3, 4], [5]]}')
    res = run_cli(capsys, "gen-witness", "-M", front / "model.compiled", "-D", tmp_path / "in.json", "-O", tmp_path / "w.json")
    assert res.code == 0 and (tmp_path / "w.json").exists()
    assert "holds 2 arrays (of 4, 1 values) but the model takes 1 input(s)" in res.err and "ignored" in res.err


def _corruptions(raw: bytes) -> dict[str, bytes]:
    mid = len(raw) // 2
    return {"empty": b"", "truncated": raw[:mid], "one byte flipped": raw[:mid] + bytes([raw[mid] ^ 0x5A]) + raw[mid + 1:],
            "garbage": b"\xff\xfe" * 50}


@pytest.mark.parametrize("how", ["empty", "truncated", "one byte flipped", "garbage"])
def test_corrupt_settings_and_compiled_circuit(capsys, front, tmp_path, how):
    bad_settings = _corruptions((front / "settings.json").read_bytes())[how]
    (tmp_path / "s.json").write_bytes(bad_settings)
    res = run_cli(capsys, "compile-circuit", "-M", front / "tiny.onnx", "-S", tmp_path / "s.json",
                  "--compiled-circuit", tmp_path / "m.compiled")
    if how == "one byte flipped" and res.code == 0:
        pass  # a flipped digit can still be a valid settings file: then it compiles, which is fine
    else:
        assert_one_sentence(res)
    (tmp_path / "bad.compiled").write_bytes(_corruptions((front / "model.compiled").read_bytes())[how])
    assert_one_sentence(run_cli(capsys, "gen-witness", "-M", tmp_path / "bad.compiled", "-D", front / "input.json",
                                "-O", tmp_path / "w.json"), "compiled circuit")


@pytest.mark.parametrize("command,flag,artifact", [
    ("gen-witness", "-M", "settings.json"),     # settings as a compiled circuit
    ("gen-witness", "-M", "witness.json"),      # witness as a compiled circuit
    ("gen-witness", "-M", "tiny.onnx"),         # the model as a compiled circuit
    ("gen-witness", "-D", "settings.json"),     # settings as input.json
    ("gen-witness", "-D", "model.compiled"),    # compiled circuit as input.json
    ("compile-circuit", "-S", "model.compiled"),  # compiled circuit as settings
    ("compile-circuit", "-S", "input.json"),      # input as settings
    ("compile-circuit", "-S", "witness.json"),    # witness as settings
    ("compile-circuit", "-M", "settings.json"),   # settings as the model
])
def test_artifacts_in_each_others_places(capsys, front, tmp_path, command, flag, artifact):
    args = {"gen-witness": {"-M": front / "model.compiled", "-D": front / "input.json", "-O": tmp_path / "w.json"},
            "compile-circuit": {"-M": front / "tiny.onnx", "-S": front / "settings.json",
                                "--compiled-circuit": tmp_path / "m.compiled"}}[command]
    args[flag] = front / artifact
    assert_one_sentence(run_cli(capsys, command, *[x for kv in args.items() for x in kv]))


def test_settings_of_another_model_are_a_clear_error(capsys, front, tmp_path):
    """Data made for one model given to another model's compiled circuit is refused by shape."""
    from ezk import api

    other = tmp_path / "other.onnx"
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="/relu")], "o",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(other))
    api.gen_settings(str(other), str(tmp_path / "s.json"), logrows=13)
    api.compile_circuit(str(other), str(tmp_path / "o.compiled"), str(tmp_path / "s.json"))
    # the first model's input.json does not fit the other model
    assert_one_sentence(run_cli(capsys, "gen-witness", "-M", tmp_path / "o.compiled", "-D", front / "input.json",
                                "-O", tmp_path / "w.json"), "needs 2 values")


def test_a_real_process_exits_1_without_traceback_and_debug_shows_one(tmp_path):
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    args = [sys.executable, "-m", "cli.main", "gen-settings", "-M", str(tmp_path / "missing.onnx"), "-O",
            str(tmp_path / "s.json")]
    res = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.strip().startswith("error:") and len(res.stderr.strip().splitlines()) == 1
    dbg = subprocess.run(args + ["--debug"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert dbg.returncode != 0 and "Traceback" in dbg.stderr and "ArtifactError" in dbg.stderr

