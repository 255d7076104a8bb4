"""Link columns: how a tensor crosses a cut between two segments of a model.

A model too large for one circuit is laid out as contiguous segments (``SegmentSpec``: the
graph nodes one segment lays out, the tensors that enter it and those that leave it). Every
tensor crossing the cut between segments s and s+1 sits in *link columns* — dedicated advice
columns, the same in both segments:

    the tensors crossing the cut, in increasing tensor id, flattened and concatenated into
    M values v_0 … v_{M−1}; column j holds v_{j·u} … v_{j·u+u−1} in rows 0 … u−1 (u usable
    rows), the last column's rows past M are pinned to zero by the gate
    ``pad·L = 0`` (pad a fixed column, 1 exactly on those rows).

Segment s copies (copy constraints) every cell that computes one of those values into its
*out* link columns; segment s+1 copies its *in* link columns into fresh region cells that its
nodes read. Both proofs commit a link column with the same blinding rows, so the two
commitments are equal exactly when the columns are (KZG binding): the verifier compares them,
and the tensor itself stays hidden. Each link column is in exactly two proofs — one opening
each, fewer than its blinding rows — because a tensor used several segments later passes
through the segments in between: each of them copies its in-columns to fresh out-columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk.layout.cells import Cells
from ezk.plonk import ConstraintSystem
from ezk.plonk.expression import Column


@dataclass(frozen=True)
class SegmentSpec:
    """One segment of a model: ``nodes`` laid out in this order (fixed constants they read are
    added as needed), ``link_in`` the tensors entering it, ``link_out`` those leaving it (each
    in increasing tensor id: the link columns' order)."""

    nodes: tuple[int, ...]
    link_in: tuple[int, ...] = ()
    link_out: tuple[int, ...] = ()

    def to_json(self) -> dict:
        return {"nodes": list(self.nodes), "link_in": list(self.link_in), "link_out": list(self.link_out)}

    @classmethod
    def from_json(cls, d: dict) -> "SegmentSpec":
        return cls(tuple(int(i) for i in d["nodes"]), tuple(int(i) for i in d["link_in"]),
                   tuple(int(i) for i in d["link_out"]))


@dataclass
class LinkColumns:
    """The link columns one segment added (advice columns, in link order) and the number of
    values each side carries."""

    inputs: list[Column] = field(default_factory=list)
    outputs: list[Column] = field(default_factory=list)
    elements_in: int = 0
    elements_out: int = 0


def proof_positions(cs: ConstraintSystem, columns: list[Column]) -> list[int]:
    """Where each column's commitment sits in a proof's advice commitments (commitment order:
    phase by phase, ``cs.advice_by_phase()``)."""
    order = {c.index: i for i, c in enumerate(cs.advice_by_phase())}
    return [order[c.index] for c in columns]


def columns_for(m: int, u: int) -> int:
    """Link columns holding m values in u usable rows each."""
    return -(-m // u)


def add_columns(cs: ConstraintSystem, fixed: dict, u: int, glob, read, cells: Cells, name: str,
                gate: str, pads: dict | None = None) -> tuple[list[Column], np.ndarray, dict]:
    """Dedicated advice columns ``{name}0``, ``{name}1`` … holding the values of ``cells`` (flat):
    value e in row e mod u of column e div u, each copied (copy constraints) to its region cell;
    the last column's rows past the values are pinned to zero by the gate ``{gate}.pad``
    (pad·L = 0, pad a fixed column that is 1 exactly on those rows; ``pads`` shares one such
    column between callers that pad the same rows). ``glob(g, c)`` maps region cells to (column
    index, row); ``read`` gives cell values (None: structure only). Returns the columns, the
    copies (m, 4) and the advice values by Column."""
    m = cells.size
    ncol = columns_for(m, u)
    cols = [cs.advice_column(f"{name}{j}") for j in range(ncol)]
    for c in cols:
        cs.enable_equality(c)
    e = np.arange(m)
    col_index = np.array([c.index for c in cols], dtype=np.int64)
    gc, gr = glob(cells.g, cells.c)
    copies = np.stack([col_index[e // u], e % u, gc, gr], axis=1)
    used = m - (ncol - 1) * u
    if used < u:  # the rest of the last column's usable rows are zero
        pad = None if pads is None else pads.get(used)
        if pad is None:
            pad = cs.fixed_column(f"{name}_pad")
            mark = np.zeros(u, dtype=np.int8)
            mark[used:] = 1
            fixed[pad] = mark
            if pads is not None:
                pads[used] = pad
        cs.create_gate(f"{gate}.pad", [pad.cur() * cols[-1].cur()])
    values = {}
    if read is not None:
        v = np.zeros(ncol * u, dtype=np.int64)
        v[:m] = read(cells)
        for j, c in enumerate(cols):
            values[c] = v[j * u:(j + 1) * u]
    return cols, copies, values


def add_links(cs: ConstraintSystem, fixed: dict, u: int, glob, read, cells_in: Cells | None,
              cells_out: Cells | None) -> tuple[LinkColumns, np.ndarray, dict]:
    """Add the in- and out-link columns of one segment to ``cs`` (and their pad columns to
    ``fixed``). ``cells_in``/``cells_out``: the region cells (flat, link order) the columns
    are copied to/from (see ``add_columns``). Returns the columns, the copies (m, 4) and the
    advice values by Column."""
    out = LinkColumns()
    copies, values = [], {}
    for side, cells in (("in", cells_in), ("out", cells_out)):
        if cells is None or cells.size == 0:
            continue
        cols, cp, vals = add_columns(cs, fixed, u, glob, read, cells, f"link_{side}", f"link.{side}")
        if side == "in":
            out.inputs, out.elements_in = cols, cells.size
        else:
            out.outputs, out.elements_out = cols, cells.size
        copies.append(cp)
        values.update(vals)
    cp = np.concatenate(copies).astype(np.int64) if copies else np.zeros((0, 4), dtype=np.int64)
    return out, cp, values
