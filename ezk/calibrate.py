"""calibrate-settings: choose scales, per-lookup input scales and logrows from data.

For each candidate scale s (input_scale = param_scale = s):
 1. lower the model and run the integer forward pass without range checks, recording for every
    lookup the largest |input| in float units, m;
 2. give that lookup the input scale s_l = ⌊log2(hi / (margin·m))⌋ (at most its input's scale),
    so margin × the observed range fits the table [lo, hi]; and give every Softmax-like node
    whose row maxima stay close together a constant shift instead of a maximum
    (``choose_softmax_shifts``; the lookups are then measured again in that form);
 3. record every rescale's largest |quotient| and give it a bound of ⌈log2(margin·m)⌉ + 1 bits
    (``choose_rescale_bits``; the circuit checks small bounds in one lookup);
 4. lower again and run with range checks, and compare every output with the float reference
    (onnxruntime, tract as fallback): err = max|ezk − ref| / max|ref|.
The per-node integers of steps 2–3 all live in ``Settings.lookup_scales`` under the builder's
keys (``…:fn`` lookups, ``…:rescale`` quotient bits, ``…:softmax:c16|d16|u16`` shifts,
``…:softmax:noclamp`` a maximum without the clamp).
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


# a constant softmax shift may cost at most this many bits of exp's output (made up by as
# many extra bits) and may widen exp's input to at most EXP_SPAN_FACTOR × the clamp of the max form
MAX_SHIFT_DEFICIT = 6 * math.log(2.0)
EXP_SPAN_FACTOR = 2.0
MIN_SHIFT_ROWS = 8  # the spread of fewer calibrated rows says too little about other inputs


def choose_softmax_shifts(graph, builder, trace, margin: float, ra: RunArgs) -> dict[str, int]:
    """Constant shifts for the Softmax-like nodes with at least MIN_SHIFT_ROWS calibrated rows
    whose maxima lie within σ of each other with margin·σ + ln 2 ≤ MAX_SHIFT_DEFICIT, and whose
    inputs lie within EXP_SPAN_FACTOR·C of the largest (ezk.graph.lowering.activations); for the
    others, whose rows span less than EXP_SPAN_FACTOR·C/margin, the maximum without the clamp."""
    out = {}
    ln2 = math.log(2.0)
    clamp = (ra.input_scale + 1) * ln2 + 0.5
    for key, (src, axes) in builder.softmax_sources.items():
        node = graph.nodes[src]
        v = trace.values[src] / 2.0**node.scale
        if not v.size:
            continue
        ax = tuple(a % v.ndim for a in axes)
        rows = v.max(axis=ax)
        if float((v.max(axis=ax, keepdims=True) - v).max()) * margin > EXP_SPAN_FACTOR * clamp:
            continue  # exp(x − max) needs the clamp
        hi, lo = float(rows.max()), float(rows.min())
        D = margin * (hi - lo) + ln2
        U = (margin - 1) * (hi - lo) + ln2
        if not (rows.size >= MIN_SHIFT_ROWS and abs(hi) < 2.0**30 and D <= MAX_SHIFT_DEFICIT
                and (hi - float(v.min())) * margin <= EXP_SPAN_FACTOR * clamp):
            out[key + ":noclamp"] = 1  # keep the max, drop the clamp
            continue
        out[key + ":c16"] = int(round(hi * 2**16))
        out[key + ":d16"] = int(math.ceil(D * 2**16))
        out[key + ":u16"] = int(math.ceil(U * 2**16))
    return out


def choose_rescale_bits(graph, trace, margin: float) -> dict[str, int]:
    """Per rescale key: ⌈log2(margin·max|q| + 1)⌉ + 1 bits (at least scale + 2, at most RESCALE_BITS)."""
    from ezk.ops._checks import RESCALE_BITS

    out = {}
    for n in graph.nodes:
        if n.op != "rescale" or "key" not in n.attrs:
            continue
        v = trace.values[n.id]
        m = max(abs(int(v.max())), abs(int(v.min()))) if v.size else 0
        need = math.ceil(math.log2(margin * m + 1)) + 1
        out[n.attrs["key"]] = int(min(RESCALE_BITS, max(need, n.scale + 2)))
    return out


def calibrated_graph(om: OnnxModel, ra: RunArgs, values, margin: float):
    """(graph, per-node integers, quantized inputs) after steps 1–3 of the module docstring."""
    g0, b0 = lower_model(om, ra)
    q = quantized_inputs(g0, values)
    t0 = forward(g0, q, check_ranges=False)
    scales = choose_lookup_scales(g0, b0, t0, margin, ra)
    shifts = choose_softmax_shifts(g0, b0, t0, margin, ra)
    if shifts:  # the shifted exp sees other inputs: measure the lookups again in that form
        g1, b1 = lower_model(om, ra, {**scales, **shifts})
        t1 = forward(g1, q, check_ranges=False)
        scales = {**scales, **choose_lookup_scales(g1, b1, t1, margin, ra)}
    ints = {**scales, **shifts}
    g2, _ = lower_model(om, ra, ints)
    ints.update(choose_rescale_bits(g2, forward(g2, q, check_ranges=False), margin))
    g, _ = lower_model(om, ra, ints)
    return g, ints, q


def evaluate_candidate(om: OnnxModel, ra: RunArgs, values, reference, margin: float) -> Candidate:
    cand = Candidate(scale=ra.input_scale)
    try:
        g, cand.lookup_scales, q = calibrated_graph(om, ra, values, margin)
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
        rows.append((name, float(np.abs(y.reshape(-1) - r.reshape(-1)).max() / max(np.abs(r).max(), 1e-12))))
    rows.sort(key=lambda x: -x[1])
    return rows[:top]
