"""settings.json: the run arguments (EZKL's field names under ``run_args``) plus what ezk learns
about the model (its input/output scales, the shapes of the public instances, the circuit's rows
and advice cells as the layout counts them, per-lookup input scales).

Every settings file ezk writes carries ``format`` = "ezk-settings" and a ``version``. A settings
file EZKL wrote (no ``format``, a ``run_args`` object) is imported: its run_args are normalised
(EZKL's capitalised visibilities such as "Private" or {"Hashed": {…}}, "UNSAFE" check mode) and
ezk's own fields start empty. Anything else is an ArtifactError with one sentence.

Visibilities take EZKL's values — private, public, fixed, hashed (= hashed/public),
hashed/private[/outlets], polycommit — so that settings and PyRunArgs carry them; which ones the
circuit supports is checked by :func:`check_supported` at the first step that builds a circuit.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ezk.errors import ArtifactError, EzkError
from ezk.plonk.domain import MAX_K

FORMAT = "ezk-settings"
VERSION = 2
READABLE_VERSIONS = (1, 2)
VISIBILITY_WORDS = ("private", "public", "fixed", "hashed", "hashed/public", "hashed/private", "polycommit")
CHECK_MODES = ("safe", "unsafe")
# what the circuit layout implements today, per tensor kind
SUPPORTED_VISIBILITIES = {"input": ("private", "public", "hashed/public", "polycommit"),
                          "output": ("private", "public", "hashed/public", "polycommit"),
                          "param": ("fixed", "private", "hashed/public", "polycommit")}


def normalize_visibility(v, name: str = "visibility") -> str:
    """EZKL's visibility in any form it writes or takes → its display form: private, public,
    fixed, polycommit, hashed/public, hashed/private or hashed/private/<outlets>."""
    if isinstance(v, dict) and len(v) == 1:
        (tag, body), = v.items()
        if str(tag).lower() == "hashed" and isinstance(body, dict):
            if body.get("hash_is_public", True):
                return "hashed/public"
            outlets = body.get("outlets") or []
            return "hashed/private" + ("/" + ",".join(str(int(o)) for o in outlets) if outlets else "")
    if not isinstance(v, str):
        raise EzkError(f"{name} must be one of {', '.join(VISIBILITY_WORDS)}, got {v!r}.")
    s = v.strip().lower()
    if s in ("kzgcommit", "polycommit"):
        return "polycommit"
    if s == "hashed":
        return "hashed/public"
    if s.startswith("hashed/private/"):
        outlets = s[len("hashed/private/"):]
        if not all(p.strip().isdigit() for p in outlets.split(",")):
            raise EzkError(f"{name} {v!r}: the outlets after hashed/private/ must be comma-separated integers.")
        return s
    if s not in VISIBILITY_WORDS:
        raise EzkError(f"{name} must be one of {', '.join(VISIBILITY_WORDS)}, got {v!r}.")
    return s


@dataclass
class RunArgs:
    """EZKL's run_args (same names and meaning). Fields ezk's circuit does not use yet are kept so
    that settings round-trip: rebase_scale, rebase_frac_zero_constants, check_mode, decomp_base,
    decomp_legs, bounded_log_lookup, ignore_range_check_inputs_outputs, epsilon. disable_freivalds is
    used: it keeps every einsum in the direct layout."""

    input_scale: int = 7
    param_scale: int = 7
    scale_rebase_multiplier: int = 1
    lookup_range: list[int] = field(default_factory=lambda: [-32768, 32768])
    logrows: int = 17
    num_inner_cols: int = 2
    variables: list[list] = field(default_factory=lambda: [["batch_size", 1]])
    input_visibility: str = "private"
    output_visibility: str = "public"
    param_visibility: str = "fixed"
    rebase_scale: int | None = None
    rebase_frac_zero_constants: bool = False
    check_mode: str = "unsafe"
    decomp_base: int = 16384
    decomp_legs: int = 2
    bounded_log_lookup: bool = False
    ignore_range_check_inputs_outputs: bool = False
    epsilon: float | None = None
    # EZKL's name: lay every einsum out directly (one cell per multiply-accumulate) instead of
    # choosing, per einsum, the cheaper of that and a Freivalds check (ezk/layout/ops/freivalds.py)
    disable_freivalds: bool = False
    # split the model into segments of at most 2^segment_logrows rows each (0: one circuit);
    # see ezk.segments. Left out of settings.json when 0, so unsegmented files stay as they were.
    segment_logrows: int = 0

    def validate(self) -> "RunArgs":
        for name in ("input_scale", "param_scale"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 30:
                raise EzkError(f"{name} must be an integer between 0 and 30, got {v!r}")
        if not isinstance(self.scale_rebase_multiplier, int) or self.scale_rebase_multiplier < 1:
            raise EzkError(f"scale_rebase_multiplier must be a positive integer, got {self.scale_rebase_multiplier!r}")
        if not (isinstance(self.lookup_range, (list, tuple)) and len(self.lookup_range) == 2):
            raise EzkError(f"lookup_range must be two integers lo < 0 < hi, got {self.lookup_range!r}")
        lo, hi = self.lookup_range
        if not (isinstance(lo, int) and isinstance(hi, int) and lo < 0 < hi):
            raise EzkError(f"lookup_range must be two integers lo < 0 < hi, got {self.lookup_range!r}")
        self.lookup_range = [lo, hi]
        if not isinstance(self.logrows, int) or not 1 <= self.logrows <= MAX_K:
            raise EzkError(f"logrows must be an integer between 1 and {MAX_K}, got {self.logrows!r}")
        if not isinstance(self.num_inner_cols, int) or self.num_inner_cols < 1:
            raise EzkError(f"num_inner_cols must be a positive integer, got {self.num_inner_cols!r}")
        for name in ("input_visibility", "output_visibility", "param_visibility"):
            setattr(self, name, normalize_visibility(getattr(self, name), name))
        if self.param_visibility == "public":
            raise EzkError("param_visibility cannot be public (parameters are not public instances); use fixed or private")
        self.variables = [list(p) for p in self.variables]
        if not all(len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], int) and p[1] >= 1 for p in self.variables):
            raise EzkError(f"variables must be (name, positive integer) pairs, got {self.variables!r}")
        if not isinstance(self.check_mode, str) or self.check_mode.lower() not in CHECK_MODES:
            raise EzkError(f"check_mode must be safe or unsafe, got {self.check_mode!r}")
        self.check_mode = self.check_mode.lower()
        if self.rebase_scale is not None and (not isinstance(self.rebase_scale, int) or self.rebase_scale < 0):
            raise EzkError(f"rebase_scale must be a non-negative integer, got {self.rebase_scale!r}")
        for name in ("decomp_base", "decomp_legs"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise EzkError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        if self.epsilon is not None and not isinstance(self.epsilon, (int, float)):
            raise EzkError(f"epsilon must be a number, got {self.epsilon!r}")
        for name in ("rebase_frac_zero_constants", "bounded_log_lookup", "ignore_range_check_inputs_outputs",
                     "disable_freivalds"):
            if not isinstance(getattr(self, name), bool):
                raise EzkError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if not isinstance(self.segment_logrows, int) or not (self.segment_logrows == 0 or 4 <= self.segment_logrows <= MAX_K):
            raise EzkError(f"segment_logrows must be 0 (one circuit) or an integer between 4 and {MAX_K}, "
                           f"got {self.segment_logrows!r}")
        return self

    @property
    def variables_dict(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.variables}


def _plain(value):
    """A copy of a JSON-like value (lists, tuples → lists, dicts, scalars), as asdict makes it."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value] if type(value) is list else type(value)(_plain(v) for v in value)
    return value


def check_supported(ra: RunArgs) -> None:
    """One sentence for a visibility the circuit cannot lay out yet; called by the first step
    that builds a circuit (gen-settings, calibrate-settings, compile-circuit)."""
    for kind, value in (("input", ra.input_visibility), ("output", ra.output_visibility), ("param", ra.param_visibility)):
        ok = SUPPORTED_VISIBILITIES[kind]
        if value in ok:
            continue
        if value.startswith("hashed"):
            what = "a Poseidon hash of the values that stays private"
        else:
            what = "the values baked into the circuit as constants"
        raise EzkError(f"{kind}_visibility {value!r} ({what}) is not supported by ezk; "
                       f"use {' or '.join(ok)}.")


@dataclass
class Settings:
    run_args: RunArgs
    model_input_scales: list[int] = field(default_factory=list)
    model_output_scales: list[int] = field(default_factory=list)
    # EZKL's field: the shape of each public instance tensor (public inputs, then public outputs)
    model_instance_shapes: list[list[int]] = field(default_factory=list)
    num_rows: int = 0
    total_assignments: int = 0
    # per-lookup input scale chosen by calibration, keyed by the lookup's stable key
    lookup_scales: dict[str, int] = field(default_factory=dict)
    # the smallest logrows the circuit fits in, measured by the layout (0: not measured)
    min_logrows: int = 0
    # per input, B: the circuit range-checks every element of input i to −2^B ≤ q < 2^B
    # (ezk.ops.bounds.leaf_bits of its scale and the lookup range; private parameters alike)
    model_input_bits: list[int] = field(default_factory=list)

    def to_json(self) -> dict:
        """``{"format", "version"}`` and ``dataclasses.asdict(self)`` (a copy: mutating it leaves
        the settings alone), built field by field: asdict deep-copies through ``copy.deepcopy``,
        which for a model's hundreds of lookup scales cost a verifier more than its pairing."""
        d = {"format": FORMAT, "version": VERSION, "run_args": asdict(self.run_args)}
        d.update((f.name, _plain(getattr(self, f.name))) for f in fields(self) if f.name != "run_args")
        if not self.run_args.segment_logrows:
            del d["run_args"]["segment_logrows"]
        return d

    def save(self, path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2))

    @classmethod
    def from_json(cls, d, source: str = "settings") -> "Settings":
        if isinstance(d, dict) and "format" not in d and isinstance(d.get("run_args"), dict):
            return from_ezkl_json(d, source)
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise ArtifactError(f"{source} is not an ezk settings file (format {d.get('format') if isinstance(d, dict) else None!r}, expected {FORMAT!r})")
        if d.get("version") not in READABLE_VERSIONS:
            raise ArtifactError(f"{source} has settings version {d.get('version')!r}; this ezk reads versions {READABLE_VERSIONS}")
        try:
            ra = RunArgs(**d["run_args"])
            ra.lookup_range = [int(v) for v in ra.lookup_range]
            ra.validate()
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, EzkError) as exc:
            # one line even when a field name holds a line break
            why = str(exc).encode("unicode_escape").decode("ascii")
            raise ArtifactError(f"{source} is a malformed ezk settings file ({why})") from None
        return _with_model_fields(cls, ra, d, source)

    @classmethod
    def load(cls, path) -> "Settings":
        p = Path(path)
        if not p.is_file():
            raise ArtifactError(f"settings file {str(p)!r} does not exist (run ezk gen-settings)")
        try:
            d = json.loads(p.read_text())
        except (ValueError, UnicodeDecodeError):
            raise ArtifactError(f"settings file {str(p)!r} is not valid JSON") from None
        return cls.from_json(d, source=f"settings file {str(p)!r}")


def _with_model_fields(cls, ra: RunArgs, d: dict, source: str) -> Settings:
    try:
        return cls(
            run_args=ra,
            model_input_scales=[int(v) for v in d.get("model_input_scales", [])],
            model_output_scales=[int(v) for v in d.get("model_output_scales", [])],
            model_instance_shapes=[[int(x) for x in s] for s in d.get("model_instance_shapes", [])],
            num_rows=int(d.get("num_rows", 0)),
            total_assignments=int(d.get("total_assignments", 0)),
            lookup_scales={str(k): int(v) for k, v in d.get("lookup_scales", {}).items()},
            min_logrows=int(d.get("min_logrows", 0)),
            model_input_bits=[int(v) for v in d.get("model_input_bits", [])],
        )
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ArtifactError(f"{source} is a malformed settings file ({exc})") from None


_RUN_ARG_NAMES = {f.name for f in fields(RunArgs)}
# EZKL run_args fields with no counterpart in ezk, dropped on import
_EZKL_ONLY = {"tolerance", "commitment", "public_inputs", "public_outputs", "public_params"}


def from_ezkl_json(d: dict, source: str = "settings") -> Settings:
    """An EZKL settings.json → ezk Settings: run_args normalised, ezk's own fields empty."""
    raw = dict(d["run_args"])
    commitment = str(raw.get("commitment", "kzg")).lower()
    if commitment != "kzg":
        raise ArtifactError(f"{source} uses the {raw.get('commitment')!r} commitment; ezk proves with KZG only")
    unknown = set(raw) - _RUN_ARG_NAMES - _EZKL_ONLY
    if unknown:
        raise ArtifactError(f"{source} has run_args fields ezk does not know: {', '.join(sorted(unknown))}")
    kept = {k: v for k, v in raw.items() if k in _RUN_ARG_NAMES}
    try:
        if "lookup_range" in kept:
            kept["lookup_range"] = [int(v) for v in kept["lookup_range"]]
            lo, hi = kept["lookup_range"]
            if not lo < 0 < hi:  # EZKL writes [0, 0] for a model it checks without lookups
                import sys

                default = RunArgs().lookup_range
                print(f"ezk: {source}: EZKL's lookup_range {[lo, hi]} cannot hold ezk's tables; using {default} "
                      "(calibrate-settings chooses a smaller one)", file=sys.stderr)
                kept["lookup_range"] = default
        if "variables" in kept:
            kept["variables"] = [[str(n), int(v)] for n, v in kept["variables"]]
        ra = RunArgs(**kept).validate()
    except (TypeError, ValueError, OverflowError, EzkError) as exc:
        raise ArtifactError(f"{source} is an EZKL settings file ezk cannot import ({str(exc).rstrip('.')})") from None
    return _with_model_fields(Settings, ra, d, source)


def parse_pair_list(text: str | None, what: str = "--variables") -> list[list]:
    """EZKL's ``name->value`` pairs (ezk's ``name=value`` too), comma-separated:
    'batch_size->1,seq=8' → [['batch_size', 1], ['seq', 8]]."""
    if not text:
        return [["batch_size", 1]]
    out = []
    for part in text.split(","):
        sep = "->" if "->" in part else "="
        name, found, val = part.partition(sep)
        if not found or not name.strip():
            raise EzkError(f"{what} expects name->value pairs separated by commas (e.g. batch_size->1), got {text!r}")
        try:
            out.append([name.strip(), int(val)])
        except ValueError:
            raise EzkError(f"{what} value for {name.strip()!r} must be an integer, got {val!r}") from None
    return out


parse_variables = parse_pair_list


def parse_range(text: str, what: str = "--lookup-range") -> list[int]:
    """EZKL's ``lo->hi`` (and ``lo,hi`` or ``lo:hi``) → [lo, hi]."""
    s = str(text).strip()
    for sep in ("->", ",", ":"):
        i = s.find(sep, 1)  # from 1: s[0] may be the minus sign of lo
        if i > 0:
            try:
                return [int(s[:i]), int(s[i + len(sep):])]
            except ValueError:
                break
    raise EzkError(f"{what} expects lo->hi (two integers, e.g. -32768->32768), got {text!r}")
