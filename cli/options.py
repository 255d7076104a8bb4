"""EZKL's run-args flags (src/lib.rs RunArgs, flattened into gen-settings and table) and the
parsers of EZKL's value syntax: ``lo->hi`` ranges, ``name->value`` variables, comma lists.

``@with_run_args`` adds the flags to a command: the command receives ``run_args`` (a dict of
RunArgs fields from the flags given) and ``explicit`` (the names the user passed). Flags whose
field ezk stores but does not use yet get one note on stderr each (:data:`NO_EFFECT`)."""

from __future__ import annotations

import functools
import inspect
from typing import Optional

import typer

from cli import report
from ezk.errors import EzkError
from ezk.settings import parse_pair_list, parse_range

# (field, type, default, flags, help) — EZKL's short options: -S input scale, -B lookup range,
# -K logrows, -N inner columns, -V variables
RUN_ARGS = [
    ("input_scale", int, 7, ("-S", "--input-scale"), "fixed-point scale (log2) of the inputs"),
    ("param_scale", int, 7, ("--param-scale",), "fixed-point scale (log2) of the parameters"),
    ("rebase_scale", Optional[int], None, ("--rebase-scale",), "EZKL's rebase scale (stored, no effect in ezk)"),
    ("scale_rebase_multiplier", int, 1, ("--scale-rebase-multiplier",), "rescale when a scale exceeds this × the input scale"),
    ("lookup_range", str, "-32768->32768", ("-B", "--lookup-range"), "lookup table range lo->hi"),
    ("logrows", Optional[int], None, ("-K", "--logrows"), "log2 of the circuit's rows (default 17, or the minimum the model needs)"),
    ("num_inner_cols", int, 2, ("-N", "--num-inner-cols"), "inner columns per block"),
    ("variables", str, "batch_size->1", ("-V", "--variables"), "graph variables name->value, comma-separated"),
    ("input_visibility", str, "private", ("--input-visibility",), "private | public | hashed | polycommit"),
    ("output_visibility", str, "public", ("--output-visibility",), "private | public | hashed | polycommit"),
    ("param_visibility", str, "fixed", ("--param-visibility",), "fixed | private | hashed | polycommit (EZKL's default is private)"),
    ("rebase_frac_zero_constants", bool, False, ("--rebase-frac-zero-constants",), "(stored, no effect in ezk)"),
    ("check_mode", Optional[str], None, ("--check-mode",), "safe | unsafe (stored, no effect in ezk)"),
    ("decomp_base", Optional[int], None, ("--decomp-base",), "(stored, no effect in ezk)"),
    ("decomp_legs", Optional[int], None, ("--decomp-legs",), "(stored, no effect in ezk)"),
    ("bounded_log_lookup", bool, False, ("--bounded-log-lookup",), "(stored, no effect in ezk)"),
    ("ignore_range_check_inputs_outputs", bool, False, ("--ignore-range-check-inputs-outputs",), "(stored, no effect in ezk)"),
    ("epsilon", Optional[float], None, ("--epsilon",), "(stored, no effect in ezk)"),
    ("disable_freivalds", bool, False, ("--disable-freivalds",), "never use Freivalds' argument for einsums (stored)"),
]
NO_EFFECT = {"rebase_scale", "rebase_frac_zero_constants", "check_mode", "decomp_base", "decomp_legs",
             "bounded_log_lookup", "ignore_range_check_inputs_outputs", "epsilon", "disable_freivalds"}
_DEFAULTS = {name: default for name, _, default, _, _ in RUN_ARGS}


def run_args_from_flags(values: dict) -> tuple[dict, set[str]]:
    """(RunArgs fields, names given on the command line) from the flag values."""
    explicit = {k for k, v in values.items() if v != _DEFAULTS[k]}
    fields = {k: v for k, v in values.items() if v is not None}
    # clap takes `-B=lo->hi` for `-B lo->hi`; click hands the short option "=lo->hi"
    fields["lookup_range"] = parse_range(values["lookup_range"].removeprefix("="))
    fields["variables"] = parse_pair_list(values["variables"].removeprefix("="))
    for name in sorted(explicit & NO_EFFECT):
        flag = "--" + name.replace("_", "-")
        report.note(f"{flag} is stored in settings.json but has no effect in ezk yet")
    return fields, explicit


def with_run_args(fn):
    """Add EZKL's run-args flags to a typer command (see module docstring)."""
    sig = inspect.signature(fn)
    own = [p for p in sig.parameters.values() if p.name not in ("run_args", "explicit")]
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=typ,
                               default=typer.Option(default, *flags, help=help_))
             for name, typ, default, flags, help_ in RUN_ARGS]
    names = [n for n, *_ in RUN_ARGS]

    @functools.wraps(fn)
    def command(**kwargs):
        values = {n: kwargs.pop(n) for n in names}
        fields, explicit = run_args_from_flags(values)
        return fn(run_args=fields, explicit=explicit, **kwargs)

    command.__signature__ = sig.replace(parameters=own + extra)
    command.__annotations__ = {**{p.name: p.annotation for p in own}, **{n: t for n, t, *_ in RUN_ARGS}}
    del command.__wrapped__
    return command


def int_list(text: Optional[str], flag: str) -> Optional[list[int]]:
    """EZKL's comma-separated integer lists (``--scales 7,9``)."""
    if text is None or not str(text).strip():
        return None
    try:
        return [int(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise EzkError(f"{flag} expects comma-separated integers, got {text!r}") from None
