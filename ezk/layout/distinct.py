"""Elementwise ops over the distinct advice elements of their inputs.

An elementwise op (rescale, lookup, product) gives the same output for the same input, so the
layout places one row element per *distinct* input reference — the same cell with the same
affine coefficient and offset (a broadcast reciprocal, a causal mask's repeated row) — and
lets the repeats refer to that one output cell, and it places none for a constant input: the
output there is the constant the forward pass computes from it (the fixed circuit holds it;
no cell, no row). Both are exact: the output cells hold the same integers as before, each
constrained by the same relation, only fewer copies of it.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ezk.layout.cells import Cells


def distinct(*refs: Cells) -> tuple[np.ndarray, np.ndarray]:
    """(first, inverse) over the elements of equally long flat references: flat indices of one
    element per distinct tuple (cell, coefficient, offset of every reference) and, for every
    element, the position in ``first`` of the one it equals."""
    n = refs[0].size
    if not n:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    bare = len(refs) == 1 and refs[0].k is None and not refs[0].val.any() and int(refs[0].c.min()) >= 0
    if bare:  # one tensor of bare cells (the usual case): a 1-D key, g·W + c
        r = refs[0]
        key = r.g.reshape(-1) * (int(r.c.max()) + 1) + r.c.reshape(-1)
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
        return first.astype(np.int64), inv.reshape(-1).astype(np.int64)
    key = np.stack([a.reshape(-1) for r in refs for a in (r.g, r.c, r.coef, r.val)], axis=-1)
    _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return first.astype(np.int64), inv.reshape(-1).astype(np.int64)


def fold_elementwise(x: Cells, on_consts: Callable[[np.ndarray], np.ndarray],
                     place: Callable[[np.ndarray], Cells]) -> Cells:
    """The flat output of a one-input elementwise op over flat ``x``: on_consts(values) for its
    constant elements, place(flat indices) — the cells of the op at those elements of x — once
    per distinct advice element."""
    cm = x.is_const
    live, dead = np.flatnonzero(~cm), np.flatnonzero(cm)
    parts = []
    if live.size:
        first, inv = distinct(x[live])
        parts.append((live, place(live[first]).flat().take(inv)))
    if dead.size:
        parts.append((dead, Cells.const(np.asarray(on_consts(x.val[dead]), np.int64))))
    return Cells.merge(x.size, parts)
