"""Mutation check: change assigned advice cells one value each and make the real mock reject it.

The cells are drawn from every stratum alike — the leaf cells (inputs and private parameters,
which the prover chooses freely and which only their range checks bind) and the cells of each
row kind (LIN, DOT, MUL, range-check, function-lookup and carry rows) — before the rest of the
count is drawn at random, so no kind of cell can stay untested behind a larger one.

To keep it fast on 2^17-row circuits, mutations are checked in batches: the cells of a batch
lie in distinct region rows at least 3 apart, so a gate failure at row r or r + 1 (gates read
rows r and r − 1), a lookup failure at row r, or a copy failure naming the cell, can only come
from that cell's change — each such failure proves the mock would also reject the change
alone. A mutation the batch report does not attribute (e.g. hidden by the mock's cap on
reported rows) is re-run on its own.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ezk.plonk import CopyFailure, GateFailure, LookupFailure, mock


def _strata(laid) -> list[np.ndarray]:
    """(m, 3) arrays of (block, row, column-in-block) of assigned cells: the leaf cells first,
    then the other cells of each row kind."""
    adv = laid.circuit.cs.advice
    W = len(adv) // len(laid.assigned)
    cells, kinds = [], []
    for blk, m in enumerate(laid.assigned):
        r, c = np.nonzero(m)
        cells.append(np.stack([np.full(len(r), blk), r, c], axis=1))
        kinds.append(np.asarray(laid.row_kind[blk], dtype=np.int64)[r])
    cells = np.concatenate(cells).astype(np.int64)
    kinds = np.concatenate(kinds)
    leaf = np.zeros(len(cells), dtype=bool)
    if laid.leaf_cells and len(cells):
        lc = np.concatenate(list(laid.leaf_cells.values())).astype(np.int64)  # (global column, row)
        pos = np.full(max(c.index for c in adv) + 1, -1, dtype=np.int64)
        pos[[c.index for c in adv]] = np.arange(len(adv))  # global column -> block·W + c
        rows = max(len(m) for m in laid.assigned) + 1
        key = lambda col, row: col * rows + row  # noqa: E731  (block·W + c, row) as one integer
        leaf = np.isin(key(cells[:, 0] * W + cells[:, 2], cells[:, 1]), key(pos[lc[:, 0]], lc[:, 1]))
    out = [cells[leaf]] + [cells[~leaf & (kinds == k)] for k in np.unique(kinds[~leaf])]
    return [s for s in out if len(s)]


def _pick(laid, count: int, rng) -> list[tuple[int, int, int]]:
    """(block, row, column-in-block) of ``count`` assigned cells, shared equally among the
    strata (water-filling: a stratum smaller than its share gives all its cells, the others
    share what it leaves), at random within each."""
    strata = _strata(laid)
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
    return [(int(b), int(r), int(c)) for b, r, c in chosen]


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


def _touches(laid, failure, blk: int, row: int, colname: str) -> bool:
    """Whether ``failure`` can only come from changing cell (``colname``, ``row``) of block ``blk``."""
    if isinstance(failure, CopyFailure):
        return any(c.column_name == colname and c.row == row for c in failure.cells)
    if isinstance(failure, GateFailure):
        return laid.gate_block.get(failure.gate) == blk and failure.row in (row, row + 1)
    if isinstance(failure, LookupFailure):
        return laid.gate_block.get(failure.lookup) == blk and failure.row == row
    return False


def mutation_check(laid, count: int = 200, seed: int = 0, batch_size: int = 50) -> tuple[int, list]:
    """Mutate ``count`` random assigned cells; returns (number checked, cells the mock accepted)."""
    rng = np.random.default_rng(seed)
    cells = _pick(laid, count, rng)
    cs = laid.circuit.cs
    adv = cs.advice
    W = len(adv) // len(laid.assigned)
    base = dict(laid.witness.advice)
    accepted = []

    def mutated(batch, deltas):
        advice = dict(base)
        for (blk, row, c), d in zip(batch, deltas):
            col = adv[blk * W + c]
            arr = advice[col].copy() if advice[col] is base[col] else advice[col]
            arr[row] += d
            advice[col] = arr
        return dataclasses.replace(laid.witness, advice=advice)  # keeps instance and later phases

    reruns = 0
    for batch in _batches(cells, batch_size):
        deltas = rng.integers(1, 1 << 20, size=len(batch)) * rng.choice([-1, 1], size=len(batch))
        failures = mock(laid.circuit, mutated(batch, deltas))
        for cell, d in zip(batch, deltas):
            blk, row, c = cell
            name = adv[blk * W + c].name
            if any(_touches(laid, f, blk, row, name) for f in failures):
                continue
            reruns += 1
            if not mock(laid.circuit, mutated([cell], [d])):
                accepted.append(cell)
    mutation_check.reruns = reruns
    return len(cells), accepted
