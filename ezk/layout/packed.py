"""Packed LIN rows: several small linear relations per row, their fresh cells range-checked in
place (the per-column ``rk`` lookups, see gates.py), so a gadget such as a rescale needs no
separate lookup rows and no copies of its limbs.

An *element* is a fixed pattern of cells: ``n_in`` input slots (columns of the LIN inputs) and
``n_lanes`` lane slots (each one a LIN lane's own cell). Lane l of an element constrains

    Σ_i coef[l][i]·in_i + C[l] − S[l]·lane_l = 0

over the element's own input slots. An input slot is either existing cells (a copy; affine
references fold into the coefficients and the constant, constants into the constant) or fresh
cells; every fresh cell may carry a range-table tag. Elements sit side by side, ⌊a/n_in⌋ (and
⌊lanes/n_lanes⌋) per row: input slot i of position p in column p·n_in + i, lane slot l in lane
p·n_lanes + l. Unused coefficients are zero, so a stray cell cannot move a relation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ezk.errors import WitnessError
from ezk.layout.cells import EMPTY, NEW, Cells
from ezk.layout import region
from ezk.layout.region import KIND_LIN, Region


@dataclass
class Fresh:
    """Fresh cells holding ``vals`` (one per element), range-checked by table ``tag`` (0: none)."""

    vals: np.ndarray
    tag: int = 0


@dataclass
class Lane:
    """A lane's fresh cell, its S coefficient and the relation's input coefficients {slot: coef}
    (scalars or per-element arrays) and constant."""

    cell: Fresh
    s: int
    coef: dict
    const: object = 0


def pack(rg: Region, n: int, ins: list, lanes: list[Lane]) -> tuple[list[Cells], list[Cells]]:
    """Place n elements; ``ins`` holds Cells (copied) or Fresh per input slot. Returns the cells of
    every input slot and of every lane slot (flat, n each).

    Elements are placed region.BATCH_ROWS rows at a time (the same circuit as one placement)."""
    per = _per_row(rg, len(ins), len(lanes))
    step = per * region.BATCH_ROWS
    if n <= step:
        return _pack(rg, n, per, ins, lanes)
    parts = [_pack(rg, min(n, lo + step) - lo, per, [_slice(s, lo, lo + step, n) for s in ins],
                   [_slice_lane(ln, lo, lo + step, n) for ln in lanes]) for lo in range(0, n, step)]
    return ([Cells.concat([q[0][i] for q in parts]) for i in range(len(ins))],
            [Cells.concat([q[1][l] for q in parts]) for l in range(len(lanes))])


def _per_row(rg: Region, n_in: int, n_ln: int) -> int:
    geo = rg.geo
    use = min(geo.b, max(rg.lanes, n_ln))  # a lean region still gives a gadget the lanes it needs
    per = min(geo.a // max(n_in, 1), use // n_ln)
    if per < 1:
        raise AssertionError(f"an element of {n_in} inputs and {n_ln} lanes does not fit a LIN row")
    return per


def _elementwise(v, lo: int, hi: int, n: int):
    """Elements lo … hi − 1 of a per-element array of n (a scalar or one value stays as it is)."""
    a = np.asarray(v)
    return a.reshape(-1)[lo:hi] if a.size == n and a.ndim and n > 1 else v


def _slice(slot, lo: int, hi: int, n: int):
    if isinstance(slot, Fresh):
        return Fresh(_elementwise(slot.vals, lo, hi, n), slot.tag)
    return slot.flat()[lo:hi]


def _slice_lane(ln: Lane, lo: int, hi: int, n: int) -> Lane:
    return Lane(_slice(ln.cell, lo, hi, n), ln.s, {i: _elementwise(c, lo, hi, n) for i, c in ln.coef.items()},
                _elementwise(ln.const, lo, hi, n))


def _pack(rg: Region, n: int, per: int, ins: list, lanes: list[Lane]) -> tuple[list[Cells], list[Cells]]:
    geo = rg.geo
    a, W = geo.a, geo.width
    n_in, n_ln = len(ins), len(lanes)
    nrows = -(-n // per)
    e = np.arange(n)
    r, p = e // per, e % per
    g_s = np.zeros((nrows, W), np.int64)
    c_s = np.full((nrows, W), EMPTY, np.int64)
    v_s = np.zeros((nrows, W), np.int64)
    tags = np.zeros((nrows, W), np.int64)
    F = np.zeros((nrows, geo.b, a), np.int64)
    Cc = np.zeros((nrows, geo.b), np.int64)
    S = np.zeros((nrows, geo.b), np.int64)
    consts = [np.broadcast_to(np.asarray(ln.const, np.int64), (n,)).copy() for ln in lanes]
    ks = []  # per input slot: the cell coefficient k (affine) and which elements hold a cell
    for i, slot in enumerate(ins):
        col = p * n_in + i
        if isinstance(slot, Fresh):
            c_s[r, col] = NEW
            v_s[r, col] = np.asarray(slot.vals, np.int64).reshape(-1)
            tags[r, col] = slot.tag
            ks.append((np.ones(n, np.int64), np.ones(n, bool)))
            continue
        cells = slot.flat()
        live = ~cells.is_const
        g_s[r[live], col[live]], c_s[r[live], col[live]] = cells.g[live], cells.c[live]
        ks.append((np.where(live, cells.coef, 0), live))
        for l, ln in enumerate(lanes):  # constants and affine offsets join each relation's constant
            if i in ln.coef:
                consts[l] += np.broadcast_to(np.asarray(ln.coef[i], np.int64), (n,)) * cells.val
    for l, ln in enumerate(lanes):
        j = p * n_ln + l
        col = a + j
        c_s[r, col] = NEW
        v_s[r, col] = np.asarray(ln.cell.vals, np.int64).reshape(-1)
        tags[r, col] = ln.cell.tag
        S[r, j] = ln.s
        Cc[r, j] = consts[l]
        for i, coef in ln.coef.items():
            k, live = ks[i]
            F[r, j, p * n_in + i] = np.where(live, np.broadcast_to(np.asarray(coef, np.int64), (n,)) * k, 0)
    fixed = {"lin_f": F, "lin_c": Cc, "lin_s": S}
    if tags.any():
        fixed["rk_tag"] = tags
    grow = rg.place(Cells(g_s, c_s, np.zeros_like(v_s)), v_s, fixed, kind=KIND_LIN)
    in_cells = [Cells.at(grow[r], p * n_in + i) for i in range(n_in)]
    lane_cells = [Cells.at(grow[r], a + p * n_ln + l) for l in range(n_ln)]
    return in_cells, lane_cells


def unsigned_limbs(tables, v: np.ndarray, bits: int, what: str) -> list[tuple[Fresh, int]]:
    """v ∈ [0, 2^bits) as Σ_i 2^(lb·i)·l_i, every limb a fresh cell in an unsigned range table
    (the top one of the bits left); (limb, weight) pairs, lowest first. A value outside is a
    WitnessError naming ``what``."""
    v = np.asarray(v, np.int64).reshape(-1)
    if v.size and (v.min() < 0 or (bits < 63 and v.max() >= (1 << bits))):
        bad = int(v.min()) if v.min() < 0 else int(v.max())
        raise WitnessError(f"{what}: value {bad} is outside [0, 2^{bits})")
    lb = tables.limb_bits
    out = []
    for i in range(-(-bits // lb)):
        w = min(lb, bits - lb * i)
        out.append((Fresh((v >> (lb * i)) & ((1 << w) - 1), tables.range(w)), 1 << (lb * i)))
    return out


def check_signed(v: np.ndarray, bits: int, what: str) -> None:
    """A WitnessError naming ``what`` when a value of ``v`` is outside [−2^(bits−1), 2^(bits−1))."""
    lo, hi = -(1 << (bits - 1)), 1 << (bits - 1)
    if v.size and (int(v.min()) < lo or int(v.max()) >= hi):
        bad = int(v.min()) if int(v.min()) < lo else int(v.max())
        raise WitnessError(f"{what}: value {bad} is outside [-2^{bits - 1}, 2^{bits - 1})")


def signed_limbs(tables, v: np.ndarray, bits: int) -> list[tuple[Fresh, int]]:
    """v ∈ [−2^(bits−1), 2^(bits−1)) as Σ_i 2^(lb·i)·l_i: low limbs in [0, 2^lb) (unsigned
    tables), the top one in a signed table of the bits left — together exactly that interval.
    (limb, weight) pairs, lowest first; the caller checks v's range."""
    v = np.asarray(v, np.int64).reshape(-1)
    lb = tables.limb_bits
    n = -(-bits // lb)
    out = [(Fresh((v >> (lb * i)) & ((1 << lb) - 1), tables.range(lb)), 1 << (lb * i)) for i in range(n - 1)]
    out.append((Fresh(v >> (lb * (n - 1)), tables.srange(bits - lb * (n - 1))), 1 << (lb * (n - 1))))
    return out
