"""calibrate-settings: choose scales, per-lookup input scales and logrows from data.

For each candidate scale s (input_scale = param_scale = s):
 1. lower the model and run the integer forward pass without range checks on every calibration
    sample, recording for every lookup the largest |input| in float units over all of them, m;
 2. give that lookup the input scale s_l = ⌊log2(hi / (margin·m))⌋ (at most its input's scale),
    so margin × the observed range fits the table [lo, hi]; and give every Softmax-like node
    whose row maxima stay close together a constant shift instead of a maximum
    (``choose_softmax_shifts``; the lookups are then measured again in that form);
 3. record every rescale's largest |quotient| and give it a bound of ⌈log2(margin·m)⌉ + 1 bits
    (``choose_rescale_bits``; the circuit checks small bounds in one lookup);
 4. lower again and run with range checks, and compare every output with the float reference
    (onnxruntime, tract as fallback) on every sample: err = max|ezk − ref| / max|ref|, both maxima
    over all samples.
The per-node integers of steps 2–3 all live in ``Settings.lookup_scales`` under the builder's
keys (``…:fn`` lookups, ``…:rescale`` quotient bits, ``…:softmax:c16|d16|u16`` shifts,
``…:softmax:noclamp`` a maximum without the clamp).
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


# a constant softmax shift may cost at most this many bits of exp's output (made up by as
# many extra bits) and may widen exp's input to at most EXP_SPAN_FACTOR × the clamp of the max form
MAX_SHIFT_DEFICIT = 6 * math.log(2.0)
EXP_SPAN_FACTOR = 2.0
MIN_SHIFT_ROWS = 8  # the spread of fewer calibrated rows says too little about other inputs


def softmax_stats(graph, builder, trace, into: dict | None = None) -> dict[str, list]:
    """Per Softmax-like key, merged over samples: [rows, max and min row maximum, largest
    row maximum − element, smallest element] in float units."""
    out = {} if into is None else into
    for key, (src, axes) in builder.softmax_sources.items():
        v = trace.values[src] / 2.0 ** graph.nodes[src].scale
        if not v.size:
            continue
        ax = tuple(a % v.ndim for a in axes)
        rows = v.max(axis=ax, keepdims=True)
        st = [rows.size, float(rows.max()), float(rows.min()), float((rows - v).max()), float(v.min())]
        if key in out:
            o = out[key]
            st = [o[0] + st[0], max(o[1], st[1]), min(o[2], st[2]), max(o[3], st[3]), min(o[4], st[4])]
        out[key] = st
    return out


def choose_softmax_shifts(stats: dict[str, list], margin: float, ra: RunArgs) -> dict[str, int]:
    """Constant shifts for the Softmax-like nodes with at least MIN_SHIFT_ROWS calibrated rows
    whose maxima lie within σ of each other with margin·σ + ln 2 ≤ MAX_SHIFT_DEFICIT, and whose
    inputs lie within EXP_SPAN_FACTOR·C of the largest (ezk.graph.lowering.activations); for the
    others, whose rows span less than EXP_SPAN_FACTOR·C/margin, the maximum without the clamp."""
    out = {}
    ln2 = math.log(2.0)
    clamp = (ra.input_scale + 1) * ln2 + 0.5
    for key, (rows, hi, lo, span, xmin) in stats.items():
        if span * margin > EXP_SPAN_FACTOR * clamp:
            continue  # exp(x − max) needs the clamp
        D = margin * (hi - lo) + ln2
        U = (margin - 1) * (hi - lo) + ln2
        if not (rows >= MIN_SHIFT_ROWS and abs(hi) < 2.0**30 and D <= MAX_SHIFT_DEFICIT
                and (hi - xmin) * margin <= EXP_SPAN_FACTOR * clamp):
            out[key + ":noclamp"] = 1  # keep the max, drop the clamp
            continue
        out[key + ":c16"] = int(round(hi * 2**16))
        out[key + ":d16"] = int(math.ceil(D * 2**16))
        out[key + ":u16"] = int(math.ceil(U * 2**16))
    return out


def rescale_maxima(graph, trace, into: dict[str, int] | None = None) -> dict[str, int]:
    """Per rescale key, the largest |quotient| seen in ``trace``, merged over samples."""
    out = {} if into is None else into
    for n in graph.nodes:
        if n.op == "rescale" and "key" in n.attrs:
            v = trace.values[n.id]
            m = max(abs(int(v.max())), abs(int(v.min()))) if v.size else 0
            out[n.attrs["key"]] = max(out.get(n.attrs["key"], 0), m)
    return out


def choose_rescale_bits(graph, maxima: dict[str, int], margin: float) -> dict[str, int]:
    """Per rescale key: ⌈log2(margin·max|q| + 1)⌉ + 1 bits (at least scale + 2, at most RESCALE_BITS)."""
    from ezk.ops.bounds import RESCALE_BITS

    out = {}
    for n in graph.nodes:
        if n.op == "rescale" and n.attrs.get("key") in maxima:
            need = math.ceil(math.log2(margin * maxima[n.attrs["key"]] + 1)) + 1
            out[n.attrs["key"]] = int(min(RESCALE_BITS, max(need, n.scale + 2)))
    return out


def calibrated_graph(om: OnnxModel, ra: RunArgs, samples, margin: float):
    """(graph, per-node integers) after steps 1–3 of the module docstring, over every sample."""
    def traces(g):
        return [forward(g, quantized_inputs(g, s), check_ranges=False) for s in samples]

    g0, b0 = lower_model(om, ra)
    maxima, sm = {}, {}
    for t in traces(g0):
        lookup_maxima(g0, b0, t, maxima)
        softmax_stats(g0, b0, t, sm)
    scales = choose_lookup_scales(g0, b0, maxima, margin, ra)
    shifts = choose_softmax_shifts(sm, margin, ra)
    if shifts:  # the shifted exp sees other inputs: measure the lookups again in that form
        g1, b1 = lower_model(om, ra, {**scales, **shifts})
        maxima = {}
        for t in traces(g1):
            lookup_maxima(g1, b1, t, maxima)
        scales = {**scales, **choose_lookup_scales(g1, b1, maxima, margin, ra)}
    ints = {**scales, **shifts}
    g2, _ = lower_model(om, ra, ints)
    qmax: dict[str, int] = {}
    for t in traces(g2):
        rescale_maxima(g2, t, qmax)
    ints.update(choose_rescale_bits(g2, qmax, margin))
    g, _ = lower_model(om, ra, ints)
    return g, ints


def reference_outputs(om: OnnxModel, samples) -> list[dict[str, np.ndarray]]:
    """The float reference's outputs for every sample."""
    return [run_reference(om, s) for s in samples]


def evaluate_candidate(om: OnnxModel, ra: RunArgs, samples, references, margin: float) -> Candidate:
    """Lookup scales from the largest lookup inputs over every sample, then the error of every
    output over every sample (max and mean |ezk − ref|, max error / max |ref|). The trace kept
    for the worst-node report is the first sample's."""
    cand = Candidate(scale=ra.input_scale)
    try:
        g, cand.lookup_scales = calibrated_graph(om, ra, samples, margin)
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


def cap_lookup_range(ra: RunArgs, k: int) -> RunArgs:
    """``ra`` with its lookup range clipped to ±2^b, the largest b whose function tables
    (2^(b+1) + 1 rows, plus a zero row) fit the usable rows of 2^k: calibration with a row cap
    (``--max-logrows k``) must not choose tables that no circuit of 2^k rows can hold."""
    from ezk.layout.circuit import usable_rows

    lo, hi = (int(v) for v in ra.lookup_range)
    if hi - lo + 2 <= usable_rows(k):
        return ra
    b = MIN_RANGE_BITS
    while (1 << (b + 2)) + 2 <= usable_rows(k):
        b += 1
    if (1 << (b + 1)) + 2 > usable_rows(k):
        raise EzkError(f"--max-logrows {k} is too small for any lookup table (the smallest, ±2^{MIN_RANGE_BITS}, "
                       f"needs 2^{MIN_RANGE_BITS + 2} rows); use --max-logrows ≥ {MIN_RANGE_BITS + 2}.")
    return RunArgs(**{**ra.__dict__, "lookup_range": [max(lo, -(1 << b)), min(hi, 1 << b)]})


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
        cand = evaluate_candidate(om, trial, samples, references, margin)
        cand.multiplier = trial.scale_rebase_multiplier
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
        finite = np.isfinite(r.reshape(-1))  # a −inf mask entry is saturated on purpose, not an error
        if not finite.any():
            continue
        r, y = r.reshape(-1)[finite], y.reshape(-1)[finite]
        rows.append((name, float(np.abs(y - r).max() / max(np.abs(r).max(), 1e-12))))
    rows.sort(key=lambda x: -x[1])
    return rows[:top]
