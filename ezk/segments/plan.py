"""Cutting a quantized graph into contiguous segments that each fit 2^K rows.

The *schedule* is the graph's nodes in order without the fixed constants (they cost no cells:
every segment that reads one takes it along), with each leaf — an input or a private
parameter — moved to just before its first reader, so a segment owns the leaves it reads.
A cut at schedule position p splits it into [.., p) and [p, ..); the tensors *crossing* it are
those produced before p and read at or after p: they become the link (``ezk.layout.links``).

Rows are never counted by laying out the whole model at once (a large model's full layout
does not fit in memory):
1. estimate: lay the schedule out in windows of bounded size, structure only, and count the
   rows each node places (``rows_per_node``), plus ⌈size/W⌉ rows per tensor entering;
2. choose: from the current start, among the ends whose estimate (with the rows of the
   tensors leaving) fits u usable rows and that hold at least 90% of the most that fits, the
   one with the smallest crossing (a transformer block's edge, where only the residual stream
   crosses, when one lies there; a link column holds u values, so a larger cut costs a few
   rows, where a segment that stops early costs a whole proof), the latest on ties
   (``_choose_end``);
3. confirm: lay out that segment alone (structure only) and check that its min_k ≤ K; if not,
   shrink the budget by what the estimate missed and choose again; if it fits but holds under
   90% of u rows (the windows over-count what a segment shares: Freivalds' constants, link
   rows), grow the budget by what the estimate over-counted and choose again, keeping the
   longest segment measured to fit. A segment is only ever taken after a layout of it fits, and
   one that cannot be confirmed within MAX_MEASURES layouts is one clear error.
A model whose estimate fits and whose measured layout confirms it stays one segment (no plan).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk.errors import EzkError
from ezk.graph.ir import Graph
from ezk.layout.circuit import MAX_K, measure, rows_per_node, usable_rows
from ezk.layout.links import SegmentSpec
from ezk.layout.region import Geometry

WINDOW_ELEMENTS = 1 << 16  # tensor elements per estimating window (bounds its memory)
WINDOW_NODES = 256
PLAN_FORMAT = "ezk-segment-plan"


def is_free(node) -> bool:
    """A fixed constant: no cells, taken along by every segment that reads it."""
    return node.op == "const" and node.attrs.get("visibility", "fixed") != "private"


def schedule(graph: Graph) -> list[int]:
    """Non-free nodes in order, each leaf (input, private constant) just before its first reader."""
    leaves = {n.id for n in graph.nodes if not is_free(n) and not n.inputs}
    readers: dict[int, int] = {}
    for n in graph.nodes:
        for i in n.inputs:
            readers.setdefault(i, n.id)
    order: list[int] = []
    placed: set[int] = set()
    for n in graph.nodes:
        if is_free(n):
            continue
        if n.id in leaves and n.id in readers:
            continue  # placed before its first reader
        for i in n.inputs:
            if i in leaves and i not in placed:
                order.append(i)
                placed.add(i)
        order.append(n.id)
        placed.add(n.id)
    return order


@dataclass
class Lifetimes:
    """Per schedule position: the tensor it produces, its size and the last position reading it."""

    order: list[int]
    size: np.ndarray
    last: np.ndarray  # last reading position (−1: none)

    @classmethod
    def of(cls, graph: Graph, order: list[int]) -> "Lifetimes":
        pos = {t: p for p, t in enumerate(order)}
        last = np.full(len(order), -1, dtype=np.int64)
        for p, t in enumerate(order):
            for i in graph.nodes[t].inputs:
                if i in pos:
                    last[pos[i]] = max(last[pos[i]], p)
        size = np.array([graph.nodes[t].size for t in order], dtype=np.int64)
        return cls(order, size, last)

    def crossing(self, p: int) -> list[int]:
        """Tensor ids crossing a cut at position p (increasing id: the link order)."""
        idx = np.flatnonzero(self.last[:p] >= p)
        return sorted(self.order[i] for i in idx)

    def crossing_sizes(self) -> np.ndarray:
        """Elements crossing a cut at every position 0 … N (difference array over lifetimes)."""
        n = len(self.order)
        diff = np.zeros(n + 2, dtype=np.int64)
        live = self.last > np.arange(n)
        p = np.flatnonzero(live)
        np.add.at(diff, p + 1, self.size[p])
        np.add.at(diff, self.last[p] + 1, -self.size[p])
        return np.cumsum(diff)[: n + 1]


@dataclass
class SegmentPlan:
    """The segments of a model, all laid out at 2^k rows, in order."""

    k: int
    segments: list[SegmentSpec]
    stats: list[dict] = field(default_factory=list)  # per segment: rows, min_k, link elements

    def to_json(self) -> dict:
        return {"format": PLAN_FORMAT, "k": self.k, "segments": [s.to_json() for s in self.segments],
                "stats": self.stats}

    @classmethod
    def from_json(cls, d: dict) -> "SegmentPlan":
        if not isinstance(d, dict) or d.get("format") != PLAN_FORMAT:
            raise EzkError("the compiled circuit holds a malformed segment plan.")
        try:
            return cls(int(d["k"]), [SegmentSpec.from_json(s) for s in d["segments"]], list(d.get("stats", [])))
        except (KeyError, TypeError, ValueError):
            raise EzkError("the compiled circuit holds a malformed segment plan.") from None

    def check(self, graph: Graph) -> None:
        """Every non-free node in exactly one segment; each cut's link the same on both sides."""
        seen = [i for s in self.segments for i in s.nodes]
        if sorted(seen) != sorted(schedule(graph)) or len(set(seen)) != len(seen):
            raise EzkError("the segment plan does not cover the model's nodes exactly once.")
        for a, b in zip(self.segments, self.segments[1:]):
            if a.link_out != b.link_in:
                raise EzkError("the segment plan's links do not match across a cut.")
        if self.segments[0].link_in or self.segments[-1].link_out:
            raise EzkError("the segment plan links past the model's ends.")


def _probe(settings, k: int):
    from ezk.settings import RunArgs, Settings

    ra = getattr(settings, "run_args", settings)
    st = Settings(run_args=RunArgs(**{**ra.__dict__, "logrows": k}),
                  lookup_scales=dict(getattr(settings, "lookup_scales", {}) or {}))
    return st


def estimate_rows(graph: Graph, settings, life: Lifetimes) -> tuple[np.ndarray, int]:
    """Rows each schedule position places, measured in windows of bounded size, and the
    advice cells of all windows."""
    probe = _probe(settings, MAX_K)
    n = len(life.order)
    rows = np.zeros(n, dtype=np.int64)
    cells = 0
    a = 0
    while a < n:
        b, elems = a, 0
        while b < n and (b == a or (elems + life.size[b] <= WINDOW_ELEMENTS and b - a < WINDOW_NODES)):
            elems += int(life.size[b])
            b += 1
        spec = SegmentSpec(tuple(life.order[a:b]), tuple(life.crossing(a)), ())
        per, used = rows_per_node(graph, probe, spec)
        rows[a:b] = [per.get(t, 0) for t in life.order[a:b]]
        cells += used
        a = b
    return rows, cells


def estimate_circuit(graph: Graph, settings, max_k: int) -> dict:
    """The layout's counts without ever laying out more than a window of a large model: exact
    (one measuring layout) when the estimate is near 2^max_k rows, else the windows' sums and
    the k one circuit would need (``segmented``: True)."""
    life = Lifetimes.of(graph, schedule(graph))
    rows, cells = estimate_rows(graph, settings, life)
    total = int(rows.sum())
    if total <= 2 * usable_rows(max_k):
        return {**measure(graph, _probe(settings, MAX_K)), "advice_cells": cells, "segmented": False}
    k = 4
    while usable_rows(k) < total and k < 40:
        k += 1
    return {"num_rows": total, "advice_cells": cells, "min_k": k, "segmented": True}


def _link_rows(graph: Graph, tensors: list[int], width: int) -> int:
    return sum(-(-graph.nodes[t].size // width) for t in tensors)


NEAR_FULL = 0.9  # a cut is looked for among the ends holding ≥ 90% of the most that fits
MAX_MEASURES = 6  # layouts confirming one segment (shrinking an over-full one, growing a short one)
GROW_MARGIN = 0.98  # a short segment's budget grows by what the estimate over-counted, less 2%


def _choose_end(a: int, cum: np.ndarray, cross: np.ndarray, link_rows: np.ndarray, budget: int) -> int:
    """The end b of the segment starting at a, among the ends a+1 … a+len(cum) whose rows
    (``cum``, plus the rows of the tensors leaving) fit the budget: the one with the smallest
    crossing among those holding at least 90% of the most that fits — a transformer block's
    edge, where only the residual stream crosses, when one lies there; the latest on ties."""
    ends = np.arange(a + 1, a + len(cum) + 1)
    room = cum + link_rows[ends] <= budget
    if not room.any():
        room[:] = True
    cand = ends[room & (cum >= NEAR_FULL * cum[room].max())]
    best = cross[cand].min()
    return int(cand[cross[cand] == best].max())


def plan_segments(graph: Graph, settings, max_k: int, progress=None) -> SegmentPlan | None:
    """Segments of at most 2^max_k rows each, or None when the whole model fits in 2^max_k."""
    if not 4 <= max_k <= MAX_K:
        raise EzkError(f"the segment size 2^{max_k} is out of range (use --max-logrows 4 … {MAX_K}).")
    ra = getattr(settings, "run_args", settings)
    width = Geometry.from_inner_cols(int(ra.num_inner_cols)).width
    order = schedule(graph)
    life = Lifetimes.of(graph, order)
    rows, _ = estimate_rows(graph, settings, life)
    u = usable_rows(max_k)
    probe = _probe(settings, MAX_K)
    if int(rows.sum()) <= 2 * u:
        whole = measure(graph, probe)
        if whole["min_k"] <= max_k:
            return None
    cross = life.crossing_sizes()
    link_rows = -(-cross // width)  # region rows a cut's tensors take on each side
    n = len(order)
    segments, stats = [], []
    a = 0
    while a < n:
        link_in = life.crossing(a)
        base = _link_rows(graph, link_in, width)
        budget = u
        confirmed = None  # (end, spec, measured) of the longest segment measured to fit
        for attempt in range(MAX_MEASURES):
            cum = base + np.cumsum(rows[a:])
            fit = int(np.searchsorted(cum, budget, side="right"))
            if fit == 0:
                node = graph.nodes[order[a]]
                raise EzkError(f"ONNX node {node.onnx_name!r} ({node.onnx_op}) alone needs about {int(cum[0])} rows, "
                               f"more than 2^{max_k} allow; use a larger --max-logrows.")
            if a + fit == n:
                b = n
            else:
                b = _choose_end(a, cum[:fit], cross, link_rows, budget)
            if confirmed is not None and b <= confirmed[0]:
                break  # a larger budget chose no later end
            spec = SegmentSpec(tuple(order[a:b]), tuple(link_in), tuple(life.crossing(b)) if b < n else ())
            st = measure(graph, probe, segment=spec)
            if st["min_k"] <= max_k:
                confirmed = (b, spec, st)
                if b == n or st["num_rows"] >= NEAR_FULL * u:
                    break
                # the estimate counted more rows than the layout places (each window pays for
                # what a segment shares: constants, link rows): let the budget grow by as much
                budget = max(budget + 1, int(budget * u / max(st["num_rows"], 1) * GROW_MARGIN))
                continue
            if confirmed is not None:
                break  # grown past 2^K: keep the segment that was measured to fit
            if st["num_rows"] <= u:  # rows fit: a table (or the public values) needs more
                raise EzkError(f"a segment's lookup tables need 2^{st['min_k']} rows, more than 2^{max_k}; use "
                               f"--max-logrows ≥ {st['min_k']} or a smaller lookup_range.")
            if b == a + 1:
                node = graph.nodes[order[a]]
                raise EzkError(f"ONNX node {node.onnx_name!r} ({node.onnx_op}) alone needs 2^{st['min_k']} rows, "
                               f"more than 2^{max_k} allow; use --max-logrows ≥ {st['min_k']}.")
            budget = int(budget * u / max(st["num_rows"], u + 1) * 0.97)
        if confirmed is None:
            raise EzkError(f"no segment starting at node {order[a]} could be confirmed to fit 2^{max_k} rows after "
                           f"{MAX_MEASURES} layouts; use a larger --max-logrows.")
        b, spec, st = confirmed
        segments.append(spec)
        stats.append({"num_rows": st["num_rows"], "min_k": st["min_k"], "nodes": len(spec.nodes),
                      "link_in": st["link_in"], "link_out": st["link_out"]})
        if progress is not None:
            progress(b, n)
        a = b
    k = max(s["min_k"] for s in stats)
    plan = SegmentPlan(k, segments, stats)
    plan.check(graph)
    return plan


# Peak RSS of one segment's prover per row of its 2^K, and a process's base: measured with
# benchmarks/segments.py on nanoGPT tiny (num_inner_cols 2, K 18: 1.36 GB for 2^18 rows; K 13:
# ~100 MB for 2^13), rounded up.
PROVER_BYTES_PER_ROW = 5 << 10
PROVER_BASE_BYTES = 200 << 20


def logrows_for_memory(gib: float) -> int:
    """The largest K whose segment prover fits ``gib`` GiB by the measured bytes per row."""
    budget = float(gib) * (1 << 30) - PROVER_BASE_BYTES
    k = 3
    while k < MAX_K and PROVER_BYTES_PER_ROW * (1 << (k + 1)) <= budget:
        k += 1
    if k < 13:
        raise EzkError(f"--max-memory {gib} GiB is too little for a segment (about "
                       f"{(PROVER_BASE_BYTES + PROVER_BYTES_PER_ROW * (1 << 13)) / (1 << 30):.1f} GiB at the smallest, 2^13 rows).")
    return k


def plan_from_cuts(graph: Graph, cuts: list[int], k: int) -> SegmentPlan:
    """The plan with cuts at these schedule positions (0 < p < N, increasing), all at 2^k rows —
    for tests and for users who want their own cuts; each segment's fit is not checked here."""
    order = schedule(graph)
    life = Lifetimes.of(graph, order)
    bounds = [0] + list(cuts) + [len(order)]
    if any(b <= a for a, b in zip(bounds, bounds[1:])):
        raise EzkError(f"cuts must be increasing positions between 0 and {len(order)}, got {cuts}.")
    segs = [SegmentSpec(tuple(order[a:b]), tuple(life.crossing(a)) if a else (),
                        tuple(life.crossing(b)) if b < len(order) else ())
            for a, b in zip(bounds, bounds[1:])]
    plan = SegmentPlan(k, segs, [{} for _ in segs])
    plan.check(graph)
    return plan
