"""Polycommit costs on EZKL's "proof splitting": a zoo model cut in two ONNX models at one
tensor, the cut tensor polycommit (part 1's output, part 2's input) against the same parts with
the cut tensor public (EZKL's default output visibility: the tensor in the instances) and
private (no link at all: the parts are not chained). Prints ONE JSON object:

* per boundary visibility and part: k, rows, advice / fixed columns, copies, the polycommit
  columns and elements, gen-witness seconds (the witness's commitments included), setup,
  prove and verify seconds (the fastest of ``--repeat``), proof bytes;
* ``extra_vs_private``: what polycommit adds per part (columns, rows, copies, seconds);
* ``verify_chain_s``: both proofs verified and their boundary commitments compared;
* ``commit_tensor_s``: committing the cut tensor alone (what gen-witness adds);
* ``peak_rss_mb`` of the whole run.

Usage: ``python benchmarks/polycommit.py [--model ../shared/zoo/3l_relu_conv_fc]
[--cut /relu/Relu_output_0] [--logrows 13] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import onnx
import onnx.utils

from ezk import api

REPO = Path(__file__).resolve().parents[1]
STATS = ("k", "num_rows", "advice_columns", "fixed_columns", "copies", "polycommit_columns", "polycommit_elements")


def split(src: Path, out: Path, cut: str) -> tuple[Path, Path]:
    """src's input → ``cut`` and ``cut`` → src's output, as two ONNX models (batch size 1)."""
    m = onnx.load(str(src))
    for v in list(m.graph.input) + list(m.graph.output):
        v.type.tensor_type.shape.dim[0].dim_value = 1
    onnx.save(m, str(out / "full.onnx"))
    a, b = out / "part1.onnx", out / "part2.onnx"
    onnx.utils.extract_model(str(out / "full.onnx"), str(a), [m.graph.input[0].name], [cut])
    onnx.utils.extract_model(str(out / "full.onnx"), str(b), [cut], [m.graph.output[0].name])
    return a, b


def timed(f, *a, repeat: int = 1):
    """f(*a) and its fastest time of ``repeat`` runs (a shared machine's noise only adds)."""
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = f(*a)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return r, round(best, 3)


def run_chain(parts, data: Path, work: Path, srs: Path, k: int, boundary: str, repeat: int) -> dict:
    from ezk.artifacts import read_key

    work.mkdir()
    out, steps, inp = {}, [], data
    for i, (model, (iv, ov)) in enumerate(zip(parts, [("private", boundary), (boundary, "public")]), 1):
        st, comp, vk, pk, w, p = (work / f"{n}{i}.{e}" for n, e in (("s", "json"), ("m", "compiled"), ("vk", "key"),
                                                                      ("pk", "key"), ("w", "json"), ("p", "json")))
        api.gen_settings(model, st, input_visibility=iv, output_visibility=ov, param_visibility="fixed", logrows=k)
        api.compile_circuit(model, comp, st)
        wit, t_wit = timed(api.gen_witness, comp, inp, w, srs)
        _, t_setup = timed(api.setup, comp, srs, vk, pk)
        info, t_prove = timed(api.prove, comp, w, pk, srs, p, repeat=repeat)
        v, t_verify = timed(api.verify_proof, p, st, vk, srs, repeat=repeat)
        assert v.ok, v.reason
        stats = read_key(vk, "vk").header["stats"]
        out[f"part{i}"] = {**{s: stats.get(s, 0) for s in STATS}, "gen_witness_s": t_wit, "setup_s": t_setup,
                           "prove_s": t_prove, "verify_s": t_verify, "proof_bytes": info["proof_bytes"]}
        steps.append((p, st, vk))
        inp = work / "in2.json"
        inp.write_text(json.dumps({"input_data": [[float(x) for x in wit["pretty_elements"]["rescaled_outputs"][0]]]}))
    if boundary == "polycommit":
        v, out["verify_chain_s"] = timed(api.verify_chain, steps, srs, repeat=repeat)
        assert v.ok, v.reason
        import numpy as np

        from ezk.felts import parse_felt
        from ezk.polycommit import commit_tensor
        from ezk.proving import load_srs_for

        cut = json.loads((work / "w1.json").read_text())["outputs"][0]
        vals = np.array([parse_felt(x) for x in cut], dtype=object)
        _, out["commit_tensor_s"] = timed(commit_tensor, vals, k, load_srs_for(str(srs), k))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO.parent / "shared" / "zoo" / "3l_relu_conv_fc"))
    ap.add_argument("--cut", default="/relu/Relu_output_0")
    ap.add_argument("--logrows", type=int, default=13)
    ap.add_argument("--repeat", type=int, default=3, help="prove and verify this many times; the fastest counts")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        parts = split(Path(args.model) / "network.onnx", d, args.cut)
        srs = d / "kzg.srs"
        api.gen_srs(srs, args.logrows)
        res = {b: run_chain(parts, Path(args.model) / "input.json", d / b, srs, args.logrows, b, args.repeat)
               for b in ("polycommit", "public", "private")}
    pc, pv = res["polycommit"], res["private"]
    extra = {f"part{i}": {s: round(pc[f"part{i}"][s] - pv[f"part{i}"][s], 3)
                          for s in ("num_rows", "advice_columns", "fixed_columns", "copies", "prove_s", "verify_s",
                                    "setup_s", "gen_witness_s", "proof_bytes")} for i in (1, 2)}
    print(json.dumps({"model": Path(args.model).name, "cut": args.cut, "logrows": args.logrows, **res,
                      "extra_vs_private": extra,
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}, indent=2))


if __name__ == "__main__":
    main()
