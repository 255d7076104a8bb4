"""The layout's narrower storage changes memory, never the circuit or the witness: narrow
RowStore chunks (int8 … int64 per chunk, reads always int64), packed LIN rows, lookup rows
and DOT chains placed in batches, the assigning backend's chunked store, int32 copies."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.graph.forward import forward
from ezk.layout import lay_out, region, rowstore
from ezk.layout.rowstore import RowStore
from ezk.plonk import mock
from tests.unit.layout_graphs import inputs, settings, small_graph


def test_a_narrow_rowstore_widens_a_chunk_and_reads_int64(monkeypatch):
    monkeypatch.setattr(rowstore, "CHUNK", 8)
    store, ref = RowStore((2,), narrow=True), np.zeros((32, 2), np.int64)
    for rows, v in (([0, 1], 1), ([9], -200), ([17, 18], 70_000), ([3], 1 << 40), ([25], -1)):
        store[np.array(rows)] = v
        ref[rows] = v
    assert [None if c is None else c.dtype for c in store.chunks] == [np.int64, np.int16, np.int32, np.int8]
    assert store[0:32].dtype == np.int64 and np.array_equal(store[0:32], ref)
    assert store[np.array([3, 9, 17])].dtype == np.int64 and np.array_equal(store[np.array([3, 9, 17])], ref[[3, 9, 17]])
    assert np.array_equal(store[0:32, 1], ref[:, 1])
    nodes = RowStore((), np.int64, -1, narrow=True)  # the fill counts: −1 with 300 needs int16
    nodes[np.array([2])] = 300
    assert nodes.chunks[0].dtype == np.int16 and nodes[0:4].tolist() == [-1, -1, 300, -1]


def _laid(g, x):
    return lay_out(g, settings(), forward(g, x))


def test_batched_placement_gives_the_same_circuit_and_witness(monkeypatch):
    g = small_graph()
    x = inputs(g)
    whole = _laid(g, x)
    monkeypatch.setattr(region, "BATCH_ROWS", 1)  # every packed LIN row, lookup row, DOT chain its own placement
    monkeypatch.setattr(rowstore, "CHUNK", 64)  # and the stores in many chunks
    split = _laid(g, x)
    assert mock(split.circuit, split.witness) == []
    assert split.circuit.cs.describe() == whole.circuit.cs.describe()
    assert np.array_equal(split.circuit.copies, whole.circuit.copies)
    assert split.circuit.fixed.keys() == whole.circuit.fixed.keys()
    for c, v in whole.circuit.fixed.items():
        assert np.array_equal(np.asarray(split.circuit.fixed[c]), np.asarray(v)), c
    assert split.witness.advice.keys() == whole.witness.advice.keys()
    for c, v in whole.witness.advice.items():
        assert np.array_equal(split.witness.advice[c], v), c
    assert split.stats == whole.stats


@pytest.mark.parametrize("batch", [1, 3])
def test_batched_packing_returns_the_cells_in_element_order(monkeypatch, batch):
    from ezk.layout.backend import AssigningBackend
    from ezk.layout.packed import Fresh, Lane, pack
    from ezk.layout.region import Geometry, Region

    monkeypatch.setattr(region, "BATCH_ROWS", batch)
    rg = Region(Geometry.from_inner_cols(2), 1 << 10, AssigningBackend(12, {}))
    n = 23
    x = rg.new_cells(np.arange(n) * 3)
    y = np.arange(n) * 3 + 7
    ins, (lane,) = pack(rg, n, [x, Fresh(np.full(n, 7))], [Lane(Fresh(y), 1, {0: 1, 1: np.ones(n, np.int64)})])
    assert np.array_equal(rg.read(ins[0]), np.arange(n) * 3) and np.array_equal(rg.read(ins[1]), np.full(n, 7))
    assert np.array_equal(rg.read(lane), y)
