"""The proving half against the real pipeline (tiny MLP, k = 13): tampered proofs, another
model's keys, artifacts in each other's places, corrupt SRS/keys, and out-of-range inputs.

Everything is checked through the Python API (``ezk.proving``: what the commands call) and
through the CLI as well (one sentence, exit ≠ 0; only a valid proof prints ``verified: true`` and
exits 0).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from ezk import _native, api
from ezk.errors import ArtifactError, EzkError, WitnessError
from tests.e2e.cli_runner import assert_one_sentence, run_cli
from tests.unit.onnx_models import tiny_model

R = _native.MODULUS
K = 13


def _pipeline(d, seed_shift: float = 0.0):
    model = tiny_model(d / "tiny.onnx")
    if seed_shift:  # another model: same shapes, other weights
        import onnx
        from onnx import numpy_helper

        m = onnx.load(str(model))
        w = numpy_helper.to_array(m.graph.initializer[0]) + seed_shift
        m.graph.initializer[0].CopyFrom(numpy_helper.from_array(w.astype(np.float32), m.graph.initializer[0].name))
        onnx.save(m, str(model))
    (d / "input.json").write_text(json.dumps({"input_data": [[0.5, -1.0, 0.25, 2.0]]}))
    api.gen_settings(str(model), str(d / "settings.json"), logrows=K)
    api.compile_circuit(str(model), str(d / "model.compiled"), str(d / "settings.json"))
    api.gen_witness(str(d / "model.compiled"), str(d / "input.json"), str(d / "witness.json"))
    return d


@pytest.fixture(scope="module")
def run(tmp_path_factory, srs_path):
    d = _pipeline(tmp_path_factory.mktemp("run"))
    api.setup(str(d / "model.compiled"), str(srs_path), str(d / "vk.key"), str(d / "pk.key"))
    api.prove(str(d / "model.compiled"), str(d / "witness.json"), str(d / "pk.key"), str(srs_path), str(d / "proof.json"))
    assert api.verify(str(d / "proof.json"), str(d / "settings.json"), str(d / "vk.key"), str(srs_path))
    return d


@pytest.fixture(scope="module")
def other(tmp_path_factory, srs_path):
    d = _pipeline(tmp_path_factory.mktemp("other"), seed_shift=0.25)
    api.setup(str(d / "model.compiled"), str(srs_path), str(d / "vk.key"), str(d / "pk.key"))
    return d


def _verify(run, srs_path, proof=None, settings=None, vk=None, srs=None) -> bool:
    return api.verify(str(proof or run / "proof.json"), str(settings or run / "settings.json"),
                      str(vk or run / "vk.key"), str(srs or srs_path))


def _rejected(fn) -> bool:
    """False from verify, or a one-sentence EzkError: both are rejections; anything else fails."""
    try:
        return not fn()
    except EzkError as e:
        assert str(e).strip() and "\n" not in str(e)
        return True


# ----------------------------------------------------------------------------- tampering


def test_flipped_hex_digits_are_rejected(run, srs_path, tmp_path):
    d = json.loads((run / "proof.json").read_text())
    hexs = d["proof"]
    rng = np.random.default_rng(3)
    for pos in rng.choice(len(hexs), size=60, replace=False):
        digit = hexs[pos]
        new = "0123456789abcdef"[("0123456789abcdef".index(digit) + int(rng.integers(1, 16))) % 16]
        (tmp_path / "p.json").write_text(json.dumps({**d, "proof": hexs[:pos] + new + hexs[pos + 1:]}))
        assert _rejected(lambda: _verify(run, srs_path, proof=tmp_path / "p.json")), f"hex digit {pos} flipped verified"


def test_edited_public_outputs_and_instances_are_rejected(run, srs_path, tmp_path):
    d = json.loads((run / "proof.json").read_text())
    # the claimed (dequantized) output edited alone
    outs = [list(o) for o in d["outputs"]]
    outs[0][-1] += 0.5
    (tmp_path / "p.json").write_text(json.dumps({**d, "outputs": outs}))
    assert _rejected(lambda: _verify(run, srs_path, proof=tmp_path / "p.json"))
    # every public instance edited, with the outputs edited consistently (the best a forger can do)
    from ezk.artifacts import read_key
    from tests.conftest import proof_instances, with_instances

    public = read_key(run / "vk.key", "vk").header["public"]
    for col in range(len(d["instances"])):
        for i in range(len(d["instances"][col])):
            inst = proof_instances(d)
            inst[col][i] = (inst[col][i] + 1) % R
            (tmp_path / "p.json").write_text(json.dumps(with_instances(d, public, inst)))
            assert _rejected(lambda: _verify(run, srs_path, proof=tmp_path / "p.json")), f"instance {col}/{i} edited verified"
    # an instance out of the field, negative, not 64 lowercase little-endian hex digits, or not a string
    v0 = proof_instances(d)[0][0]
    for bad in ((v0 + R).to_bytes(33, "little")[:32].hex() if v0 + R < 1 << 256 else "ff" * 32, "-1", "0x10",
                "1.5", 1.5, True, v0, " " + d["instances"][0][0][1:], "AB" + "0" * 62,
                "0x" + d["instances"][0][0][2:], str(v0), "٣" * 64, None, []):
        inst = [list(c) for c in d["instances"]]
        inst[0][0] = bad
        (tmp_path / "p.json").write_text(json.dumps({**d, "instances": inst}))
        assert _rejected(lambda: _verify(run, srs_path, proof=tmp_path / "p.json"))


def test_proof_checked_against_another_models_vk(run, other, srs_path, tmp_path):
    with pytest.raises(ArtifactError, match="another model"):
        _verify(run, srs_path, vk=other / "vk.key", settings=other / "settings.json")
    # without the vk_digest hint in proof.json, the cryptography itself rejects it
    d = json.loads((run / "proof.json").read_text())
    d.pop("vk_digest")
    (tmp_path / "p.json").write_text(json.dumps(d))
    assert not _verify(run, srs_path, proof=tmp_path / "p.json", vk=other / "vk.key", settings=other / "settings.json")
    # settings of another configuration (the other model's settings are byte-identical here:
    # settings describe shapes and scales, not weights — the vk is what binds the weights)
    api.gen_settings(str(other / "tiny.onnx"), str(tmp_path / "s6.json"), logrows=K, input_scale=6)
    with pytest.raises(ArtifactError, match="settings"):
        _verify(run, srs_path, settings=tmp_path / "s6.json")


def test_proving_with_another_models_key_or_witness(run, other, srs_path, tmp_path):
    with pytest.raises(ArtifactError, match="another compiled circuit"):
        api.prove(str(run / "model.compiled"), str(run / "witness.json"), str(other / "pk.key"), str(srs_path),
                  str(tmp_path / "p.json"))
    with pytest.raises(ArtifactError, match="another compiled circuit"):
        api.prove(str(run / "model.compiled"), str(other / "witness.json"), str(run / "pk.key"), str(srs_path),
                  str(tmp_path / "p.json"))


# -------------------------------------------------------------- artifacts out of place


@pytest.mark.parametrize("slot,artifact", [
    ("proof", "vk.key"), ("proof", "pk.key"), ("proof", "settings.json"), ("proof", "witness.json"),
    ("proof", "model.compiled"), ("vk", "pk.key"), ("vk", "proof.json"), ("vk", "settings.json"),
    ("settings", "model.compiled"), ("settings", "proof.json"), ("settings", "vk.key"),
    ("srs", "vk.key"), ("srs", "proof.json"),
])
def test_verify_with_artifacts_in_each_others_places(run, srs_path, slot, artifact):
    with pytest.raises(ArtifactError):
        _verify(run, srs_path, **{slot: run / artifact})


@pytest.mark.parametrize("what,how", [(w, h) for w in ("vk.key", "proof.json", "srs")
                                      for h in ("empty", "truncated", "flipped", "garbage")])
def test_verify_with_corrupt_files(run, srs_path, tmp_path, what, how):
    src = srs_path if what == "srs" else run / what
    raw = src.read_bytes()
    mid = len(raw) // 2
    bad = {"empty": b"", "truncated": raw[:mid], "flipped": raw[:mid] + bytes([raw[mid] ^ 1]) + raw[mid + 1:],
           "garbage": b"\x00\xff" * 40}[how]
    if what == "srs" and how == "flipped":  # a byte the verifier reads: in [τ]₂ (the G2 block)
        mask = int.from_bytes(raw[48:52], "little")  # format v2: one Lagrange checksum per stored size
        pos = 64 + 32 * (K + 1) + 32 * bin(mask).count("1") + 200
        bad = raw[:pos] + bytes([raw[pos] ^ 1]) + raw[pos + 1:]
    (tmp_path / "bad").write_bytes(bad)
    slot = {"vk.key": "vk", "proof.json": "proof", "srs": "srs"}[what]
    assert _rejected(lambda: _verify(run, srs_path, **{slot: tmp_path / "bad"}))


def test_setup_and_prove_with_wrong_or_corrupt_inputs(run, srs_path, tmp_path):
    compiled, witness = str(run / "model.compiled"), str(run / "witness.json")
    with pytest.raises(ArtifactError):  # settings as a compiled circuit
        api.setup(str(run / "settings.json"), str(srs_path), str(tmp_path / "v"), str(tmp_path / "p"))
    raw = srs_path.read_bytes()
    (tmp_path / "t.srs").write_bytes(raw[: len(raw) // 3])
    with pytest.raises(ArtifactError):  # truncated SRS
        api.setup(compiled, str(tmp_path / "t.srs"), str(tmp_path / "v"), str(tmp_path / "p"))
    api.gen_srs(str(tmp_path / "small.srs"), K - 1)
    with pytest.raises(ArtifactError, match="fewer than"):  # SRS too small for the circuit
        api.setup(compiled, str(tmp_path / "small.srs"), str(tmp_path / "v"), str(tmp_path / "p"))
    with pytest.raises(ArtifactError, match="not a proving key"):  # vk as pk
        api.prove(compiled, witness, str(run / "vk.key"), str(srs_path), str(tmp_path / "p.json"))
    with pytest.raises(ArtifactError):  # input.json as witness
        api.prove(compiled, str(run / "input.json"), str(run / "pk.key"), str(srs_path), str(tmp_path / "p.json"))
    pk = (run / "pk.key").read_bytes()
    (tmp_path / "pk.key").write_bytes(pk[:-1] + bytes([pk[-1] ^ 1]))
    with pytest.raises(ArtifactError, match="corrupt"):
        api.prove(compiled, witness, str(tmp_path / "pk.key"), str(srs_path), str(tmp_path / "p.json"))
    assert not (tmp_path / "p.json").exists()


# ------------------------------------------------------------------- out-of-range inputs


@pytest.mark.parametrize("value", [3.0, 1e3, 1e6, 1e9, 1e10, 1e11, 1e12, 1e14, 1e18])
def test_out_of_range_input_fails_gen_witness_or_mocks(run, tmp_path, value):
    """Either gen-witness refuses (naming the node, or the input and its bound) or the mock
    accepts: never a witness that cannot be proven."""
    for sign in (1, -1):
        (tmp_path / "in.json").write_text(json.dumps({"input_data": [[sign * value, -sign * value, 0.5, sign * value]]}))
        try:
            api.gen_witness(str(run / "model.compiled"), str(tmp_path / "in.json"), str(tmp_path / "w.json"))
        except WitnessError as e:
            assert "ONNX node" in str(e) or "too large" in str(e) or "input 'x'" in str(e) and "bound" in str(e), str(e)
            continue
        api.mock(str(run / "model.compiled"), str(tmp_path / "w.json"))


# --------------------------------------------------------------------- through the CLI


def test_cli_verify_accepts_only_the_valid_proof(capsys, run, other, srs_path, tmp_path):
    base = ["verify", "--proof-path", run / "proof.json", "-S", run / "settings.json", "--vk-path", run / "vk.key",
            "--srs-path", srs_path]
    ok = run_cli(capsys, *base)
    assert ok.code == 0 and "verified: true" in ok.out, ok.err
    d = json.loads((run / "proof.json").read_text())
    pos = len(d["proof"]) // 2
    d["proof"] = d["proof"][:pos] + ("0" if d["proof"][pos] != "0" else "1") + d["proof"][pos + 1:]
    (tmp_path / "p.json").write_text(json.dumps(d))
    res = run_cli(capsys, *[tmp_path / "p.json" if a == run / "proof.json" else a for a in base])
    assert res.code != 0 and "verified: true" not in res.out and "Traceback" not in res.err
    res = run_cli(capsys, *[other / "vk.key" if a == run / "vk.key" else a for a in base])
    assert_one_sentence(res, "another model")
    (tmp_path / "nj.json").write_text("not json")
    assert_one_sentence(run_cli(capsys, *[tmp_path / "nj.json" if a == run / "proof.json" else a for a in base]),
                        "not JSON")
    assert_one_sentence(run_cli(capsys, *[run / "vk.key" if a == run / "proof.json" else a for a in base]))
    assert_one_sentence(run_cli(capsys, *[run / "pk.key" if a == run / "vk.key" else a for a in base]),
                        "not a verifying key")


def test_cli_setup_prove_mock_bad_inputs(capsys, run, srs_path, tmp_path):
    assert_one_sentence(run_cli(capsys, "setup", "-M", run / "settings.json", "--srs-path", srs_path,
                                "--vk-path", tmp_path / "v", "--pk-path", tmp_path / "p"))
    assert_one_sentence(run_cli(capsys, "setup", "-M", run / "model.compiled", "--srs-path", tmp_path / "none.srs",
                                "--vk-path", tmp_path / "v", "--pk-path", tmp_path / "p"), "does not exist")
    assert_one_sentence(run_cli(capsys, "prove", "-M", run / "model.compiled", "-W", run / "witness.json",
                                "--pk-path", run / "vk.key", "--srs-path", srs_path, "--proof-path", tmp_path / "x.json"),
                        "not a proving key")
    assert_one_sentence(run_cli(capsys, "mock", "-M", run / "model.compiled", "-W", run / "settings.json"))
