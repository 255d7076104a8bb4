"""calibrate-settings: choose scales, per-lookup input scales and logrows from data.

For each candidate scale s (input_scale = param_scale = s):
 1. lower the model and run the integer forward pass without range checks, recording for every
    lookup the largest |input| in float units, m;
 2. give that lookup the input scale s_l = ⌊log2(hi / (margin·m))⌋ (at most its input's scale),
    so margin × the observed range fits the table [lo, hi];
 3. lower again and run with range checks, and compare every output with the float reference
    (onnxruntime, tract as fallback): err = max|ezk − ref| / max|ref|.
``accuracy`` picks the candidate with the smallest worst error; ``resources`` the smallest scale
whose error is ≤ 1 % (else the most accurate).  Row counts come from the layout (a measuring run).

Then the lookup range (as EZKL's calibration does): the chosen scale is re-evaluated with
tables of ±2^(b−1), ±2^(b−2), … (b = log2 of the given range). Each lookup's input scale adapts
to the range (step 2), so a smaller table costs some input resolution but, when the tables
bind logrows (k ≥ log2(table rows + 1)), halves the circuit's 2^k. A smaller range is kept
while it lowers the layout's ``min_k`` and its worst error stays within
``max(RANGE_SLACK_REL·err₀, RANGE_SLACK_ABS)`` of the full range's error err₀ (and within the
resources tolerance when that target is asked for)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ezk.errors import EzkError, ResourceError
from ezk.graph.forward import forward
from ezk.graph.lower import lower_model
from ezk.graph.onnx_import import OnnxModel
from ezk.reference import run_reference
from ezk.settings import RunArgs
from ezk.witness import quantized_inputs

DEFAULT_SCALES = (7, 9, 11, 13)
RESOURCES_TOLERANCE = 0.01
RANGE_SLACK_REL = 0.25  # a smaller lookup range may add this fraction of the error …
RANGE_SLACK_ABS = 0.001  # … or this much (relative to max|ref|), whichever is larger
MIN_RANGE_BITS = 6  # never shrink a table below ±2^6


@dataclass
class Candidate:
    scale: int
    lookup_scales: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[str, float, float, float]] = field(default_factory=list)  # name, max, mean, rel
    worst: float = math.inf
    failure: str = ""
    graph: object = None
    trace: object = None


def choose_lookup_scales(graph, builder, trace, margin: float, ra: RunArgs) -> dict[str, int]:
    lo, hi = ra.lookup_range
    half = min(-lo, hi)
    out = {}
    for key, src in builder.lookup_sources.items():
        node = graph.nodes[src]
        v = trace.values[src]
        m = (max(abs(int(v.max())), abs(int(v.min()))) if v.size else 0) / 2.0**node.scale
        if m <= 0:
            out[key] = node.scale
        else:
            out[key] = min(node.scale, math.floor(math.log2(half / (margin * m))))
    return out


def evaluate_candidate(om: OnnxModel, ra: RunArgs, values, reference, margin: float) -> Candidate:
    cand = Candidate(scale=ra.input_scale)
    try:
        g0, b0 = lower_model(om, ra)
        q = quantized_inputs(g0, values)
        t0 = forward(g0, q, check_ranges=False)
        cand.lookup_scales = choose_lookup_scales(g0, b0, t0, margin, ra)
        g, _ = lower_model(om, ra, cand.lookup_scales)
        trace = forward(g, q)
    except EzkError as exc:
        cand.failure = str(exc)
        return cand
    cand.graph, cand.trace = g, trace
    worst = 0.0
    for name, oid in zip(g.output_names, g.outputs):
        y = trace.values[oid] / 2.0 ** g.nodes[oid].scale
        r = np.asarray(reference[name], dtype=np.float64).reshape(y.shape)
        diff = np.abs(y - r)
        rel = float(diff.max() / max(np.abs(r).max(), 1e-12)) if diff.size else 0.0
        cand.errors.append((name, float(diff.max()) if diff.size else 0.0, float(diff.mean()) if diff.size else 0.0, rel))
        worst = max(worst, rel)
    cand.worst = worst
    return cand


def calibrate(om: OnnxModel, base: RunArgs, values, target: str = "resources", margin: float = 2.0,
              scales=DEFAULT_SCALES, progress=None) -> tuple[Candidate, list[Candidate]]:
    if target not in ("resources", "accuracy"):
        raise EzkError(f"--target must be resources or accuracy, got {target!r}")
    if margin < 1:
        raise EzkError(f"--lookup-safety-margin must be at least 1, got {margin}")
    reference = run_reference(om, values)
    cands = []
    for s in sorted(set(int(x) for x in scales)):
        ra = RunArgs(**{**base.__dict__, "input_scale": s, "param_scale": s})
        cands.append(evaluate_candidate(om, ra, values, reference, margin))
        if progress:
            progress(cands[-1])
    ok = [c for c in cands if not c.failure]
    if not ok:
        raise EzkError(f"calibration failed at every scale; at scale {cands[-1].scale}: {cands[-1].failure}")
    if target == "accuracy":
        best = min(ok, key=lambda c: (round(c.worst, 4), c.scale))
    else:
        good = [c for c in ok if c.worst <= RESOURCES_TOLERANCE]
        best = good[0] if good else min(ok, key=lambda c: (c.worst, c.scale))
    return best, cands


def shrink_lookup_range(om: OnnxModel, best: Candidate, base: RunArgs, values, margin: float, measure,
                        target: str = "resources", progress=None) -> tuple[Candidate, list[int], int]:
    """(candidate, lookup_range, min_k): the smallest power-of-two table range ±2^b that lowers
    logrows while keeping ``best``'s accuracy (module docstring). ``measure(graph, run_args,
    lookup_scales)`` returns the layout's stats (``min_k``); it may raise EzkError."""
    reference = run_reference(om, values)
    ra = RunArgs(**{**base.__dict__, "input_scale": best.scale, "param_scale": best.scale})
    range_ = list(ra.lookup_range)
    try:
        min_k = int(measure(best.graph, ra, best.lookup_scales)["min_k"])
    except ResourceError:
        raise
    except EzkError:
        return best, range_, 0
    bound = best.worst + max(RANGE_SLACK_REL * best.worst, RANGE_SLACK_ABS)
    if target == "resources" and best.worst <= RESOURCES_TOLERANCE:
        bound = min(bound, RESOURCES_TOLERANCE)
    bits = int(math.floor(math.log2(min(-range_[0], range_[1]))))
    chosen = best
    for b in range(bits - 1, MIN_RANGE_BITS - 1, -1):
        trial = RunArgs(**{**ra.__dict__, "lookup_range": [-(1 << b), 1 << b]})
        cand = evaluate_candidate(om, trial, values, reference, margin)
        if progress:
            progress(cand)
        if cand.failure or cand.worst > bound:
            break
        try:
            k = int(measure(cand.graph, trial, cand.lookup_scales)["min_k"])
        except ResourceError:
            raise
        except EzkError:
            break
        if k >= min_k:
            break  # the tables no longer bind logrows: keep the larger, more precise range
        chosen, range_, min_k = cand, trial.lookup_range, k
    return chosen, range_, min_k


def worst_nodes(om: OnnxModel, cand: Candidate, values, top: int = 5) -> list[tuple[str, float]]:
    """The ONNX tensors whose quantized value is furthest (relative) from onnxruntime's."""
    try:
        ref = run_reference(om, values, intermediates=True)
    except EzkError:
        return []
    g, trace = cand.graph, cand.trace
    rows = []
    for name, tid in g.onnx_tensors.items():
        r = ref.get(name)
        if r is None or g.nodes[tid].op in ("input", "const"):
            continue
        y = trace.values[tid] / 2.0 ** g.nodes[tid].scale
        r = np.asarray(r, dtype=np.float64)
        if r.size != y.size:
            continue
        finite = np.isfinite(r.reshape(-1))  # a −inf mask entry is saturated on purpose, not an error
        if not finite.any():
            continue
        r, y = r.reshape(-1)[finite], y.reshape(-1)[finite]
        rows.append((name, float(np.abs(y - r).max() / max(np.abs(r).max(), 1e-12))))
    rows.sort(key=lambda x: -x[1])
    return rows[:top]
