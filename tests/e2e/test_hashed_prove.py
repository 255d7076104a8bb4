"""Real proofs with hashed visibilities: the proof binds EZKL's Poseidon digests of the private
input, weights and output. A proof does not verify under another digest, a prover who used
another input cannot make one for the expected digest, and the whole `ezk` workflow (gen-settings
… verify) carries the hashes from witness.json to proof.json to `ezk verify`'s output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from ezk.graph.forward import forward
from ezk.kzg import SRS
from ezk.layout import lay_out
from ezk.plonk import Witness, keygen, prove, verify
from ezk.poseidon.hashed import felt_big_endian
from ezk.felts import ints_to_le_hex, le_hex_to_ints
from tests.unit.hashed_models import hashed_args, hashed_graph, x_values


@pytest.fixture(scope="module")
def proved():
    g = hashed_graph()
    laid = lay_out(g, hashed_args(k=10), forward(g, [x_values()]))
    srs = SRS.generate(laid.circuit.k, seed=b"ezk-hashed-prove-test")
    pk, vk = keygen(laid.circuit, srs)
    return g, laid, srs, pk, vk, prove(pk, srs, laid.witness)


def _inst(laid, i=None, value=None):
    inst = np.array(laid.instances[0], dtype=object)
    if i is not None:
        inst[i] = value
    return inst


def test_hashed_proof_verifies(proved):
    _, laid, srs, _, vk, proof = proved
    assert laid.stats["hashed_elements"] == 26
    assert verify(vk, srs.verifier(), laid.instances, proof)


def test_proof_does_not_verify_under_another_digest(proved):
    _, laid, srs, _, vk, proof = proved
    for i in range(3):  # input, weights, output digest
        assert not verify(vk, srs.verifier(), [_inst(laid, i, (laid.instances[0][i] + 1))], proof)


def test_another_input_cannot_be_proven_under_the_expected_hash(proved):
    """The prover ran the model on x′ and writes the verifier's digest of x into the instance."""
    g, laid, srs, pk, vk, _ = proved
    x2 = x_values()
    x2[0, 0] += 1
    cheat = lay_out(g, hashed_args(k=10), forward(g, [x2]))
    claimed = _inst(cheat, 0, laid.instances[0][0])
    col = cheat.circuit.cs.instance[0]
    bad = prove(pk, srs, Witness(advice=cheat.witness.advice, instance={col: claimed}))
    assert not verify(vk, srs.verifier(), [claimed], bad)
    # its honest proof is a proof about x′: it verifies only under x′'s digest
    own = prove(pk, srs, cheat.witness)
    assert verify(vk, srs.verifier(), cheat.instances, own)
    assert not verify(vk, srs.verifier(), [claimed], own)


# ---------------------------------------------------------------- the ezk workflow

def _gemm_relu(path: Path) -> None:
    """y = relu(x·Wᵀ + b): an ONNX model with parameters, for hashed params."""
    rng = np.random.default_rng(5)
    w = helper.make_tensor("W", TensorProto.FLOAT, [4, 3], rng.normal(0, 0.5, 12).astype(np.float32).tolist())
    b = helper.make_tensor("B", TensorProto.FLOAT, [4], rng.normal(0, 0.1, 4).astype(np.float32).tolist())
    nodes = [helper.make_node("Gemm", ["x", "W", "B"], ["h"], transB=1), helper.make_node("Relu", ["h"], ["y"])]
    graph = helper.make_graph(nodes, "gemm_relu", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], initializer=[w, b])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path / "network.onnx"))
    (path / "input.json").write_text(json.dumps({"input_data": [[0.5, -1.25, 2.0]]}))


def ezk(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=cwd, capture_output=True, text=True, timeout=1200)
    if check and proc.returncode != 0:
        raise AssertionError(f"ezk {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def _workflow(workdir: Path, params: str) -> dict:
    ezk("gen-settings", "-M", "network.onnx", "-O", "settings.json", "--input-visibility", "hashed",
        "--output-visibility", "hashed/public", "--param-visibility", params, cwd=workdir)
    k = json.loads((workdir / "settings.json").read_text())["min_logrows"]
    st = json.loads((workdir / "settings.json").read_text())
    st["run_args"]["logrows"] = k
    (workdir / "settings.json").write_text(json.dumps(st))
    ezk("compile-circuit", "-M", "network.onnx", "-S", "settings.json", "--compiled-circuit", "model.compiled", cwd=workdir)
    ezk("gen-witness", "-M", "model.compiled", "-D", "input.json", "-O", "witness.json", cwd=workdir)
    ezk("mock", "-M", "model.compiled", "-W", "witness.json", cwd=workdir)
    ezk("gen-srs", "--srs-path", "kzg.srs", "--logrows", str(k), cwd=workdir)
    ezk("setup", "-M", "model.compiled", "--srs-path", "kzg.srs", "--vk-path", "vk.key", "--pk-path", "pk.key", cwd=workdir)
    ezk("prove", "-M", "model.compiled", "-W", "witness.json", "--pk-path", "pk.key", "--srs-path", "kzg.srs",
        "--proof-path", "proof.json", cwd=workdir)
    return json.loads((workdir / "witness.json").read_text())


def _verify(workdir: Path, proof: str = "proof.json") -> subprocess.CompletedProcess:
    return ezk("verify", "--proof-path", proof, "-S", "settings.json", "--vk-path", "vk.key", "--srs-path", "kzg.srs",
               cwd=workdir, check=False)


def _check_hashes(workdir: Path, witness: dict, kinds: list[str]) -> None:
    proof = json.loads((workdir / "proof.json").read_text())
    felts = [h for key in ("processed_inputs", "processed_params", "processed_outputs") if witness[key]
             for h in witness[key]["poseidon_hash"]]
    assert [h["of"] for h in proof["hashes"]] == kinds
    assert [h["poseidon_hash"] for h in proof["hashes"]] == [felt_big_endian(int.from_bytes(bytes.fromhex(f), "little"))
                                                               for f in felts]
    proc = _verify(workdir)
    assert proc.returncode == 0 and "verified: true" in proc.stdout, proc.stderr
    for h in proof["hashes"]:
        assert f"poseidon hash of {h['of']} {h['name']!r}: {h['poseidon_hash']}" in proc.stdout
    # a proof.json that claims another hash, or whose digest instance is changed, is rejected
    bad = dict(proof, hashes=[dict(proof["hashes"][0], poseidon_hash=felt_big_endian(7))] + proof["hashes"][1:])
    (workdir / "bad.json").write_text(json.dumps(bad))
    assert _verify(workdir, "bad.json").returncode == 1
    inst = [list(col) for col in proof["instances"]]
    flipped = le_hex_to_ints([inst[0][0]])[0] ^ 1
    inst[0][0] = ints_to_le_hex([flipped])[0]
    bad = dict(proof, instances=inst, hashes=[dict(proof["hashes"][0], poseidon_hash=felt_big_endian(flipped))]
               + proof["hashes"][1:])
    (workdir / "bad.json").write_text(json.dumps(bad))
    assert _verify(workdir, "bad.json").returncode == 1


@pytest.mark.slow
def test_workflow_with_hashed_input_params_and_output(tmp_path):
    _gemm_relu(tmp_path)
    witness = _workflow(tmp_path, "hashed")
    assert witness["processed_inputs"] and witness["processed_params"] and witness["processed_outputs"]
    _check_hashes(tmp_path, witness, ["input", "param", "param", "output"])


@pytest.mark.slow
def test_workflow_on_1l_relu(tmp_path, shared_dir):
    src = shared_dir / "zoo" / "1l_relu"
    for name in ("network.onnx", "input.json"):
        (tmp_path / name).write_bytes((src / name).read_bytes())
    witness = _workflow(tmp_path, "fixed")
    assert witness["processed_params"] is None
    _check_hashes(tmp_path, witness, ["input", "output"])
