"""The values of the phase-1 columns Z and Y, once α and β are drawn (``Witness.later``).

Both gates of ``phase1.py`` define their column row by row as a first-order linear recurrence
v_r = m_r·v_{r−1} + h_r (m_r = 0 where a chain starts):

  Z:  m = P·(Sa·α^W + Sb·β^W + Sf·β^F) (1 on a carry row: a copy of the row above),
      h = Sa·H_α(A_r) + Sb·H_β(A_r) + Sf·H_β(F_r);
  Y:  m = Y1 + Ya·α (1 on a carry row),  h = Ye·Z_r + Q·Z_{r−1}·Z_r,

and the other Z cells are copies (Z = Z(source)). The rows that hold phase-1 cells come in
contiguous runs, so the recurrence runs over them alone, as whole FrVecs: a Hillis–Steele scan
composes the affine maps v ↦ m·v + h in ⌈log₂ longest run⌉ rounds — no loop over rows, and no
inverse (a zero challenge just ends runs early). The phase-0 cells are read from the witness's
phase-0 columns, so the same code gives an honest prover's values for any phase-0 witness.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ezk import _native

R = _native.MODULUS
FrVec = _native.FrVec


def _shift(v: "FrVec", d: int) -> "FrVec":
    """v moved down by d places (zeros enter at the top)."""
    n = len(v)
    return FrVec.concat([FrVec.zeros(min(d, n)), v.slice(0, max(n - d, 0))])


def scan(m: "FrVec", h: "FrVec") -> "FrVec":
    """v with v_r = m_r·v_{r−1} + h_r (v_{−1} = 0), by composing affine maps over doubling
    windows: after the round with offset d, (m_r, h_r) is the composition of the 2d maps
    ending at r."""
    n, d = len(h), 1
    while d < n and m.max_bits() > 0:
        h = h.add(m.mul(_shift(h, d)))
        m = m.mul(_shift(m, d))
        d *= 2
    return h


def _bytes(v: "FrVec") -> np.ndarray:
    return np.frombuffer(v.to_bytes(), dtype=np.uint8).reshape(-1, 32).copy()


def _vec(a: np.ndarray) -> "FrVec":
    """int64 values, or Python ints (object arrays: field elements a forger may choose)."""
    if a.dtype == object:
        return FrVec.from_ints([int(x) % R for x in a])
    return FrVec.from_i64(np.ascontiguousarray(a, dtype=np.int64))


def _horner(cols: np.ndarray, step: int) -> "FrVec":
    """Σ_e step^(m−1−e)·cols[:, e] for an (n, m) integer matrix."""
    n, m = cols.shape
    vecs = [_vec(cols[:, e]) for e in range(m)]
    return _native.linear_combination(vecs, [pow(step, m - 1 - e, R) for e in range(m)]) if m else FrVec.zeros(n)


@dataclass
class Phase1Values:
    """Everything the solver needs besides the challenges and the phase-0 columns: the rows
    holding phase-1 cells (global, sorted), their families, passes and copies, and where each
    block's columns sit. Calling it is ``Witness.later``."""

    rows: np.ndarray  # global rows with phase-1 cells or families, sorted
    fam: dict  # family -> int64 values on ``rows``
    z_set: np.ndarray
    y_set: np.ndarray
    z_pass: np.ndarray
    y_pass: np.ndarray
    z_copies: np.ndarray  # (m, 2) positions in ``rows`` (source, destination), in order
    fixed_f: np.ndarray  # (len(rows), F) LIN coefficients of the fixed Horner rows (0 elsewhere)
    width: int
    usable: int
    block_rows: dict  # block -> rows the region uses in it
    columns: dict  # block -> (Z, Y) columns
    phase0: list  # per block, the W phase-0 columns (Column objects)
    alpha: object
    beta: object
    advice: dict | None = None  # phase-0 values: Column -> int array (set by ``bind``)

    @classmethod
    def from_phase1(cls, ph, cols, phase0) -> "Phase1Values":
        n = ph.rg.rows
        used = np.flatnonzero(ph._used()[:n])
        fam = {f: ph.fam[f][used].astype(np.int64) for f in ph.fam}
        pos = lambda g: np.searchsorted(used, g)  # noqa: E731
        zc = np.concatenate(ph.z_copies) if ph.z_copies else np.zeros((0, 2), np.int64)
        F = np.zeros((len(used), ph.fold_fixed), np.int64)
        for g, coeffs in ph.fixed_f:
            F[pos(g), : coeffs.shape[1]] = coeffs
        u = ph.rg.u
        blocks = {blk: min(u, n - blk * u) for blk in cols.columns}
        return cls(used, fam, ph.z_set[used], ph.y_set[used], ph.z_pass[used], ph.y_pass[used],
                   np.stack([pos(zc[:, 0]), pos(zc[:, 1])], axis=1) if len(zc) else zc, F, ph.rg.geo.width, u,
                   blocks, cols.columns, phase0, cols.alpha, cols.beta)

    def bind(self, advice: dict) -> "Phase1Values":
        """A copy reading its phase-0 values from ``advice`` (Column -> values)."""
        return Phase1Values(**{**self.__dict__, "advice": advice})

    def _phase0(self) -> np.ndarray:
        """(len(rows), W) phase-0 values of the rows."""
        vals = [np.asarray(v) for v in self.advice.values()]
        dtype = object if any(v.dtype == object for v in vals) else np.int64
        out = np.zeros((len(self.rows), self.width), dtype)
        blk, r = self.rows // self.usable, self.rows % self.usable
        for b in np.unique(blk):
            m = blk == b
            for c, col in enumerate(self.phase0[b]):
                v = self.advice.get(col)
                if v is not None and len(v):
                    vals = np.asarray(v)
                    rr = r[m]
                    ok = rr < len(vals)
                    out[np.flatnonzero(m)[ok], c] = vals[rr[ok]]
        return out

    def __call__(self, phase: int, challenges: dict) -> dict:
        if phase != 1:
            return {}
        alpha, beta = challenges[self.alpha] % R, challenges[self.beta] % R
        f = self.fam
        W, F = self.width, self.fixed_f.shape[1]
        A = self._phase0()
        h = _horner(A * f["sa"][:, None], alpha).add(_horner(A * f["sb"][:, None], beta))
        h = h.add(_horner(self.fixed_f * f["sf"][:, None], beta))
        m = _native.linear_combination(
            [FrVec.from_i64(f["p"] * f["sa"]), FrVec.from_i64(f["p"] * f["sb"]), FrVec.from_i64(f["p"] * f["sf"]),
             FrVec.from_i64(self.z_pass.astype(np.int64))],
            [pow(alpha, W, R), pow(beta, W, R), pow(beta, F, R), 1])
        z = _bytes(scan(m, h))
        if len(self.z_copies):
            z[self.z_copies[:, 1]] = z[self.z_copies[:, 0]]
        Z = FrVec.from_bytes(z.tobytes())
        hy = FrVec.from_i64(f["ye"]).add(FrVec.from_i64(f["q"]).mul(_shift(Z, 1))).mul(Z)
        my = _native.linear_combination([FrVec.from_i64(f["y1"]), FrVec.from_i64(f["ya"]),
                                         FrVec.from_i64(self.y_pass.astype(np.int64))], [1, alpha, 1])
        y = _bytes(scan(my, hy))
        z[~self.z_set] = 0
        y[~self.y_set] = 0
        out = {}
        blk_of = self.rows // self.usable
        for blk, (Zc, Yc) in self.columns.items():
            m_ = blk_of == blk
            local = self.rows[m_] - blk * self.usable
            for col, vals in ((Zc, z), (Yc, y)):
                full = np.zeros((self.block_rows[blk], 32), np.uint8)
                full[local] = vals[m_]
                out[col] = FrVec.from_bytes(full.tobytes())
        return out
