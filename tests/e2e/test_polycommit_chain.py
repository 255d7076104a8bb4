"""A model split by hand into two ONNX models, chained by polycommit visibility, as EZKL users
do it (``import ezk as ezkl``): model 1's output and model 2's input are polycommit, each model
proves and verifies on its own, and the proofs agree on the boundary commitment. EZKL's flow —
copy witness 1's processed_outputs into witness 2's processed_inputs, swap_proof_commitments,
verify — passes only when proof 2 committed to model 1's output; every way of breaking the
chain is rejected."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import ezk as ezkl
from ezk import _native

REPO = Path(__file__).resolve().parents[2]


def gemm_model(path: Path, n_in: int, n_out: int, relu: bool, seed: int) -> None:
    """y = (relu of) x·Wᵀ + b."""
    rng = np.random.default_rng(seed)
    w = helper.make_tensor("W", TensorProto.FLOAT, [n_out, n_in], rng.normal(0, 0.5, n_in * n_out).astype(np.float32).tolist())
    b = helper.make_tensor("B", TensorProto.FLOAT, [n_out], rng.normal(0, 0.1, n_out).astype(np.float32).tolist())
    nodes = [helper.make_node("Gemm", ["x", "W", "B"], ["h" if relu else "y"], transB=1)]
    if relu:
        nodes.append(helper.make_node("Relu", ["h"], ["y"]))
    g = helper.make_graph(nodes, path.stem, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n_in])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n_out])], initializer=[w, b])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def _json(p: Path) -> dict:
    return json.loads(p.read_text())


def _write(p: Path, d: dict) -> Path:
    p.write_text(json.dumps(d))
    return p


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """Model 1: x (private) → relu(Gemm) → h (polycommit). Model 2: h (polycommit), weights
    polycommit → Gemm → y (public). Both at the same logrows (a commitment depends on it)."""
    d = tmp_path_factory.mktemp("chain")
    gemm_model(d / "m1.onnx", 3, 4, True, 1)
    gemm_model(d / "m2.onnx", 4, 2, False, 2)
    ks = []
    for i, (iv, ov, pv) in enumerate([("private", "polycommit", "fixed"), ("polycommit", "public", "polycommit")], 1):
        ra = ezkl.PyRunArgs()
        ra.input_visibility, ra.output_visibility, ra.param_visibility = iv, ov, pv
        ra.lookup_range = (-256, 256)
        assert ezkl.gen_settings(d / f"m{i}.onnx", d / f"s{i}.json", py_run_args=ra) is True
        ks.append(_json(d / f"s{i}.json")["min_logrows"])
    k = max(ks)
    for i in (1, 2):
        st = _json(d / f"s{i}.json")
        st["run_args"]["logrows"] = k
        _write(d / f"s{i}.json", st)
        assert ezkl.compile_circuit(d / f"m{i}.onnx", d / f"m{i}.compiled", d / f"s{i}.json") is True
    srs = d / "kzg.srs"
    ezkl.gen_srs(srs, k)
    _write(d / "in1.json", {"input_data": [[0.5, -1.25, 2.0]]})
    w1 = ezkl.gen_witness(d / "in1.json", d / "m1.compiled", d / "w1.json", srs_path=srs)
    # model 2 runs on model 1's output (dequantized: exact multiples of 2^-scale, re-quantized exactly)
    h = [float(v) for v in w1["pretty_elements"]["rescaled_outputs"][0]]
    _write(d / "in2.json", {"input_data": [h]})
    ezkl.gen_witness(d / "in2.json", d / "m2.compiled", d / "w2.json", srs_path=srs)
    for i in (1, 2):
        assert ezkl.mock(d / f"w{i}.json", d / f"m{i}.compiled") is True
        assert ezkl.setup(d / f"m{i}.compiled", d / f"vk{i}.key", d / f"pk{i}.key", srs_path=srs) is True
        ezkl.prove(d / f"w{i}.json", d / f"m{i}.compiled", d / f"pk{i}.key", d / f"p{i}.json", srs_path=srs)
    return SimpleNamespace(dir=d, srs=srs, k=k, h=h)


def _verify(c, i: int, proof: Path | None = None) -> bool:
    try:
        return ezkl.verify(proof or c.dir / f"p{i}.json", c.dir / f"s{i}.json", c.dir / f"vk{i}.key", srs_path=c.srs)
    except ezkl.EzklError:
        return False


def _swapped(c, tmp_path, witness: dict) -> Path:
    """A copy of proof 2 swapped with ``witness`` (EZKL's swap writes the proof in place)."""
    p = _write(tmp_path / "p2.json", _json(c.dir / "p2.json"))
    ezkl.swap_proof_commitments(p, _write(tmp_path / "w2.json", witness))
    return p


def test_each_proof_verifies_and_the_boundary_commitments_agree(chain):
    c = chain
    assert _verify(c, 1) and _verify(c, 2)
    p1, p2 = _json(c.dir / "p1.json"), _json(c.dir / "p2.json")
    w1, w2 = _json(c.dir / "w1.json"), _json(c.dir / "w2.json")
    assert [e["of"] for e in p1["polycommit"]] == ["output"]
    assert [e["of"] for e in p2["polycommit"]] == ["input", "param", "param"]
    # proof 1's output commitment is proof 2's input commitment, and both are the witnesses'
    assert p1["polycommit"][0]["commitments"] == p2["polycommit"][0]["commitments"]
    assert w1["processed_outputs"] == {"poseidon_hash": None, "polycommit": [p1["polycommit"][0]["commitments"]]}
    assert w2["processed_inputs"]["polycommit"] == [p2["polycommit"][0]["commitments"]]
    assert w2["processed_params"]["polycommit"] == [e["commitments"] for e in p2["polycommit"][1:]]
    assert w1["processed_inputs"] is None and w1["processed_params"] is None and w2["processed_outputs"] is None
    # no public instance carries the private tensors
    assert p1["instances"] == [] and len(p2["instances"][0]) == 2


def test_ezkl_swap_flow_leaves_the_proof_unchanged_and_it_verifies(chain, tmp_path):
    c = chain
    w2 = _json(c.dir / "w2.json")
    w2["processed_inputs"] = _json(c.dir / "w1.json")["processed_outputs"]
    p = _swapped(c, tmp_path, w2)
    assert _json(p)["hex_proof"] == _json(c.dir / "p2.json")["hex_proof"]
    assert _verify(c, 2, p)


def test_a_witness_of_another_tensor_makes_the_swapped_proof_fail(chain, tmp_path, capsys):
    """Model 1 on another input: its output commitment is not the one proof 2 committed to."""
    c = chain
    _write(tmp_path / "other.json", {"input_data": [[0.75, -1.25, 2.0]]})
    other = ezkl.gen_witness(tmp_path / "other.json", c.dir / "m1.compiled", tmp_path / "w1b.json", srs_path=c.srs)
    assert other["pretty_elements"]["rescaled_outputs"] != [[f"{v}" for v in c.h]]
    w2 = _json(c.dir / "w2.json")
    w2["processed_inputs"] = other["processed_outputs"]
    p = _swapped(c, tmp_path, w2)
    assert "will not verify" in capsys.readouterr().err
    assert _json(p)["polycommit"][0]["commitments"] == other["processed_outputs"]["polycommit"][0]
    assert not _verify(c, 2, p)
    # the weights too: another point for a parameter
    w2 = _json(c.dir / "w2.json")
    w2["processed_params"]["polycommit"][1] = w2["processed_params"]["polycommit"][0]
    assert not _verify(c, 2, _swapped(c, tmp_path, w2))


def test_a_proof_file_claiming_other_commitments_is_rejected(chain, tmp_path):
    c = chain
    p1 = _json(c.dir / "p1.json")
    other = _native.G1.generator().to_bytes().hex()
    for bad in ([dict(p1["polycommit"][0], commitments=[other])],  # another point, the proof untouched
                [dict(p1["polycommit"][0], of="input")], [],  # relabelled, dropped
                p1["polycommit"] * 2):
        assert not _verify(c, 1, _write(tmp_path / "bad.json", dict(p1, polycommit=bad)))
    reason = ezkl.EzklError
    with pytest.raises(reason, match="polycommit commitments claimed in the proof file differ"):
        ezkl.verify(_write(tmp_path / "bad.json", dict(p1, polycommit=[dict(p1["polycommit"][0], commitments=[other])])),
                    c.dir / "s1.json", c.dir / "vk1.key", srs_path=c.srs)
    # positions are the key's: a proof file pointing the swap elsewhere does not verify either
    w1 = _json(c.dir / "w1.json")
    p = _write(tmp_path / "moved.json", dict(p1, polycommit=[dict(p1["polycommit"][0], positions=[0])]))
    ezkl.swap_proof_commitments(p, _write(tmp_path / "w1.json", w1))
    assert not _verify(c, 1, p)


def test_kzg_commit_gives_the_witness_commitment(chain):
    c = chain
    w1 = _json(c.dir / "w1.json")
    (pt,) = ezkl.kzg_commit(w1["outputs"][0], c.dir / "vk1.key", c.dir / "s1.json", c.srs)
    x, y = _native.G1.from_bytes(bytes.fromhex(w1["processed_outputs"]["polycommit"][0][0])).to_xy()
    assert (pt.x, pt.y) == (x.to_bytes(32, "little").hex(), y.to_bytes(32, "little").hex())


def test_gen_witness_without_an_srs_has_null_commitments_and_swap_says_so(chain, tmp_path, monkeypatch, capsys):
    c = chain
    monkeypatch.setenv("EZK_SRS_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    w = ezkl.gen_witness(c.dir / "in2.json", c.dir / "m2.compiled", tmp_path / "w.json")
    assert "polycommit commitments are null" in capsys.readouterr().err
    assert w["processed_inputs"] == {"poseidon_hash": None, "polycommit": None}
    p = _write(tmp_path / "p2.json", _json(c.dir / "p2.json"))
    with pytest.raises(ezkl.EzklError, match="carries no polycommit commitments"):
        ezkl.swap_proof_commitments(p, tmp_path / "w.json")
    with pytest.raises(ezkl.EzklError, match="generated for another compiled circuit"):
        ezkl.swap_proof_commitments(p, c.dir / "w1.json")
    short = dict(_json(c.dir / "w2.json"), processed_params=None)
    with pytest.raises(ezkl.EzklError, match="carries 1 polycommit commitments; the proof .* has 3"):
        ezkl.swap_proof_commitments(p, _write(tmp_path / "short.json", short))
    with pytest.raises(ezkl.EzklError, match="has no polycommit commitments"):
        ezkl.swap_proof_commitments(_write(tmp_path / "np.json", dict(_json(p), polycommit=[])), c.dir / "w2.json")


def test_cli_swap_proof_commitments(chain, tmp_path):
    c = chain
    w2 = _json(c.dir / "w2.json")
    w2["processed_inputs"] = _json(c.dir / "w1.json")["processed_outputs"]
    p = _write(tmp_path / "p2.json", _json(c.dir / "p2.json"))
    w = _write(tmp_path / "w2.json", w2)
    run = [sys.executable, "-m", "cli.main"]
    proc = subprocess.run(run + ["swap-proof-commitments", "-P", str(p), "-W", str(w)], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0 and "(unchanged)" in proc.stdout, proc.stderr
    proc = subprocess.run(run + ["verify", "--proof-path", str(p), "-S", str(c.dir / "s2.json"), "--vk-path",
                                 str(c.dir / "vk2.key"), "--srs-path", str(c.srs)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "verified: true" in proc.stdout and "polycommit of input 'x'" in proc.stdout
    proc = subprocess.run(run + ["swap-proof-commitments", "-P", str(p), "-W", str(tmp_path / "missing.json")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr and "does not exist" in proc.stderr
