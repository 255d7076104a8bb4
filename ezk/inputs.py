"""input.json (EZKL's format): ``{"input_data": [[…flattened values of input 0…], …]}``.

Data arrive as a path, EZKL's ``@path``, or inline JSON text (``gen-witness -D '{"input_data": …}'``).
Calibration data (EZKL's calibration.json) may hold several samples per input, concatenated:
input i then has n·|shape_i| values and every input the same n (:func:`split_samples`).

Values are checked (count per input, finite) and quantized at the model's input scales:
q = round_half_up(x·2^s); integer-typed inputs (scale 0) must hold integers.

More arrays than the model has inputs: as EZKL does, input i takes array i and the arrays after
the last input are ignored — with a notice on stderr that says how many were found and which are
unused (trailing empty arrays, EZKL's ``[[]]`` for a model without inputs, pass quietly). Fewer
arrays than inputs is an error that names the inputs and what was found."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from ezk.errors import ArtifactError, WitnessError


def _read_data(data) -> tuple[object, str]:
    """(parsed JSON, how to name it in messages) for a path, ``@path``, JSON text or a dict."""
    if isinstance(data, dict):
        return data, "the input data"
    text = str(data)
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text), "the inline input data"
        except ValueError:
            raise ArtifactError("the inline input data is not valid JSON") from None
    p = Path(text[1:] if text.startswith("@") else text)
    if not p.is_file():
        raise ArtifactError(f"input file {str(p)!r} does not exist (write one in EZKL's input.json format, "
                            "or run ezk gen-random-data)")
    try:
        return json.loads(p.read_text()), f"input file {str(p)!r}"
    except (ValueError, UnicodeDecodeError):
        raise ArtifactError(f"input file {str(p)!r} is not valid JSON") from None


def load_input_data(data) -> list[np.ndarray]:
    """The flattened float values of each input."""
    d, name = _read_data(data)
    if not isinstance(d, dict) or not isinstance(d.get("input_data"), list):
        raise ArtifactError(f"{name} has no \"input_data\" list (EZKL's input.json format)")
    out = []
    for i, vals in enumerate(d["input_data"]):
        try:
            arr = np.asarray(vals, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise WitnessError(f"input {i} in {name} is not a list of numbers") from None
        out.append(arr)
    return out


def _describe(values: list[np.ndarray]) -> str:
    sizes = [str(v.size) for v in values[:8]] + (["…"] if len(values) > 8 else [])
    return f"{len(values)} array{'s' if len(values) != 1 else ''} (of {', '.join(sizes) or 'no'} values)"


def fit_input_count(values: list[np.ndarray], shapes: list[tuple[int, ...]], names: list[str]) -> list[np.ndarray]:
    """The arrays the model's inputs take (module docstring): the first len(shapes) of them."""
    n = len(shapes)
    if len(values) > n and all(v.size == 0 for v in values[n:]):
        return values[:n]  # EZKL writes [[]] for a model without inputs
    if len(values) < n:
        wanted = ", ".join(f"{name!r} ({int(np.prod(s))} values)" for name, s in zip(names, shapes))
        raise WitnessError(f"the model takes {n} input(s) — {wanted} — but input_data holds {_describe(values)}")
    if len(values) > n:
        print(f"ezk: input_data holds {_describe(values)} but the model takes {n} input(s); as EZKL does, the first "
              f"{n} are used and array(s) {n + 1}…{len(values)} are ignored", file=sys.stderr)
        return values[:n]
    return values


def check_inputs(values: list[np.ndarray], shapes: list[tuple[int, ...]], names: list[str]) -> list[np.ndarray]:
    """Flattened floats → arrays of the model's input shapes, with one-sentence errors."""
    values = fit_input_count(values, shapes, names)
    out = []
    for v, shape, name in zip(values, shapes, names):
        n = int(np.prod(shape))
        if v.size != n:
            more = (f" — {v.size // n} samples? a witness is made from one sample (several are for calibration)"
                    if n and v.size > n and v.size % n == 0 else "")
            raise WitnessError(f"input {name!r} needs {n} values (shape {list(shape)}) but input_data gives {v.size}{more}")
        if not np.all(np.isfinite(v)):
            raise WitnessError(f"input {name!r} contains NaN or infinite values")
        out.append(v.reshape(shape))
    return out


def split_samples(values: list[np.ndarray], shapes: list[tuple[int, ...]], names: list[str]) -> list[list[np.ndarray]]:
    """EZKL's calibration layout: input i holds n samples of |shape_i| values, concatenated.
    Returns the n samples, each a list of flattened per-input arrays (checked by check_inputs
    when used)."""
    values = fit_input_count(values, shapes, names)
    counts = []
    for v, shape, name in zip(values, shapes, names):
        size = int(np.prod(shape))
        if size == 0 or v.size == 0 or v.size % size:
            raise WitnessError(f"input {name!r} holds {v.size} values, not a whole number of samples of "
                               f"{size} values (shape {list(shape)})")
        counts.append(v.size // size)
    if len(set(counts)) > 1:
        raise WitnessError("the inputs hold different numbers of samples (" +
                           ", ".join(f"{n!r}: {c}" for n, c in zip(names, counts)) + ")")
    n = counts[0] if counts else 1
    sizes = [int(np.prod(s)) for s in shapes]
    return [[v[j * s:(j + 1) * s] for v, s in zip(values, sizes)] for j in range(n)]


def quantize_inputs(values: list[np.ndarray], scales: list[int], names: list[str]) -> list[np.ndarray]:
    out = []
    for v, s, name in zip(values, scales, names):
        if s == 0 and not np.all(v == np.round(v)):
            raise WitnessError(f"input {name!r} must hold integers (it is an integer input of the model)")
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
            y = np.floor(v * 2.0**s + 0.5)
        if not np.all(np.abs(y) < 2.0**62):  # also refuses inf and NaN
            raise WitnessError(f"input {name!r} is too large to quantize at scale {s}")
        out.append(y.astype(np.int64))
    return out
