"""EZKL's Poseidon (ezk.poseidon): EZKL's test vector, constants as EZKL hard-codes them, the
native sponge against a plain-int reference, and the round trace the circuit gadget uses."""

from __future__ import annotations

import numpy as np
import pytest

from ezk import _native
from ezk.poseidon import ezkl_spec, hash_messages, poseidon_hash, sponge_trace
from ezk.poseidon.hashed import felt_big_endian, felt_hex
from ezk.poseidon.spec import R, generate
from tests.native import poseidon_ref as ref


def test_ezkl_test_vector():
    """tests/python/binding_tests.py::test_poseidon_hash in EZKL: float_to_felt(v, 7) for
    v = 1, 2, 3, 4 are 128, 256, 384, 512."""
    (digest,) = poseidon_hash([128, 256, 384, 512])
    assert felt_big_endian(digest) == "0x2369898875588bf49b6539376b09705ea69aee318a58e6fcc1e68fc3e7ad81ab"
    assert felt_hex(digest) == bytes.fromhex(felt_big_endian(digest)[2:])[::-1].hex()


def test_constants_match_ezkl_poseidon_params():
    """First and last round constants and the MDS as in EZKL's poseidon_params.rs (from_raw
    limbs, least significant first), generated here by the Grain LFSR."""
    spec = ezkl_spec()
    assert (spec.width, spec.full_rounds, spec.partial_rounds, spec.capacity) == (2, 8, 56, 1 << 64)
    assert len(spec.round_constants) == 64

    def raw(*limbs):
        return sum(l << (64 * i) for i, l in enumerate(limbs))

    assert spec.round_constants[0][0] == raw(0x6c7dc0dbd0abd7a7, 0xa71aa177534cdd1b, 0xfe1faaba294cba38, 0x09c46e9ec68e9bd4)
    assert spec.round_constants[0][1] == raw(0x3c1d83ffa604cb81, 0xc5142b3ae405b834, 0x2a97ed937f3135cf, 0x0c0356530896eec4)
    assert spec.mds[0][0] == raw(0xbceca70bd2af7ad5, 0xaf07f38af8c952a7, 0xec10345351a23a3a, 0x066f6f85d6f68a85)
    assert spec.mds[0][1] == raw(0x05462b9f8125b1e8, 0x20a7c02bbd8bea73, 0x7782e1509b1d0fdb, 0x2b9d4b4110c9ae99)
    assert all(0 <= c < R for row in spec.round_constants for c in row)
    # a Cauchy matrix: invertible
    (a, b), (c, d) = spec.mds
    assert (a * d - b * c) % R != 0


def test_empty_message_hashes_to_nothing():
    assert poseidon_hash([]) == []


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_native_sponge_matches_the_reference(n):
    rng = np.random.default_rng(n)
    msg = [int(v) for v in rng.integers(-(1 << 40), 1 << 40, size=n)] + [R - 1]
    spec = ezkl_spec()
    want, _ = ref.sponge(spec, [m % R for m in msg])
    assert poseidon_hash(msg) == [want]
    # int64 arrays map negatives to r − |x| as EZKL's i64_to_felt does
    small = np.array(msg[:-1], dtype=np.int64)
    assert hash_messages([small]) == [ref.sponge(spec, [int(m) % R for m in small])[0]]


def test_many_messages_at_once_equal_one_by_one():
    rng = np.random.default_rng(3)
    msgs = [rng.integers(-1000, 1000, size=s) for s in (1, 4, 9, 2)]
    assert hash_messages(msgs) == [poseidon_hash([int(v) for v in m])[0] for m in msgs]


def test_other_specs_follow_the_same_generation():
    """The generator is the reference's for any (t, R_F, R_P): width 2 with other round counts
    runs natively too, and the native sponge agrees with the reference on it."""
    spec = generate(2, 4, 6)
    msg = [5, R - 7, 11]
    assert hash_messages([msg], spec) == [ref.sponge(spec, msg)[0]]
    assert spec.round_constants[0] != ezkl_spec().round_constants[0]  # the seed holds R_F, R_P


def test_trace_holds_every_round_start():
    spec = ezkl_spec()
    msg = [3, -4, 5]
    tr = sponge_trace(np.array(msg, dtype=np.int64)).to_ints()
    assert len(tr) == 2 * (64 * len(msg) + 1)
    digest, starts = ref.sponge(spec, [m % R for m in msg])
    for p, st in enumerate(starts[:-1]):
        assert tr[2 * 64 * p: 2 * 64 * p + 2] == st  # the state a permutation starts from
    assert tr[-2:] == starts[-1] and tr[-2] == digest
    # the second round start: the state after round 0 (a full round) of the first permutation
    s = starts[0]
    x0 = pow((s[0] + spec.round_constants[0][0]) % R, 5, R)
    x1 = pow((s[1] + spec.round_constants[0][1]) % R, 5, R)
    assert tr[2:4] == [(spec.mds[i][0] * x0 + spec.mds[i][1] * x1) % R for i in range(2)]


def test_bad_spec_is_one_clear_error():
    rc, mds, cap, rf = ezkl_spec().native_args()
    with pytest.raises(ValueError, match="MDS"):
        _native.poseidon_hash([_native.FrVec.from_ints([1])], rc, _native.FrVec.from_ints([1, 2]), cap, rf)
    with pytest.raises(ValueError, match="round constants"):
        _native.poseidon_hash([_native.FrVec.from_ints([1])], _native.FrVec.from_ints([1, 2, 3]), mds, cap, rf)
