"""The two backends the one layout code path runs against.

Both answer the same three questions — ``tensor(node)`` (a node's values), ``read(g, c)``
(cells' values) and ``write(g, c, v)`` — so no op ever knows which one it runs on:

* ``MeasuringBackend``: structure only. Every value is zero (cells, constants and affine
  references alike: ``Region.read`` gives zeros), writes are dropped. Zeros are a
  valid witness for every range and bit check the ops make (0 lies in every lookup range since
  lo < 0 < hi, a zero remainder or limb is in range), so the ops run unchanged.
* ``AssigningBackend``: values too. ``tensor`` returns the forward pass's tensors; cell values
  are kept in (rows, W) int64 chunks that are allocated as the region grows (rowstore.py): no
  doubling copies, and ``columns`` gives the store itself, read one column of a block at a time.
"""

from __future__ import annotations

import numpy as np

from ezk.layout.rowstore import RowStore


class MeasuringBackend:
    measuring = True

    def __init__(self, width: int) -> None:
        self.width = width

    def tensor(self, node) -> np.ndarray:
        return np.zeros(node.shape, dtype=np.int64)

    def read(self, g: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.zeros(np.shape(g), dtype=np.int64)

    def write(self, g: np.ndarray, c: np.ndarray, v: np.ndarray) -> None:
        pass

    def columns(self, rows: int):
        return None


class AssigningBackend:
    measuring = False

    def __init__(self, width: int, tensors) -> None:
        self.width = width
        self.tensors = tensors
        self.store = RowStore((width,), np.int64)

    def tensor(self, node) -> np.ndarray:
        if node.id not in self.tensors:
            from ezk.errors import WitnessError

            raise WitnessError(f"the witness has no value for tensor {node.id} of ONNX node {node.onnx_name!r}")
        return np.asarray(self.tensors[node.id], dtype=np.int64).reshape(node.shape)

    def read(self, g: np.ndarray, c: np.ndarray) -> np.ndarray:
        return self.store[g, c]

    def write(self, g: np.ndarray, c: np.ndarray, v: np.ndarray) -> None:
        if np.size(g):
            self.store[g, c] = v

    def columns(self, rows: int) -> RowStore:
        """The cell values of rows 0 … rows − 1 (unwritten rows read 0): ``[lo:hi, c]`` is one
        column's slice as a dense int64 array."""
        self.store.ensure(rows)
        return self.store
