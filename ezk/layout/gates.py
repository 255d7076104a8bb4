"""The gate set and the ConstraintSystem it builds, per block of W advice columns.

Per block (A_0 … A_{W−1} its advice columns; F, P, C, S, Q… its fixed columns):

  lin[j]  Σ_c F[j,c]·A_c + P[j]·A_{a+j}(ω⁻¹X) + C[j] − S[j]·A_{a+j}            (degree 2)
  dot     Σ_t Qd_t·A_{2t}·A_{2t+1} + Dc·A_{W−1}(ω⁻¹X) − Ds·A_{W−1}              (degree 3)
          — when a block has both, DOT rows keep Qd_t, Dc, Ds in LIN lane 0's F_t, P, S columns
          and a selector σ (1 on DOT rows) splits them: lin[0]·(1 − σ), dot·σ (degrees 3, 4);
  mul[t]  Qm·(A_{3t}·A_{3t+1} − A_{3t+2})                                        (degree 3)
  lookup  (L_{s,k}, A_{2s}, A_{2s+1}) ∈ (TT_k, TX_k, TY_k), weight L_{s,k}             (degree 1)

for lane j < b, pair t < (W−1)/2, triple t < W/3, slot s and table bank k. The lookup needs one
fixed column per (slot, bank), its tag L (0 where the slot is off or looks up another bank),
which is also the lookup's weight (ezk.plonk.lookup): L = t ≠ 0 forces A_{2s} = x and
A_{2s+1} = y of a row of table t (the tag in the tuple keeps tables apart), and a row with
L = 0 is not looked up. Range tables have TY = 0, so their y cell must be 0.
Only what some row uses is created — families, LIN lanes with a nonzero coefficient, (slot,
bank) pairs with a lookup — so the system is a function of the graph and settings alone.
The wide layout's range checks look (R_{c,k}, A_c) up in (TT_k, TX_k) with weight R_{c,k} for
every column c: a range tag t ≠ 0 forces A_c = x of a row of table t, R = 0 looks nothing up.
All advice columns and the instance column are equality-enabled (copy constraints). Blocks
with Freivalds rows also get two phase-1 columns and the gates of ``phase1.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk import _native
from ezk.plonk import ConstraintSystem
from ezk.plonk.expression import Column

from ezk.layout.phase1 import build_gates as build_phase1
from ezk.layout.region import KIND_DOT, Region
from ezk.layout.tables import Tables

ADVICE_ROTATIONS = (0, -1)  # every gate reads advice at the current and the previous row


def blinding_rows() -> int:
    """The blinding rows the built system will ask for (``build`` asserts they agree)."""
    return ConstraintSystem.blinding_rows_for(len(ADVICE_ROTATIONS))


@dataclass
class Built:
    cs: ConstraintSystem
    advice: list[list[Column]]  # [block][c]
    instance: Column | None
    fixed: dict[Column, np.ndarray] = field(default_factory=dict)
    banks: list[list[int]] = field(default_factory=list)
    gate_block: dict[str, int] = field(default_factory=dict)  # gate/lookup name -> block
    lin_f: dict = field(default_factory=dict)  # block -> {(lane, input): LIN coefficient column}
    phase1: object = None  # phase1.Phase1Columns: the Freivalds challenges and Z/Y columns


def build(rg: Region, tables: Tables, blocks: int, with_instance: bool, bank_capacity: int) -> Built:
    geo, u = rg.geo, rg.u
    a, b, W = geo.a, geo.b, geo.width
    cs = ConstraintSystem()
    advice = [[cs.advice_column(f"a{blk}_{c}") for c in range(W)] for blk in range(blocks)]
    inst = cs.instance_column("instance") if with_instance else None
    banks = tables.pack(bank_capacity) if tables.count else []
    out = Built(cs, advice, inst, banks=banks)
    used = rg.used
    fx = rg.fixed

    def col(name: str, values) -> Column:
        c = cs.fixed_column(name)
        out.fixed[c] = values if isinstance(values, _native.FrVec) else narrow(values)
        return c

    bank_of = np.zeros(tables.count + 1, dtype=np.int64)
    for k, tags in enumerate(banks):
        bank_of[tags] = k
    for blk in range(blocks):
        A = advice[blk]
        sl = slice(blk * u, min((blk + 1) * u, rg.rows))
        lin_live = np.zeros(b, dtype=bool)
        if "lin" in used:  # a slice of rows at a time: the coefficients are b·a values a row
            for lo in range(sl.start, sl.stop, 1 << 16):
                part = slice(lo, min(sl.stop, lo + (1 << 16)))
                lin_live |= (fx["lin_f"][part].any(axis=2) | (fx["lin_p"][part] != 0) | (fx["lin_c"][part] != 0)
                             | (fx["lin_s"][part] != 0)).any(axis=0)
        share = "dot" in used and bool(lin_live[0])  # DOT rows reuse LIN lane 0's F, P, S columns
        sig = None
        if share:
            is_dot = rg.kind[sl] == KIND_DOT
            sig = col(f"dot{blk}_sel", is_dot.astype(np.int64))
        if lin_live.any():
            polys = {}
            for j in np.flatnonzero(lin_live):
                fvals = fx["lin_f"][sl, j].copy()
                pvals, svals = fx["lin_p"][sl, j].copy(), fx["lin_s"][sl, j].copy()
                if share and j == 0:  # rows are one kind, so the two families' values never collide
                    fvals[:, : geo.pairs] += fx["dot_q"][sl]
                    pvals += fx["dot_c"][sl]
                    svals += fx["dot_s"][sl]
                F = [col(f"lin{blk}_f{j}_{c}", fvals[:, c]) for c in range(a)]
                out.lin_f.setdefault(blk, {}).update({(int(j), c): F[c] for c in range(a)})
                P = col(f"lin{blk}_p{j}", pvals)
                C = col(f"lin{blk}_c{j}", fx["lin_c"][sl, j])
                S = col(f"lin{blk}_s{j}", svals)
                e = P.cur() * A[a + j].prev() + C.cur() - S.cur() * A[a + j].cur()
                for c in range(a):
                    e = e + F[c].cur() * A[c].cur()
                if share and j == 0:
                    e = (1 - sig.cur()) * e
                    Q, Ds, Dc = F[: geo.pairs], S, P
                polys[f"lane{j}"] = e
            cs.create_gate(f"lin.b{blk}", polys)
            out.gate_block[f"lin.b{blk}"] = blk
        if "dot" in used:
            if not share:
                Q = [col(f"dot{blk}_q{t}", fx["dot_q"][sl, t]) for t in range(geo.pairs)]
                Ds = col(f"dot{blk}_s", fx["dot_s"][sl])
                Dc = col(f"dot{blk}_c", fx["dot_c"][sl])
            e = Dc.cur() * A[W - 1].prev() - Ds.cur() * A[W - 1].cur()
            for t in range(geo.pairs):
                e = e + Q[t].cur() * A[2 * t].cur() * A[2 * t + 1].cur()
            cs.create_gate(f"dot.b{blk}", [sig.cur() * e if share else e])
            out.gate_block[f"dot.b{blk}"] = blk
        if "mul" in used:
            Qm = col(f"mul{blk}_q", fx["mul_q"][sl])
            cs.create_gate(f"mul.b{blk}", {f"triple{t}": Qm.cur() * (A[3 * t].cur() * A[3 * t + 1].cur() - A[3 * t + 2].cur())
                                           for t in range(geo.triples)})
            out.gate_block[f"mul.b{blk}"] = blk
        if "lk" in used:
            tag = fx["lk_tag"][sl]
            for s in range(geo.slots):
                for k in range(len(banks)):
                    on = (tag[:, s] > 0) & (bank_of[tag[:, s]] == k)
                    if not on.any():
                        continue
                    L = col(f"lk{blk}_s{s}_k{k}_tag", np.where(on, tag[:, s], 0))
                    name = f"lookup.b{blk}.s{s}.k{k}"
                    out.gate_block[name] = blk
                    tcols = _bank_columns(out, tables, k, col)
                    cs.lookup(name, [L.cur(), A[2 * s].cur(), A[2 * s + 1].cur()],
                              [c.cur() for c in tcols], weight=L.cur())
        if "rk" in used:  # wide range checks: (R, A_c) ∈ (TT_k, TX_k) weighted by R, a range tag or 0
            rtag = fx["rk_tag"][sl]
            for c in range(W):
                for k in range(len(banks)):
                    on = (rtag[:, c] > 0) & (bank_of[rtag[:, c]] == k)
                    if not on.any():
                        continue
                    R = col(f"rk{blk}_c{c}_k{k}_tag", np.where(on, rtag[:, c], 0))
                    name = f"rlookup.b{blk}.c{c}.k{k}"
                    out.gate_block[name] = blk
                    tt, tx, _ = _bank_columns(out, tables, k, col)
                    cs.lookup(name, [R.cur(), A[c].cur()], [tt.cur(), tx.cur()], weight=R.cur())
    ph = rg.__dict__.get("phase1")
    if ph is not None:  # the Freivalds checks' phase-1 columns and gates (phase1.py)
        out.phase1 = build_phase1(ph, cs, col, out.gate_block, advice, out.lin_f)
    for blk in range(blocks):
        for c in advice[blk]:
            cs.enable_equality(c)
    if inst is not None:
        cs.enable_equality(inst)
    return out


def narrow(values) -> np.ndarray:
    """A fixed column's integers in the smallest signed dtype that holds them (selectors, tags
    and ±1 coefficients take one byte a row instead of eight)."""
    v = np.asarray(values)
    if v.size:
        lo, hi = int(v.min()), int(v.max())
        for dt in (np.int8, np.int16, np.int32):
            if np.iinfo(dt).min <= lo and hi <= np.iinfo(dt).max:
                return np.ascontiguousarray(v, dtype=dt)
    return np.ascontiguousarray(v, dtype=np.int64 if v.size else np.int8)


def _bank_columns(out: Built, tables: Tables, k: int, col) -> tuple[Column, Column, Column]:
    cache = out.__dict__.setdefault("_banks", {})
    if k not in cache:
        tt, tx, ty = tables.bank_columns(out.banks[k])
        cache[k] = (col(f"table{k}_tag", tt), col(f"table{k}_tx", tx), col(f"table{k}_ty", ty))
    return cache[k]
