"""Freivalds checks for einsums: circuit size and proving cost with and without them (JSON).

    python benchmarks/freivalds.py [--no-prove] [--prove-modes direct,freivalds] [--order direct,freivalds] [--target accuracy] [MODEL_DIR …]

Default models: ../shared/models/nanogpt/{micro,tiny}, ../shared/zoo/1l_conv and
../shared/models/llama/torch_small when present. Each model is compiled once (gen-settings,
calibrate-settings, compile-circuit); then for each mode — ``direct`` (run_args.disable_freivalds)
and ``freivalds`` — a child process lays the circuit out at its smallest K and, unless
--no-prove, runs keygen, prove and verify with a test SRS. Per mode it prints one JSON line:
rows, advice cells and columns, K, Freivalds checks, einsum rows, layout/keygen/prove/verify
seconds and the child's peak RSS (its VmHWM; the compile step runs in a child of its own); then one summary line. ``outputs_identical``: the two layouts'
public outputs agree (the witness is the same forward pass); ``top1_vs_onnxruntime``: the share
of output rows (tokens) whose arg-max agrees with onnxruntime's. Heavy models belong under
``flock /tmp/ezk-heavy.lock nice -n 5``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DEFAULT = [SHARED / "models/nanogpt/micro", SHARED / "models/nanogpt/tiny", SHARED / "zoo/1l_conv",
           SHARED / "models/llama/torch_small"]


def compile_model(model: Path, work: Path, target: str) -> Path:
    from ezk import api

    settings, compiled = work / "settings.json", work / "model.compiled"
    api.gen_settings(model / "network.onnx", settings)
    api.calibrate_settings(model / "network.onnx", model / "input.json", settings, target=target)
    api.compile_circuit(model / "network.onnx", compiled, settings)
    return compiled


def run_mode(compiled: Path, data: Path, mode: str, prove: bool) -> dict:
    """In this (child) process: lay out, keygen, prove, verify; the figures as a dict."""
    import numpy as np

    from ezk.compiled import load_compiled
    from ezk.inputs import load_input_data
    from ezk.kzg import SRS
    from ezk.layout import lay_out
    from ezk.plonk import keygen, prove as plonk_prove, verify
    from ezk.witness import run_witness

    comp = load_compiled(compiled)
    ra = comp.settings.run_args
    ra.disable_freivalds = mode == "direct"
    t = time.perf_counter()
    ra.logrows = lay_out(comp.graph, comp.settings).stats["min_k"]
    _, trace = run_witness(comp.graph, load_input_data(data))
    laid = lay_out(comp.graph, comp.settings, trace)
    out = {"mode": mode, "layout_s": round(time.perf_counter() - t, 2)}
    st = laid.stats
    einsum_ids = {n.id for n in comp.graph.nodes if n.op == "einsum"}
    rows_of = np.concatenate(laid.row_node) if laid.row_node else np.zeros(0, np.int64)
    out.update({"rows": st["num_rows"], "k": st["k"], "advice_cells": st["advice_cells"],
                "advice_columns": st["advice_columns"], "fixed_columns": st["fixed_columns"],
                "freivalds_checks": st["freivalds_checks"],
                "einsum_rows": int(np.isin(rows_of, list(einsum_ids)).sum()),
                "outputs": [int(v) for v in np.asarray(laid.instances[0]).reshape(-1)] if laid.instances else []})
    if prove:
        k = st["k"]
        t = time.perf_counter()
        srs = SRS.generate(k, seed=b"ezk-freivalds-bench")
        out["srs_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        pk, vk = keygen(laid.circuit, srs)
        out["keygen_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        proof = plonk_prove(pk, srs, laid.witness)
        out["prove_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        out["verified"] = bool(verify(vk, srs.verifier(), laid.instances, proof))
        out["verify_s"] = round(time.perf_counter() - t, 2)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def peak_rss_mb() -> int:
    """This process's peak RSS (VmHWM: its own address space; ru_maxrss would also count the
    parent's peak before the exec, the compile step's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) >> 10
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10


def top1_vs_onnxruntime(model: Path, compiled: Path, outputs: list[int]) -> float | None:
    """Share of output rows whose arg-max (over the last axis) matches onnxruntime's."""
    import numpy as np

    from ezk.compiled import load_compiled
    from ezk.graph.onnx_import import load_onnx
    from ezk.inputs import load_input_data
    from ezk.reference import run_reference

    comp = load_compiled(compiled)
    layout = comp.graph
    om = load_onnx(model / "network.onnx", comp.settings.run_args.variables_dict)
    ref = run_reference(om, load_input_data(model / "input.json"))
    want = np.asarray(next(iter(ref.values())), np.float64)
    out_node = layout.nodes[layout.outputs[0]]
    got = np.asarray(outputs[-int(np.prod(out_node.shape)):], np.float64).reshape(want.shape)
    if want.ndim == 0 or want.shape[-1] < 2:
        return None
    return float((got.argmax(-1) == want.argmax(-1)).mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", type=Path)
    ap.add_argument("--no-prove", action="store_true")
    ap.add_argument("--prove-modes", default="direct,freivalds", help="which modes also keygen/prove/verify")
    ap.add_argument("--order", default="direct,freivalds", help="the order the modes run in")
    ap.add_argument("--target", default="accuracy", help="calibration target (resources | accuracy)")
    ap.add_argument("--child", nargs=3, metavar=("COMPILED", "DATA", "MODE"), help=argparse.SUPPRESS)
    ap.add_argument("--compile", nargs=2, metavar=("MODEL", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.compile:
        compile_model(Path(args.compile[0]), Path(args.compile[1]), args.target)
        return
    if args.child:
        compiled, data, mode = args.child
        print(json.dumps(run_mode(Path(compiled), Path(data), mode, not args.no_prove)))
        return
    models = args.models or [m for m in DEFAULT if (m / "network.onnx").is_file()]
    summary = []
    for model in models:
        with tempfile.TemporaryDirectory(prefix="ezk-frv-") as tmp:
            # compiled in a child too, so this process stays small while the modes run
            subprocess.run([sys.executable, __file__, "--compile", str(model), tmp, "--target", args.target], check=True)
            compiled = Path(tmp) / "model.compiled"
            res = {}
            for mode in args.order.split(","):
                cmd = [sys.executable, __file__, "--child", str(compiled), str(model / "input.json"), mode]
                if args.no_prove or mode not in args.prove_modes.split(","):
                    cmd.append("--no-prove")
                p = subprocess.run(cmd, capture_output=True, text=True)
                if p.returncode:
                    res[mode] = {"mode": mode, "error": (p.stderr.strip().splitlines() or ["?"])[-1]}
                else:
                    res[mode] = json.loads(p.stdout.strip().splitlines()[-1])
                print(json.dumps({"model": model.name, **{k: v for k, v in res[mode].items() if k != "outputs"}}), flush=True)
            outs = [res[m].pop("outputs", None) for m in ("direct", "freivalds")]
            line = {"model": model.name if model.parent.name != "nanogpt" else f"nanogpt-{model.name}",
                    "outputs_identical": outs[0] is not None and outs[0] == outs[1], **res}
            if outs[1]:
                try:
                    line["top1_vs_onnxruntime"] = top1_vs_onnxruntime(model, compiled, outs[1])
                except Exception as exc:  # the reference is informative only
                    line["top1_vs_onnxruntime"] = f"unavailable: {type(exc).__name__}"
            print(json.dumps(line), flush=True)
            summary.append(line)
    print(json.dumps({"summary": [{"model": s["model"], **{m: {k: s[m].get(k) for k in
                                   ("rows", "k", "advice_cells", "prove_s", "peak_rss_mb")} for m in ("direct", "freivalds")}}
                                  for s in summary]}))


if __name__ == "__main__":
    main()
