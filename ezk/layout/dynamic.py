"""Dynamic lookups: tables made of the circuit's own cells (computed tensors, private
parameters), looked up by logUp — for gathers and scatters whose indices are computed.

A *table* is a vector of region cells V_0 … V_{N−1}, keyed by position: the rows {(j, V_j)}.
A *lookup* claims (key, value) ∈ table for two region cells: value = V[key], which also proves
0 ≤ key < N. Both sit in lanes beside the region (as the Poseidon gadget's do), bound to the
region's cells by copy constraints:

  table lane k:  fixed TT (the table's tag t ≥ 1 on its rows, 0 elsewhere), fixed TX (the key j
                 on the table's rows, 0 elsewhere), advice TV (a copy of V_j)
  input lane i:  advice IX (a copy of the key cell), IY (a copy of the value cell), and per
                 table lane k one fixed tag column L_{i,k} (t on rows that look up table t of
                 lane k, 0 elsewhere)

  lookup dyn.i{i}.t{k}:  (L, IX, IY) ∈ (TT, TX, TV), weight L          (degree 1 + 1 + 1)

(a weighted lookup, ezk.plonk.lookup). A row with L = t ≠ 0 can only match a row of table t
(tags are distinct and ≥ 1, and the tag is in the tuple): IX is then that row's fixed key j and
IY the advice value TV there, which the copy makes V_j. A row with L = 0 is not looked up.
Unused table rows (TT = 0) hold (0, 0, TV) with TV the prover's choice, a tuple no looked-up
row (first entry t ≥ 1) can match — so they carry no usable entry. Only usable rows are
table rows (ezk.plonk.lookup: the advice's blinding rows never count), and TV is committed
before θ and β. Tables are packed first-fit (decreasing size, ties by order) into lanes of
u − 1 rows; lookups fill input lanes of u rows in order. Everything is a function of shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk.errors import EzkError
from ezk.layout.cells import Cells
from ezk.layout.gates import narrow
from ezk.layout.rows import materialize
from ezk.plonk.expression import Column


@dataclass
class _Tables:
    """T tables of S rows each, ids first … first + T − 1: table first + r holds cells[r]."""

    first: int
    cells: Cells  # (T, S) region cells, no constants
    values: np.ndarray  # (T, S)
    keys: np.ndarray  # (S,) the fixed key of each row
    label: str

    @property
    def count(self) -> int:
        return int(self.cells.shape[0])

    @property
    def size(self) -> int:
        return int(self.cells.shape[1])


@dataclass
class _Lookups:
    tables: np.ndarray  # (m,) table id of each lookup
    keys: Cells
    key_values: np.ndarray
    values: Cells
    value_values: np.ndarray


@dataclass
class DynamicLanes:
    """The lanes' columns and, per lane, which rows the gadget assigned (for mutation tests and
    failure reports)."""

    u: int
    table_advice: list[Column] = field(default_factory=list)  # TV per table lane
    input_advice: list[tuple[Column, Column]] = field(default_factory=list)  # (IX, IY) per input lane
    fixed: dict = field(default_factory=dict)
    gate_lane: dict = field(default_factory=dict)  # lookup name -> lane key ("dt<k>" / "di<i>")
    column_lane: dict = field(default_factory=dict)  # advice column name -> lane key
    assigned: dict = field(default_factory=dict)  # lane key -> (u, columns) bool
    lane_columns: dict = field(default_factory=dict)  # lane key -> [advice columns]
    labels: list[str] = field(default_factory=list)  # per group of tables (``DynamicLookups.tables`` call)
    group_first: np.ndarray | None = None  # the first table id of each group

    def label(self, table: int) -> str:
        """What the table holds (its group's label)."""
        return self.labels[int(np.searchsorted(self.group_first, table, side="right")) - 1]
    table_of_row: dict = field(default_factory=dict)  # lane key -> (u,) table index or −1


class DynamicLookups:
    """Collects tables and lookups while the graph is placed (``table``, ``lookup``,
    ``gather``), then places the lanes (``place``), builds their columns and lookups
    (``build``) and gives the copies and advice values (``copies``, ``witness``)."""

    def __init__(self) -> None:
        self.groups: list[_Tables] = []
        self.lookups: list[_Lookups] = []
        self.count = 0  # tables

    # ------------------------------------------------------------------ while placing
    def tables(self, rg, cells: Cells, label: str, keys=None) -> np.ndarray:
        """One table per row of ``cells`` (T, S) — constants become fixed cells — whose row j
        has the fixed key ``keys[j]`` (default j); returns the T table ids."""
        T, S = cells.shape
        c = materialize(rg, cells.flat()).reshape(T, S)
        keys = np.arange(S, dtype=np.int64) if keys is None else np.asarray(keys, np.int64).reshape(S)
        self.groups.append(_Tables(self.count, c, rg.read(c), keys, label))
        self.count += T
        return np.arange(self.count - T, self.count, dtype=np.int64)

    def lookup(self, rg, tables: np.ndarray, keys: Cells, values: Cells) -> None:
        """Constrain values[i] = the row keyed keys[i] of table tables[i], elementwise (so keys[i]
        is one of that table's keys)."""
        k, v = materialize(rg, keys.flat()), materialize(rg, values.flat())
        tids = np.broadcast_to(np.asarray(tables, np.int64), (k.size,)).copy()
        if k.size != v.size:
            raise AssertionError("a dynamic lookup needs as many keys as values")
        if k.size:
            self.lookups.append(_Lookups(tids, k, rg.read(k), v, rg.read(v)))

    def gather(self, rg, tables: np.ndarray, keys: Cells, out_vals: np.ndarray) -> Cells:
        """Fresh cells holding the looked-up values (``out_vals``, the forward pass's), looked up."""
        out = rg.new_cells(np.asarray(out_vals, np.int64).reshape(-1))
        self.lookup(rg, tables, keys, out)
        return out

    def _used(self) -> np.ndarray:
        used = np.zeros(self.count, dtype=bool)
        for lk in self.lookups:
            used[lk.tables] = True
        return used

    @property
    def largest(self) -> int:
        used = self._used()
        return max((g.size for g in self.groups if used[g.first:g.first + g.count].any()), default=0)

    @property
    def rows(self) -> int:
        """Rows a lane needs: the largest table and a zero row (0 without lookups)."""
        return self.largest + 1 if self.lookups else 0

    @property
    def table_rows(self) -> int:
        used = self._used()
        return int(sum(g.size * int(used[g.first:g.first + g.count].sum()) for g in self.groups))

    def region_cells(self) -> list[Cells]:
        """The region cells the lanes copy (they are linked, not dead)."""
        used = self._used()
        out = [g.cells[used[g.first:g.first + g.count]].flat() for g in self.groups]
        for lk in self.lookups:
            out += [lk.keys, lk.values]
        return out

    # ------------------------------------------------------------------ placement
    def place(self, u: int) -> DynamicLanes:
        """Lanes for the used tables (first fit, groups by decreasing size: a group's tables
        fill the free rows of earlier lanes, then new lanes of ⌊(u − 1)/S⌋ tables) and the
        lookups (in order, u per input lane)."""
        if self.lookups and self.largest > u - 1:
            raise EzkError(f"a dynamic lookup table of {self.largest} rows does not fit in {u - 1} rows")
        used = self._used()
        self.lane_of = np.full(self.count, -1, dtype=np.int64)
        self.start_of = np.zeros(self.count, dtype=np.int64)
        free: list[int] = []
        for g in sorted(self.groups, key=lambda g: (-g.size, g.first)):
            ids = g.first + np.flatnonzero(used[g.first:g.first + g.count])
            S, i = g.size, 0
            for k in range(len(free)):
                take = min(free[k] // S, len(ids) - i)
                if take > 0:
                    self.lane_of[ids[i:i + take]] = k
                    self.start_of[ids[i:i + take]] = (u - 1) - free[k] + S * np.arange(take)
                    free[k] -= S * take
                    i += take
            per = (u - 1) // S
            while i < len(ids):
                take = min(per, len(ids) - i)
                self.lane_of[ids[i:i + take]] = len(free)
                self.start_of[ids[i:i + take]] = S * np.arange(take)
                free.append(u - 1 - S * take)
                i += take
        self.table_lanes = len(free)
        self.n_inputs = int(sum(lk.keys.size for lk in self.lookups))
        self.input_lanes = -(-self.n_inputs // u) if self.n_inputs else 0
        self.u = u
        return DynamicLanes(u=u, labels=[g.label for g in self.groups],
                            group_first=np.array([g.first for g in self.groups], dtype=np.int64))

    # ------------------------------------------------------------------ columns and lookups
    def _table_rows(self):
        """For every used table row: (lane, row, table id, group, index of the row in its group's
        flat cells)."""
        parts = []
        for gi, g in enumerate(self.groups):
            ids = g.first + np.arange(g.count)
            on = self.lane_of[ids] >= 0
            t = np.repeat(ids[on], g.size)
            j = np.tile(np.arange(g.size), int(on.sum()))
            flat = (t - g.first) * g.size + j
            parts.append((self.lane_of[t], self.start_of[t] + j, t, np.full(t.size, gi), flat, g.keys[j]))
        if not parts:
            return [np.zeros(0, np.int64)] * 6
        return [np.concatenate([p[i] for p in parts]) for i in range(6)]

    def build(self, cs, lanes: DynamicLanes) -> None:
        u = self.u
        lane, row, tid, _, _, key = self._table_rows()
        tt = np.zeros((self.table_lanes, u), dtype=np.int64)
        tx = np.zeros((self.table_lanes, u), dtype=np.int64)
        tab_rows = np.full((self.table_lanes, u), -1, dtype=np.int64)
        tt[lane, row], tx[lane, row], tab_rows[lane, row] = tid + 1, key, tid  # TX = j
        n = self.input_lanes * u
        tags = np.zeros(n, dtype=np.int64)
        if self.lookups:
            ts = np.concatenate([lk.tables for lk in self.lookups])
            tags[:ts.size] = ts + 1
        tags = tags.reshape(-1, u)
        lane_of_tag = np.concatenate([[-1], self.lane_of])  # tag t → lane of table t − 1

        def fixed(name, values):
            c = cs.fixed_column(name)
            lanes.fixed[c] = narrow(values)
            return c

        T = []
        for k in range(self.table_lanes):
            TV = cs.advice_column(f"dt{k}_v")
            T.append((fixed(f"dt{k}_tag", tt[k]), fixed(f"dt{k}_key", tx[k]), TV))
            cs.enable_equality(TV)
            lanes.table_advice.append(TV)
            name = f"dt{k}"
            lanes.column_lane[TV.name] = name
            lanes.lane_columns[name] = [TV]
            lanes.assigned[name] = (tab_rows[k] >= 0)[:, None]
            lanes.table_of_row[name] = tab_rows[k]
        for i in range(self.input_lanes):
            IX, IY = cs.advice_column(f"di{i}_x"), cs.advice_column(f"di{i}_y")
            cs.enable_equality(IX)
            cs.enable_equality(IY)
            lanes.input_advice.append((IX, IY))
            name = f"di{i}"
            lanes.column_lane[IX.name] = lanes.column_lane[IY.name] = name
            lanes.lane_columns[name] = [IX, IY]
            on = tags[i] > 0
            lanes.assigned[name] = np.stack([on, on], axis=1)
            lanes.table_of_row[name] = tags[i] - 1
            for k in range(self.table_lanes):
                mine = on & (lane_of_tag[tags[i]] == k)
                if not mine.any():
                    continue
                L = fixed(f"di{i}_t{k}_tag", np.where(mine, tags[i], 0))
                TT, TX, TV = T[k]
                lk = f"dyn.i{i}.t{k}"
                cs.lookup(lk, [L.cur(), IX.cur(), IY.cur()], [TT.cur(), TX.cur(), TV.cur()], weight=L.cur())
                lanes.gate_lane[lk] = name
        self.lanes = lanes

    # ------------------------------------------------------------------ copies and values
    def copies(self, region_cell) -> np.ndarray:
        """(m, 4) copies binding the lanes to the region (``region_cell(g, c)`` → (column, row))."""
        if not self.lookups:
            return np.zeros((0, 4), np.int64)
        lanes, u = self.lanes, self.u
        parts = []
        lane, row, _, grp, flat, _ = self._table_rows()
        tv = np.array([c.index for c in lanes.table_advice], dtype=np.int64)
        for gi, g in enumerate(self.groups):
            m = grp == gi
            if m.any():
                cells = g.cells.flat().take(flat[m])
                ca, ra = region_cell(cells.g, cells.c)
                parts.append(np.stack([ca, ra, tv[lane[m]], row[m]], axis=1))
        gidx = np.arange(self.n_inputs)
        for j, attr in ((0, "keys"), (1, "values")):
            cells = Cells.concat([getattr(lk, attr) for lk in self.lookups])
            col = np.array([pair[j].index for pair in lanes.input_advice], dtype=np.int64)
            ca, ra = region_cell(cells.g, cells.c)
            parts.append(np.stack([ca, ra, col[gidx // u], gidx % u], axis=1))
        return np.concatenate(parts).astype(np.int64)

    def witness(self) -> dict:
        """{advice column: int64 values} of the lanes."""
        lanes, u = self.lanes, self.u
        out = {}
        lane, row, _, grp, flat, _ = self._table_rows()
        tv = np.zeros((self.table_lanes, u), dtype=np.int64)
        for gi, g in enumerate(self.groups):
            m = grp == gi
            tv[lane[m], row[m]] = g.values.reshape(-1)[flat[m]]
        for k, TV in enumerate(lanes.table_advice):
            out[TV] = tv[k]
        if self.lookups:
            pad = self.input_lanes * u - self.n_inputs
            xs, ys = (np.concatenate([lk.__dict__[a] for lk in self.lookups] + [np.zeros(pad, np.int64)]).reshape(-1, u)
                      for a in ("key_values", "value_values"))
            for i, (IX, IY) in enumerate(lanes.input_advice):
                out[IX], out[IY] = xs[i].copy(), ys[i].copy()
        return out
