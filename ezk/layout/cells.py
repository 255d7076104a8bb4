"""Cell references: how the layout sees a tensor.

A tensor is an array of references, one per element: either an advice cell of the region,
named by its *global region row* g (block = g // u, row = g % u) and its column c inside the
block (0 ≤ c < W), or a constant (c = CONST, value in ``val``) — a fixed parameter, an index
map's fill. Index maps (reshape, transpose, slice, concat, pad, expand, constant gathers)
only re-index these arrays, so they cost no cells and no constraints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONST = -1  # a constant, value in `val`
NEW = -2  # (placement specs) a fresh cell whose value the caller gives
EMPTY = -3  # (placement specs) an unused position


@dataclass(frozen=True)
class Cells:
    g: np.ndarray  # int64 global region row
    c: np.ndarray  # int64 column in the block, or CONST
    val: np.ndarray  # int64 constant value where c == CONST (0 elsewhere)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.c.shape

    @property
    def size(self) -> int:
        return int(self.c.size)

    @property
    def is_const(self) -> np.ndarray:
        return self.c == CONST

    def all_const(self) -> bool:
        return bool(np.all(self.c == CONST))

    @classmethod
    def const(cls, values) -> "Cells":
        v = np.asarray(values, dtype=np.int64)
        return cls(np.zeros(v.shape, np.int64), np.full(v.shape, CONST, np.int64), v.copy())

    @classmethod
    def at(cls, g, c) -> "Cells":
        g = np.asarray(g, dtype=np.int64)
        c = np.broadcast_to(np.asarray(c, dtype=np.int64), g.shape).copy()
        return cls(g, c, np.zeros(g.shape, np.int64))

    def _map(self, f) -> "Cells":
        return Cells(np.asarray(f(self.g)), np.asarray(f(self.c)), np.asarray(f(self.val)))  # 0-d stays an array

    def reshape(self, *shape) -> "Cells":
        return self._map(lambda a: a.reshape(*shape))

    def transpose(self, axes) -> "Cells":
        return self._map(lambda a: a.transpose(axes))

    def broadcast_to(self, shape) -> "Cells":
        # a copy, not np.ascontiguousarray: that one turns a 0-d array into shape (1,)
        return self._map(lambda a: np.broadcast_to(a, shape).copy())

    def take(self, idx: np.ndarray) -> "Cells":
        """Elements of the flattened tensor at flat indices ``idx`` (any shape)."""
        return self._map(lambda a: a.reshape(-1)[idx])

    def flat(self) -> "Cells":
        return self.reshape(-1)

    def __getitem__(self, key) -> "Cells":
        return self._map(lambda a: a[key])

    @staticmethod
    def concat(parts: list["Cells"]) -> "Cells":
        return Cells(*(np.concatenate([getattr(p, f).reshape(-1) for p in parts]) for f in ("g", "c", "val")))
