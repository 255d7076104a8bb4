"""Phase-1 cells of the region: two challenge-dependent advice columns per block, Z and Y, the
rows that fill them and their two gates. They carry the Freivalds checks of einsums
(``ops/freivalds.py``): random linear combinations of committed cells, in powers of two
challenges α, β drawn after every phase-0 column is committed.

Per block with such rows, next to its W phase-0 columns A_0 … A_{W−1} (F_e: the block's LIN
coefficient columns lin_f, e = j·a + c over the lanes j in use, F of them):

  z-gate  (Sa + Sb + Sf)·Z = P·(Sa·α^W + Sb·β^W + Sf·β^F)·Z(ω⁻¹X) + Sa·H_α(A) + Sb·H_β(A) + Sf·H_β(F)
  y-gate  Ys·Y = (Y1 + Ya·α)·Y(ω⁻¹X) + Ye·Z + Q·Z(ω⁻¹X)·Z

with H_σ(v_0 … v_{m−1}) = Σ_e σ^(m−1−e)·v_e (a Horner step of m terms) and P, Sa, Sb, Sf, Ys,
Y1, Ya, Ye, Q fixed 0/1 columns (a block gets only those some row of it sets). Row kinds:

* Horner rows (Sa or Sb): Z folds the row's W phase-0 cells into a running value; a chain of
  ⌈L/W⌉ rows (P = 0 on its first) ends with Z = Σ_p σ^(L−1−p)·x_p over its L cells, which sit
  right-aligned — the positions in front hold copies of a cell fixed to 0.
* Fixed Horner rows (Sf): the same over the row's F LIN coefficients, so a fixed parameter
  vector is folded with no advice cell at all. Their phase-0 cells stay unassigned, which keeps
  the LIN gate on these rows (Σ F·A = 0) satisfied; these rows count as LIN rows.
* Y rows: Y runs beside the Horner rows — Y = Y(prev) passes it on, Y = α·Y(prev) + Z folds a
  finished chain into an outer sum, Y = Y(prev) + Z(prev)·Z adds a product of two phase-1
  values (the previous row's Z and this row's, a copy).

A chain that crosses a block boundary gets a carry row (``Region.place``): here it holds copies
of the Z and Y the next row reads. Copies between phase-1 cells, and from phase 0, are ordinary
copy constraints (the permutation argument runs after every phase).

The structure (rows, fixed columns, copies) is a function of shapes only; the values are
computed when the prover (or the mock) calls ``Witness.later`` with the drawn α, β:
``Phase1Values`` solves the gates row by row as first-order linear recurrences
v_r = m_r·v_{r−1} + h_r, with a parallel prefix scan over whole FrVecs (no loop over rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ezk import _native
from ezk.layout.cells import Cells
from ezk.layout.region import KIND_FRV, KIND_LIN, Region

R = _native.MODULUS
ZCOL, YCOL = 0, 1  # the two phase-1 columns of a block
FAMILIES = ("p", "sa", "sb", "sf", "ys", "y1", "ya", "ye", "q")


class Phase1:
    """The region's phase-1 rows: per global row the 0/1 families, which Z/Y cells are set and
    how, and the copies that touch phase-1 cells. One per region (``phase1_of``)."""

    def __init__(self, rg: Region) -> None:
        self.rg = rg
        self._cap = 0
        self.fam: dict[str, np.ndarray] = {f: np.zeros(0, np.int8) for f in FAMILIES}
        self.z_set = self.y_set = self.z_pass = self.y_pass = np.zeros(0, bool)
        self.z_copies: list[np.ndarray] = []  # (m, 2) (source row, destination row): Z = Z(source)
        self.copies: list[np.ndarray] = []  # (m, 4) (g_src, col_src, g_dst, col_dst), cols ZCOL / YCOL
        self.fixed_f: list[tuple[np.ndarray, np.ndarray]] = []  # (rows, (n, F) coefficients) of Sf rows
        # cells fixed to constants (zero pads every chain): sorted values, their cells' g and c
        self._cv = self._cg = self._cc = np.zeros(0, np.int64)
        self.checks = 0  # Freivalds checks placed
        self.fold_fixed = rg.lanes * rg.geo.a  # F: LIN coefficients a fixed Horner row folds

    def _grow(self, rows: int) -> None:
        if rows <= self._cap:
            return
        cap = max(rows, 2 * self._cap, 1024)

        def grown(a, dtype):
            new = np.zeros(cap, dtype)
            new[: len(a)] = a
            return new

        self.fam = {f: grown(self.fam[f], np.int8) for f in FAMILIES}
        self.z_set, self.y_set = grown(self.z_set, bool), grown(self.y_set, bool)
        self.z_pass, self.y_pass = grown(self.z_pass, bool), grown(self.y_pass, bool)
        self._cap = cap

    # ------------------------------------------------------------------ constants
    def const_cells(self, values) -> Cells:
        """Cells fixed to ``values`` (one LIN-row cell per distinct value, shared region-wide)."""
        from ezk.layout.rows import materialize

        v = np.asarray(values, np.int64)
        new = np.setdiff1d(np.unique(v), self._cv)
        if new.size:
            made = materialize(self.rg, Cells.const(new))
            order = np.argsort(np.concatenate([self._cv, new]), kind="stable")
            self._cv = np.concatenate([self._cv, new])[order]
            self._cg = np.concatenate([self._cg, made.g])[order]
            self._cc = np.concatenate([self._cc, made.c])[order]
        i = np.searchsorted(self._cv, v)
        return Cells.at(self._cg[i], self._cc[i])

    def new_const_count(self, values) -> int:
        """How many distinct ``values`` have no shared constant cell yet."""
        return int(np.setdiff1d(np.unique(np.asarray(values, np.int64)), self._cv).size)

    # ------------------------------------------------------------------ rows
    def place(self, spec: Cells, new_vals: np.ndarray, fam: dict[str, np.ndarray], chain: np.ndarray,
              lin_f: np.ndarray | None = None, z_new: np.ndarray | None = None, y_new: np.ndarray | None = None
              ) -> np.ndarray:
        """Place rows (``spec`` as in ``Region.place``) with their phase-1 families ``fam`` (0/1
        per row). ``z_new``/``y_new``: rows whose Z / Y the gates define (default: those with a
        z-gate / Ys). Carry rows get copies of the Z and Y the following row reads."""
        rg = self.rg
        n = spec.shape[0]
        fixed = {"lin_f": lin_f} if lin_f is not None else {}
        grow = rg.place(spec, new_vals, fixed, chain=chain, carry_cols=(), kind=KIND_LIN if lin_f is not None else KIND_FRV)
        self._grow(rg.rows)
        full = {f: np.broadcast_to(np.asarray(fam.get(f, 0), np.int8), (n,)) for f in FAMILIES}
        for f in FAMILIES:
            self.fam[f][grow] = full[f]
        zg = (full["sa"] | full["sb"] | full["sf"]).astype(bool) if z_new is None else z_new
        self.z_set[grow[zg]] = True
        self.y_set[grow[full["ys"].astype(bool) if y_new is None else y_new]] = True
        if lin_f is not None:
            self.fixed_f.append((grow, lin_f[:, : self.rg.lanes].reshape(n, -1)))
        # carries: a row placed two rows after its predecessor has a carry row in between
        chain = np.asarray(chain, bool)
        i = np.flatnonzero(chain[1:] & (np.diff(grow) == 2)) + 1
        if i.size:
            carry, src = grow[i] - 1, grow[i - 1]
            reads_z = (full["p"][i] | full["q"][i]).astype(bool)
            reads_y = (full["y1"][i] | full["ya"][i]).astype(bool)
            self.z_pass[carry[reads_z]] = self.z_set[carry[reads_z]] = True
            self.y_pass[carry[reads_y]] = self.y_set[carry[reads_y]] = True
            self.copy(src[reads_z], ZCOL, carry[reads_z], ZCOL)
            self.copy(src[reads_y], YCOL, carry[reads_y], YCOL)
        return grow

    def copy(self, g_src, col_src: int, g_dst, col_dst: int) -> None:
        """Copy constraints between phase-1 cells (columns ZCOL / YCOL) of global rows."""
        g_src, g_dst = np.asarray(g_src, np.int64), np.asarray(g_dst, np.int64)
        if g_src.size:
            self.copies.append(np.stack([g_src, np.full_like(g_src, col_src), g_dst,
                                         np.full_like(g_dst, col_dst)], axis=1))

    def copy_z(self, g_src, g_dst) -> None:
        """Z(g_dst) = Z(g_src): a copy whose value the solver carries over."""
        g_src, g_dst = np.asarray(g_src, np.int64), np.asarray(g_dst, np.int64)
        self.copy(g_src, ZCOL, g_dst, ZCOL)
        self.z_copies.append(np.stack([g_src, g_dst], axis=1))
        self.z_set[g_dst] = True

    # ------------------------------------------------------------------ results
    def all_copies(self) -> np.ndarray:
        return np.concatenate(self.copies) if self.copies else np.zeros((0, 4), np.int64)

    def blocks(self) -> list[int]:
        """Blocks holding any phase-1 row (they get the Z and Y columns)."""
        self._grow(self.rg.rows)  # rows placed after the last phase-1 row: every array covers them
        rows = np.flatnonzero(self._used()[: self.rg.rows])
        return sorted(set((rows // self.rg.u).tolist()))

    def _used(self) -> np.ndarray:
        used = self.z_set | self.y_set
        for f in FAMILIES:
            used = used | (self.fam[f] != 0)
        return used

    def assigned(self, blk: int) -> np.ndarray:
        """(rows of block ``blk``, 2) bool: the Z and Y cells the layout sets."""
        self._grow(self.rg.rows)
        u = self.rg.u
        sl = slice(blk * u, min((blk + 1) * u, self.rg.rows))
        return np.stack([self.z_set[sl], self.y_set[sl]], axis=1)


def phase1_of(rg: Region) -> Phase1:
    """The region's Phase1 (made on first use)."""
    ph = rg.__dict__.get("phase1")
    if ph is None:
        ph = rg.__dict__["phase1"] = Phase1(rg)
    return ph


# ---------------------------------------------------------------------- gates
@dataclass
class Phase1Columns:
    """What ``build_gates`` made: the challenges and, per block, its Z and Y columns."""

    alpha: object
    beta: object
    columns: dict  # block -> (Z, Y)


def horner(terms: list, step):
    """H_σ(t_0 … t_{m−1}) = Σ_e σ^(m−1−e)·t_e as a Horner expression ((t_0·σ + t_1)·σ + …)."""
    acc = None
    for t in terms:
        acc = t if acc is None else acc * step + t
    return acc


def build_gates(ph: Phase1, cs, col, out_gate_block: dict, advice: list, lin_f: dict) -> Phase1Columns | None:
    """Challenges, Z/Y columns, fixed family columns and the z-/y-gates of every block with
    phase-1 rows. ``col(name, values)`` makes a fixed column; ``advice[blk]`` are the block's W
    phase-0 columns; ``lin_f[blk]`` maps (lane, input) to that block's LIN coefficient column."""
    blocks = ph.blocks()
    if not blocks:
        return None
    rg = ph.rg
    u, W, a = rg.u, rg.geo.width, rg.geo.a
    alpha = cs.challenge(phase=0, name="frv_alpha")
    beta = cs.challenge(phase=0, name="frv_beta")
    columns = {}
    for blk in blocks:
        sl = slice(blk * u, min((blk + 1) * u, rg.rows))
        Z = cs.advice_column(f"z{blk}", phase=1)
        Y = cs.advice_column(f"y{blk}", phase=1)
        columns[blk] = (Z, Y)
        f = {name: col(f"frv{blk}_{name}", ph.fam[name][sl].astype(np.int64)) for name in FAMILIES
             if ph.fam[name][sl].any()}
        A = [c.cur() for c in advice[blk]]
        polys = {}
        sel = [f[s] for s in ("sa", "sb", "sf") if s in f]
        if sel:
            lhs = sel[0].cur()
            for s in sel[1:]:
                lhs = lhs + s.cur()
            rhs = None
            steps = []
            if "sa" in f:
                steps.append(f["sa"].cur() * alpha ** W)
            if "sb" in f:
                steps.append(f["sb"].cur() * beta ** W)
            if "sf" in f:
                steps.append(f["sf"].cur() * beta ** ph.fold_fixed)
            if "p" in f:
                mult = steps[0]
                for s in steps[1:]:
                    mult = mult + s
                rhs = f["p"].cur() * mult * Z.prev()
            parts = []
            if "sa" in f:
                parts.append(f["sa"].cur() * horner(A, alpha))
            if "sb" in f:
                parts.append(f["sb"].cur() * horner(A, beta))
            if "sf" in f:
                # H_β over the F positions (a lane without a coefficient column holds zeros)
                hf = None
                for e in range(ph.fold_fixed):
                    c = lin_f[blk].get((e // a, e % a))
                    hf = hf * beta if hf is not None else None
                    if c is not None:
                        hf = c.cur() if hf is None else hf + c.cur()
                if hf is not None:
                    parts.append(f["sf"].cur() * hf)
            for p_ in parts:
                rhs = p_ if rhs is None else rhs + p_
            polys["z"] = lhs * Z.cur() - rhs
        if "ys" in f:
            rhs = None
            if "y1" in f or "ya" in f:
                m = None
                if "y1" in f:
                    m = f["y1"].cur()
                if "ya" in f:
                    m = f["ya"].cur() * alpha if m is None else m + f["ya"].cur() * alpha
                rhs = m * Y.prev()
            for name, term in (("ye", lambda q: q.cur() * Z.cur()), ("q", lambda q: q.cur() * Z.prev() * Z.cur())):
                if name in f:
                    rhs = term(f[name]) if rhs is None else rhs + term(f[name])
            polys["y"] = f["ys"].cur() * Y.cur() - (rhs if rhs is not None else 0)
        if polys:
            cs.create_gate(f"frv.b{blk}", polys)
            out_gate_block[f"frv.b{blk}"] = blk
        cs.enable_equality(Z)
        cs.enable_equality(Y)
    return Phase1Columns(alpha, beta, columns)
