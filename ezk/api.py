"""The native Python API: the same functions, names and arguments as the CLI commands.

    gen_settings(model, output, ...)                 -> Settings
    calibrate_settings(model, data, output, …)       -> (Settings, report text)
    compile_circuit(model, compiled, settings)       -> digest
    gen_witness(compiled, data, output, srs_path)    -> witness dict
    gen_random_data(model, output, …)                -> input dict
    table(model, ...)                                -> list of rows
    gen_srs(srs_path, logrows)                       -> info (insecure test SRS)
    get_srs(logrows, srs_path)                       -> info (from a local ceremony file)
    setup(compiled, srs_path, vk_path, pk_path)      -> info
    mock(compiled, witness)                          -> info (raises EzkError naming failures)
    prove(compiled, witness, pk_path, srs_path, proof_path) -> info
    verify(proof_path, settings_path, vk_path, srs_path, data=None) -> bool (verify_proof: a Verdict
                                                     with the reason, or the public outputs and inputs)
    swap_proof_commitments(proof_path, witness_path) -> info (polycommit, see ezk.polycommit)
    verify_chain([(proof, settings, vk), …], srs)    -> Verdict (proofs chained by polycommit)

``srs_path=None`` means the default ``kzg{logrows}.srs`` (see :mod:`ezk.kzg.store`). EZKL's own
names, argument orders and return conventions are in :mod:`ezk.ezkl_compat` (``import ezk as
ezkl``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ezk.artifacts import check_output_path
# The proving functions are light; the front end's (onnx, onnxruntime, calibration) are imported
# inside the functions that need them, so that `ezk verify` does not pay for loading ONNX.
from ezk.polycommit import swap_proof_commitments, verify_chain  # noqa: F401  (re-exported)
from ezk.proving import gen_srs, mock, prove, setup, verify, verify_proof  # noqa: F401  (re-exported)
from ezk.settings import RunArgs, Settings, check_supported, parse_variables


def _front():
    """The front-end modules, imported on first use."""
    from types import SimpleNamespace

    from ezk import calibrate, compiled, inputs, witness
    from ezk.graph import lower, onnx_import

    return SimpleNamespace(calibrate=calibrate.calibrate, shrink_lookup_range=calibrate.shrink_lookup_range,
                           cap_lookup_range=calibrate.cap_lookup_range,
                           worst_nodes=calibrate.worst_nodes, reference_outputs=calibrate.reference_outputs,
                           DEFAULT_SCALES=calibrate.DEFAULT_SCALES,
                           Compiled=compiled.Compiled, load_compiled=compiled.load_compiled,
                           save_compiled=compiled.save_compiled, lower_model=lower.lower_model,
                           load_onnx=onnx_import.load_onnx, load_input_data=inputs.load_input_data,
                           split_samples=inputs.split_samples,
                           run_witness=witness.run_witness, save_witness=witness.save_witness,
                           witness_json=witness.witness_json)


def measure_circuit(graph, ra: RunArgs, lookup_scales=None) -> dict:
    """The circuit layout's exact counts (rows, advice cells, the smallest logrows that fits),
    from a measuring run with room for any size."""
    from ezk.layout import lay_out
    from ezk.layout.circuit import MAX_K
    from ezk.memory_guard import memory_guard

    probe = RunArgs(**{**ra.__dict__, "logrows": MAX_K})
    st = Settings(run_args=probe, lookup_scales=dict(lookup_scales or {}))
    with memory_guard("laying out the circuit"):
        if ra.segment_logrows:  # a model that may be too large to lay out at once: estimate in windows
            from ezk.segments.plan import estimate_circuit

            return estimate_circuit(graph, st, ra.segment_logrows)
        return lay_out(graph, st).stats


def instance_shapes(graph, ra: RunArgs) -> list[list[int]]:
    """EZKL's model_instance_shapes: the shape of each public tensor (inputs, then outputs)."""
    shapes = []
    if ra.input_visibility == "public":
        shapes += [list(graph.nodes[i].shape) for i in graph.inputs]
    if ra.output_visibility == "public":
        shapes += [list(graph.nodes[o].shape) for o in graph.outputs]
    return shapes


def _settings_for(graph, ra: RunArgs, lookup_scales=None) -> tuple[Settings, str | None]:
    """Settings with the layout's exact counts, or (when the layout cannot place some op of the
    model) zero counts and the layout's one-sentence reason, for the caller to report."""
    from ezk.errors import EzkError, ResourceError

    try:
        stats, why = measure_circuit(graph, ra, lookup_scales), None
    except ResourceError:
        raise  # the model is too large for this machine: not a layout gap to warn about
    except EzkError as exc:
        stats, why = {"num_rows": 0, "advice_cells": 0, "min_k": 0}, str(exc)
    st = Settings(run_args=ra, model_input_scales=graph.input_scales, model_output_scales=graph.output_scales,
                  model_instance_shapes=instance_shapes(graph, ra),
                  num_rows=stats["num_rows"], total_assignments=stats["advice_cells"],
                  lookup_scales=dict(lookup_scales or {}), min_logrows=stats["min_k"],
                  model_input_bits=[int(graph.nodes[i].attrs["bound_bits"]) for i in graph.inputs])
    return st, why


def _max_k() -> int:
    from ezk.layout.circuit import MAX_K

    return MAX_K


def too_large(rows: int, min_k: int) -> str:
    """The one sentence for a model whose circuit exceeds the largest one ezk builds."""
    return (f"the circuit needs {rows:,} rows (2^{min_k}), more than the largest circuit ezk builds (2^{_max_k()} rows): "
            f"compile it in segments of at most 2^K rows each (--max-logrows K on calibrate-settings or "
            f"compile-circuit), or lower input_scale/param_scale or the lookup range")


def _too_few_rows(min_k: int, logrows: int, step: str) -> str:
    return (f"the circuit needs 2^{min_k} rows but logrows is {logrows}: {step} with logrows ≥ {min_k} "
            f"(-K {min_k}), or let calibrate-settings choose it")


def gen_settings(model, output="settings.json", input_scale: int = 7, param_scale: int = 7,
                 scale_rebase_multiplier: int = 1, lookup_range=(-32768, 32768), logrows: int | None = None,
                 num_inner_cols: int = 2, variables: str | list | None = None, input_visibility: str = "private",
                 output_visibility: str = "public", param_visibility: str = "fixed", **run_args) -> Settings:
    """Write settings.json. ``logrows`` None: 17 (EZKL's default), raised to the circuit's minimum
    when the model needs more; an explicit logrows below the minimum is an error. ``run_args``:
    EZKL's other run-arg fields (check_mode, decomp_base, disable_freivalds, …), stored (and used
    where ezk implements them: disable_freivalds); ``segment_logrows=K``: a model too large for one
    circuit is counted in windows (never laid out whole) and compiled into segments of at most 2^K
    rows (ezk.segments)."""
    from ezk.errors import EzkError

    F = _front()
    if output:
        check_output_path(output, "settings")
    vars_ = variables if isinstance(variables, list) else parse_variables(variables)
    ra = RunArgs(input_scale=input_scale, param_scale=param_scale, scale_rebase_multiplier=scale_rebase_multiplier,
                 lookup_range=[int(lookup_range[0]), int(lookup_range[1])], logrows=17 if logrows is None else logrows,
                 num_inner_cols=num_inner_cols, variables=vars_,
                 input_visibility=input_visibility, output_visibility=output_visibility,
                 param_visibility=param_visibility, **run_args).validate()
    check_supported(ra)
    om = F.load_onnx(model, ra.variables_dict)
    graph, _ = F.lower_model(om, ra)
    settings, why = _settings_for(graph, ra)
    if why:
        print(f"warning: the circuit layout cannot place this model yet, so rows are not counted: {why}", file=sys.stderr)
    elif settings.min_logrows > _max_k() and not getattr(ra, "segment_logrows", 0):
        raise EzkError(too_large(settings.num_rows, settings.min_logrows))
    elif settings.min_logrows > ra.logrows:
        if logrows is not None:
            raise EzkError(_too_few_rows(settings.min_logrows, ra.logrows, "run gen-settings"))
        print(f"ezk: logrows raised from 17 to {settings.min_logrows}, the smallest the circuit fits in", file=sys.stderr)
        settings.run_args.logrows = settings.min_logrows
    if output:
        settings.save(output)
    return settings


def calibration_data_default() -> str:
    """EZKL's default calibration file, calibration.json, when present; else input.json."""
    return "calibration.json" if Path("calibration.json").is_file() else "input.json"


def calibrate_settings(model, data, output="settings.json", target: str = "resources",
                       lookup_safety_margin: float = 2.0, scales=None, max_logrows: int | None = None,
                       settings: str | None = None, progress=None, shrink_lookup: bool = True,
                       scale_rebase_multiplier=None) -> tuple[Settings, str]:
    """Scales from data (ezk.calibrate) over every sample in ``data`` (EZKL's calibration layout:
    samples concatenated per input), then — unless ``shrink_lookup`` is False — the smallest
    lookup_range that lowers logrows at the same accuracy, then logrows = the layout's min_k.
    ``scale_rebase_multiplier``: candidate multipliers (default: the settings' own)."""
    from ezk.errors import EzkError

    F = _front()
    if output:
        check_output_path(output, "settings")
    base = Settings.load(settings or output).run_args if (settings or (output and Path(output).is_file())) else RunArgs()
    check_supported(base)
    if max_logrows:  # counts by windows from here on: a model too large for one circuit is never laid out whole
        base = RunArgs(**{**base.__dict__, "segment_logrows": int(max_logrows)}).validate()
    full_range = list(base.lookup_range)
    if max_logrows:  # tables that no segment of 2^max_logrows rows could hold: clip the range first
        base = F.cap_lookup_range(base, int(max_logrows))
    capped = list(base.lookup_range)
    om = F.load_onnx(model, base.variables_dict)
    shapes = [tuple(s) for _, s, _ in om.inputs]
    samples = F.split_samples(F.load_input_data(data), shapes, [n for n, _, _ in om.inputs])
    refs = F.reference_outputs(om, samples)
    best, cands = F.calibrate(om, base, samples, target, lookup_safety_margin, scales or F.DEFAULT_SCALES, progress,
                              references=refs, multipliers=scale_rebase_multiplier)
    base = RunArgs(**{**base.__dict__, "scale_rebase_multiplier": best.multiplier or base.scale_rebase_multiplier})
    if shrink_lookup:
        best, range_, _ = F.shrink_lookup_range(om, best, base, samples, lookup_safety_margin, measure_circuit, target,
                                                references=refs)
        base = RunArgs(**{**base.__dict__, "lookup_range": range_})
    ra = RunArgs(**{**base.__dict__, "input_scale": best.scale, "param_scale": best.scale})
    result, why = _settings_for(best.graph, ra, best.lookup_scales)
    logrows = result.min_logrows or base.logrows
    seg_k = result.run_args.segment_logrows
    if seg_k and logrows > seg_k:  # too large for one circuit: segments of 2^seg_k rows (ezk.segments)
        logrows = seg_k
    else:
        result.run_args.segment_logrows = 0
    result.run_args.logrows = logrows
    if output:
        result.save(output)
    lines = [f"calibrated on {len(samples)} sample(s)", "scale  mult  worst rel. error  status"]
    for c in cands:
        status = c.failure if c.failure else ("chosen" if (c.scale, c.multiplier) == (best.scale, best.multiplier) else "")
        lines.append(f"{c.scale:>5}  {c.multiplier:>4}  {c.worst:>16.5f}  {status}")
    if why:
        lines.append(f"warning: the circuit layout cannot place this model yet, so logrows stays {logrows}: {why}")
    if list(ra.lookup_range) != full_range:
        why_range = (f"tables that fit 2^{max_logrows} rows" if max_logrows and list(ra.lookup_range) == capped
                     else "smaller tables, lower logrows")
        lines.append(f"lookup_range {full_range} → {list(ra.lookup_range)} ({why_range}; "
                     f"worst rel. error {best.worst:.5f})")
    shifts = sum(k.endswith(":softmax:c16") for k in best.lookup_scales)
    noclamp = sum(k.endswith(":softmax:noclamp") for k in best.lookup_scales)
    if shifts or noclamp:
        lines.append(f"softmax: {shifts} node(s) shifted by a calibrated constant instead of their maximum, "
                     f"{noclamp} keep the maximum without its clamp")
    lines.append(f"chosen: input_scale = param_scale = {best.scale}, scale_rebase_multiplier = "
                 f"{ra.scale_rebase_multiplier}, logrows = {logrows} "
                 f"({result.num_rows} rows, {result.total_assignments} advice cells)")
    if result.run_args.segment_logrows:
        lines.append(f"the circuit needs 2^{result.min_logrows} rows: compile-circuit will cut it into segments "
                     f"of at most 2^{result.run_args.segment_logrows} rows (segment_logrows)")
    lines.append("output                         max abs err    mean abs err   max err / max|ref|")
    for name, mx, mean, rel in best.errors:
        lines.append(f"{name[:30]:<30} {mx:>12.6f}  {mean:>12.6f}  {rel:>12.6f}")
    wn = F.worst_nodes(om, best, samples[0])
    if wn:
        lines.append("worst nodes on the first sample (max err / max|ref|): " + ", ".join(f"{n} {e:.4f}" for n, e in wn))
    return result, "\n".join(lines)


def compile_circuit(model, compiled_circuit="model.compiled", settings="settings.json",
                    max_logrows: int | None = None, max_memory: float | None = None) -> str:
    """Quantize and lower the model. When ``max_logrows`` (or the settings' ``segment_logrows``,
    or ``max_memory`` GiB per prover process) bounds the circuit and the model does not fit, cut
    it into segments (``ezk.segments.plan``, each confirmed to fit) stored in the compiled file;
    otherwise refuse settings whose logrows is below the circuit's minimum (measured here, so a
    hand-edited settings file is caught before setup)."""
    from ezk.errors import EzkError, ResourceError

    F = _front()
    check_output_path(compiled_circuit, "compiled circuit")
    st = Settings.load(settings)
    check_supported(st.run_args)
    om = F.load_onnx(model, st.run_args.variables_dict)
    graph, _ = F.lower_model(om, st.run_args, st.lookup_scales)
    graph = split_for_segments(graph, st, max_logrows, max_memory)
    extra = segment_extra(graph, st, max_logrows, max_memory)
    if not extra:
        try:
            min_k = measure_circuit(graph, st.run_args, st.lookup_scales)["min_k"]
        except ResourceError:
            raise
        except EzkError:
            min_k = 0  # the layout cannot place the model: setup names the op
        if min_k > st.run_args.logrows:
            raise EzkError(_too_few_rows(min_k, st.run_args.logrows, "fix settings.json or rerun gen-settings"))
    return F.save_compiled(compiled_circuit, F.Compiled(graph=graph, settings=st, extra=extra))


def _segment_k(st: Settings, max_logrows: int | None, max_memory: float | None) -> int:
    from ezk.segments.plan import logrows_for_memory

    return int(max_logrows or st.run_args.segment_logrows or (logrows_for_memory(max_memory) if max_memory else 0))


def split_for_segments(graph, st: Settings, max_logrows: int | None = None, max_memory: float | None = None):
    """``graph`` with every einsum too large for one segment of the bound split along its fixed
    weight's output columns (``ezk.graph.split``); the graph itself when nothing bounds it."""
    from ezk.graph.split import node_rows, split_einsums
    from ezk.layout.circuit import usable_rows

    k = _segment_k(st, max_logrows, max_memory)
    return split_einsums(graph, node_rows(st), usable_rows(k)) if k else graph


def segment_extra(graph, st: Settings, max_logrows: int | None = None, max_memory: float | None = None) -> dict:
    """{"segments": plan} when the bound asks for segments and the model does not fit, else {}."""
    from ezk.segments.plan import plan_segments

    k = _segment_k(st, max_logrows, max_memory)
    if not k:
        return {}
    plan = plan_segments(graph, st, int(k))
    return {} if plan is None else {"segments": plan.to_json()}


def gen_witness(compiled_circuit="model.compiled", data="input.json", output="witness.json", srs_path=None) -> dict:
    """``data``: a path, ``@path``, inline JSON text or a dict in EZKL's input.json format.
    ``srs_path``: the SRS polycommit tensors are committed with (None: the default
    ``kzg{logrows}.srs``; when that file is absent their commitments are null, with a note)."""
    F = _front()
    if output:
        check_output_path(output, "witness")
    comp = F.load_compiled(compiled_circuit)
    q, trace = F.run_witness(comp.graph, F.load_input_data(data))
    srs = _polycommit_srs(comp, srs_path)
    w = F.witness_json(comp.graph, q, trace, comp.digest, comp.settings.run_args, srs)
    if output:
        F.save_witness(output, w)
    return w


def _polycommit_srs(comp, srs_path):
    """The SRS for the witness's polycommit commitments (None: the circuit has no polycommit
    tensor, or no SRS was given and the default file is absent — said on stderr)."""
    from ezk.kzg.store import default_srs_path
    from ezk.layout.polycommit import polycommit_tensors
    from ezk.proving import load_srs_for

    if not polycommit_tensors(comp.graph, comp.settings.run_args):
        return None
    k = int(comp.settings.run_args.logrows)
    if srs_path is None and default_srs_path(k) is None:
        print(f"ezk: no SRS for 2^{k} rows at the default path: the witness's polycommit commitments are null "
              f"(pass --srs-path to compute them; swap-proof-commitments needs them).", file=sys.stderr)
        return None
    return load_srs_for(srs_path, k)


def gen_random_data(model, output="input.json", variables=None, seed: int = 21242, min: float | None = None,
                    max: float | None = None) -> dict:
    """EZKL's gen-random-data: uniform values in [min, max) (default [0, 1)) for every input,
    integers for integer-typed inputs, written in input.json format."""
    import json

    import numpy as np

    from ezk.graph.onnx_import import load_onnx

    if output:
        check_output_path(output, "input data")
    vars_ = variables if isinstance(variables, list) else parse_variables(variables)
    om = load_onnx(model, {str(k): int(v) for k, v in vars_})
    lo, hi = (0.0 if min is None else float(min)), (1.0 if max is None else float(max))
    rng = np.random.default_rng(int(seed))
    data = []
    for _, shape, dtype in om.inputs:
        vals = rng.uniform(lo, hi, size=int(np.prod(shape)))
        if np.dtype(dtype).kind in "iub":
            vals = np.floor(vals)
        data.append([float(v) for v in vals])
    d = {"input_data": data}
    if output:
        Path(output).write_text(json.dumps(d))
    return d


def get_srs(logrows: int | None = None, srs_path=None, settings_path="settings.json", progress=None) -> dict:
    """Prepare ``kzg{logrows}.srs`` (logrows from ``settings_path`` unless given) from a local
    ceremony file, offline (see :mod:`ezk.kzg.store`)."""
    from ezk.errors import ArtifactError
    from ezk.kzg.store import get_srs as store_get_srs

    if logrows is None:
        if settings_path is None or not Path(settings_path).is_file():
            raise ArtifactError(f"get-srs needs --logrows or a settings file; {str(settings_path)!r} does not exist "
                                "(run ezk gen-settings and calibrate-settings)")
        logrows = Settings.load(settings_path).run_args.logrows
    if srs_path is not None:
        check_output_path(srs_path, "SRS")
    return store_get_srs(int(logrows), srs_path, progress)


def table(model, settings: str | None = None, variables: str | None = None, run_args: RunArgs | None = None) -> list[dict]:
    F = _front()
    if run_args is not None:
        ra, ls = run_args, {}
    elif settings:
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
