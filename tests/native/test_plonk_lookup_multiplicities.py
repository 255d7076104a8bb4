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


def _weighted_reference(table: np.ndarray, inputs: list[np.ndarray], weights: list, usable: int):
    uniq, first = np.unique(table[:usable], return_index=True)
    counts = np.zeros(usable, dtype=np.int64)
    missing = 0
    for f, w in zip(inputs, weights):
        f = f[:usable]
        w = np.ones(usable, np.int64) if w is None else w[:usable]
        on = w != 0
        pos = np.minimum(np.searchsorted(uniq, f), len(uniq) - 1)
        found = uniq[pos] == f
        missing += int((on & ~found).sum())
        counts += np.bincount(first[pos[found & on]], weights=w[found & on], minlength=usable).astype(np.int64)
    return counts, missing


@pytest.mark.parametrize("seed", range(3))
def test_native_weighted_multiplicities_equal_a_sort_based_count(seed):
    rng = np.random.default_rng(seed)
    n, usable = 1 << 12, (1 << 12) - 6
    table = rng.integers(-300, 300, size=n)
    inputs = [rng.integers(-400, 400, size=n) for _ in range(3)]
    # weight 0 on a third of the rows (their values need not be in the table), up to 2^32 − 1
    weights = [rng.integers(0, 5, size=usable) * (rng.random(usable) < 0.66),
               None, np.where(rng.random(usable) < 0.5, 0, (1 << 32) - 1)]
    counts, missing = _native.lookup_multiplicities(
        _native.FrVec.from_i64(table), [_native.FrVec.from_i64(f) for f in inputs], usable,
        [None if w is None else np.ascontiguousarray(w, dtype=np.int64) for w in weights])
    want_counts, want_missing = _weighted_reference(table, inputs, weights, usable)
    assert np.array_equal(counts, want_counts) and missing == want_missing > 0


def test_native_weighted_multiplicities_refuse_negative_weights_and_a_weight_list_of_another_length():
    t = _native.FrVec.from_i64(np.arange(8))
    f = _native.FrVec.from_i64(np.arange(8))
    with pytest.raises(ValueError, match="negative"):
        _native.lookup_multiplicities(t, [f], 8, [np.array([0, 1, -1, 0, 0, 0, 0, 0], np.int64)])
    with pytest.raises(ValueError, match="2 weight vectors for 1 inputs"):
        _native.lookup_multiplicities(t, [f], 8, [None, None])
