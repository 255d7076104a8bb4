"""Benchmark segmented proving of a model: compile into segments of 2^K rows, setup, prove, verify.

    python benchmarks/segments.py MODEL_DIR --max-logrows K [--workers N] [--work DIR]
                                  [--max-segments M | --only S[,S...]] [--monolithic]

MODEL_DIR holds network.onnx and input.json. Settings come from MODEL_DIR/settings.json when
present, else from ``calibrate-settings --max-logrows K`` (default target, the full lookup range:
its tables fit any K ≥ 17), once per work folder. Each phase runs in its own process, so its peak RSS
is its own (os.wait4); the setup and prove phases also report every segment task's seconds
and the peak RSS of the process that ran it (the phase process itself, or a Dask worker).
``--max-segments M`` sets up and proves only the first M segments (a model too slow to prove
whole today: per-segment figures, no bundle to verify); ``--only S[,S...]`` sets up and proves
only those segments (one heavy segment's key size, prove seconds and peak RSS before a long run;
the forward pass still walks the segments before them). ``--monolithic`` also runs the same
model as one circuit (logrows from the layout) for the wall time it takes.

Prints ONE JSON object: segments, K, per-phase seconds and peak RSS, per-segment seconds and
peak RSS, wall seconds (setup + prove), proof bytes, verify ms. Each verify call is
``api.verify(proof.json, settings.json, vk.key, srs)``: the proof bundle, settings and key files
read from disk and checked, every segment, link and the batched pairing, up to the verdict
(the key bundle's decoding and the verifier SRS are kept per process after the first call, as
a verifier checking many proofs keeps them). ``verify_ms`` / ``verify_ms_median``: the best and
the median wall time of 11 calls in one process after a first one; ``verify_ms_first``: that
first call, decoding the key bundle and compiling each key's constraints; ``verify_cpu_ms`` /
``verify_cpu_ms_median``: the least and the median CPU time (user + system, all threads) of
the 11 — the figures to read on a shared machine, where wall time mostly measures the other
processes; ``loadavg_1min``: the machine's load when they were taken. Every phase's
``cpu_seconds`` (its process and the Dask workers it reaped) and each segment task's. With
``--reference``: the proven outputs' top-1 against onnxruntime's (``reference``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERIFY_RUNS = 11  # verify calls after the first; min and median are reported


def _log(event: str, s: int, result) -> None:
    """Each finished segment task as one JSON line on stderr (figures survive an interrupted run)."""
    if event == "done" and isinstance(result, dict):
        print(json.dumps({k: result[k] for k in ("segment", "seconds", "cpu_seconds", "peak_rss_mb", "pid")
                          if k in result}),
              file=sys.stderr, flush=True)


def _phase(args) -> dict:
    """Run one phase in this process; return its figures."""
    from ezk import api

    w = Path(args.work)
    comp, srs = w / "model.compiled", w / f"kzg{args.max_logrows}.srs"
    t0 = time.perf_counter()
    out: dict = {}
    if args.phase == "compile":
        settings = Path(args.model_dir) / "settings.json"
        if settings.is_file():
            shutil.copy(settings, w / "settings.json")
        elif not (w / "settings.json").is_file():  # calibrated once per work folder (scales, lookup inputs)
            from ezk.settings import RunArgs, Settings

            # defaults, and rows counted in windows: gen-settings would lay the whole model out
            Settings(run_args=RunArgs(segment_logrows=args.max_logrows)).save(w / "settings.json")
            api.calibrate_settings(Path(args.model_dir) / "network.onnx", Path(args.model_dir) / "input.json",
                                   w / "settings.json", max_logrows=args.max_logrows, shrink_lookup=False,
                                   scales=[int(v) for v in args.scales.split(",")] if args.scales else None)
        if not (args.reuse and comp.is_file() and (w / "witness.json").is_file()):
            api.compile_circuit(Path(args.model_dir) / "network.onnx", comp, w / "settings.json",
                                max_logrows=None if args.monolithic_run else args.max_logrows)
            api.gen_witness(comp, Path(args.model_dir) / "input.json", w / "witness.json")
        from ezk.compiled import load_compiled

        plan = load_compiled(comp).extra.get("segments")
        out = {"segments": len(plan["segments"]) if plan else 1, "k": plan["k"] if plan else None,
               "rows": [s["num_rows"] for s in plan["stats"]] if plan else None}
        if not plan:
            out["k"] = api.measure_circuit(load_compiled(comp).graph, load_compiled(comp).settings.run_args)["min_k"]
        if not srs.is_file():
            api.gen_srs(srs, max(out["k"], args.max_logrows), seed="ezk-benchmark")
    elif args.phase in ("setup", "prove") and _chosen(args):
        out = _partial(args, comp, srs)
    elif args.phase == "setup":
        info = api.setup(comp, srs, w / "vk.key", w / "pk.key", workers=args.workers, progress=_log)
        out = {k: info[k] for k in ("per_segment", "vk_bytes", "pk_bytes") if k in info}
    elif args.phase == "prove":
        info = api.prove(comp, w / "witness.json", w / "pk.key", srs, w / "proof.json", workers=args.workers,
                         progress=_log)
        out = {k: info[k] for k in ("per_segment", "proof_bytes") if k in info}
    elif args.phase == "verify":
        import ezk.kzg, ezk.plonk.verifier, ezk.segments.proving  # noqa: F401 (imports outside the timing)

        t = time.perf_counter()  # the first call decodes the key bundle (later calls reuse it)
        api.verify(w / "proof.json", w / "settings.json", w / "vk.key", srs)
        first = (time.perf_counter() - t) * 1000
        times, cpu = [], []
        for _ in range(VERIFY_RUNS):
            t, c = time.perf_counter(), time.process_time()
            ok = api.verify(w / "proof.json", w / "settings.json", w / "vk.key", srs)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        mid = VERIFY_RUNS // 2
        out = {"verified": bool(ok), "verify_ms": round(min(times), 1), "verify_ms_median": round(sorted(times)[mid], 1),
               "verify_ms_first": round(first, 1), "verify_cpu_ms": round(min(cpu), 1),
               "verify_cpu_ms_median": round(sorted(cpu)[mid], 1), "verify_runs": VERIFY_RUNS,
               "loadavg_1min": round(os.getloadavg()[0], 2)}
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def _top1(model_dir: str, proof_path: Path) -> dict:
    """The proven outputs (the proof bundle's public outputs, which verify checks) against
    onnxruntime's on the same input: the top-1 (argmax over the last axis) at the last position."""
    import numpy as np
    import onnx
    import onnxruntime as ort

    m = onnx.load(str(Path(model_dir) / "network.onnx"), load_external_data=False)
    data = json.loads((Path(model_dir) / "input.json").read_text())["input_data"]
    dtypes = {1: np.float32, 7: np.int64, 6: np.int32}
    feeds = {}
    for i, x in zip(m.graph.input, data):
        shape = [d.dim_value or 1 for d in i.type.tensor_type.shape.dim]
        feeds[i.name] = np.asarray(x, dtype=dtypes.get(i.type.tensor_type.elem_type, np.float32)).reshape(shape)
    ref = np.asarray(ort.InferenceSession(str(Path(model_dir) / "network.onnx")).run(None, feeds)[0], np.float64)
    got = np.asarray(json.loads(proof_path.read_text())["outputs"][0], np.float64).reshape(ref.shape)
    last_ref, last_got = ref.reshape(-1, ref.shape[-1])[-1], got.reshape(-1, got.shape[-1])[-1]
    return {"top1_onnxruntime": int(last_ref.argmax()), "top1_proven": int(last_got.argmax()),
            "top1_identical": bool(last_ref.argmax() == last_got.argmax()),
            "max_abs_error": round(float(np.abs(got - ref).max()), 5), "max_abs_reference": round(float(np.abs(ref).max()), 5)}


def _chosen(args) -> list[int] | None:
    """The segments --max-segments or --only names (None: all of them)."""
    if args.only:
        return sorted({int(v) for v in args.only.split(",")})
    return list(range(args.max_segments)) if args.max_segments else None


def _partial(args, comp, srs) -> dict:
    """Setup or prove only the chosen segments (in this process)."""
    import secrets

    from ezk.proving import quantized_inputs_from_witness
    from ezk.segments.tasks import context, prove_segment, setup_segment
    from ezk.segments.witness import walk_segments

    w = Path(args.work)
    chosen = _chosen(args)
    c, plan, _ = context(comp)
    if chosen[-1] >= len(plan.segments):
        raise SystemExit(f"the plan has {len(plan.segments)} segments; there is no segment {chosen[-1]}.")
    if args.phase == "setup":
        res = []
        for s in chosen:
            res.append(setup_segment(str(comp), str(srs), str(w / "pk.key"), s))
            _log("done", s, res[-1])
        return {"per_segment": [{k: r[k] for k in ("segment", "seconds", "cpu_seconds", "peak_rss_mb", "pid", "pk_bytes")}
                                for r in res]}
    from ezk.artifacts import KeyFile, read_key, write_key
    from ezk.segments.artifacts import segment_pk_path

    manifest = {"segments": [{"vk_digest": read_key(segment_pk_path(w / "pk.key", s), "pk").header["vk_digest"]}
                             if s in chosen else {} for s in range(chosen[-1] + 1)]}
    write_key(w / "pk.key", KeyFile("pk", manifest, b""))
    inputs = quantized_inputs_from_witness(c, w / "witness.json")
    seed = secrets.token_bytes(32)
    res = []
    for s, (given, _) in enumerate(walk_segments(c.graph, plan.segments[:chosen[-1] + 1], inputs)):
        if s not in chosen:
            continue
        r = prove_segment(str(comp), str(w / "pk.key"), str(srs), s, given, seed)
        _log("done", s, r)
        res.append({k: r[k] for k in ("segment", "seconds", "cpu_seconds", "peak_rss_mb", "pid")}
                   | {"proof_bytes": len(r["proof"])})
    return {"per_segment": res}


def _run(args, phase: str, monolithic: bool = False) -> dict:
    """The phase in a child process; its peak RSS from os.wait4."""
    cmd = [sys.executable, __file__, args.model_dir, "--max-logrows", str(args.max_logrows), "--work", args.work,
           "--phase", phase]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    if args.max_segments:
        cmd += ["--max-segments", str(args.max_segments)]
    if args.only:
        cmd += ["--only", args.only]
    if args.scales:
        cmd += ["--scales", args.scales]
    if args.reuse:
        cmd += ["--reuse"]
    if monolithic:
        cmd += ["--monolithic-run"]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        raise SystemExit(f"phase {phase} failed (status {status})")
    res = json.loads(out.decode().strip().splitlines()[-1])
    res["peak_rss_mb"] = usage.ru_maxrss >> 10
    res["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)  # the phase and every process it reaped
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir")
    ap.add_argument("--max-logrows", type=int, required=True)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--work", default=None, help="folder for the artifacts (default: a temporary one)")
    ap.add_argument("--max-segments", type=int, default=None, help="set up and prove only the first M segments")
    ap.add_argument("--only", default=None, help="set up and prove only these segments, e.g. 0 or 0,3")
    ap.add_argument("--monolithic", action="store_true", help="also prove the model as one circuit")
    ap.add_argument("--scales", default=None, help="calibration's candidate scales, e.g. 13 (default: all)")
    ap.add_argument("--reference", action="store_true",
                    help="compare the proven outputs' top-1 (last axis, last position) with onnxruntime's")
    ap.add_argument("--reuse", action="store_true", help="keep the work folder's compiled circuit and witness")
    ap.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--monolithic-run", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(_phase(args)))
        return
    tmp = None
    if args.work is None:
        tmp = tempfile.mkdtemp(prefix="ezk-segments-")
        args.work = tmp
    Path(args.work).mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    result = {"model": args.model_dir, "commit": commit, "workers": args.workers or 0}
    try:
        comp = _run(args, "compile")
        setup = _run(args, "setup")
        prove = _run(args, "prove")
        result.update(segments=comp["segments"], k=comp["k"], compile=comp, setup=setup, prove=prove,
                      wall_seconds=round(setup["seconds"] + prove["seconds"], 2),
                      proof_bytes=prove.get("proof_bytes", sum(r.get("proof_bytes", 0) for r in prove["per_segment"])))
        peaks = [setup["peak_rss_mb"], prove["peak_rss_mb"]] + [r["peak_rss_mb"] for ph in (setup, prove)
                                                                for r in ph.get("per_segment", [])]
        result["peak_rss_mb_any_process"] = max(peaks)
        if not _chosen(args):
            result["verify"] = _run(args, "verify")
            if args.reference:
                result["reference"] = _top1(args.model_dir, Path(args.work) / "proof.json")
        if args.monolithic:
            mono = argparse.Namespace(**{**vars(args), "work": str(Path(args.work) / "monolithic"), "workers": None,
                                         "max_segments": None})
            Path(mono.work).mkdir(exist_ok=True)
            mc, ms, mp = _run(mono, "compile", True), _run(mono, "setup", True), _run(mono, "prove", True)
            result["monolithic"] = {"k": mc["k"], "setup": ms, "prove": mp,
                                    "wall_seconds": round(ms["seconds"] + mp["seconds"], 2)}
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
