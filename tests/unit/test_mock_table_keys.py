"""The mock's table membership (`mock._Known`): exact, including keys whose low 64 bits collide
with a table row they are not equal to."""

import numpy as np

from ezk.plonk.lookup import _KEY
from ezk.plonk.mock import _Known


def _keys(rows):
    return np.array([tuple(r) for r in rows], dtype=_KEY)


def test_membership_is_exact_when_low_limbs_collide():
    table = _keys([(5, 1, 0, 0), (5, 2, 0, 0), (9, 0, 0, 0), (1, 7, 7, 7), (5, 3, 0, 1)])
    keys = _keys([(5, 2, 0, 0), (5, 3, 0, 1), (5, 4, 0, 0), (9, 0, 0, 0), (9, 0, 0, 1), (2, 0, 0, 0),
                  (1, 7, 7, 7), (10, 0, 0, 0), (0, 0, 0, 0)])
    got = _Known(table).contains(keys)
    assert got.tolist() == [True, True, False, True, False, False, True, False, False]


def test_membership_agrees_with_a_set_on_random_rows():
    rng = np.random.default_rng(3)
    raw = rng.integers(0, 4, size=(400, 4), dtype=np.uint64)  # small limbs: many collisions
    table, keys = _keys(raw[:250]), _keys(raw[150:])
    want = [tuple(k) in {tuple(t) for t in raw[:250]} for k in raw[150:]]
    assert _Known(table).contains(keys).tolist() == want
    assert not _Known(_keys([])).contains(keys).any()
