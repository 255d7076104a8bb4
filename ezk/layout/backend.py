"""The two backends the one layout code path runs against.

Both answer the same three questions — ``tensor(node)`` (a node's values), ``read(g, c)``
(cells' values) and ``write(g, c, v)`` — so no op ever knows which one it runs on:

* ``MeasuringBackend``: structure only. Every value is zero (cells, constants and affine
  references alike: ``Region.read`` gives zeros), writes are dropped. Zeros are a
  valid witness for every range and bit check the ops make (0 lies in every lookup range since
  lo < 0 < hi, a zero remainder or limb is in range), so the ops run unchanged.
* ``AssigningBackend``: values too. ``tensor`` returns the forward pass's tensors; cell values
  are kept in a (rows, W) int64 array that grows as the region does.
"""

from __future__ import annotations

import numpy as np


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
        self.store = np.zeros((1024, width), dtype=np.int64)

    def tensor(self, node) -> np.ndarray:
        if node.id not in self.tensors:
            from ezk.errors import WitnessError

            raise WitnessError(f"the witness has no value for tensor {node.id} of ONNX node {node.onnx_name!r}")
        return np.asarray(self.tensors[node.id], dtype=np.int64).reshape(node.shape)

    def _grow(self, rows: int) -> None:
        if rows > len(self.store):
            new = np.zeros((max(rows, 2 * len(self.store)), self.width), dtype=np.int64)
            new[: len(self.store)] = self.store
            self.store = new

    def read(self, g: np.ndarray, c: np.ndarray) -> np.ndarray:
        return self.store[g, c]

    def write(self, g: np.ndarray, c: np.ndarray, v: np.ndarray) -> None:
        if np.size(g):
            self._grow(int(np.max(g)) + 1)
            self.store[g, c] = v

    def columns(self, rows: int) -> np.ndarray:
        self._grow(rows)
        return self.store[:rows]
