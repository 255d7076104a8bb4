"""The one region: a block of W advice columns that wraps to a fresh block when rows run out.

Rows are numbered globally, g = block·u + row (u usable rows per block). Every row has one
kind (LIN, DOT, MUL, lookup, free cells, carry) fixed by the per-row values of that kind's
fixed columns, which are recorded here per global row and split into per-block columns at the
end (see ``gates.py``).

``place`` puts a batch of rows at once. Each position of a (rows, W) spec is a copy of an
existing cell (a new cell plus a copy constraint), a NEW cell with a given value, or EMPTY.
Rows marked ``chain`` continue an accumulator from the row above (the gates read it with a
−1 rotation). When such a row would land on row 0 of a new block, a *carry row* is inserted
first: it holds copies (copy constraints) of the accumulator cells of the last row of the old
block, so the rotation gate on the next row still reads the running value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ezk.layout.cells import CONST, EMPTY, NEW, Cells
from ezk.layout.rowstore import RowStore


@dataclass(frozen=True)
class Geometry:
    """Block shape: LIN rows take ``a`` inputs and ``b`` lanes (outputs), W = a + b columns."""

    a: int
    b: int

    @property
    def width(self) -> int:
        return self.a + self.b

    @property
    def pairs(self) -> int:  # DOT products per row; accumulator in the last column
        return (self.width - 1) // 2

    @property
    def triples(self) -> int:  # MUL x·y = z triples per row
        return self.width // 3

    @property
    def slots(self) -> int:  # lookup slots (x, y) per row, in columns 2s, 2s+1
        return min(self.b, self.width // 2)

    @classmethod
    def from_inner_cols(cls, num_inner_cols: int) -> "Geometry":
        return cls(a=4 * num_inner_cols, b=2 * num_inner_cols)


# per-row fixed data, by family: name -> trailing shape (filled in Region.__init__)
def families(geo: Geometry) -> dict[str, tuple[int, ...]]:
    return {
        "lin_f": (geo.b, geo.a), "lin_p": (geo.b,), "lin_c": (geo.b,), "lin_s": (geo.b,),
        "dot_q": (geo.pairs,), "dot_s": (), "dot_c": (),
        "mul_q": (),
        "lk_tag": (geo.slots,), "rk_tag": (geo.width,),
    }


# rows one placement call builds its specs for at most (packed.pack, rows.lookup_rows, rows.dot_rows):
# a batch's specs (cells, values, coefficients, tags) cost ~1 KB a row while they are built;
# batches start at row boundaries and rows are allocated one after the other, so the circuit
# is the same as one placement of everything
BATCH_ROWS = 1 << 16

# row kinds recorded per global row (for the lean decision's row bound, see circuit.py)
KIND_NONE, KIND_LIN, KIND_DOT, KIND_MUL, KIND_RANGE, KIND_FN, KIND_FRV = range(7)  # FRV: phase1.py
_KIND_OF = {"lin": KIND_LIN, "dot": KIND_DOT, "mul": KIND_MUL, "rk": KIND_RANGE}


def _copy_rows(g_src, c_src, g_dst, c_dst) -> np.ndarray:
    """(m, 4) int32 copies (global rows < 2^31: a region that tall would need terabytes)."""
    return np.stack([g_src, c_src, g_dst, c_dst], axis=1).astype(np.int32)


class Region:
    """``lanes``: LIN lanes a row may use (≤ b); ``fn_slots``: lookup slots a row of function or
    gather lookups may use (≤ slots; range checks always use every slot). A lean layout sets both
    to ``lean`` (1 or 2): fewer fixed columns and lookup arguments for more rows. The wide layout puts range
    checks in every one of the W columns (one (tag, x) lookup per column and bank, family
    ``rk``) instead of the x columns of the slots: more lookup arguments for fewer rows.
    ``wide_rows`` counts what this region's range checks would take in the wide layout."""

    def __init__(self, geo: Geometry, usable: int, backend, lean: int = 0, wide: bool = False) -> None:
        self.geo, self.u, self.bk = geo, usable, backend
        self.lean, self.wide = lean, wide and not lean
        self.lanes = min(lean, geo.b) if lean else geo.b
        self.fn_slots = min(lean, geo.slots) if lean else geo.slots
        self.wide_rows = 0
        self.rows = 0
        # per-row arrays in fixed chunks (rowstore.py): memory follows the rows placed
        self.fixed = {k: RowStore(s, narrow=True) for k, s in families(geo).items()}
        self.row_node = RowStore((), np.int64, -1, narrow=True)
        self.kind = RowStore((), np.int8)
        self.assigned = RowStore((geo.width,), bool)
        self._copies: list[np.ndarray] = []
        self.node = -1  # the graph node being laid out (recorded per row for error reports)
        self.used = set()  # families that some row uses
        self.carry_rows = 0

    # ------------------------------------------------------------------ storage
    def _grow(self, rows: int) -> None:
        for store in (*self.fixed.values(), self.row_node, self.kind, self.assigned):
            store.ensure(rows)

    def read(self, cells: Cells) -> np.ndarray:
        """Values of referenced cells (constants and affine references included); all zero
        when the backend only measures (so offsets cannot make a check fail there)."""
        if self.bk.measuring:
            return np.zeros(cells.shape, np.int64)
        out = cells.val.copy()
        m = cells.c >= 0
        if m.any():
            v = self.bk.read(cells.g[m], cells.c[m])
            out[m] += v if cells.k is None else cells.k[m] * v
        return out

    def copies(self) -> np.ndarray:
        """(m, 4) array (g_src, c_src, g_dst, c_dst)."""
        if not self._copies:
            return np.zeros((0, 4), dtype=np.int64)
        return np.concatenate(self._copies)

    @property
    def cells_used(self) -> int:
        return int(self.assigned[: self.rows].sum())

    # ------------------------------------------------------------------ allocation
    def _allocate(self, chain: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Global rows for len(chain) logical rows, inserting carry rows at block starts."""
        n, u = len(chain), self.u
        out = np.empty(n, dtype=np.int64)
        carries: list[tuple[int, int]] = []
        i, g = 0, self.rows
        while i < n:  # one iteration per block boundary crossed
            if i > 0 and g % u == 0 and chain[i]:
                carries.append((g, int(out[i - 1])))
                g += 1
            take = min(u - g % u, n - i)
            out[i:i + take] = g + np.arange(take)
            g += take
            i += take
        self._grow(g)
        self.rows = g
        return out, carries

    def place(self, src: Cells, new_vals: np.ndarray, fixed: dict[str, np.ndarray],
              chain: np.ndarray | None = None, carry_cols: tuple[int, ...] = (), kind: int | None = None) -> np.ndarray:
        """Place len(src) rows. ``src`` is (rows, W): c ≥ 0 copy that cell, NEW a fresh cell with
        value ``new_vals``, EMPTY nothing. Returns the global row of each logical row."""
        nrows = src.shape[0]
        if nrows == 0:
            return np.zeros(0, dtype=np.int64)
        if np.any(src.c == CONST):
            raise AssertionError("constants must be materialised before they are placed")
        if src.any_affine():
            raise AssertionError("affine references must be folded or materialised before they are placed")
        chain = np.zeros(nrows, dtype=bool) if chain is None else np.asarray(chain, dtype=bool)
        grow, carries = self._allocate(chain)
        W = self.geo.width
        cols = np.broadcast_to(np.arange(W), (nrows, W))
        dst_g = np.broadcast_to(grow[:, None], (nrows, W))
        is_copy = src.c >= 0
        is_new = src.c == NEW
        vals = np.where(is_new, new_vals, 0)
        if is_copy.any():
            vals[is_copy] = self.bk.read(src.g[is_copy], src.c[is_copy])
            self._copies.append(_copy_rows(src.g[is_copy], src.c[is_copy], dst_g[is_copy], cols[is_copy]))
        m = is_copy | is_new
        self.bk.write(dst_g[m], cols[m], vals[m])
        self.assigned[dst_g[m], cols[m]] = True
        for name, arr in fixed.items():
            self.fixed[name][grow] = arr
            self.used.add(name.split("_")[0])
        self.row_node[grow] = self.node
        fam = next(iter(fixed), "").split("_")[0]
        self.kind[grow] = kind if kind is not None else _KIND_OF.get(fam, KIND_NONE)
        if carries:
            cg = np.array([c[0] for c in carries], dtype=np.int64)
            pg = np.array([c[1] for c in carries], dtype=np.int64)
            cc = np.array(carry_cols, dtype=np.int64)
            sg, sc = np.repeat(pg, len(cc)), np.tile(cc, len(cg))
            dg = np.repeat(cg, len(cc))
            self.bk.write(dg, sc, self.bk.read(sg, sc))
            self.assigned[dg, sc] = True
            self._copies.append(_copy_rows(sg, sc, dg, sc))
            self.row_node[cg] = self.node
            self.carry_rows += len(cg)
        return grow

    def drop_dead_cells(self, public: "Cells | None" = None) -> int:
        """Free cells (rows of no gate) that no copy constraint links to anything are not part
        of the statement: unassign them (value 0) so that every assigned cell is constrained.
        Leaves (inputs, private parameters) are free cells, but every one is copied into its
        range check (ezk.layout.ops.leaves), so none is dropped. Cells in ``public`` are copied
        to the instance column, so they are linked too."""
        n = self.rows
        linked = np.zeros((n, self.geo.width), dtype=bool)
        for cp in self._copies:
            linked[cp[:, 0], cp[:, 1]] = True
            linked[cp[:, 2], cp[:, 3]] = True
        if public is not None and public.size:
            live = public.c >= 0  # constants have no cell
            linked[public.g[live], public.c[live]] = True
        dead = self.assigned[:n] & (self.kind[:n] == KIND_NONE)[:, None] & ~linked
        g, c = np.nonzero(dead)
        if g.size:
            self.assigned[g, c] = False
            self.bk.write(g, c, np.zeros(g.size, dtype=np.int64))
        return int(g.size)

    def new_cells(self, values: np.ndarray) -> Cells:
        """Free cells (no gate) holding ``values``: inputs and private parameters (each then
        range-checked by ezk.layout.ops.leaves.bound_leaves)."""
        v = np.asarray(values, dtype=np.int64).reshape(-1)
        W = self.geo.width
        nrows = -(-v.size // W)
        pad = np.zeros(nrows * W, dtype=np.int64)
        pad[: v.size] = v
        spec = np.full(nrows * W, EMPTY, dtype=np.int64)
        spec[: v.size] = NEW
        grow = self.place(Cells(np.zeros((nrows, W), np.int64), spec.reshape(nrows, W), np.zeros((nrows, W), np.int64)),
                          pad.reshape(nrows, W), {})
        flat = np.arange(v.size)
        return Cells.at(grow[flat // W], flat % W).reshape(np.shape(values))
