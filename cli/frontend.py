"""Front-end commands: gen-settings, calibrate-settings, compile-circuit, gen-witness, table
(flags follow EZKL: -M model, -D data, -O output, -S settings, --compiled-circuit)."""

from __future__ import annotations

import time
from typing import Optional

import typer

from ezk import api
from ezk.errors import EzkError


def _lookup_range(text: str) -> tuple[int, int]:
    try:
        lo, hi = (int(v) for v in text.replace(":", ",").split(","))
    except ValueError:
        raise EzkError(f"--lookup-range expects lo,hi (two integers), got {text!r}") from None
    return lo, hi


def _scales(text: Optional[str]):
    if not text:
        return None
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise EzkError(f"--scales expects comma-separated integers, got {text!r}") from None


def register(app: typer.Typer) -> None:
    @app.command("gen-settings")
    def gen_settings_cmd(
        model: str = typer.Option("network.onnx", "-M", "--model", help="ONNX model"),
        output: str = typer.Option("settings.json", "-O", "--settings-path", "--output", help="settings file to write"),
        input_scale: int = typer.Option(7, "--input-scale"),
        param_scale: int = typer.Option(7, "--param-scale"),
        scale_rebase_multiplier: int = typer.Option(1, "--scale-rebase-multiplier"),
        lookup_range: str = typer.Option("-32768,32768", "--lookup-range", help="lo,hi"),
        logrows: int = typer.Option(17, "--logrows", "-K"),
        num_inner_cols: int = typer.Option(2, "--num-inner-cols"),
        variables: Optional[str] = typer.Option(None, "--variables", help="e.g. batch_size=1"),
        input_visibility: str = typer.Option("private", "--input-visibility"),
        output_visibility: str = typer.Option("public", "--output-visibility"),
        param_visibility: str = typer.Option("fixed", "--param-visibility"),
    ):
        """Write settings.json for a model (EZKL's run_args)."""
        s = api.gen_settings(model, output, input_scale, param_scale, scale_rebase_multiplier, _lookup_range(lookup_range),
                             logrows, num_inner_cols, variables, input_visibility, output_visibility, param_visibility)
        from ezk.ops.bounds import describe_leaf_bound

        bounds = ", ".join(describe_leaf_bound(b, sc) for b, sc in zip(s.model_input_bits, s.model_input_scales))
        typer.echo(f"settings written to {output} (input scales {s.model_input_scales}, output scales {s.model_output_scales}; "
                   f"inputs range-checked to {bounds or 'nothing: no inputs'})")

    @app.command("calibrate-settings")
    def calibrate_cmd(
        model: str = typer.Option("network.onnx", "-M", "--model"),
        data: str = typer.Option("input.json", "-D", "--data"),
        output: str = typer.Option("settings.json", "-O", "--settings-path", "--output"),
        target: str = typer.Option("resources", "--target", help="resources | accuracy"),
        lookup_safety_margin: float = typer.Option(2.0, "--lookup-safety-margin"),
        scales: Optional[str] = typer.Option(None, "--scales", help="comma-separated candidate scales"),
        max_logrows: Optional[int] = typer.Option(None, "--max-logrows"),
    ):
        """Choose scales, lookup ranges and logrows from data; print a fidelity report."""
        from cli.progress import working

        t0 = time.perf_counter()
        cand = _scales(scales)
        from ezk.calibrate import DEFAULT_SCALES

        n = len(cand) if cand else len(DEFAULT_SCALES)
        with working("calibrating scales", total=n) as advance:
            _, report = api.calibrate_settings(model, data, output, target, lookup_safety_margin, cand, max_logrows,
                                               progress=advance)
        typer.echo(report)
        typer.echo(f"settings written to {output} in {time.perf_counter() - t0:.1f} s")

    @app.command("compile-circuit")
    def compile_cmd(
        model: str = typer.Option("network.onnx", "-M", "--model"),
        compiled_circuit: str = typer.Option("model.compiled", "--compiled-circuit"),
        settings: str = typer.Option("settings.json", "-S", "--settings-path"),
    ):
        """Quantize and lower the model into the compiled-circuit file."""
        t0 = time.perf_counter()
        digest = api.compile_circuit(model, compiled_circuit, settings)
        typer.echo(f"compiled circuit written to {compiled_circuit} (digest {digest[:16]}…) in {time.perf_counter() - t0:.1f} s")

    @app.command("gen-witness")
    def gen_witness_cmd(
        compiled_circuit: str = typer.Option("model.compiled", "-M", "--compiled-circuit"),
        data: str = typer.Option("input.json", "-D", "--data"),
        output: str = typer.Option("witness.json", "-O", "--output"),
    ):
        """Run the integer forward pass and write witness.json."""
        t0 = time.perf_counter()
        api.gen_witness(compiled_circuit, data, output)
        typer.echo(f"witness written to {output} in {time.perf_counter() - t0:.1f} s")

    @app.command("table")
    def table_cmd(
        model: str = typer.Option("network.onnx", "-M", "--model"),
        settings: Optional[str] = typer.Option(None, "-S", "--settings-path"),
        variables: Optional[str] = typer.Option(None, "--variables"),
    ):
        """Print the lowered graph: node, core op, shapes, scales."""
        from rich.console import Console
        from rich.table import Table

        rows = api.table(model, settings, variables)
        t = Table("id", "ONNX node", "core op", "inputs", "shape", "scale", "detail")
        for r in rows:
            t.add_row(str(r["id"]), r["onnx"], r["op"], ",".join(map(str, r["inputs"])), "x".join(map(str, r["shape"])) or "scalar",
                      str(r["scale"]), " ".join(f"{k}={v}" for k, v in r["detail"].items()))
        Console(width=200).print(t)
