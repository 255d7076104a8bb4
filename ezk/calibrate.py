"""calibrate-settings: choose scales, per-lookup input scales and logrows from data.

For each candidate scale s (input_scale = param_scale = s):
 1. lower the model and run the integer forward pass without range checks on every calibration
    sample, recording for every lookup the largest |input| in float units over all of them, m;
 2. give that lookup the input scale s_l = ⌊log2(hi / (margin·m))⌋ (at most its input's scale),
    so margin × the observed range fits the table [lo, hi];
 3. lower again and run with range checks, and compare every output with the float reference
    (onnxruntime, tract as fallback) on every sample: err = max|ezk − ref| / max|ref|, both maxima
    over all samples.
Calibration data hold one sample or several (EZKL's calibration.json: samples concatenated per
input, see :func:`ezk.inputs.split_samples`).
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

from ezk.errors import EzkError
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
    multiplier: int = 0  # scale_rebase_multiplier (0: the base run args' own)
    lookup_scales: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[str, float, float, float]] = field(default_factory=list)  # name, max, mean, rel
    worst: float = math.inf
    failure: str = ""
    graph: object = None
    trace: object = None


def lookup_maxima(graph, builder, trace, into: dict[str, float] | None = None) -> dict[str, float]:
    """For every lookup, the largest |input| in float units seen in ``trace``, merged (max) into
    ``into`` so that several samples accumulate."""
    out = {} if into is None else into
    for key, src in builder.lookup_sources.items():
        v = trace.values[src]
        m = (max(abs(int(v.max())), abs(int(v.min()))) if v.size else 0) / 2.0 ** graph.nodes[src].scale
        out[key] = max(out.get(key, 0.0), m)
    return out


def choose_lookup_scales(graph, builder, maxima: dict[str, float], margin: float, ra: RunArgs) -> dict[str, int]:
    lo, hi = ra.lookup_range
    half = min(-lo, hi)
    out = {}
    for key, src in builder.lookup_sources.items():
        node = graph.nodes[src]
        m = maxima.get(key, 0.0)
        if m <= 0:
            out[key] = node.scale
        else:
            out[key] = min(node.scale, math.floor(math.log2(half / (margin * m))))
    return out


def reference_outputs(om: OnnxModel, samples) -> list[dict[str, np.ndarray]]:
    """The float reference's outputs for every sample."""
    return [run_reference(om, s) for s in samples]


def evaluate_candidate(om: OnnxModel, ra: RunArgs, samples, references, margin: float) -> Candidate:
    """Lookup scales from the largest lookup inputs over every sample, then the error of every
    output over every sample (max and mean |ezk − ref|, max error / max |ref|). The trace kept
    for the worst-node report is the first sample's."""
    cand = Candidate(scale=ra.input_scale)
    try:
        g0, b0 = lower_model(om, ra)
        maxima: dict[str, float] = {}
        for s in samples:
            lookup_maxima(g0, b0, forward(g0, quantized_inputs(g0, s), check_ranges=False), maxima)
        cand.lookup_scales = choose_lookup_scales(g0, b0, maxima, margin, ra)
        g, _ = lower_model(om, ra, cand.lookup_scales)
        stats = {name: [0.0, 0.0, 0.0, 0] for name in g.output_names}  # max diff, sum diff, max |ref|, count
        for j, (s, reference) in enumerate(zip(samples, references)):
            trace = forward(g, quantized_inputs(g, s))
            if j == 0:
                cand.trace = trace
            for name, oid in zip(g.output_names, g.outputs):
                y = trace.values[oid] / 2.0 ** g.nodes[oid].scale
                r = np.asarray(reference[name], dtype=np.float64).reshape(y.shape)
                diff = np.abs(y - r)
                st = stats[name]
                if diff.size:
                    st[0] = max(st[0], float(diff.max()))
                    st[1] += float(diff.sum())
                    st[2] = max(st[2], float(np.abs(r).max()))
                    st[3] += diff.size
    except EzkError as exc:
        cand.failure = str(exc)
        cand.trace = None
        return cand
    cand.graph = g
    worst = 0.0
    for name in g.output_names:
        mx, total, ref_max, count = stats[name]
        rel = mx / max(ref_max, 1e-12) if count else 0.0
        cand.errors.append((name, mx, total / count if count else 0.0, rel))
        worst = max(worst, rel)
    cand.worst = worst
    return cand


def calibrate(om: OnnxModel, base: RunArgs, samples, target: str = "resources", margin: float = 2.0,
              scales=DEFAULT_SCALES, progress=None, references=None,
              multipliers=None) -> tuple[Candidate, list[Candidate]]:
    """The best candidate over ``scales`` × ``multipliers`` (scale_rebase_multiplier values;
    default: the base's own) — ``samples``: a list of samples, each a list of per-input arrays;
    ``references``: their float outputs, computed when not given."""
    if target not in ("resources", "accuracy"):
        raise EzkError(f"--target must be resources or accuracy, got {target!r}")
    if margin < 1:
        raise EzkError(f"--lookup-safety-margin must be at least 1, got {margin}")
    references = reference_outputs(om, samples) if references is None else references
    mults = sorted(set(int(m) for m in multipliers)) if multipliers else [base.scale_rebase_multiplier]
    if any(m < 1 for m in mults):
        raise EzkError(f"--scale-rebase-multiplier values must be positive integers, got {mults}")
    cands = []
    for m in mults:
        for s in sorted(set(int(x) for x in scales)):
            ra = RunArgs(**{**base.__dict__, "input_scale": s, "param_scale": s, "scale_rebase_multiplier": m})
            cands.append(evaluate_candidate(om, ra, samples, references, margin))
            cands[-1].multiplier = m
            if progress:
                progress(cands[-1])
    ok = [c for c in cands if not c.failure]
    if not ok:
        raise EzkError(f"calibration failed at every scale; at scale {cands[-1].scale}: {cands[-1].failure}")
    if target == "accuracy":
        best = min(ok, key=lambda c: (round(c.worst, 4), c.scale, c.multiplier))
    else:
        good = [c for c in ok if c.worst <= RESOURCES_TOLERANCE]
        best = (min(good, key=lambda c: (c.scale, c.multiplier)) if good
                else min(ok, key=lambda c: (c.worst, c.scale, c.multiplier)))
    return best, cands


def shrink_lookup_range(om: OnnxModel, best: Candidate, base: RunArgs, samples, margin: float, measure,
                        target: str = "resources", progress=None, references=None) -> tuple[Candidate, list[int], int]:
    """(candidate, lookup_range, min_k): the smallest power-of-two table range ±2^b that lowers
    logrows while keeping ``best``'s accuracy (module docstring). ``measure(graph, run_args,
    lookup_scales)`` returns the layout's stats (``min_k``); it may raise EzkError."""
    references = reference_outputs(om, samples) if references is None else references
    ra = RunArgs(**{**base.__dict__, "input_scale": best.scale, "param_scale": best.scale,
                    "scale_rebase_multiplier": best.multiplier or base.scale_rebase_multiplier})
    range_ = list(ra.lookup_range)
    try:
        min_k = int(measure(best.graph, ra, best.lookup_scales)["min_k"])
    except EzkError:
        return best, range_, 0
    bound = best.worst + max(RANGE_SLACK_REL * best.worst, RANGE_SLACK_ABS)
    if target == "resources" and best.worst <= RESOURCES_TOLERANCE:
        bound = min(bound, RESOURCES_TOLERANCE)
    bits = int(math.floor(math.log2(min(-range_[0], range_[1]))))
    chosen = best
    for b in range(bits - 1, MIN_RANGE_BITS - 1, -1):
        trial = RunArgs(**{**ra.__dict__, "lookup_range": [-(1 << b), 1 << b]})
        cand = evaluate_candidate(om, trial, samples, references, margin)
        cand.multiplier = trial.scale_rebase_multiplier
        if progress:
            progress(cand)
        if cand.failure or cand.worst > bound:
            break
        try:
            k = int(measure(cand.graph, trial, cand.lookup_scales)["min_k"])
        except EzkError:
            break
        if k >= min_k:
            break  # the tables no longer bind logrows: keep the larger, more precise range
        chosen, range_, min_k = cand, trial.lookup_range, k
    return chosen, range_, min_k


def worst_nodes(om: OnnxModel, cand: Candidate, values, top: int = 5) -> list[tuple[str, float]]:
    """The ONNX tensors whose quantized value is furthest (relative) from onnxruntime's, on one
    sample (``values``: the sample whose trace the candidate kept, the first)."""
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
        rows.append((name, float(np.abs(y.reshape(-1) - r.reshape(-1)).max() / max(np.abs(r).max(), 1e-12))))
    rows.sort(key=lambda x: -x[1])
    return rows[:top]
