"""Per-row arrays that grow in fixed chunks: the region's fixed families, row kinds, nodes and
assigned masks. A doubling numpy array holds up to twice its rows and copies itself at every
doubling (three times its rows for a moment); chunks of CHUNK rows never move, and a chunk is
only allocated when some row in it is written — a family (the LIN coefficients, 32 values a
row) costs memory only where rows of its kind sit — so the layout's memory follows the rows
of each kind.

A ``narrow`` store (the fixed families: coefficients, constants, tags) keeps each chunk in the
smallest signed integer dtype that holds what was written to it (int8 for ±1 coefficients and
tags, int32 for limb weights below 2^31), widening a chunk when a larger value arrives; reads
always return ``dtype`` (int64), so no caller sees a narrow array (and no in-place sum can wrap).

Indexing supports what the region uses: ``a[rows] = v`` and ``a[rows, cols] = v`` with integer
arrays (values broadcast), ``a[lo:hi]`` and ``a[lo:hi, …]`` (a dense copy), ``a[rows]`` and
``a[rows, cols]`` (gathers)."""

from __future__ import annotations

import numpy as np

CHUNK = 1 << 16


_NARROW = (np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.int64))


def _fits(lo: int, hi: int) -> np.dtype:
    """The smallest signed dtype holding [lo, hi]."""
    for dt in _NARROW:
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return dt
    return _NARROW[-1]


class RowStore:
    def __init__(self, shape: tuple[int, ...] = (), dtype=np.int64, fill=0, narrow: bool = False) -> None:
        self.shape, self.dtype, self.fill = tuple(shape), np.dtype(dtype), fill
        self.narrow = narrow and self.dtype == np.int64
        self.chunks: list[np.ndarray | None] = []  # None: never written, every row holds ``fill``

    def __len__(self) -> int:
        return len(self.chunks) * CHUNK

    def ensure(self, rows: int) -> None:
        while len(self.chunks) * CHUNK < rows:
            self.chunks.append(None)

    def _chunk(self, c: int, v: np.ndarray | None = None) -> np.ndarray:
        """Chunk c, allocated (or, narrow, widened) so that it holds the values ``v`` too."""
        dt = self.dtype
        if self.narrow:
            lo, hi = (int(v.min()), int(v.max())) if v is not None and v.size else (self.fill, self.fill)
            held = self.chunks[c]
            if held is not None:
                info = np.iinfo(held.dtype)
                if info.min <= lo and hi <= info.max:
                    return held
                lo, hi = min(lo, int(info.min)), max(hi, int(info.max))  # widen past what it holds
            dt = _fits(min(lo, self.fill), max(hi, self.fill))
            if held is not None:
                self.chunks[c] = held.astype(dt)
                return self.chunks[c]
        if self.chunks[c] is None:
            self.chunks[c] = np.full((CHUNK,) + self.shape, self.fill, dtype=dt)
        return self.chunks[c]

    def _read(self, c: int) -> np.ndarray:
        if self.chunks[c] is not None:
            return self.chunks[c]
        return np.broadcast_to(np.asarray(self.fill, dtype=self.dtype), (CHUNK,) + self.shape)  # no memory

    def _split(self, rows: np.ndarray):
        """(chunk, positions in ``rows``, offsets) for each chunk the rows touch."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if rows.size == 0:
            return
        ci = rows // CHUNK
        lo, hi = int(ci.min()), int(ci.max())
        if lo == hi:
            yield lo, slice(None), rows - lo * CHUNK
            return
        order = np.argsort(ci, kind="stable")  # one sort, not one scan of every row per chunk
        sc = ci[order]
        cuts = np.flatnonzero(sc[1:] != sc[:-1]) + 1
        for a, b in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [sc.size]])):
            c = int(sc[a])
            sel = order[a:b]
            yield c, sel, rows[sel] - c * CHUNK

    def __setitem__(self, key, values) -> None:
        rows, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if rows.size == 0:
            return
        self.ensure(int(rows.max()) + 1)
        tail = self.shape[len(rest):]
        v = np.broadcast_to(np.asarray(values), (rows.size,) + tail)
        rest = tuple(np.broadcast_to(np.asarray(r), (rows.size,)) for r in rest)
        for c, sel, off in self._split(rows):
            if self.chunks[c] is None and not np.any(v[sel] != self.fill):
                continue  # writing the fill value into an untouched chunk changes nothing
            self._chunk(c, v[sel] if self.narrow else None)[(off,) + tuple(r[sel] for r in rest)] = v[sel]

    def __getitem__(self, key):
        rows, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        if isinstance(rows, slice):
            lo, hi, step = rows.indices(len(self))
            if step != 1:
                raise IndexError("a RowStore slice needs step 1")
            sub = (slice(None),) + rest  # applied chunk by chunk: a[lo:hi, j] never builds a[lo:hi]
            parts = [self._read(c)[max(lo - c * CHUNK, 0):min(hi - c * CHUNK, CHUNK)][sub]
                     for c in range(lo // CHUNK, -(-hi // CHUNK))] if hi > lo else []
            if not parts:
                return np.zeros((0,) + self.shape, dtype=self.dtype)[sub]
            return np.concatenate(parts).astype(self.dtype, copy=False)
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((rows.size,) + self.shape[len(rest):], dtype=self.dtype)
        flat = rows.reshape(-1)
        rest = tuple(np.broadcast_to(np.asarray(r), rows.shape).reshape(-1) for r in rest)
        for c, sel, off in self._split(flat):
            out[sel] = self._read(c)[(off,) + tuple(r[sel] for r in rest)]
        return out.reshape(rows.shape + self.shape[len(rest):])

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.chunks if c is not None)
