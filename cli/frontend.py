"""Front-end commands with EZKL's flags and defaults (src/commands.rs): gen-settings,
calibrate-settings, compile-circuit, gen-witness, gen-random-data, table."""

from __future__ import annotations

import time
from typing import Optional

import typer

from cli import report
from cli.options import int_list, with_run_args
from cli.segments import max_logrows_option, max_memory_option
from ezk import api


def _segments_note(compiled_circuit: str) -> str:
    from ezk.compiled import load_compiled

    plan = load_compiled(compiled_circuit).extra.get("segments")
    return f"; {len(plan['segments'])} segments of 2^{plan['k']} rows" if plan else ""


def register(app: typer.Typer) -> None:
    @app.command("gen-settings")
    @with_run_args
    def gen_settings_cmd(
        model: str = typer.Option("network.onnx", "-M", "--model", help="ONNX model"),
        output: str = typer.Option("settings.json", "-O", "--settings-path", "--output", help="settings file to write"),
        run_args: dict = None, explicit: set = None,
    ):
        """Write settings.json for a model (EZKL's run_args and the circuit's size)."""
        t0 = time.perf_counter()
        s = api.gen_settings(model, output, **run_args)
        from ezk.ops.bounds import describe_leaf_bound

        bounds = ", ".join(describe_leaf_bound(b, sc) for b, sc in zip(s.model_input_bits, s.model_input_scales))
        report.line(f"settings written to {output} (input scales {s.model_input_scales}, output scales "
                    f"{s.model_output_scales}, logrows {s.run_args.logrows}, {s.num_rows} rows; inputs range-checked "
                    f"to {bounds or 'nothing: no inputs'})")
        report.result(command="gen-settings", settings_path=output, k=s.run_args.logrows, rows=s.num_rows,
                      cells=s.total_assignments, seconds=time.perf_counter() - t0)

    @app.command("calibrate-settings")
    def calibrate_cmd(
        data: Optional[str] = typer.Option(None, "-D", "--data", help="calibration data (default: calibration.json when present, else input.json)"),
        model: str = typer.Option("network.onnx", "-M", "--model"),
        output: str = typer.Option("settings.json", "-O", "--settings-path", "--output", help="settings to read and overwrite"),
        target: str = typer.Option("resources", "--target", help="resources | accuracy"),
        lookup_safety_margin: float = typer.Option(2.0, "--lookup-safety-margin"),
        scales: Optional[str] = typer.Option(None, "--scales", help="comma-separated candidate scales"),
        scale_rebase_multiplier: Optional[str] = typer.Option(
            None, "--scale-rebase-multiplier", help="comma-separated candidate multipliers (default: the settings' own)"),
        max_logrows: Optional[int] = max_logrows_option(),
        only_range_check_rebase: bool = typer.Option(False, "--only-range-check-rebase", hidden=True),
    ):
        """Choose scales, lookup ranges and logrows from data (every sample); print a fidelity report."""
        from cli.progress import working
        from ezk.calibrate import DEFAULT_SCALES

        if only_range_check_rebase:
            report.ignored("--only-range-check-rebase")
        if target == "resources/col-overflow":
            target = "resources"
        t0 = time.perf_counter()
        if data is None:
            data = api.calibration_data_default()
            report.note(f"calibrating on {data} (no -D given)")
        cand = int_list(scales, "--scales")
        mults = int_list(scale_rebase_multiplier, "--scale-rebase-multiplier")
        n = len(cand or DEFAULT_SCALES) * len(mults or [1])
        with working("calibrating scales", total=n) as advance:
            st, text = api.calibrate_settings(model, data, output, target, lookup_safety_margin, cand, max_logrows,
                                              progress=advance, scale_rebase_multiplier=mults)
        report.line(text)
        report.line(f"settings written to {output} in {time.perf_counter() - t0:.1f} s")
        report.result(command="calibrate-settings", settings_path=output, data=data, k=st.run_args.logrows,
                      rows=st.num_rows, cells=st.total_assignments, input_scale=st.run_args.input_scale,
                      lookup_range=st.run_args.lookup_range, seconds=time.perf_counter() - t0)

    @app.command("compile-circuit")
    def compile_cmd(
        model: str = typer.Option("network.onnx", "-M", "--model"),
        compiled_circuit: str = typer.Option("model.compiled", "--compiled-circuit"),
        settings: str = typer.Option("settings.json", "-S", "--settings-path"),
        max_logrows: Optional[int] = max_logrows_option(),
        max_memory: Optional[float] = max_memory_option(),
    ):
        """Quantize and lower the model into the compiled-circuit file (cut into segments when it
        does not fit --max-logrows, --max-memory or the settings' segment_logrows)."""
        from cli.progress import working

        t0 = time.perf_counter()
        with working("compiling (and planning segments)"):
            digest = api.compile_circuit(model, compiled_circuit, settings, max_logrows, max_memory)
        note = _segments_note(compiled_circuit)
        report.line(f"compiled circuit written to {compiled_circuit} (digest {digest[:16]}…) in {time.perf_counter() - t0:.1f} s"
                    + note)
        report.result(command="compile-circuit", compiled_circuit=compiled_circuit, digest=digest,
                      seconds=time.perf_counter() - t0, segments=int(note.split()[1]) if note else 1)

    @app.command("gen-witness")
    def gen_witness_cmd(
        data: str = typer.Option("input.json", "-D", "--data", help="input.json, @input.json, or inline JSON text"),
        compiled_circuit: str = typer.Option("model.compiled", "-M", "--compiled-circuit"),
        output: str = typer.Option("witness.json", "-O", "--output"),
        vk_path: Optional[str] = typer.Option(None, "-V", "--vk-path", help="(EZKL: for polycommit; ignored)"),
        srs_path: Optional[str] = typer.Option(None, "-P", "--srs-path",
                                               help="SRS for polycommit commitments (default kzg{logrows}.srs)"),
    ):
        """Run the integer forward pass and write witness.json."""
        if vk_path is not None:
            report.ignored("--vk-path", "ezk commits polycommit tensors with the SRS alone")
        t0 = time.perf_counter()
        w = api.gen_witness(compiled_circuit, data, output, srs_path)
        if srs_path is not None and not any((w.get(f"processed_{k}") or {}).get("polycommit") is not None
                                            for k in ("inputs", "params", "outputs")):
            report.ignored("--srs-path", "the circuit has no polycommit tensor to commit")
        report.line(f"witness written to {output} in {time.perf_counter() - t0:.1f} s")
        report.result(command="gen-witness", witness=output, outputs=w["pretty_elements"]["rescaled_outputs"],
                      seconds=time.perf_counter() - t0)

    @app.command("gen-random-data")
    def gen_random_data_cmd(
        model: str = typer.Option("network.onnx", "-M", "--model"),
        data: str = typer.Option("input.json", "-D", "--data", help="input file to write"),
        variables: str = typer.Option("batch_size->1", "-V", "--variables"),
        seed: int = typer.Option(21242, "--seed"),
        min_value: Optional[float] = typer.Option(None, "--min"),
        max_value: Optional[float] = typer.Option(None, "--max"),
    ):
        """Write random input data for a model (uniform in [min, max), default [0, 1))."""
        d = api.gen_random_data(model, data, variables, seed, min_value, max_value)
        report.line(f"random data for {len(d['input_data'])} input(s) written to {data}")
        report.result(command="gen-random-data", data=data, inputs=len(d["input_data"]))

    @app.command("table")
    @with_run_args
    def table_cmd(
        model: str = typer.Option("network.onnx", "-M", "--model"),
        settings: Optional[str] = typer.Option(None, "--settings-path", help="take the run args from this settings file"),
        run_args: dict = None, explicit: set = None,
    ):
        """Print the lowered graph: node, core op, shapes, scales."""
        from ezk.settings import RunArgs

        ra = None if settings else RunArgs(**run_args).validate()
        rows = api.table(model, settings, run_args=ra)
        report.result(command="table", nodes=len(rows))
        if report.QUIET or report.JSON:
            return
        from rich.console import Console
        from rich.table import Table

        t = Table("id", "ONNX node", "core op", "inputs", "shape", "scale", "detail")
        for r in rows:
            t.add_row(str(r["id"]), r["onnx"], r["op"], ",".join(map(str, r["inputs"])), "x".join(map(str, r["shape"])) or "scalar",
                      str(r["scale"]), " ".join(f"{k}={v}" for k, v in r["detail"].items()))
        Console(width=200).print(t)

