"""lay_out: a quantized Graph → a PLONKish Circuit (+ Witness when values are given).

    laid = lay_out(graph, settings)            # measuring backend: structure only
    laid = lay_out(graph, settings, tensors)   # assigning backend: tensors = the forward pass's
                                               # {tensor id: int64 array} (or its Trace)

The circuit (constraint system, fixed values, copies) depends only on the graph's shapes and
constants and on the settings: both calls give the same one. Public outputs (and public
inputs when asked) sit in one instance column, bound to their advice cells by copies. Hashed
inputs, parameters and outputs (EZKL's "hashed", "hashed/public") stay private: the Poseidon
gadget (poseidon.py) proves each one's digest, and the digests come first in the instance
column (entries of kind "hash"). Polycommit inputs, parameters and outputs (EZKL's "polycommit")
sit in dedicated advice columns whose commitments the proof carries (polycommit.py). Gathers and
scatters with computed indices look up tables made of the region's own cells, in lanes beside it
(dynamic.py).

Shape of the region, decided from row counts of a first (full) layout — structure only, so
the same for both backends and for every k:
* wide: range checks in all W columns, when a bound on its rows lowers min_k (more lookup
  arguments, half the rows or better: nanoGPT tiny K 22 → 21);
* lean (1 or 2 LIN lanes and function-lookup slots): when a bound on its rows shows min_k
  cannot rise — fewer fixed columns and lookup arguments for rows the tables' k leaves unused
  (nanoGPT micro: 112 → 38 fixed columns, 16 → 7 lookup arguments at the same K 17);
* full otherwise. Range limbs widen to up to 18 bits when a static row bound allows
  (tables.limb_bits_for), or the first layout's rows do (``_widen_limbs``: one more layout).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ezk.errors import EzkError, OutOfMemoryError
from ezk.graph.ir import Graph
from ezk.layout.backend import AssigningBackend, MeasuringBackend
from ezk.layout.cells import Cells
from ezk.layout.context import Ctx
from ezk.layout.dynamic import DynamicLanes, DynamicLookups
from ezk.layout.gates import blinding_rows, build
from ezk.layout.links import LinkColumns, SegmentSpec, add_links
from ezk.layout.ops import AFFINE_INPUTS, LAYOUTS
from ezk.layout.polycommit import PolyCommit, add_polycommit, is_polycommit, polycommit_tensors
from ezk.layout.poseidon import Chain, Gadget, Lanes, chain_rows
from ezk.layout.ops.leaves import bound_leaves
from ezk.layout.phase1_values import Phase1Values
from ezk.layout.region import KIND_FN, KIND_LIN, KIND_RANGE, Geometry, Region
from ezk.layout.rows import materialize
from ezk.layout.tables import MAX_LIMB_BITS, Tables, limb_bits_for
from ezk.plonk import Circuit, Witness
from ezk.plonk.domain import MAX_K
from ezk.plonk.domain import usable_rows as _usable
from ezk.plonk.expression import R
from ezk.poseidon.hashed import hashed_tensors, is_hashed

BLINDING = blinding_rows()


def usable_rows(k: int) -> int:
    return _usable(k, BLINDING)


@dataclass
class LaidOut:
    circuit: Circuit
    witness: Witness | None
    instances: list[np.ndarray]
    instance_layout: list[dict]
    stats: dict
    row_node: list[np.ndarray]  # per block: the graph node that placed each row (−1: none)
    graph: Graph = field(repr=False, default=None)
    gate_block: dict = field(default_factory=dict)
    column_block: dict = field(default_factory=dict)  # advice column name -> block
    assigned: list = field(default_factory=list)  # per block: (rows, W) bool, cells the layout placed
    poseidon: Lanes | None = None  # the Poseidon gadget's lanes (hashed visibilities), if any
    dynamic: DynamicLanes | None = None  # the dynamic lookups' lanes (computed-index gathers, scatters), if any
    row_kind: list = field(default_factory=list)  # per block: the kind of each row (region.KIND_*)
    # input and private/hashed-parameter node -> (n, 2) array of its cells (global column index, row)
    leaf_cells: dict = field(default_factory=dict)
    links: LinkColumns | None = None  # a segment's link columns (None: the whole model)
    # Freivalds checks (phase1.py): per block with phase-1 rows its [Z, Y] columns and (rows, 2)
    # bool of the cells set there; the solver behind Witness.later (``.bind(advice)`` gives an
    # honest prover's phase-1 values for any phase-0 advice)
    phase1_columns: dict = field(default_factory=dict)
    phase1_assigned: list = field(default_factory=list)
    phase1_values: object = None
    polycommit: list[PolyCommit] = field(default_factory=list)  # polycommit tensors' columns

    def explain(self, failure) -> str:
        from ezk.layout.report import explain

        return explain(self, failure)


def _run_args(settings):
    return getattr(settings, "run_args", settings)


def lay_out(graph: Graph, settings, tensors=None, segment: SegmentSpec | None = None,
            shape: str = "auto") -> LaidOut:
    """``segment``: lay out only that segment of the graph, with its link columns (see
    ``ezk.layout.links``); its public values are the model inputs and outputs it holds.
    ``shape``: "auto" (module docstring) or "full" (never wide or lean: for row accounting)."""
    ra = _run_args(settings)
    k = int(ra.logrows)
    if not 1 <= k <= MAX_K or usable_rows(k) < 2:
        raise EzkError(f"logrows {k} is out of range for a circuit (use 4 … {MAX_K}).")
    for name in ("input_visibility", "output_visibility"):
        v = getattr(ra, name)
        if v not in ("private", "public") and not is_hashed(v) and not is_polycommit(v):
            raise EzkError(f"{name} {v!r} is not supported by the circuit layout "
                           f"(use private, public, hashed or polycommit).")
    geo = Geometry.from_inner_cols(int(ra.num_inner_cols))
    values = tensors if isinstance(tensors, dict) else getattr(tensors, "values", tensors)
    u = usable_rows(k)
    p = _choose(graph, ra, geo, u, values, segment, shape)
    rg, tables, backend, pub_cells, layout, start = p.rg, p.tables, p.backend, p.pub_cells, p.layout, p.start
    gadget = Gadget(p.chains, u)
    lanes = gadget.place()
    public = bool(pub_cells) or bool(gadget.chains)
    dyn = p.dynamic

    # how many rows: unwrapped, the region needs rg.rows rows; tables need their banks
    blocks = max(1, -(-rg.rows // u))
    need = max(p.need, gadget.rows, dyn.rows)
    min_k = _min_k(need, tables.largest(), start)
    if tables.largest() > u - 1 or start > u or dyn.rows > u:
        raise EzkError(f"the circuit needs a lookup table of {max(tables.largest(), dyn.largest)} rows and {need} rows "
                       f"in all, more than 2^{k} rows allow; use logrows ≥ {min_k}.")
    dyn_lanes = dyn.place(u)
    linked = (pub_cells + [c.cells for c in gadget.chains] + dyn.region_cells()
              + [c for c in (p.link_in, p.link_out) if c is not None] + [c for *_, c in p.commits])
    dead = rg.drop_dead_cells(Cells.concat(linked) if linked else None)
    built = build(rg, tables, blocks, public, u - 1)
    gadget.build(built.cs)
    dyn.build(built.cs, dyn_lanes)
    cs = built.cs
    if cs.blinding_rows() != BLINDING:
        raise AssertionError(f"the layout planned {BLINDING} blinding rows; its system needs {cs.blinding_rows()}")

    col_index = np.array([c.index for blk in built.advice for c in blk], dtype=np.int64)
    W = geo.width

    def glob(g, c):
        return col_index[(g // u) * W + c], g % u

    # the region's copies in circuit coordinates, one placement batch at a time, as int32
    # (global column indices and rows < 2^26): 16 bytes a copy in the circuit
    copies = []
    while rg._copies:
        cp = rg._copies.pop(0)
        ca, ra_ = glob(cp[:, 0], cp[:, 1])
        cb, rb = glob(cp[:, 2], cp[:, 3])
        copies.append(np.stack([ca, ra_, cb, rb], axis=1).astype(np.int32))
        del cp, ca, ra_, cb, rb
    instances = []
    n_hash = len(gadget.chains)
    copies.append(gadget.copies(glob, built.instance, 0))
    copies.append(dyn.copies(glob))
    pub_vals = np.zeros(0, np.int64)
    if pub_cells:
        allc = Cells.concat(pub_cells)
        ia, ir = glob(allc.g, allc.c)
        n = allc.size
        copies.append(np.stack([np.full(n, built.instance.index), n_hash + np.arange(n), ia, ir], axis=1))
        pub_vals = rg.read(allc)
    links, link_values = None, {}
    if segment is not None:
        read = rg.read if values is not None else None
        links, link_copies, link_values = add_links(cs, built.fixed, u, glob, read, p.link_in, p.link_out)
        copies.append(link_copies)
    p1 = built.phase1
    ph = rg.__dict__.get("phase1")
    if p1 is not None:  # copies between phase-1 cells (Freivalds checks)
        col1 = np.full((blocks, 2), -1, np.int64)
        for blk, (z, y) in p1.columns.items():
            col1[blk] = (z.index, y.index)
        pc = ph.all_copies()
        copies.append(np.stack([col1[pc[:, 0] // u, pc[:, 1]], pc[:, 0] % u,
                                col1[pc[:, 2] // u, pc[:, 3]], pc[:, 2] % u], axis=1))
    commits, pc_copies, pc_values = add_polycommit(cs, built.fixed, u, glob, rg.read if values is not None else None,
                                                   p.commits)
    copies.append(pc_copies)
    link_values.update(pc_values)
    copies = np.concatenate([c.astype(np.int32, copy=False) for c in copies]) if copies else np.zeros((0, 4), np.int32)
    circuit = Circuit(cs=cs, k=k, fixed={**built.fixed, **lanes.fixed, **dyn_lanes.fixed}, copies=copies,
                      instance_lengths={built.instance: start} if public else None)  # digests + public values

    solver = Phase1Values.from_phase1(ph, p1, built.advice) if p1 is not None else None
    witness = None
    store = backend.columns(blocks * u)
    digests = [0] * n_hash
    if store is not None:
        advice = {}
        for blk, cols in enumerate(built.advice):  # one column at a time: never the whole (rows, W) store dense
            for c, col in enumerate(cols):
                advice[col] = np.ascontiguousarray(store[blk * u:(blk + 1) * u, c])
        advice.update(link_values)
        if n_hash:
            lane_values, digests = gadget.witness()
            advice.update(lane_values)
        advice.update(dyn.witness())
    if public:  # digests (field elements) first, then the public values
        instances = [pub_vals if not n_hash else
                     np.array(digests + [int(v) % R for v in pub_vals.tolist()], dtype=object)]
    if store is not None:
        witness = Witness(advice=advice, instance={built.instance: instances[0]} if public else {},
                          later=solver.bind(advice) if solver is not None else None)

    phase1_assigned = [ph.assigned(blk) if p1 is not None and blk in p1.columns else None for blk in range(blocks)]
    stats = {
        "num_rows": int(need),
        "advice_columns": len(cs.advice),
        "advice_cells": rg.cells_used + sum(int(m.sum()) for m in phase1_assigned if m is not None),
        "fixed_columns": len(cs.fixed),
        "lookups": len(cs.lookups),
        "lookup_entries": int((rg.fixed["lk_tag"][: rg.rows] > 0).sum() + (rg.fixed["rk_tag"][: rg.rows] > 0).sum()),
        "tables": tables.count,
        "table_rows": int(sum(tables.sizes)),
        "banks": len(built.banks),
        "copies": int(len(copies)),
        "blocks": blocks,
        "carry_rows": rg.carry_rows,
        "k": k,
        "min_k": min_k,
        "dead_cells": dead,
        "lean": rg.lean,
        "wide": rg.wide,
        "limb_bits": tables.limb_bits,
        "freivalds_checks": ph.checks if ph is not None else 0,
    }
    if dyn.lookups:  # computed-index gathers and scatters
        stats.update(dynamic_lookups=dyn.n_inputs, dynamic_table_rows=dyn.table_rows,
                     dynamic_lanes=dyn.table_lanes + dyn.input_lanes)
    if gadget.chains:  # hashed visibilities
        stats.update(hashed_elements=int(sum(c.cells.size for c in gadget.chains)), poseidon_rows=int(gadget.rows),
                     poseidon_lanes=int(lanes.count))
    if commits:
        stats.update(polycommit_elements=int(sum(c.length for c in commits)),
                     polycommit_columns=int(sum(len(c.columns) for c in commits)))
    if links is not None:
        stats.update(link_in=links.elements_in, link_out=links.elements_out,
                     link_columns=len(links.inputs) + len(links.outputs))
    row_node = [rg.row_node[blk * u:min((blk + 1) * u, rg.rows)].copy() for blk in range(blocks)]
    column_block = {c.name: blk for blk, cols in enumerate(built.advice) for c in cols}
    if p1 is not None:
        column_block.update({c.name: blk for blk, zy in p1.columns.items() for c in zy})
    assigned = [rg.assigned[blk * u:min((blk + 1) * u, rg.rows)].copy() for blk in range(blocks)]
    gate_block = dict(built.gate_block)
    if gadget.chains:  # the gadget's lanes are named "p<lane>" where blocks are numbered
        gate_block.update({name: f"p{ln}" for name, ln in lanes.gate_lane.items()})
        column_block.update({c.name: f"p{ln}" for ln, cols in enumerate(lanes.advice) for c in cols})
    gate_block.update(dyn_lanes.gate_lane)  # dynamic lanes are named "dt<k>" (tables), "di<i>" (inputs)
    column_block.update(dyn_lanes.column_lane)
    row_kind = [rg.kind[blk * u:min((blk + 1) * u, rg.rows)].copy() for blk in range(blocks)]
    leaf_cells = {nid: np.stack(glob(c.g, c.c), axis=1) for nid, c in p.leaves.items()}
    return LaidOut(circuit, witness, instances, p.hashes + layout, stats, row_node, graph, gate_block, column_block,
                   assigned, poseidon=lanes if gadget.chains else None, dynamic=dyn_lanes if dyn.lookups else None,
                   row_kind=row_kind, leaf_cells=leaf_cells, links=links,
                   phase1_columns={blk: list(zy) for blk, zy in p1.columns.items()} if p1 is not None else {},
                   phase1_assigned=phase1_assigned, phase1_values=solver, polycommit=commits)


@dataclass
class _Placed:
    rg: Region
    tables: Tables
    backend: object
    pub_cells: list
    layout: list
    start: int
    chains: list = field(default_factory=list)  # Poseidon chains of the hashed tensors
    hashes: list = field(default_factory=list)  # their instance entries (before the public values)
    dynamic: DynamicLookups = field(default_factory=DynamicLookups)
    leaves: dict = field(default_factory=dict)  # input / private or hashed parameter node id -> its Cells
    link_in: Cells | None = None  # a segment's cells read from / copied to its link columns (flat)
    link_out: Cells | None = None
    commits: list = field(default_factory=list)  # polycommit tensors: (kind, tensor, name, flat cells)

    @property
    def need(self) -> int:  # rows in one tall block (no carries needed there)
        return self.rg.rows - self.rg.carry_rows

    @property
    def floor(self) -> int:  # rows the region's shape does not change: instance rows, the lanes beside it
        return max(self.start, chain_rows([c.cells.size for c in self.chains]), self.dynamic.rows)


def _widen_limbs(p: "_Placed", graph: Graph, ra, geo: Geometry, u: int, values, segment) -> "_Placed":
    """limb_bits_for bounds the rows from below before any layout; once the rows are known, a
    wider limb whose table still fits in half of them may spare limbs (a rescale's remainder or
    quotient in one cell): lay out again with it and keep it when min_k does not rise."""
    lb = p.tables.limb_bits
    wider = lb
    while wider < MAX_LIMB_BITS and (1 << (wider + 1)) < p.need:
        wider += 1
    view = graph if segment is None else segment_view(graph, segment)
    if wider == lb or not _fewer_limbs(view, lb, wider):
        return p
    # the first layout is dropped before the second is placed (the peak is one layout, not two);
    # in the rare case the wider limbs do not pay, the first is placed again
    k_first = _min_k(p.need, p.tables.largest(), p.floor)
    del p
    q = _place(graph, ra, geo, u, values, wider, segment=segment)
    if _min_k(q.need, q.tables.largest(), q.floor) <= k_first:
        return q
    del q
    return _place(graph, ra, geo, u, values, lb, segment=segment)


def _fewer_limbs(graph: Graph, lb: int, wider: int) -> bool:
    """Whether some range check of the graph needs fewer limbs of ``wider`` bits than of lb."""
    from ezk.layout.ops.compare import COMPARE_BITS
    from ezk.layout.ops.rescale import QB

    def drops(bits: int) -> bool:
        return -(-bits // wider) < -(-bits // lb)

    for n in graph.nodes:
        if n.op == "rescale" and (drops(int(n.attrs["shift"])) or drops(int(n.attrs.get("qbits", QB)))):
            return True
        if n.op in ("max", "min", "compare", "reduce_max", "reduce_min", "argmax", "argmin") and drops(COMPARE_BITS):
            return True
    return False


def _place(graph: Graph, ra, geo: Geometry, u: int, values, limb_bits: int, lean: int = 0,
           wide: bool = False, segment: SegmentSpec | None = None) -> _Placed:
    """Every node's layout, then the public cells, in one region (full, lean or wide). For a
    segment: its link-in tensors first (fresh cells), its nodes, then its link-out cells."""
    backend = MeasuringBackend(geo.width) if values is None else AssigningBackend(geo.width, values)
    rg = Region(geo, u, backend, lean=lean, wide=wide)
    view = graph if segment is None else segment_view(graph, segment)
    tables = Tables(limb_bits)
    ctx = Ctx(graph, rg, tables, ra, view=None if segment is None else frozenset(n.id for n in view.nodes))
    cells: dict[int, Cells] = {}
    leaves: dict[int, Cells] = {}
    link_in = link_out = None
    if segment is not None:
        if any(is_hashed(getattr(ra, f"{k}_visibility")) for k in ("input", "output", "param")):
            raise EzkError("hashed visibilities are not supported for a model cut into segments yet; "
                           "use private or public (or no --max-logrows).")
        if any(is_polycommit(getattr(ra, f"{k}_visibility")) for k in ("input", "output", "param")):
            raise EzkError("polycommit visibilities are not supported for a model cut into segments yet (the "
                           "segments' own links already commit every cut); use private or public (or no --max-logrows).")
        rg.node = -1
        parts = [rg.new_cells(ctx.value(graph.nodes[t])).flat() for t in segment.link_in]
        for t, c in zip(segment.link_in, parts):
            cells[t] = c.reshape(graph.nodes[t].shape)
        link_in = Cells.concat(parts) if parts else None
    for node in view.nodes:
        fn = LAYOUTS.get(node.op)
        if fn is None:
            raise EzkError(f"the circuit layout does not support the core op {node.op!r} of {ctx.where(node)}.")
        if node.op not in AFFINE_INPUTS:
            for i in node.inputs:  # once per tensor: later readers reuse the fresh cells
                if cells[i].any_affine():
                    rg.node = i
                    cells[i] = materialize(rg, cells[i], consts=False)
        rg.node = node.id
        oom = False
        try:
            cells[node.id] = fn(ctx, node, [cells[i] for i in node.inputs])
        except MemoryError:  # raised after the except block, so the failed node's arrays are freed
            oom = True
        if oom:
            raise OutOfMemoryError(out_of_memory(ctx.where(node), rg.rows))
        if node.op == "input" or (node.op == "const" and not cells[node.id].all_const()):
            leaves[node.id] = cells[node.id].flat()
    bound_leaves(ctx)  # every input and private parameter element, range-checked

    # public values: inputs (when asked), then outputs, in one instance column
    public: list[tuple[str, int, str]] = []
    here = None if segment is None else {n.id for n in view.nodes}
    if ra.input_visibility == "public":
        public += [("input", t, n) for t, n in zip(graph.inputs, graph.input_names) if here is None or t in here]
    if ra.output_visibility == "public":
        public += [("output", t, n) for t, n in zip(graph.outputs, graph.output_names) if here is None or t in here]
    chains, hashes = _hashed(graph, ra, rg, cells) if segment is None else ([], [])
    commits = []
    if segment is None:
        for kind, tid, name in polycommit_tensors(graph, ra):
            rg.node = tid
            commits.append((kind, tid, name, materialize(rg, cells[tid].flat())))
    pub_cells, layout, start = [], [], len(chains)
    for kind, tid, name in public:
        rg.node = tid
        c = materialize(rg, cells[tid].flat())
        pub_cells.append(c)
        layout.append({"kind": kind, "name": name, "tensor": int(tid), "start": start, "length": c.size,
                       "shape": list(graph.nodes[tid].shape), "scale": graph.nodes[tid].scale})
        start += c.size
    if segment is not None and segment.link_out:
        parts = []
        for t in segment.link_out:
            rg.node = t
            parts.append(materialize(rg, cells[t].flat()))
        link_out = Cells.concat(parts)
    return _Placed(rg, tables, backend, pub_cells, layout, start, chains, hashes, ctx.dynamic, leaves, link_in,
                   link_out, commits)


def _hashed(graph: Graph, ra, rg: Region, cells: dict) -> tuple[list[Chain], list[dict]]:
    """The hashed tensors (``hashed_tensors``: inputs, parameters, outputs, in that order as
    EZKL lays its modules out) as Poseidon chains over their cells, and their digests'
    instance entries (rows 0, 1, … of the instance column)."""
    chains, entries = [], []
    for kind, tid, name in hashed_tensors(graph, ra):
        rg.node = tid
        c = materialize(rg, cells[tid].flat())
        chains.append(Chain(c, rg.read(c), f"{kind} {name!r}"))
        entries.append({"kind": "hash", "of": kind, "name": name, "tensor": int(tid), "start": len(entries),
                        "length": 1, "shape": list(graph.nodes[tid].shape), "scale": graph.nodes[tid].scale})
    return chains, entries


def _choose(graph: Graph, ra, geo: Geometry, u: int, values, segment, shape: str = "auto") -> "_Placed":
    view = graph if segment is None else segment_view(graph, segment)
    p = _widen_limbs(_place(graph, ra, geo, u, values, limb_bits_for(view, geo.slots, geo.b), segment=segment),
                     graph, ra, geo, u, values, segment)
    lb = p.tables.limb_bits
    # a lower k first (wide), else fewer columns at the same k (lean), else the full layout; the
    # first layout is dropped before the second is placed (the peak is one layout, not two)
    if shape == "full":
        return p
    wide = _wide_helps(p)
    lean = 0 if wide else _lean_fits(p)
    if wide or lean:
        del p
        p = _place(graph, ra, geo, u, values, lb, lean=lean, wide=wide, segment=segment)
    return p


def measure(graph: Graph, settings, segment: SegmentSpec | None = None) -> dict:
    """The rows and the smallest k of the model's (or a segment's) layout, structure only and
    without building its constraint system: what planning segments needs."""
    ra = _run_args(settings)
    geo = Geometry.from_inner_cols(int(ra.num_inner_cols))
    p = _choose(graph, ra, geo, usable_rows(MAX_K), None, segment)
    return {"num_rows": int(p.need), "min_k": _min_k(p.need, p.tables.largest(), p.floor),
            "link_in": 0 if p.link_in is None else p.link_in.size,
            "link_out": 0 if p.link_out is None else p.link_out.size}


def rows_per_node(graph: Graph, settings, segment: SegmentSpec) -> tuple[dict[int, int], int]:
    """Rows each of the segment's nodes places (the full layout, structure only) — a cheap
    estimate of a node's share of any segment it joins (``ezk.segments.plan``) — and the
    advice cells the segment uses."""
    ra = _run_args(settings)
    geo = Geometry.from_inner_cols(int(ra.num_inner_cols))
    lb = limb_bits_for(segment_view(graph, segment), geo.slots, geo.b)
    p = _place(graph, ra, geo, usable_rows(MAX_K), None, lb, segment=segment)
    rn = p.rg.row_node[: p.rg.rows]
    ids, counts = np.unique(rn[rn >= 0], return_counts=True)
    return {int(i): int(c) for i, c in zip(ids, counts)}, p.rg.cells_used


class _View:
    """A segment as limb_bits_for and _place see a graph: its nodes (fixed constants it reads
    first) and, as outputs, what leaves it (link-out tensors and model outputs)."""

    def __init__(self, nodes, outputs) -> None:
        self.nodes, self.outputs = nodes, outputs


def segment_view(graph: Graph, segment: SegmentSpec) -> _View:
    own = set(segment.nodes)
    given = set(segment.link_in)
    consts: list[int] = []
    for i in segment.nodes:
        for j in graph.nodes[i].inputs:
            if j in own or j in given or j in consts:
                continue
            n = graph.nodes[j]
            if n.op != "const" or n.attrs.get("visibility", "fixed") == "private":
                raise EzkError(f"segment reads tensor {j} ({n.onnx_name!r}) that neither it computes nor a link brings in.")
            consts.append(j)
    nodes = [graph.nodes[j] for j in sorted(consts)] + [graph.nodes[i] for i in segment.nodes]
    outs = set(segment.link_out) | (own & set(graph.outputs))
    return _View(nodes, sorted(outs))


def _lean_fits(p: _Placed) -> int:
    """The fewest LIN lanes and function-lookup slots, L ∈ (1, 2), with which a lean layout
    surely needs no larger k than this full one (0: none). With L lanes it has at most ⌈b/L⌉×
    the LIN rows, ⌈slots/L⌉× the function-lookup rows and the same other rows (carry rows
    aside), so this bound on its rows decides — from the graph alone, not from k."""
    rg, geo = p.rg, p.rg.geo
    kind = rg.kind[: rg.rows]
    lin = int((kind == KIND_LIN).sum())
    fn = int((kind == KIND_FN).sum())
    k_full = _min_k(p.need, p.tables.largest(), p.floor)
    for lanes in (1, 2):
        if lanes >= geo.b:
            break
        bound = p.need + (-(-geo.b // lanes) - 1) * lin + (-(-geo.slots // min(lanes, geo.slots)) - 1) * fn
        if bound <= usable_rows(k_full):
            return lanes
    return 0


def _wide_helps(p: _Placed) -> bool:
    """Whether the wide layout (range checks in all W columns) surely lowers min_k: its rows are
    this layout's without the range-check rows, plus ⌈n/W⌉ per range check batch of n."""
    rg = p.rg
    rng = int((rg.kind[: rg.rows] == KIND_RANGE).sum())
    k_full = _min_k(p.need, p.tables.largest(), p.floor)
    return _min_k(p.need - rng + rg.wide_rows, p.tables.largest(), p.floor) < k_full


def out_of_memory(where: str, rows: int) -> str:
    """The one sentence for a layout that ran out of memory at ``where`` with ``rows`` rows
    placed before it."""
    return (f"the circuit does not fit this machine's memory: laying out {where} ran out of memory with "
            f"{rows:,} rows placed before it; compile the model in segments of at most 2^K rows each "
            f"(--max-logrows K or --max-memory GB on calibrate-settings or compile-circuit) — a single node "
            f"this large must first be split in the model")


def _min_k(rows: int, largest_table: int, public: int) -> int:
    """Smallest k whose usable rows hold every row in one block and the largest table (plus a
    zero row) in one bank."""
    need = max(rows, largest_table + 1, public, 2)
    k = max(1, math.ceil(math.log2(need + BLINDING + 1)))
    while usable_rows(k) < need:
        k += 1
    return k
