"""Mutation check: change assigned advice cells one value each and make the real mock reject it.

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


def _pick(laid, count: int, rng) -> list[tuple[int, int, int]]:
    """(block, row, column-in-block) of ``count`` random assigned cells."""
    cand = [(blk, *np.nonzero(m)) for blk, m in enumerate(laid.assigned)]
    blocks = np.concatenate([np.full(len(r), b) for b, r, _ in cand])
    rows = np.concatenate([r for _, r, _ in cand])
    cols = np.concatenate([c for _, _, c in cand])
    idx = rng.choice(len(rows), size=min(count, len(rows)), replace=False)
    return [(int(blocks[i]), int(rows[i]), int(cols[i])) for i in idx]


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
