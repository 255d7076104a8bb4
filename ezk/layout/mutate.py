"""Mutation check: change assigned advice cells one value each and make the real mock reject it.

The cells are shared equally among strata — the leaf cells (inputs and private or hashed
parameters, which the prover chooses freely and which only their range checks bind), the
cells of each row kind (LIN, DOT, MUL, range-check, function-lookup and carry rows) and the
Poseidon lanes' cells — drawn at random within each, so no kind of cell can stay untested
behind a larger one.

To keep it fast on 2^17-row circuits, mutations are checked in batches: the cells of a batch
lie in distinct region rows at least 3 apart, so a gate failure at row r or r + 1 (gates read
rows r and r − 1), a lookup failure at row r, or a copy failure naming the cell, can only come
from that cell's change — each such failure proves the mock would also reject the change
alone. A mutation the batch report does not attribute (e.g. hidden by the mock's cap on
reported rows) is re-run on its own. Phase-1 cells (Freivalds checks) are changed by adding to
what ``Witness.later`` returns for them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ezk import _native
from ezk.plonk import CopyFailure, GateFailure, LookupFailure, mock


def _groups(laid) -> list[tuple[object, list, np.ndarray]]:
    """(key, advice columns, (rows, columns) assigned mask) per region block (key: its number;
    its W phase-0 columns, then the phase-1 columns Z, Y of its Freivalds checks if it has them),
    per lane of the Poseidon gadget (key "p<lane>") and of the dynamic lookups ("dt<k>",
    "di<i>"), as ``gate_block`` names them."""
    adv = laid.circuit.cs.advice
    p1 = laid.phase1_assigned or [None] * len(laid.assigned)
    out = [(blk, [c for c in adv if c.phase == 0 and laid.column_block.get(c.name) == blk]
            + list(laid.phase1_columns.get(blk, [])), m if m1 is None else np.concatenate([m, m1], axis=1))
           for blk, (m, m1) in enumerate(zip(laid.assigned, p1))]
    lanes = getattr(laid, "poseidon", None)
    if lanes is not None:
        u = lanes.u
        out += [(f"p{ln}", cols, lanes.assigned[ln * u:(ln + 1) * u]) for ln, cols in enumerate(lanes.advice)]
    dyn = getattr(laid, "dynamic", None)
    if dyn is not None:  # the dynamic lookups' lanes, "dt<k>" and "di<i>"
        out += [(key, cols, dyn.assigned[key]) for key, cols in dyn.lane_columns.items()]
    return out


_POSEIDON = -1  # the stratum of the Poseidon lanes' cells (region rows have a KIND_* ≥ 0)


def _strata(groups, laid, nodes=None) -> list[np.ndarray]:
    """(m, 3) arrays of (group index, row, column index in the group) of assigned cells: the
    leaf cells first, then the other cells of each row kind, then the Poseidon lanes' cells.
    ``nodes``: only the region rows those graph nodes placed (lanes, which no node owns, stay)."""
    cells, kinds, cols = [], [], []
    for gi, (key, gcols, m) in enumerate(groups):
        r, c = np.nonzero(m)
        if nodes is not None and isinstance(key, int):
            keep = np.isin(np.asarray(laid.row_node[key], np.int64)[r], list(nodes))
            r, c = r[keep], c[keep]
        cells.append(np.stack([np.full(len(r), gi), r, c], axis=1))
        kind = np.asarray(laid.row_kind[key], np.int64)[r] if isinstance(key, int) else np.full(len(r), _POSEIDON)
        kinds.append(kind)
        cols.append(np.array([col.index for col in gcols], np.int64)[c] if len(c) else np.zeros(0, np.int64))
    cells, kinds, cols = (np.concatenate(x).astype(np.int64) for x in (cells, kinds, cols))
    leaf = np.zeros(len(cells), dtype=bool)
    if laid.leaf_cells and len(cells):
        lc = np.concatenate(list(laid.leaf_cells.values())).astype(np.int64)  # (global column, row)
        rows = int(max(cells[:, 1].max(), lc[:, 1].max())) + 1
        leaf = np.isin(cols * rows + cells[:, 1], lc[:, 0] * rows + lc[:, 1])
    out = [cells[leaf]] + [cells[~leaf & (kinds == k)] for k in np.unique(kinds[~leaf])]
    return [s for s in out if len(s)]


def _pick(laid, count: int, rng, nodes=None) -> list[tuple[object, int, object]]:
    """(group key, row, advice column) of ``count`` assigned cells, shared equally among the
    strata (water-filling: a stratum smaller than its share gives all its cells, the others
    share what it leaves), at random within each."""
    groups = _groups(laid)
    strata = _strata(groups, laid, nodes)
    sizes = [len(s) for s in strata]
    count = min(count, sum(sizes))
    alloc = [0] * len(strata)
    left = count
    while left > 0:
        open_ = [i for i, n in enumerate(sizes) if alloc[i] < n]
        per = max(1, left // len(open_))
        for i in open_:
            add = min(per, sizes[i] - alloc[i], left)
            alloc[i] += add
            left -= add
            if left == 0:
                break
    chosen = [s[rng.choice(len(s), size=a, replace=False)] for s, a in zip(strata, alloc) if a]
    chosen = np.concatenate(chosen) if chosen else np.zeros((0, 3), np.int64)
    chosen = chosen[rng.permutation(len(chosen))]
    return [(groups[g][0], int(r), groups[g][1][c]) for g, r, c in chosen.tolist()]


def _batches(cells, size: int, gap: int = 3):
    pending = list(cells)
    while pending:
        batch, taken, rest = [], [], []
        for cell in pending:
            blk, row, _ = cell
            if all(b != blk or abs(r - row) >= gap for b, r in taken):
                batch.append(cell)
                taken.append((blk, row))
            else:
                rest.append(cell)
            if len(batch) >= size:
                rest.extend(pending[pending.index(cell) + 1:])
                break
        yield batch
        pending = rest


def _touches(laid, failure, blk, row: int, colname: str) -> bool:
    """Whether ``failure`` can only come from changing cell (``colname``, ``row``) of block (or
    Poseidon lane) ``blk``."""
    if isinstance(failure, CopyFailure):
        return any(c.column_name == colname and c.row == row for c in failure.cells)
    if isinstance(failure, GateFailure):
        return laid.gate_block.get(failure.gate) == blk and failure.row in (row, row + 1)
    if isinstance(failure, LookupFailure):
        return laid.gate_block.get(failure.lookup) == blk and failure.row == row
    return False


def mutation_check(laid, count: int = 200, seed: int = 0, batch_size: int = 50,
                   nodes=None) -> tuple[int, list]:
    """Mutate ``count`` random assigned cells (``nodes``: of the rows those graph nodes placed,
    and the lanes); returns (number checked, cells the mock accepted)."""
    rng = np.random.default_rng(seed)
    cells = _pick(laid, count, rng, nodes)
    base = dict(laid.witness.advice)
    accepted = []

    def mutated(batch, deltas):
        advice = dict(base)
        later = {}  # phase-1 column -> {row: delta}: added to what Witness.later computes
        for (_, row, col), d in zip(batch, deltas):
            if col.phase:
                later.setdefault(col, {})[row] = int(d)
            else:
                advice[col] = _changed(advice[col], base[col], row, int(d))
        w = dataclasses.replace(laid.witness, advice=advice)  # keeps instance and later phases
        return dataclasses.replace(w, later=_shifted(w.later, later)) if later else w

    reruns = 0
    for batch in _batches(cells, batch_size):
        deltas = rng.integers(1, 1 << 20, size=len(batch)) * rng.choice([-1, 1], size=len(batch))
        failures = mock(laid.circuit, mutated(batch, deltas))
        for cell, d in zip(batch, deltas):
            blk, row, col = cell
            if any(_touches(laid, f, blk, row, col.name) for f in failures):
                continue
            reruns += 1
            if not mock(laid.circuit, mutated([cell], [d])):
                accepted.append(cell)
    mutation_check.reruns = reruns
    return len(cells), accepted


def _shifted(later, deltas: dict):
    """``later`` with ``deltas`` ({column: {row: delta}}) added to the values it returns."""
    from ezk.plonk.circuit import to_frvec

    def shifted(phase, challenges):
        out = dict(later(phase, challenges))
        for col, rows in deltas.items():
            if col in out:
                v = to_frvec(out[col], col.name)
                d = np.zeros(len(v), np.int64)
                d[list(rows)] = list(rows.values())
                out[col] = v.add(_native.FrVec.from_i64(d))
        return out
    return shifted


def _changed(values, original, row: int, delta: int):
    """The column with ``delta`` added at ``row``: int64 arrays in numpy, field columns (FrVec,
    the Poseidon lanes) through a one-element FrVec sum."""
    if isinstance(values, _native.FrVec):
        v = values.copy() if values is original else values
        v.set_slice(row, _native.FrVec.from_ints([values[row] + delta]))
        return v
    arr = values.copy() if values is original else values
    arr[row] += delta
    return arr
