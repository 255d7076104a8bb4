"""The Python API: the same functions, names and arguments as the CLI commands.

    gen_settings(model, output, ...)            -> Settings
    calibrate_settings(model, data, output, …)  -> (Settings, report text)
    compile_circuit(model, settings, compiled)  -> digest
    gen_witness(compiled, data, output)         -> witness dict
    table(model, ...)                           -> list of rows
    gen_srs(srs_path, logrows)                  -> info (insecure test SRS)
    setup(compiled, srs_path, vk_path, pk_path) -> info
    mock(compiled, witness)                     -> info (raises EzkError naming failures)
    prove(compiled, witness, pk_path, srs_path, proof_path) -> info
    verify(proof_path, settings_path, vk_path, srs_path, data=None) -> Verification (truthy iff it verified)
"""

from __future__ import annotations

from pathlib import Path

# The proving functions are light; the front end's (onnx, onnxruntime, calibration) are imported
# inside the functions that need them, so that `ezk verify` does not pay for loading ONNX.
from ezk.proving import gen_srs, mock, prove, setup, verify  # noqa: F401  (re-exported)
from ezk.settings import RunArgs, Settings, parse_variables


def _front():
    """The front-end modules, imported on first use."""
    from types import SimpleNamespace

    from ezk import calibrate, compiled, inputs, witness
    from ezk.graph import lower, onnx_import

    return SimpleNamespace(calibrate=calibrate.calibrate, shrink_lookup_range=calibrate.shrink_lookup_range,
                           worst_nodes=calibrate.worst_nodes, DEFAULT_SCALES=calibrate.DEFAULT_SCALES,
                           Compiled=compiled.Compiled, load_compiled=compiled.load_compiled,
                           save_compiled=compiled.save_compiled, lower_model=lower.lower_model,
                           load_onnx=onnx_import.load_onnx, load_input_data=inputs.load_input_data,
                           run_witness=witness.run_witness, save_witness=witness.save_witness,
                           witness_json=witness.witness_json)


def measure_circuit(graph, ra: RunArgs, lookup_scales=None) -> dict:
    """The circuit layout's exact counts (rows, advice cells, the smallest logrows that fits),
    from a measuring run with room for any size."""
    from ezk.layout import lay_out
    from ezk.layout.circuit import MAX_K

    probe = RunArgs(**{**ra.__dict__, "logrows": MAX_K})
    return lay_out(graph, Settings(run_args=probe, lookup_scales=dict(lookup_scales or {}))).stats


def _settings_for(graph, ra: RunArgs, lookup_scales=None) -> tuple[Settings, str | None]:
    """Settings with the layout's exact counts, or (when the layout cannot place some op of the
    model) zero counts and the layout's one-sentence reason, for the caller to report."""
    from ezk.errors import EzkError

    try:
        stats, why = measure_circuit(graph, ra, lookup_scales), None
    except EzkError as exc:
        stats, why = {"num_rows": 0, "advice_cells": 0, "min_k": 0}, str(exc)
    st = Settings(run_args=ra, model_input_scales=graph.input_scales, model_output_scales=graph.output_scales,
                  num_rows=stats["num_rows"], total_assignments=stats["advice_cells"],
                  lookup_scales=dict(lookup_scales or {}), min_logrows=stats["min_k"],
                  model_input_bits=[int(graph.nodes[i].attrs["bound_bits"]) for i in graph.inputs])
    return st, why


def gen_settings(model, output="settings.json", input_scale: int = 7, param_scale: int = 7,
                 scale_rebase_multiplier: int = 1, lookup_range=(-32768, 32768), logrows: int = 17,
                 num_inner_cols: int = 2, variables: str | None = None, input_visibility: str = "private",
                 output_visibility: str = "public", param_visibility: str = "fixed") -> Settings:
    F = _front()
    ra = RunArgs(input_scale=input_scale, param_scale=param_scale, scale_rebase_multiplier=scale_rebase_multiplier,
                 lookup_range=[int(lookup_range[0]), int(lookup_range[1])], logrows=logrows,
                 num_inner_cols=num_inner_cols, variables=parse_variables(variables),
                 input_visibility=input_visibility, output_visibility=output_visibility,
                 param_visibility=param_visibility).validate()
    om = F.load_onnx(model, ra.variables_dict)
    graph, _ = F.lower_model(om, ra)
    settings, why = _settings_for(graph, ra)
    if why:
        import sys

        print(f"warning: the circuit layout cannot place this model yet, so rows are not counted: {why}", file=sys.stderr)
    if output:
        settings.save(output)
    return settings


def calibrate_settings(model, data, output="settings.json", target: str = "resources",
                       lookup_safety_margin: float = 2.0, scales=None, max_logrows: int | None = None,
                       settings: str | None = None, progress=None,
                       shrink_lookup: bool = True) -> tuple[Settings, str]:
    F = _front()
    """Scales from data (ezk.calibrate), then — unless ``shrink_lookup`` is False — the smallest
    lookup_range that lowers logrows at the same accuracy, then logrows = the layout's min_k."""
    base = Settings.load(settings or output).run_args if (settings or (output and Path(output).is_file())) else RunArgs()
    om = F.load_onnx(model, base.variables_dict)
    values = F.load_input_data(data)
    best, cands = F.calibrate(om, base, values, target, lookup_safety_margin, scales or F.DEFAULT_SCALES, progress)
    full_range = list(base.lookup_range)
    if shrink_lookup:
        best, range_, _ = F.shrink_lookup_range(om, best, base, values, lookup_safety_margin, measure_circuit, target)
        base = RunArgs(**{**base.__dict__, "lookup_range": range_})
    ra = RunArgs(**{**base.__dict__, "input_scale": best.scale, "param_scale": best.scale})
    result, why = _settings_for(best.graph, ra, best.lookup_scales)
    logrows = result.min_logrows or base.logrows
    if max_logrows is not None and logrows > max_logrows:
        from ezk.errors import EzkError

        raise EzkError(f"the model's circuit needs 2^{logrows} rows, more than --max-logrows {max_logrows}")
    result.run_args.logrows = logrows
    if output:
        result.save(output)
    lines = ["scale  worst rel. error  status"]
    for c in cands:
        status = c.failure if c.failure else ("chosen" if c.scale == best.scale else "")
        lines.append(f"{c.scale:>5}  {c.worst:>16.5f}  {status}")
    if why:
        lines.append(f"warning: the circuit layout cannot place this model yet, so logrows stays {logrows}: {why}")
    if list(ra.lookup_range) != full_range:
        lines.append(f"lookup_range {full_range} → {list(ra.lookup_range)} (smaller tables, lower logrows; "
                     f"worst rel. error {best.worst:.5f})")
    lines.append(f"chosen: input_scale = param_scale = {best.scale}, logrows = {logrows} "
                 f"({result.num_rows} rows, {result.total_assignments} advice cells)")
    lines.append("output                         max abs err    mean abs err   max err / max|ref|")
    for name, mx, mean, rel in best.errors:
        lines.append(f"{name[:30]:<30} {mx:>12.6f}  {mean:>12.6f}  {rel:>12.6f}")
    wn = F.worst_nodes(om, best, values)
    if wn:
        lines.append("worst nodes (max err / max|ref|): " + ", ".join(f"{n} {e:.4f}" for n, e in wn))
    return result, "\n".join(lines)


def compile_circuit(model, compiled_circuit="model.compiled", settings="settings.json") -> str:
    F = _front()
    st = Settings.load(settings)
    om = F.load_onnx(model, st.run_args.variables_dict)
    graph, _ = F.lower_model(om, st.run_args, st.lookup_scales)
    return F.save_compiled(compiled_circuit, F.Compiled(graph=graph, settings=st))


def gen_witness(compiled_circuit="model.compiled", data="input.json", output="witness.json") -> dict:
    F = _front()
    comp = F.load_compiled(compiled_circuit)
    q, trace = F.run_witness(comp.graph, F.load_input_data(data))
    w = F.witness_json(comp.graph, q, trace, comp.digest)
    if output:
        F.save_witness(output, w)
    return w


def table(model, settings: str | None = None, variables: str | None = None) -> list[dict]:
    F = _front()
    if settings:
        st = Settings.load(settings)
        ra, ls = st.run_args, st.lookup_scales
    else:
        ra, ls = RunArgs(variables=parse_variables(variables)), {}
    om = F.load_onnx(model, ra.variables_dict)
    graph, _ = F.lower_model(om, ra, ls)
    from ezk.ops.bounds import describe_leaf_bound

    rows = []
    for n in graph.nodes:
        detail = {k: v for k, v in n.attrs.items() if k in ("equation", "fn", "shift", "kind", "axes", "visibility", "in_scale")}
        if "bound_bits" in n.attrs:  # an input or private parameter: range-checked (ezk.ops.bounds)
            detail["bound"] = describe_leaf_bound(int(n.attrs["bound_bits"]), n.scale)
        rows.append({"id": n.id, "onnx": f"{n.onnx_name} ({n.onnx_op})", "op": n.op, "inputs": n.inputs,
                     "shape": list(n.shape), "scale": n.scale, "detail": detail})
    return rows
