"""What `verify` checks and shows (issue #12): exactly the key's public values, the public inputs
dequantized beside the outputs, an expected input.json (`--data`), the SRS the keys were made
with, and key files of the previous format refused with a hint."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import numpy as np
import pytest

from ezk import api
from ezk.artifacts import read_key
from ezk.errors import ArtifactError
from ezk.plonk import VerifyingKey
from tests.conftest import REPO
from tests.small_models import X, Pipeline


@pytest.fixture(scope="module")
def public(tmp_path_factory, srs_path):
    """y = Gemm(x) with a public input, proven once."""
    p = Pipeline(tmp_path_factory.mktemp("public"), srs_path, "gemm", input_visibility="public")
    p.proof = p.prove()
    return p


def test_public_inputs_are_returned_and_printed_beside_the_outputs(public):
    p = public
    assert api.verify(p.proof, p.settings, p.vk, p.srs) is True
    res = api.verify_proof(p.proof, p.settings, p.vk, p.srs)
    assert res and res.inputs == [list(np.asarray(X, float).reshape(-1))]
    assert len(res.outputs) == 1 and len(res.outputs[0]) == 3
    proc = subprocess.run([sys.executable, "-m", "cli.main", "verify", "--proof-path", str(p.proof), "-S", str(p.settings),
                           "--vk-path", str(p.vk), "--srs-path", str(p.srs)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "verified: true"
    assert lines[1] == "input x [1, 4]: 0.5 -1 1.5 2" and lines[2].startswith("output y [1, 3]: ")


def test_expected_input_must_match(public, tmp_path):
    p = public
    assert api.verify(p.proof, p.settings, p.vk, p.srs, data=p.data)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"input_data": [[0.5, -1.0, 1.5, 2.0078125]]}))  # one quantum off in the last value
    res = api.verify_proof(p.proof, p.settings, p.vk, p.srs, data=other)
    assert not res and "public input 'x'" in res.reason
    assert api.verify(p.proof, p.settings, p.vk, p.srs, data=other) is False
    proc = subprocess.run([sys.executable, "-m", "cli.main", "verify", "--proof-path", str(p.proof), "-S", str(p.settings),
                           "--vk-path", str(p.vk), "--srs-path", str(p.srs), "--data", str(other)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1 and proc.stdout.startswith("verified: false")
    assert "the proof's public input 'x' is not the input in" in proc.stderr
    # a value that quantizes to the same integer is the same input
    same = tmp_path / "same.json"
    same.write_text(json.dumps({"input_data": [[0.5, -1.0, 1.5, 2.001]]}))
    assert api.verify(p.proof, p.settings, p.vk, p.srs, data=same)


def test_expected_input_of_a_private_input_proof_is_an_error(tmp_path_factory, srs_path):
    p = Pipeline(tmp_path_factory.mktemp("private-in"), srs_path, "gemm")
    proof = p.prove()
    with pytest.raises(ArtifactError, match="no public input"):
        api.verify(proof, p.settings, p.vk, p.srs, data=p.data)


def test_instances_of_another_length_are_refused(public, tmp_path):
    p = public
    d = json.loads(p.proof.read_text())
    zero, five = "00" * 32, "05" + "00" * 31  # field elements as proof.json writes them (EZKL's hex)
    for inst in ([d["instances"][0] + [zero]], [d["instances"][0][:-1]], [d["instances"][0] + [five, zero]]):
        (tmp_path / "p.json").write_text(json.dumps({**d, "instances": inst}))
        res = api.verify_proof(tmp_path / "p.json", p.settings, p.vk, p.srs)
        assert not res
        assert "public values per instance column; the verifying key states exactly [7]" in res.reason or \
            "shorter than" in res.reason, res.reason


def test_another_srs_is_refused_naming_both_digests(public, tmp_path):
    p = public
    other = tmp_path / "other.srs"
    api.gen_srs(other, 13, seed="another tau")
    with pytest.raises(ArtifactError, match=r"SRS .*other.srs.* \(digest [0-9a-f]{16}…\) is not the SRS the verifying key "
                                            r".* was made with \(digest [0-9a-f]{16}…\)"):
        api.verify(p.proof, p.settings, p.vk, other)
    vk = VerifyingKey.from_bytes(read_key(p.vk, "vk").body)
    assert read_key(p.vk, "vk").header["srs_digest"] == vk.srs_digest.hex()


def test_keys_of_the_previous_format_are_refused_with_a_hint(public, tmp_path):
    p = public
    data = bytearray(p.vk.read_bytes())
    struct.pack_into("<I", data, 12, 1)  # the envelope's version
    (tmp_path / "old.key").write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="format version 1; this ezk reads version 2; run ezk setup again"):
        read_key(tmp_path / "old.key", "vk")
    body = bytearray(read_key(p.vk, "vk").body)
    for old in (2, 3):  # the PLONK key's own version byte: 2 had no lengths, no SRS digest; 3 no lookup weights
        body[len(b"ezk-plonk-vk\x00")] = old
        with pytest.raises(ArtifactError, match=f"format version {old} but this ezk reads version 4: run setup"):
            VerifyingKey.from_bytes(bytes(body))
