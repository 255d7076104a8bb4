"""settings.json: the run arguments (EZKL's field names under ``run_args``) plus what ezk learns
about the model (its input/output scales, the circuit's rows and advice cells as the layout counts
them, per-lookup input scales).

Every settings file carries ``format`` = "ezk-settings" and a ``version``; anything else is an
ArtifactError with one sentence."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ezk.errors import ArtifactError, EzkError
from ezk.plonk.domain import MAX_K

FORMAT = "ezk-settings"
VERSION = 1
VISIBILITIES = ("private", "public", "fixed", "hashed")
PARAM_VISIBILITIES = ("private", "fixed")


@dataclass
class RunArgs:
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

    def validate(self) -> "RunArgs":
        for name in ("input_scale", "param_scale"):
            v = getattr(self, name)
            if not isinstance(v, int) or not 0 <= v <= 30:
                raise EzkError(f"{name} must be an integer between 0 and 30, got {v!r}")
        if not isinstance(self.scale_rebase_multiplier, int) or self.scale_rebase_multiplier < 1:
            raise EzkError(f"scale_rebase_multiplier must be a positive integer, got {self.scale_rebase_multiplier!r}")
        lo, hi = self.lookup_range
        if not (isinstance(lo, int) and isinstance(hi, int) and lo < 0 < hi):
            raise EzkError(f"lookup_range must be two integers lo < 0 < hi, got {self.lookup_range!r}")
        if not isinstance(self.logrows, int) or not 1 <= self.logrows <= MAX_K:
            raise EzkError(f"logrows must be an integer between 1 and {MAX_K}, got {self.logrows!r}")
        if not isinstance(self.num_inner_cols, int) or self.num_inner_cols < 1:
            raise EzkError(f"num_inner_cols must be a positive integer, got {self.num_inner_cols!r}")
        for name in ("input_visibility", "output_visibility"):
            if getattr(self, name) not in VISIBILITIES:
                raise EzkError(f"{name} must be one of {', '.join(VISIBILITIES)}, got {getattr(self, name)!r}")
        if self.param_visibility not in PARAM_VISIBILITIES:
            raise EzkError(f"param_visibility must be private or fixed, got {self.param_visibility!r}")
        return self

    @property
    def variables_dict(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.variables}


@dataclass
class Settings:
    run_args: RunArgs
    model_input_scales: list[int] = field(default_factory=list)
    model_output_scales: list[int] = field(default_factory=list)
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
        d = {"format": FORMAT, "version": VERSION}
        d.update(asdict(self))
        return d

    def save(self, path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2))

    @classmethod
    def from_json(cls, d, source: str = "settings") -> "Settings":
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise ArtifactError(f"{source} is not an ezk settings file (format {d.get('format') if isinstance(d, dict) else None!r}, expected {FORMAT!r})")
        if d.get("version") != VERSION:
            raise ArtifactError(f"{source} has settings version {d.get('version')!r}; this ezk reads version {VERSION}")
        try:
            ra = RunArgs(**d["run_args"])
            ra.lookup_range = [int(v) for v in ra.lookup_range]
            s = cls(
                run_args=ra.validate(),
                model_input_scales=[int(v) for v in d.get("model_input_scales", [])],
                model_output_scales=[int(v) for v in d.get("model_output_scales", [])],
                num_rows=int(d.get("num_rows", 0)),
                total_assignments=int(d.get("total_assignments", 0)),
                lookup_scales={str(k): int(v) for k, v in d.get("lookup_scales", {}).items()},
                min_logrows=int(d.get("min_logrows", 0)),
                model_input_bits=[int(v) for v in d.get("model_input_bits", [])],
            )
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise ArtifactError(f"{source} is a malformed ezk settings file ({exc})") from None
        return s

    @classmethod
    def load(cls, path) -> "Settings":
        p = Path(path)
        if not p.is_file():
            raise ArtifactError(f"settings file {str(p)!r} does not exist")
        try:
            d = json.loads(p.read_text())
        except (ValueError, UnicodeDecodeError):
            raise ArtifactError(f"settings file {str(p)!r} is not valid JSON") from None
        return cls.from_json(d, source=f"settings file {str(p)!r}")


def parse_variables(text: str | None) -> list[list]:
    """'batch_size=1,seq=8' → [['batch_size', 1], ['seq', 8]] (EZKL's --variables)."""
    if not text:
        return [["batch_size", 1]]
    out = []
    for part in text.split(","):
        name, sep, val = part.partition("=")
        if not sep or not name.strip():
            raise EzkError(f"--variables expects name=value pairs separated by commas, got {text!r}")
        try:
            out.append([name.strip(), int(val)])
        except ValueError:
            raise EzkError(f"--variables value for {name.strip()!r} must be an integer, got {val!r}") from None
    return out
