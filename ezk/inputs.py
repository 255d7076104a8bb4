"""input.json (EZKL's format): ``{"input_data": [[…flattened values of input 0…], …]}``.

Values are checked (count per input, finite) and quantized at the model's input scales:
q = round_half_up(x·2^s); integer-typed inputs (scale 0) must hold integers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ezk.errors import ArtifactError, WitnessError


def load_input_data(path) -> list[np.ndarray]:
    p = Path(path)
    if not p.is_file():
        raise ArtifactError(f"input file {str(p)!r} does not exist")
    try:
        d = json.loads(p.read_text())
    except (ValueError, UnicodeDecodeError):
        raise ArtifactError(f"input file {str(p)!r} is not valid JSON") from None
    if not isinstance(d, dict) or not isinstance(d.get("input_data"), list):
        raise ArtifactError(f"input file {str(p)!r} has no \"input_data\" list (EZKL's input.json format)")
    out = []
    for i, vals in enumerate(d["input_data"]):
        try:
            arr = np.asarray(vals, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise WitnessError(f"input {i} in {str(p)!r} is not a list of numbers") from None
        out.append(arr)
    return out


def check_inputs(values: list[np.ndarray], shapes: list[tuple[int, ...]], names: list[str]) -> list[np.ndarray]:
    """Flattened floats → arrays of the model's input shapes, with one-sentence errors."""
    if len(values) > len(shapes) and all(v.size == 0 for v in values[len(shapes):]):
        values = values[: len(shapes)]  # EZKL writes [[]] for a model without inputs
    if len(values) != len(shapes):
        raise WitnessError(f"the model takes {len(shapes)} input(s) but input_data holds {len(values)}")
    out = []
    for v, shape, name in zip(values, shapes, names):
        n = int(np.prod(shape))
        if v.size != n:
            raise WitnessError(f"input {name!r} needs {n} values (shape {list(shape)}) but input_data gives {v.size}")
        if not np.all(np.isfinite(v)):
            raise WitnessError(f"input {name!r} contains NaN or infinite values")
        out.append(v.reshape(shape))
    return out


def quantize_inputs(values: list[np.ndarray], scales: list[int], names: list[str]) -> list[np.ndarray]:
    out = []
    for v, s, name in zip(values, scales, names):
        if s == 0 and not np.all(v == np.round(v)):
            raise WitnessError(f"input {name!r} must hold integers (it is an integer input of the model)")
        y = np.floor(v * 2.0**s + 0.5)
        if np.any(np.abs(y) >= 2.0**62):
            raise WitnessError(f"input {name!r} is too large to quantize at scale {s}")
        out.append(y.astype(np.int64))
    return out
