"""Hashing with EZKL's Poseidon: one digest per message, as EZKL's ``PoseidonChip::run``.

    poseidon_hash([128, 256, 384, 512])  -> [0x2369…81ab]   (EZKL's test vector)
    poseidon_hash([])                    -> []              (EZKL hashes nothing)
    hash_messages([a, b, …])             -> [digest(a), digest(b), …]  (in parallel)
    sponge_trace(message)                -> FrVec of the state at every round start

A message is a sequence of field elements: Python ints (reduced mod r, so a quantized −3 is
r − 3 as EZKL's ``i64_to_felt`` maps it) or an int64 numpy array. The sponge: state (0, 2^64);
for every element m, s₀ += m, then the permutation; the digest is s₀ (rate 1, so the
VariableLength padding is empty). The rounds run in ``ezk._native``; ``tests/native`` holds a
plain-int reference.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ezk import _native
from ezk.poseidon.spec import PoseidonSpec, ezkl_spec


def as_felts(message) -> "_native.FrVec":
    """A message as an FrVec: int64 arrays go through numpy, other sequences as Python ints."""
    if isinstance(message, _native.FrVec):
        return message
    arr = np.asarray(message) if not isinstance(message, (list, tuple)) else None
    if arr is not None and arr.dtype.kind in "iu" and arr.dtype != np.uint64:
        return _native.FrVec.from_i64(arr.reshape(-1).astype(np.int64, copy=False))
    return _native.FrVec.from_ints([int(v) for v in (message if arr is None else arr.reshape(-1).tolist())])


def hash_messages(messages: Sequence, spec: PoseidonSpec | None = None) -> list[int]:
    """One digest per message (an empty message hashes to the sponge's initial s₀ after no
    permutation; callers skip empty tensors as EZKL does)."""
    spec = spec or ezkl_spec()
    return list(_native.poseidon_hash([as_felts(m) for m in messages], *spec.native_args()))


def poseidon_hash(felts: Sequence[int], spec: PoseidonSpec | None = None) -> list[int]:
    """EZKL's ``poseidon_hash``: [digest] of the message, [] for an empty one."""
    if len(felts) == 0:
        return []
    return hash_messages([felts], spec)


def sponge_trace(message, spec: PoseidonSpec | None = None) -> "_native.FrVec":
    """2·(rounds·n + 1) elements: (s₀, s₁) at the start of every round of every permutation
    (after absorbing), then the final state, whose s₀ is the digest."""
    spec = spec or ezkl_spec()
    return _native.poseidon_trace(as_felts(message), *spec.native_args())
