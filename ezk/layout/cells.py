"""Cell references: how the layout sees a tensor.

A tensor is an array of references, one per element: either an advice cell of the region,
named by its *global region row* g (block = g // u, row = g % u) and its column c inside the
block (0 ≤ c < W), or a constant (c = CONST, value in ``val``) — a fixed parameter, an index
map's fill. Index maps (reshape, transpose, slice, concat, pad, expand, constant gathers)
only re-index these arrays, so they cost no cells and no constraints.

An advice reference may be *affine*: its value is k·cell + val with fixed integers k (``k``,
None meaning 1) and val. Adding a constant, multiplying by one or negating only changes k and
val (no row); a LIN row that reads the tensor folds k into its coefficient and val into its
constant, and any other consumer gets a fresh cell (``rows.materialize``). ``Region.place``
refuses an affine reference, so no gate can read the bare cell by mistake.
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
    val: np.ndarray  # int64 constant value where c == CONST, the affine offset elsewhere
    k: np.ndarray | None = None  # int64 coefficient of the cell (None: 1); unused for constants

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

    @property
    def coef(self) -> np.ndarray:
        """k per element (1 where not affine)."""
        return np.ones(self.c.shape, np.int64) if self.k is None else self.k

    @property
    def is_affine(self) -> np.ndarray:
        """Advice references whose value is not the bare cell (k ≠ 1 or an offset)."""
        live = self.c >= 0
        m = live & (self.val != 0)
        return m if self.k is None else m | (live & (self.k != 1))

    def any_affine(self) -> bool:
        return bool(self.is_affine.any())

    def bare(self) -> "Cells":
        """The referenced cells themselves (k = 1, no offset; constants keep their value)."""
        return Cells(self.g, self.c, np.where(self.c == CONST, self.val, 0))

    def scaled(self, m, add=0) -> "Cells | None":
        """m·self + add (broadcast to self's shape), without a row; None when a coefficient would
        reach AFFINE_LIMIT or an offset OFFSET_LIMIT (the caller then materialises first)."""
        m = np.broadcast_to(np.asarray(m, np.int64), self.shape)
        add = np.broadcast_to(np.asarray(add, np.int64), self.shape)
        k = self.coef
        if _too_big(k, m, AFFINE_LIMIT) or _too_big(self.val, m, OFFSET_LIMIT // 2) \
                or np.abs(add).max(initial=0) >= OFFSET_LIMIT // 2:
            return None
        nk, nv = k * m, self.val * m + add
        const = (self.c == CONST) | (nk == 0)
        c = np.where(const, CONST, self.c)
        return Cells(self.g.copy(), c, nv, np.where(const, 0, nk))

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
        k = None if self.k is None else np.asarray(f(self.k))
        return Cells(np.asarray(f(self.g)), np.asarray(f(self.c)), np.asarray(f(self.val)), k)  # 0-d stays an array

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
        k = None
        if any(p.k is not None for p in parts):
            k = np.concatenate([p.coef.reshape(-1) for p in parts])
        return Cells(*(np.concatenate([getattr(p, f).reshape(-1) for p in parts]) for f in ("g", "c", "val")), k)

    @staticmethod
    def merge(n: int, parts: list[tuple[np.ndarray, "Cells"]]) -> "Cells":
        """A flat tensor of n elements from (flat indices, flat cells) parts that cover every
        index exactly once."""
        idx = np.concatenate([np.asarray(i, np.int64).reshape(-1) for i, _ in parts])
        if idx.size != n or not np.array_equal(np.sort(idx), np.arange(n)):
            raise AssertionError("Cells.merge: the parts must cover every element exactly once")
        pos = np.empty(n, np.int64)
        pos[idx] = np.arange(n)
        return Cells.concat([c.flat() for _, c in parts]).take(pos)

    @staticmethod
    def where(cond: np.ndarray, a: "Cells", b: "Cells") -> "Cells":
        """a where cond else b, elementwise (same shapes)."""
        k = None if a.k is None and b.k is None else np.where(cond, a.coef, b.coef)
        return Cells(np.where(cond, a.g, b.g), np.where(cond, a.c, b.c), np.where(cond, a.val, b.val), k)


# |k| of an affine reference stays below AFFINE_LIMIT and |val| below OFFSET_LIMIT, so that
# the LIN row that reads it (coefficients ±1 or a rescale's 1, constants summed over a few
# terms) stays inside int64.
AFFINE_LIMIT = 1 << 40
OFFSET_LIMIT = 1 << 61


def _too_big(a: np.ndarray, m: np.ndarray, limit: int) -> bool:
    am = int(np.abs(a).max(initial=0))
    mm = int(np.abs(m).max(initial=0))
    return am * mm >= limit
