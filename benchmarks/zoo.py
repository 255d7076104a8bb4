"""Run the EZKL example suite (or any model directories) through ezk's whole chain.

    python benchmarks/zoo.py [--mock] [--prove] [--timeout S] [--json-out F] DIR…

Each DIR holds network.onnx and input.json (a DIR holding such sub-directories is expanded).
Every model runs in its own process with a timeout: gen-settings → calibrate-settings →
compile-circuit → gen-witness, then compares every output with onnxruntime (tract where
onnxruntime refuses the model):  err = max|ezk − ref| / max|ref|, and passes when err ≤ 0.05.
``--mock`` lays the circuit out (ezk.layout) and runs the mock prover; ``--prove`` also runs
keygen / prove / verify with a test SRS for every model with K ≤ ``--max-prove-k`` (17), and
checks that a tampered public output does not verify.  Where ezk.layout is not there yet those columns say
"layout not available".  Prints a table, then ONE JSON summary line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASS_TOLERANCE = 0.05


def _one_sentence(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return msg if isinstance(exc, _ezk_error()) else f"{type(exc).__name__}: {msg}"


def _ezk_error():
    from ezk.errors import EzkError

    return EzkError


def _layout_steps(compiled_path, witness_trace, settings, do_prove: bool, times: dict, max_prove_k: int = 17) -> dict:
    """mock (and keygen/prove/verify) through ezk.layout; an honest status when it is absent."""
    try:
        from ezk.layout import lay_out  # noqa: F401
    except ImportError:
        return {"mock": "layout not available", "prove": "layout not available" if do_prove else "skipped"}
    import numpy as np

    from ezk import plonk
    from ezk.compiled import load_compiled

    out = {}
    comp = load_compiled(compiled_path)
    t = time.perf_counter()
    laid = lay_out(comp.graph, settings, witness_trace)
    times["layout"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    failures = plonk.mock(laid.circuit, laid.witness)
    times["mock"] = round(time.perf_counter() - t, 2)
    out["mock"] = "ok" if not failures else f"mock failed: {failures[0]}"
    if not do_prove:
        out["prove"] = "skipped"
        return out
    from ezk.kzg import SRS

    k = laid.circuit.k
    if k > max_prove_k:
        out["prove"] = f"skipped (K {k} > {max_prove_k})"
        return out
    t = time.perf_counter()
    srs = SRS.generate(k, seed=b"zoo-bench")
    pk, vk = plonk.keygen(laid.circuit, srs)
    times["keygen"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    proof = plonk.prove(pk, srs, laid.witness)
    times["prove"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    instances = getattr(laid, "instances", [])
    ok = plonk.verify(vk, srs.verifier(), instances, proof)
    times["verify"] = round(time.perf_counter() - t, 2)
    tampered = [np.array(i, copy=True) for i in instances]
    if tampered and tampered[0].size:
        tampered[0][-1] += 1
        if ok and plonk.verify(vk, srs.verifier(), tampered, proof):
            out["prove"] = "a tampered public output verified"
            return out
    out["prove"] = "ok" if ok else "proof did not verify"
    return out


def run_model(model_dir: str, do_mock: bool, do_prove: bool, max_prove_k: int = 17) -> dict:
    """The whole chain on one model directory (runs in the worker process)."""
    import numpy as np
    import onnx

    from ezk import api
    from ezk.graph.onnx_import import load_onnx
    from ezk.inputs import load_input_data
    from ezk.reference import run_reference
    from ezk.witness import witness_outputs

    d = Path(model_dir)
    onnx_path, data = d / "network.onnx", d / "input.json"
    row = {"model": d.name, "onnx_ops": None, "k": None, "rows": None, "advice_cells": None,
           "max_rel_err": None, "times": {}, "status": "", "mock": "skipped", "prove": "skipped"}
    times = row["times"]
    try:
        row["onnx_ops"] = len(onnx.load(str(onnx_path)).graph.node)
    except Exception:
        pass
    step = "gen-settings"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings, compiled, witness = Path(tmp, "settings.json"), Path(tmp, "model.compiled"), Path(tmp, "witness.json")
            t = time.perf_counter()
            api.gen_settings(onnx_path, settings)
            times["gen_settings"] = round(time.perf_counter() - t, 2)
            step = "calibrate-settings"
            t = time.perf_counter()
            st, _ = api.calibrate_settings(onnx_path, data, settings)
            times["calibrate"] = round(time.perf_counter() - t, 2)
            row.update(k=st.run_args.logrows, rows=st.num_rows, advice_cells=st.total_assignments,
                       scale=st.run_args.input_scale)
            step = "compile-circuit"
            t = time.perf_counter()
            api.compile_circuit(onnx_path, compiled, settings)
            times["compile"] = round(time.perf_counter() - t, 2)
            step = "gen-witness"
            t = time.perf_counter()
            w = api.gen_witness(compiled, data, witness)
            times["witness"] = round(time.perf_counter() - t, 2)
            step = "reference"
            om = load_onnx(onnx_path)
            ref = run_reference(om, load_input_data(data))
            worst = 0.0
            for name, out in zip(om.outputs, witness_outputs(w)):
                r = np.asarray(ref[name], dtype=np.float64).reshape(-1)
                y = np.asarray(out, dtype=np.float64).reshape(-1)
                if r.size:
                    worst = max(worst, float(np.abs(y - r).max() / max(np.abs(r).max(), 1e-12)))
            row["max_rel_err"] = worst
            row["status"] = "ok" if worst <= PASS_TOLERANCE else f"output error {worst:.4f} exceeds {PASS_TOLERANCE}"
            if do_mock or do_prove:
                print(json.dumps(row), flush=True)  # the front-end row survives a circuit-step timeout
                try:
                    from ezk.compiled import load_compiled
                    from ezk.settings import Settings
                    from ezk.witness import run_witness

                    comp = load_compiled(compiled)
                    _, trace = run_witness(comp.graph, load_input_data(data))
                    row.update(_layout_steps(compiled, trace, Settings.load(settings), do_prove, times, max_prove_k))
                except Exception as exc:  # the front end passed; the circuit steps report apart
                    row["mock"] = f"layout/mock: {_one_sentence(exc)}"
                    row["prove"] = "not reached" if do_prove else "skipped"
    except Exception as exc:  # one row per model whatever happens
        row["status"] = f"{step}: {_one_sentence(exc)}"
    return row


def _expand(dirs: list[str]) -> list[Path]:
    out = []
    for d in map(Path, dirs):
        if (d / "network.onnx").is_file():
            out.append(d)
        else:
            out.extend(sorted(p for p in d.iterdir() if (p / "network.onnx").is_file()))
    return out


def _run_isolated(d: Path, args) -> dict:
    cmd = [sys.executable, __file__, "--worker", str(d), "--max-prove-k", str(args.max_prove_k)]
    cmd += (["--mock"] if args.mock else []) + (["--prove"] if args.prove else [])
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
        lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
        row = json.loads(lines[-1]) if lines else {"model": d.name, "status": f"worker crashed: {(p.stderr.strip().splitlines() or ['no output'])[-1]}"}
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        if lines:  # the front end finished; the layout / mock / prove step ran out of time
            row = json.loads(lines[-1])
            row["mock"] = f"timed out after {args.timeout} s"
            row["prove"] = "not reached" if args.prove else "skipped"
        else:
            row = {"model": d.name, "status": f"timed out after {args.timeout} s"}
    row["wall_s"] = round(time.perf_counter() - t, 1)
    return row


def _fmt(v, f="{}"):
    return "-" if v is None else f.format(v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--mock", action="store_true")
    ap.add_argument("--prove", action="store_true")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--max-prove-k", type=int, default=17)
    ap.add_argument("--json-out")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(run_model(args.dirs[0], args.mock, args.prove, args.max_prove_k)))
        return
    rows = []
    hdr = f"{'model':<22} {'ops':>5} {'K':>3} {'rows':>9} {'cells':>10} {'rel.err':>9} {'cal s':>6} {'cmp s':>6} {'wit s':>6} {'mock':<10} status"
    print(hdr, flush=True)
    for d in _expand(args.dirs):
        r = _run_isolated(d, args)
        rows.append(r)
        t = r.get("times", {})
        print(f"{r['model'][:22]:<22} {_fmt(r.get('onnx_ops')):>5} {_fmt(r.get('k')):>3} {_fmt(r.get('rows')):>9} "
              f"{_fmt(r.get('advice_cells')):>10} {_fmt(r.get('max_rel_err'), '{:.5f}'):>9} {_fmt(t.get('calibrate')):>6} "
              f"{_fmt(t.get('compile')):>6} {_fmt(t.get('witness')):>6} {str(r.get('mock', '-'))[:10]:<10} {r['status']}", flush=True)
        if r.get("mock") not in (None, "ok", "skipped"):
            print(f"{'':<22} mock: {r['mock']}", flush=True)
        if r.get("prove") not in (None, "ok", "skipped", "not reached") and not str(r.get("prove")).startswith("skipped"):
            print(f"{'':<22} prove: {r['prove']}", flush=True)
    passed = [r["model"] for r in rows if r["status"] == "ok"]
    errs = sorted(r["max_rel_err"] for r in rows if r["status"] == "ok")
    summary = {"models": len(rows), "passed": len(passed),
               "mock_ok": sum(r.get("mock") == "ok" for r in rows) if args.mock or args.prove else None,
               "prove_ok": sum(r.get("prove") == "ok" for r in rows) if args.prove else None,
               "prove_failed": {r["model"]: r.get("prove") for r in rows if args.prove and r.get("k") is not None
                                and r["k"] <= args.max_prove_k and r.get("prove") != "ok"},
               "median_rel_err": errs[len(errs) // 2] if errs else None,
               "failed": {r["model"]: r["status"] for r in rows if r["status"] != "ok"}, "rows": rows}
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(summary, indent=1))
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}))


if __name__ == "__main__":
    main()
