"""ezk and EZKL side by side on one ONNX model: the same steps, each in its own process.

    python benchmarks/vs_ezkl.py MODEL_DIR [--out DIR] [--only ezk|ezkl] [--target resources]

MODEL_DIR holds ``network.onnx`` and ``input.json`` (EZKL's format). For each tool the steps
gen-settings, calibrate-settings, compile-circuit, gen-srs, setup, gen-witness, prove, verify run
in a fresh Python process each; the wall time and the peak RSS of that process (``os.wait4``'s
rusage) are recorded per step, and the time of the API call alone (without interpreter start
and imports) as ``inner_seconds`` (the "(call)" column). Then pk/vk/proof sizes, rows, advice cells, logrows, and the
max error of the proven outputs against onnxruntime (relative to max|onnxruntime|).
Prints ONE JSON object, then a Markdown table; ``--json PATH`` also writes the JSON.
EZKL comes from PyPI ``ezkl`` (the ``[bench]`` extra).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("gen-settings", "calibrate-settings", "compile-circuit", "gen-srs", "setup", "gen-witness", "prove", "verify")

# one Python statement per step; {f} is the dict of file paths, {target} the calibration target
EZK_STEPS = {
    "gen-settings": "api.gen_settings(f['model'], f['settings'])",
    "calibrate-settings": "api.calibrate_settings(f['model'], f['data'], f['settings'], target=target)",
    "compile-circuit": "api.compile_circuit(f['model'], f['compiled'], f['settings'])",
    "gen-srs": "api.gen_srs(f['srs'], json.load(open(f['settings']))['run_args']['logrows'])",
    "setup": "api.setup(f['compiled'], f['srs'], f['vk'], f['pk'])",
    "gen-witness": "api.gen_witness(f['compiled'], f['data'], f['witness'])",
    "prove": "api.prove(f['compiled'], f['witness'], f['pk'], f['srs'], f['proof'])",
    "verify": "assert api.verify(f['proof'], f['settings'], f['vk'], f['srs'])",
}
EZKL_STEPS = {
    "gen-settings": "assert ezkl.gen_settings(f['model'], f['settings'])",
    "calibrate-settings": "assert ezkl.calibrate_settings(f['data'], f['model'], f['settings'], target)",
    "compile-circuit": "assert ezkl.compile_circuit(f['model'], f['compiled'], f['settings'])",
    "gen-srs": "ezkl.gen_srs(f['srs'], json.load(open(f['settings']))['run_args']['logrows'])",
    "setup": "assert ezkl.setup(f['compiled'], f['vk'], f['pk'], f['srs'])",
    "gen-witness": "ezkl.gen_witness(f['data'], f['compiled'], f['witness'])",
    "prove": "ezkl.prove(f['witness'], f['compiled'], f['pk'], f['proof'], f['srs'])",
    "verify": "assert ezkl.verify(f['proof'], f['settings'], f['vk'], f['srs'])",
}
PRELUDE = {"ezk": "from ezk import api", "ezkl": "import ezkl"}


def run_step(tool: str, stmt: str, files: dict, target: str, timeout: float) -> dict:
    """Run one step in a child process; wall seconds, the child's peak RSS, ok/error."""
    inner = Path(files["dir"]) / ".step_seconds"
    inner.unlink(missing_ok=True)
    code = (f"import json, time\n{PRELUDE[tool]}\nf = {json.dumps(files)}\ntarget = {target!r}\n"
            f"t0 = time.perf_counter()\n{stmt}\n"
            f"open({str(inner)!r}, 'w').write(str(time.perf_counter() - t0))\n")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=files["dir"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = t0 + timeout
    status, usage = 0, None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace").strip().splitlines() if proc.stderr else []
    ok = os.waitstatus_to_exitcode(status) == 0
    out = {"seconds": round(seconds, 3), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "ok": ok}
    if ok and inner.is_file():
        out["inner_seconds"] = round(float(inner.read_text()), 4)  # the call alone, without imports
    if not ok:
        out["error"] = (err[-1] if err else f"exit {os.waitstatus_to_exitcode(status)}")[:300]
        if seconds >= timeout:
            out["error"] = f"timed out after {timeout:.0f} s"
    return out


def _files(work: Path, model_dir: Path) -> dict:
    return {
        "dir": str(work), "model": str(model_dir / "network.onnx"), "data": str(model_dir / "input.json"),
        "settings": str(work / "settings.json"), "compiled": str(work / "model.compiled"),
        "srs": str(work / "kzg.srs"), "vk": str(work / "vk.key"), "pk": str(work / "pk.key"),
        "witness": str(work / "witness.json"), "proof": str(work / "proof.json"),
    }


def _size(path: str) -> int | None:
    p = Path(path)
    return p.stat().st_size if p.is_file() else None


def _outputs(tool: str, files: dict) -> list[np.ndarray] | None:
    """The proven (ezk: proof.json) or witnessed (EZKL: rescaled outputs) outputs as floats."""
    try:
        if tool == "ezk":
            return [np.asarray(o, dtype=np.float64) for o in json.loads(Path(files["proof"]).read_text())["outputs"]]
        w = json.loads(Path(files["witness"]).read_text())
        return [np.asarray([float(v) for v in o], dtype=np.float64) for o in w["pretty_elements"]["rescaled_outputs"]]
    except (OSError, KeyError, ValueError, TypeError):
        return None


def _circuit_stats(tool: str, files: dict) -> dict:
    try:
        s = json.loads(Path(files["settings"]).read_text())
    except (OSError, ValueError):
        return {}
    return {"logrows": s.get("run_args", {}).get("logrows"), "rows": s.get("num_rows"),
            "advice_cells": s.get("total_assignments"), "lookup_range": s.get("run_args", {}).get("lookup_range"),
            "scale": s.get("run_args", {}).get("input_scale")}


def run_tool(tool: str, model_dir: Path, work: Path, target: str, timeout: float, reference) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    files = _files(work, model_dir)
    steps = EZK_STEPS if tool == "ezk" else EZKL_STEPS
    out: dict = {"steps": {}}
    for name in STEPS:
        r = run_step(tool, steps[name], files, target, timeout)
        out["steps"][name] = r
        print(f"[{tool}] {name:<19} {r['seconds']:8.2f} s {r['peak_rss_mb']:9.1f} MB"
              f"{'' if r['ok'] else '  FAILED: ' + r.get('error', '')}", file=sys.stderr, flush=True)
        if not r["ok"]:
            break
    out.update(_circuit_stats(tool, files))
    out.update({"pk_bytes": _size(files["pk"]), "vk_bytes": _size(files["vk"]), "proof_bytes": _size(files["proof"]),
                "srs_bytes": _size(files["srs"]), "pk_cosets_bytes": _size(files["pk"] + ".cosets")})
    outs = _outputs(tool, files)
    if outs is not None and reference is not None:
        rel = [float(np.abs(o.reshape(-1) - r.reshape(-1)).max() / max(np.abs(r).max(), 1e-12))
               for o, r in zip(outs, reference) if o.size == r.size]
        out["max_rel_error_vs_onnxruntime"] = max(rel) if rel else None
        top1 = [bool(np.array_equal(o.reshape(r.shape).argmax(-1), r.argmax(-1))) for o, r in zip(outs, reference)
                if o.size == r.size and r.ndim >= 1]
        out["top1_identical"] = all(top1) if top1 else None
    out["peak_rss_mb"] = max((s["peak_rss_mb"] for s in out["steps"].values()), default=None)
    return out


def _reference(model_dir: Path):
    try:
        from ezk.graph.onnx_import import load_onnx
        from ezk.inputs import load_input_data
        from ezk.reference import run_reference

        om = load_onnx(model_dir / "network.onnx")
        ref = run_reference(om, load_input_data(model_dir / "input.json"))
        return [np.asarray(ref[name], dtype=np.float64) for name in om.outputs]
    except Exception as exc:  # the benchmark still reports times without a reference
        print(f"warning: no onnxruntime reference: {exc}", file=sys.stderr)
        return None


def _fmt(v, unit=""):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.2f}{unit}" if v >= 0.01 or v == 0 else f"{v:.4f}{unit}"
    return f"{v}{unit}"


def markdown(result: dict) -> str:
    tools = [t for t in ("ezkl", "ezk") if t in result["tools"]]
    head = "| step | " + " | ".join(f"{t} time (s) | {t} (call) | {t} peak RSS (MB)" for t in tools) + " |"
    lines = [head, "|" + "---|" * (1 + 3 * len(tools))]
    for s in STEPS:
        cells = []
        for t in tools:
            r = result["tools"][t]["steps"].get(s)
            cells += [_fmt(r["seconds"]) if r and r["ok"] else ("failed" if r else "—"),
                      _fmt(r.get("inner_seconds")) if r else "—", _fmt(r["peak_rss_mb"]) if r else "—"]
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| | " + " | ".join(tools) + " |")
    lines.append("|---|" + "---|" * len(tools))
    for key, label in (("logrows", "logrows (K)"), ("rows", "rows"), ("advice_cells", "advice cells"),
                       ("lookup_range", "lookup range"), ("scale", "scale"), ("pk_bytes", "pk bytes"),
                       ("pk_cosets_bytes", "pk.cosets bytes (ezk)"),
                       ("vk_bytes", "vk bytes"), ("proof_bytes", "proof bytes"), ("peak_rss_mb", "peak RSS (MB)"),
                       ("max_rel_error_vs_onnxruntime", "max err / max|ort|"), ("top1_identical", "top-1 identical")):
        lines.append(f"| {label} | " + " | ".join(_fmt(result["tools"][t].get(key)) for t in tools) + " |")
    if len(tools) == 2:
        a, b = result["tools"]["ezkl"], result["tools"]["ezk"]
        ratios = []
        for s in ("setup", "prove", "verify"):
            ra, rb = a["steps"].get(s), b["steps"].get(s)
            if ra and rb and ra["ok"] and rb["ok"]:
                ratios.append(f"{s} {rb['seconds'] / ra['seconds']:.3f}×")
                if ra.get("inner_seconds") and rb.get("inner_seconds"):
                    ratios.append(f"{s} call {rb['inner_seconds'] / ra['inner_seconds']:.3f}×")
        if a.get("peak_rss_mb") and b.get("peak_rss_mb"):
            ratios.append(f"peak RSS {b['peak_rss_mb'] / a['peak_rss_mb']:.3f}×")
        lines.append("")
        lines.append("ezk / EZKL: " + ", ".join(ratios))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("--out", type=Path, default=None, help="working folder (default: a temporary one)")
    ap.add_argument("--only", choices=("ezk", "ezkl"), default=None)
    ap.add_argument("--target", choices=("resources", "accuracy"), default="resources")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per step")
    ap.add_argument("--json", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args()
    import tempfile

    base = args.out or Path(tempfile.mkdtemp(prefix="vs-ezkl-"))
    reference = _reference(args.model_dir)
    result = {"model": str(args.model_dir), "target": args.target, "cpus": os.cpu_count(), "tools": {}}
    for tool in ("ezkl", "ezk"):
        if args.only and tool != args.only:
            continue
        result["tools"][tool] = run_tool(tool, args.model_dir.resolve(), base / tool, args.target, args.timeout,
                                         reference)
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)
    print()
    print(markdown(result))


if __name__ == "__main__":
    main()
