"""`ezk demo`: the whole workflow on the bundled nanoGPT (or, ``--model llama``, llama2.c's
stories260K), in a temporary folder, with timings.

build model → gen-settings → calibrate-settings → compile-circuit → gen-witness → gen-srs →
setup → prove → verify, then compare the proven outputs with onnxruntime.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np
import typer

from ezk import api

MODELS = ("nanogpt", "llama")
LLAMA_TOKENS = 16  # the prompt of `ezk demo --model llama`


class _Steps:
    """Runs named steps, printing each one's wall time."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.times: dict[str, float] = {}

    def __call__(self, name: str, fn, *args, **kwargs):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        self.times[name] = time.perf_counter() - t0
        if not self.quiet:
            typer.echo(f"  {name:<20} {self.times[name]:7.2f} s")
        return out


def _build(model: str, workdir: Path, n_layer: int, step) -> tuple[Path, Path, int]:
    """(network.onnx, input.json, parameters) of the demo's model, written into ``workdir``."""
    if model == "llama":
        from models.llama import CONFIGS, write_llama

        cfg = CONFIGS["stories260k"]
        onnx_path, data = step("build stories260K", write_llama, workdir, cfg, LLAMA_TOKENS)
        return onnx_path, data, cfg.parameters()
    from models.nanogpt import NanoGPTConfig, count_parameters, write_nanogpt

    onnx_path, data = step("build nanoGPT", write_nanogpt, workdir, NanoGPTConfig(n_layer=n_layer))
    return onnx_path, data, count_parameters(__import__("onnx").load(str(onnx_path)))


def run_demo(workdir: Path, n_layer: int = 1, quiet: bool = False, model: str = "nanogpt") -> dict:
    """Run the pipeline in ``workdir`` on nanoGPT micro (``n_layer`` blocks) or, with
    ``model="llama"``, llama2.c's stories260K over a 16-token prompt; returns a summary dict."""
    import onnxruntime as ort

    if model not in MODELS:
        raise typer.BadParameter(f"--model must be one of {', '.join(MODELS)} (got {model!r})")
    step = _Steps(quiet)
    f = {name: str(workdir / name) for name in
         ("settings.json", "model.compiled", "witness.json", "kzg.srs", "vk.key", "pk.key", "proof.json")}
    onnx_path, data, parameters = _build(model, workdir, n_layer, step)
    step("gen-settings", api.gen_settings, str(onnx_path), f["settings.json"])
    step("calibrate-settings", api.calibrate_settings, str(onnx_path), str(data), f["settings.json"], target="accuracy")
    step("compile-circuit", api.compile_circuit, str(onnx_path), f["model.compiled"], f["settings.json"])
    step("gen-witness", api.gen_witness, f["model.compiled"], str(data), f["witness.json"])
    from ezk.settings import Settings

    k = Settings.load(f["settings.json"]).run_args.logrows  # calibrate set it to the layout's min_k
    step("gen-srs", api.gen_srs, f["kzg.srs"], k)
    info = step("setup", api.setup, f["model.compiled"], f["kzg.srs"], f["vk.key"], f["pk.key"])
    proved = step("prove", api.prove, f["model.compiled"], f["witness.json"], f["pk.key"], f["kzg.srs"], f["proof.json"])
    ok = step("verify", api.verify, f["proof.json"], f["settings.json"], f["vk.key"], f["kzg.srs"])

    tokens = np.array(json.loads(Path(data).read_text())["input_data"][0], dtype=np.int64).reshape(1, -1)
    sess = ort.InferenceSession(str(onnx_path))
    reference = sess.run(None, {sess.get_inputs()[0].name: tokens})[0]
    positions = reference.shape[-2]  # nanoGPT: every position's logits; llama2.c: the last one's
    reference = reference.reshape(-1)
    proven = np.array(proved["outputs"][0])
    err = float(np.abs(proven - reference).max())
    top1_same = bool((proven.reshape(positions, -1).argmax(-1) == reference.reshape(positions, -1).argmax(-1)).all())
    return {
        "verified": bool(ok),
        "model": "stories260K" if model == "llama" else "nanoGPT",
        "next_token": int(proven.reshape(positions, -1)[-1].argmax()),
        "parameters": parameters,
        "k": info["k"],
        "rows": info.get("num_rows"),
        "advice_cells": info.get("advice_cells"),
        "proof_bytes": proved["proof_bytes"],
        "pk_bytes": info["pk_bytes"],
        "vk_bytes": info["vk_bytes"],
        "max_abs_error_vs_onnxruntime": err,
        "max_abs_reference": float(np.abs(reference).max()),
        "top1_tokens_identical": top1_same,
        "seconds": step.times,
        "total_seconds": sum(step.times.values()),
    }


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        n_layer: int = typer.Option(1, "--n-layer", help="transformer blocks of the bundled nanoGPT"),
        keep: str = typer.Option(None, "--keep", help="run in this folder and keep the files"),
        json_out: bool = typer.Option(False, "--json", help="print the summary as JSON"),
        quiet: bool = typer.Option(False, "--quiet", help="no per-step lines"),
        model: str = typer.Option("nanogpt", "--model", help="nanogpt (micro, fast) or llama (llama2.c stories260K, "
                                  "16-token prompt, its next token; minutes)"),
    ):
        """Build the bundled nanoGPT (micro) or, with --model llama, llama2.c's stories260K; prove one
        inference and verify it, with timings."""
        from cli import report

        if model not in MODELS:
            raise typer.BadParameter(f"must be one of {', '.join(MODELS)} (got {model!r})", param_hint="--model")
        quiet, json_out = quiet or report.QUIET, json_out or report.JSON  # the global flags (cli/main.py)
        if not quiet and not json_out:
            what = (f"llama2.c stories260K (5 layers, 64-dim, {LLAMA_TOKENS}-token prompt → next token)" if model == "llama"
                    else f"nanoGPT ({n_layer} layer(s), 16-dim, 8 tokens)")
            typer.echo(f"ezk demo: {what} from ONNX to a verified proof")
        if keep:
            workdir = Path(keep)
            workdir.mkdir(parents=True, exist_ok=True)
            summary = run_demo(workdir, n_layer, quiet or json_out, model)
        else:
            with tempfile.TemporaryDirectory(prefix="ezk-demo-") as tmp:
                summary = run_demo(Path(tmp), n_layer, quiet or json_out, model)
        if json_out:
            report.result(command="demo", **summary)
            return
        if quiet:
            report.verdict(summary["verified"])
            if not summary["verified"]:
                raise typer.Exit(1)
            return
        typer.echo(
            f"\nverified: {str(summary['verified']).lower()}  |  {summary['parameters']} parameters, k={summary['k']}, "
            f"{summary['rows']} rows, {summary['advice_cells']} advice cells\n"
            f"proof {summary['proof_bytes']} bytes, pk {summary['pk_bytes'] / 1e6:.1f} MB, vk {summary['vk_bytes'] / 1e3:.1f} kB\n"
            f"proven logits vs onnxruntime: max abs error {summary['max_abs_error_vs_onnxruntime']:.5f} "
            f"(max |logit| {summary['max_abs_reference']:.3f}); top-1 tokens identical: {summary['top1_tokens_identical']} "
            f"(next token {summary['next_token']})\n"
            f"total {summary['total_seconds']:.1f} s"
        )
        if not summary["verified"]:
            raise typer.Exit(1)
