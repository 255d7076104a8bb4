"""Benchmark a llama2.c model (or any token-input ONNX model) through the whole ezk CLI.

    python benchmarks/llama.py --config stories260k --tokens 16 [--until prove] [--workdir DIR]
    python benchmarks/llama.py --model-dir ../shared/models/llama/torch_small
    python benchmarks/llama.py --config stories15m --tokens 16 --max-logrows 19 --until compile-circuit

Each step (gen-settings, calibrate-settings --target accuracy, compile-circuit, gen-witness,
mock, gen-srs, setup, prove, verify) runs as its own ``ezk`` process under ``/usr/bin/time -v``,
so every step's wall time, CPU time (user + system: steadier than wall time on a shared machine)
and peak RSS is its own.  ``--until`` stops after a step
(``gen-settings`` is the measuring layout alone: rows, advice cells, K).  The next token
(top-1 of the last position) of the witness is compared with onnxruntime's.
``--max-logrows K`` compiles into segments of 2^K rows: the settings are the defaults with
``segment_logrows`` K (gen-settings' whole-model layout is skipped; calibrate-settings measures in
windows, skip it with ``--no-calibrate``), and the plan (segments, rows of each) is reported from the
compiled circuit; ``--workers N`` runs setup and prove on a local Dask cluster.
Prints ONE JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

STEPS = ("gen-settings", "calibrate-settings", "compile-circuit", "gen-witness", "mock", "gen-srs", "setup",
         "prove", "verify")
REPO = Path(__file__).resolve().parent.parent


def _timed(args: list[str], cwd: Path) -> dict:
    """Run ``ezk <args>`` under /usr/bin/time -v: seconds, peak RSS (MiB), exit code, last line."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "cli.main", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    err = p.stderr
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", err)
    secs = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))) if wall else None
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", err))
    text = [line for line in (p.stdout + "\n" + err.split("\tCommand being timed")[0]).strip().splitlines()
            if not line.startswith("Command exited with non-zero status")]
    return {"seconds": secs, "cpu_seconds": round(cpu, 2), "peak_rss_mib": round(int(rss.group(1)) / 1024, 1) if rss else None,
            "rc": p.returncode, "last_line": text[-1] if text else "", "lines": text}


def _next_token(model: Path, data: Path, witness: Path) -> dict:
    import onnx
    import onnxruntime as ort

    m = onnx.load(str(model), load_external_data=False)
    name = m.graph.input[0].name
    tokens = np.asarray(json.loads(data.read_text())["input_data"][0], dtype=np.int64).reshape(1, -1)
    ref = ort.InferenceSession(str(model)).run(None, {name: tokens})[0]
    # the witness's outputs are field elements (little-endian hex); pretty_elements has them rescaled
    got = np.asarray(json.loads(witness.read_text())["pretty_elements"]["rescaled_outputs"][0],
                     dtype=np.float64).reshape(ref.shape)
    return {"next_token_onnxruntime": int(ref[0, -1].argmax()), "next_token_proven": int(got[0, -1].argmax()),
            "top1_identical": bool(ref[0, -1].argmax() == got[0, -1].argmax()),
            "positions": int(ref.shape[-2]), "top1_identical_every_position": bool((ref.argmax(-1) == got.argmax(-1)).all()),
            "max_abs_error": float(np.abs(got - ref).max()), "max_abs_reference": float(np.abs(ref).max())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="stories260k", help="named llama2.c config (models.llama)")
    ap.add_argument("--tokens", type=int, default=16)
    ap.add_argument("--model-dir", help="a folder with network.onnx and input.json instead of --config")
    ap.add_argument("--until", default="verify", choices=STEPS)
    ap.add_argument("--no-mock", action="store_true", help="skip the mock step")
    ap.add_argument("--workdir", help="keep the files here (default: a temporary folder)")
    ap.add_argument("--max-logrows", type=int, help="segments of at most 2^K rows (see above)")
    ap.add_argument("--no-calibrate", action="store_true", help="keep the default scales (with --max-logrows)")
    ap.add_argument("--workers", type=int, help="Dask workers for setup and prove")
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="ezk-llama-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(REPO))
    if args.model_dir:
        model, data = Path(args.model_dir).resolve() / "network.onnx", Path(args.model_dir).resolve() / "input.json"
        what = {"model_dir": str(args.model_dir)}
    else:
        from models.llama import CONFIGS, write_llama

        model, data = write_llama(work, CONFIGS[args.config], args.tokens)
        what = {"config": args.config, "tokens": args.tokens, "parameters": CONFIGS[args.config].parameters()}
    commands = {
        "gen-settings": ["gen-settings", "-M", str(model), "-O", "settings.json"],
        "calibrate-settings": ["calibrate-settings", "-M", str(model), "-D", str(data), "-O", "settings.json",
                               "--target", "accuracy"],
        "compile-circuit": ["compile-circuit", "-M", str(model), "-S", "settings.json", "--compiled-circuit", "model.compiled"],
        "gen-witness": ["gen-witness", "-M", "model.compiled", "-D", str(data), "-O", "witness.json"],
        "mock": ["mock", "-M", "model.compiled", "-W", "witness.json"],
        "gen-srs": None,  # needs K from the settings
        "setup": ["setup", "-M", "model.compiled", "--srs-path", "kzg.srs", "--vk-path", "vk.key", "--pk-path", "pk.key"],
        "prove": ["prove", "-M", "model.compiled", "-W", "witness.json", "--pk-path", "pk.key", "--srs-path", "kzg.srs",
                  "--proof-path", "proof.json"],
        "verify": ["verify", "--proof-path", "proof.json", "-S", "settings.json", "--vk-path", "vk.key", "--srs-path", "kzg.srs"],
    }
    if args.max_logrows:
        commands["compile-circuit"] += ["--max-logrows", str(args.max_logrows)]
        commands["calibrate-settings"] += ["--max-logrows", str(args.max_logrows)]
    if args.workers:
        commands["setup"] += ["--workers", str(args.workers)]
        commands["prove"] += ["--workers", str(args.workers)]
    out: dict = {**what, "workdir": str(work), "steps": {}}
    for step in STEPS:
        if (step == "mock" and args.no_mock) or (step == "calibrate-settings" and args.no_calibrate):
            continue
        if step == "gen-settings" and args.max_logrows:  # never lay the whole model out
            from ezk.settings import RunArgs, Settings

            Settings(run_args=RunArgs(segment_logrows=args.max_logrows)).save(work / "settings.json")
            continue
        cmd = commands[step]
        if step == "gen-srs":
            k = out.get("segment_k") or json.loads((work / "settings.json").read_text())["run_args"]["logrows"]
            cmd = ["gen-srs", "--srs-path", "kzg.srs", "--logrows", str(k)]
        res = _timed(cmd, work)
        out["steps"][step] = {k: v for k, v in res.items() if k != "lines"}
        if step in ("gen-settings", "calibrate-settings") and res["rc"] == 0:
            st = json.loads((work / "settings.json").read_text())
            out.update(rows=st["num_rows"], advice_cells=st["total_assignments"], k=st["min_logrows"],
                       scale=st["run_args"]["input_scale"], lookup_range=st["run_args"]["lookup_range"])
        if step == "compile-circuit" and res["rc"] == 0:
            from ezk.compiled import load_compiled

            plan = load_compiled(work / "model.compiled").extra.get("segments")
            if plan:
                stats = plan.get("stats", [])
                out.update(segments=len(plan["segments"]), segment_k=plan["k"],
                           segment_rows=[st["num_rows"] for st in stats], rows=sum(st["num_rows"] for st in stats),
                           link_elements=[st["link_out"] for st in stats[:-1]])
        if step == "gen-witness" and res["rc"] == 0:
            out.update(_next_token(model, data, work / "witness.json"))
        if step == "verify":
            out["verified"] = res["rc"] == 0 and "verified: true" in res["lines"]  # the outputs follow it
        if res["rc"] != 0 or step == args.until:
            break
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
