"""Cell references keep numpy shapes exactly, 0-d tensors included (a scalar-shaped node whose
index map stores a (1,) index, a scalar times a scalar)."""

from __future__ import annotations

import numpy as np

from ezk.layout.cells import CONST, Cells


def test_scalar_cells_stay_scalar_through_broadcast_and_indexing():
    c = Cells.at(np.array(5), 3)
    assert c.shape == () and c.broadcast_to(()).shape == ()
    assert c.broadcast_to(()).broadcast_to((2, 2)).shape == (2, 2)
    row = Cells.at(np.arange(4), 1)
    one = row[2]
    assert isinstance(one.val, np.ndarray) and one.shape == ()
    assert one.g == 2 and one.c == 1
    assert row.take(np.array([3])).reshape(()).shape == ()
    k = Cells.const(7)
    assert k.broadcast_to(()).c == CONST and k.broadcast_to((3,)).val.tolist() == [7, 7, 7]
