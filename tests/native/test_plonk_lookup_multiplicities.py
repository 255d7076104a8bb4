"""The native logUp multiplicities (a hash of the table's values) equal a sort-based count, on
random tables with repeated values and inputs partly outside the table."""

from __future__ import annotations

import numpy as np
import pytest

from ezk import _native


def _sorted_reference(table: np.ndarray, inputs: list[np.ndarray], usable: int):
    uniq, first = np.unique(table[:usable], return_index=True)
    counts = np.zeros(usable, dtype=np.int64)
    missing = 0
    for f in inputs:
        f = f[:usable]
        pos = np.minimum(np.searchsorted(uniq, f), len(uniq) - 1)
        found = uniq[pos] == f
        missing += int((~found).sum())
        counts += np.bincount(first[pos[found]], minlength=usable)
    return counts, missing


@pytest.mark.parametrize("seed", range(4))
def test_native_multiplicities_equal_a_sort_based_count(seed):
    rng = np.random.default_rng(seed)
    n, usable = 1 << 12, (1 << 12) - 6
    table = rng.integers(-300, 300, size=n)  # repeated values: credited to their first row
    inputs = [rng.integers(-400, 400, size=n) for _ in range(3)]  # some absent from the table
    counts, missing = _native.lookup_multiplicities(
        _native.FrVec.from_i64(table), [_native.FrVec.from_i64(f) for f in inputs], usable)
    want_counts, want_missing = _sorted_reference(table, inputs, usable)
    assert counts.dtype == np.int64 and np.array_equal(counts, want_counts)
    assert missing == want_missing > 0
    assert counts.sum() + missing == len(inputs) * usable
