"""EZKL's "proof splitting" on a real model: the zoo's 3l_relu_conv_fc (conv → relu → conv →
relu → fc on a 28×28 image) cut by ``onnx.utils.extract_model`` after the first relu into two
ONNX models, each proven on its own with real keys and proofs; part 1's output and part 2's
input are polycommit. The chain is checked by commitments (``verify_chain``: both proofs verify
and part 1's output commitment is part 2's input commitment) and by EZKL's swap flow. A part 2
proven on another tensor, a proof file claiming part 1's commitment, and a proof swapped to it
all break the chain. The README's shell version of this chain runs unchanged (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import onnx
import onnx.utils
import pytest

from ezk import api
from ezk.errors import EzkError
from tests.conftest import REPO

CUT = "/relu/Relu_output_0"  # 4×12×12 = 576 values
K = 13


def split(src: Path, out: Path, cut: str) -> tuple[Path, Path]:
    """Two ONNX models: src's input → ``cut``, and ``cut`` → src's output (batch size 1)."""
    m = onnx.load(str(src))
    for v in list(m.graph.input) + list(m.graph.output):
        v.type.tensor_type.shape.dim[0].dim_value = 1
    full = out / "full.onnx"
    onnx.save(m, str(full))
    a, b = out / "part1.onnx", out / "part2.onnx"
    onnx.utils.extract_model(str(full), str(a), [m.graph.input[0].name], [cut])
    onnx.utils.extract_model(str(full), str(b), [cut], [m.graph.output[0].name])
    return a, b


def _json(p: Path) -> dict:
    return json.loads(p.read_text())


def _write(p: Path, d: dict) -> Path:
    p.write_text(json.dumps(d))
    return p


def _next_input(witness: dict) -> dict:
    """input.json of the next part: this part's output, dequantized (exact at the same scale)."""
    return {"input_data": [[float(v) for v in witness["pretty_elements"]["rescaled_outputs"][0]]]}


@pytest.fixture(scope="module")
def chain(shared_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("split")
    parts = split(shared_dir / "zoo" / "3l_relu_conv_fc" / "network.onnx", d, CUT)
    srs = d / f"kzg{K}.srs"
    api.gen_srs(srs, K)
    c = SimpleNamespace(dir=d, srs=srs)
    for i, (model, (iv, ov)) in enumerate(zip(parts, [("private", "polycommit"), ("polycommit", "public")]), 1):
        st, comp = d / f"s{i}.json", d / f"m{i}.compiled"
        api.gen_settings(model, st, input_visibility=iv, output_visibility=ov, param_visibility="fixed", logrows=K)
        api.compile_circuit(model, comp, st)
        api.setup(comp, srs, d / f"vk{i}.key", d / f"pk{i}.key")
    w1 = api.gen_witness(d / "m1.compiled", shared_dir / "zoo" / "3l_relu_conv_fc" / "input.json", d / "w1.json", srs)
    api.gen_witness(d / "m2.compiled", _write(d / "in2.json", _next_input(w1)), d / "w2.json", srs)
    for i in (1, 2):
        api.prove(d / f"m{i}.compiled", d / f"w{i}.json", d / f"pk{i}.key", srs, d / f"p{i}.json")
    return c


def _step(c, i: int, proof: Path | None = None) -> tuple:
    return (proof or c.dir / f"p{i}.json", c.dir / f"s{i}.json", c.dir / f"vk{i}.key")


@pytest.fixture(scope="module")
def other(chain):
    """Part 2 proven honestly on a tensor that is not part 1's output (one value changed)."""
    c = chain
    x = _next_input(_json(c.dir / "w1.json"))
    x["input_data"][0][5] += 1.0
    api.gen_witness(c.dir / "m2.compiled", _write(c.dir / "in2b.json", x), c.dir / "w2b.json", c.srs)
    api.prove(c.dir / "m2.compiled", c.dir / "w2b.json", c.dir / "pk2.key", c.srs, c.dir / "p2b.json")
    return c.dir / "p2b.json"


def test_the_split_model_chains_by_commitments(chain):
    c = chain
    v = api.verify_chain([_step(c, 1), _step(c, 2)], c.srs)
    assert v.ok, v.reason
    p1, p2 = _json(c.dir / "p1.json"), _json(c.dir / "p2.json")
    assert [(e["of"], e["name"]) for e in p1["polycommit"]] == [("output", CUT)]
    assert [(e["of"], e["name"]) for e in p2["polycommit"]] == [("input", CUT)]
    assert p1["polycommit"][0]["commitments"] == p2["polycommit"][0]["commitments"]
    assert len(p1["polycommit"][0]["commitments"]) == 1  # 576 values in one column of 2^13 rows
    assert p1["instances"] == []  # the cut tensor stays private: only its commitment is shared
    # the proofs do not chain the other way round
    assert "proof 1 has no polycommit output" in api.verify_chain([_step(c, 2), _step(c, 1)], c.srs).reason


def test_ezkl_swap_flow_verifies_the_chain(chain, tmp_path):
    c = chain
    w2 = dict(_json(c.dir / "w2.json"), processed_inputs=_json(c.dir / "w1.json")["processed_outputs"])
    p = _write(tmp_path / "p2.json", _json(c.dir / "p2.json"))
    assert api.swap_proof_commitments(p, _write(tmp_path / "w2.json", w2))["changed"] is False
    assert api.verify_proof(*_step(c, 2, p), c.srs).ok


def test_a_part_run_on_another_tensor_breaks_the_chain(chain, other, tmp_path):
    """Both proofs are valid on their own; their commitments differ, so the chain is rejected."""
    c = chain
    assert api.verify_proof(*_step(c, 2, other), c.srs).ok
    v = api.verify_chain([_step(c, 1), _step(c, 2, other)], c.srs)
    assert not v.ok and "part 2 did not run on part 1's output" in v.reason
    # EZKL's flow: part 1's output commitment swapped into the proof makes it fail
    w2 = dict(_json(c.dir / "w2b.json"), processed_inputs=_json(c.dir / "w1.json")["processed_outputs"])
    p = _write(tmp_path / "p2b.json", _json(other))
    assert api.swap_proof_commitments(p, _write(tmp_path / "w2b.json", w2))["changed"] is True
    assert not api.verify_proof(*_step(c, 2, p), c.srs).ok
    assert "proof 2" in api.verify_chain([_step(c, 1), _step(c, 2, p)], c.srs).reason


def test_a_proof_file_claiming_part_1s_commitment_breaks_the_chain(chain, other, tmp_path):
    """The forger copies part 1's commitment into the proof file's list (proof bytes untouched)."""
    c = chain
    d = _json(other)
    d["polycommit"][0]["commitments"] = _json(c.dir / "p1.json")["polycommit"][0]["commitments"]
    p = _write(tmp_path / "forged.json", d)
    v = api.verify_chain([_step(c, 1), _step(c, 2, p)], c.srs)
    assert not v.ok and "proof 2" in v.reason and "polycommit commitments claimed in the proof file differ" in v.reason


def test_chains_of_other_sizes_or_shapes_are_refused(chain):
    c = chain
    with pytest.raises(EzkError, match="at least two"):
        api.verify_chain([_step(c, 1)], c.srs)
    v = api.verify_chain([_step(c, 1), _step(c, 1)], c.srs)  # part 1 takes no polycommit input
    assert not v.ok and "proof 2 has no polycommit input" in v.reason


def test_cli_verify_chain(chain, other):
    c = chain

    def run(*steps, drop=0):
        args = [a for p, s, v in steps for a in ("--proof-path", str(p), "-S", str(s), "--vk-path", str(v))]
        return subprocess.run([sys.executable, "-m", "cli.main", "verify-chain", *args[:len(args) - drop],
                               "--srs-path", str(c.srs)], cwd=REPO, capture_output=True, text=True, timeout=300)

    ok = run(_step(c, 1), _step(c, 2))
    assert ok.returncode == 0 and "verified: true" in ok.stdout, ok.stderr
    bad = run(_step(c, 1), _step(c, 2, other))
    assert bad.returncode == 1 and "verified: false" in bad.stdout and "did not run on part 1's output" in bad.stderr
    short = run(_step(c, 1), _step(c, 2), drop=2)  # no vk for part 2
    assert short.returncode != 0 and "Traceback" not in short.stderr and "one --vk-path per --proof-path" in short.stderr


@pytest.mark.slow
def test_readme_chain_script_runs(shared_dir, tmp_path):
    text = (REPO / "README.md").read_text()
    block = text[text.index("<!-- chain:begin -->"):text.index("<!-- chain:end -->")]
    script = block[block.index("```sh\n") + 6:block.rindex("```")]
    zoo = shared_dir / "zoo" / "3l_relu_conv_fc"
    work, bin_dir = tmp_path / "work", tmp_path / "bin"
    work.mkdir()
    bin_dir.mkdir()
    for f in ("network.onnx", "input.json"):
        (work / f).write_bytes((zoo / f).read_bytes())
    for name, cmd in (("ezk", f"{sys.executable} -m cli.main"), ("python", sys.executable)):
        (bin_dir / name).write_text(f'#!/bin/sh\nexec {cmd} "$@"\n')
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=work, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert proc.returncode == 0, f"the script stopped:\n{proc.stderr[-4000:]}"
    assert proc.stdout.rstrip().endswith("verified: true")
    w1, w2 = _json(work / "w1.json"), _json(work / "w2.json")
    assert w1["processed_outputs"]["polycommit"] == w2["processed_inputs"]["polycommit"]
