"""Weighted lookups (ezk.plonk.lookup): rows of weight 0 are not looked up, the others count w
times. The attacks a prover who controls the witness and every proof byte can try — a tuple
outside the table on a row of nonzero weight, unweighted multiplicities — are named by the mock
where they concern the witness and never verify; weights the argument cannot make sound (over
advice, negative, ≥ 2^32) are refused when the circuit is built or keyed."""

from __future__ import annotations


import numpy as np
import pytest

from ezk import _native
from ezk.errors import EzkError
from ezk.kzg import SRS
from ezk.plonk import Proof, VerifyingKey, keygen, mock, prove, verify
from ezk.plonk import lookup as logup
from ezk.plonk import prover as P
from tests.native import plonk_circuits as circuits


@pytest.fixture(scope="module")
def srs():
    return SRS.generate(7, seed=b"weighted-lookups")


@pytest.fixture(scope="module")
def keys(srs):
    circuit, witness, instances, cols = circuits.weighted_lookups()
    pk, vk = keygen(circuit, srs)
    return circuit, witness, instances, cols, pk, vk


def _verifies(srs, vk, instances, witness, pk) -> bool:
    return verify(vk, srs.verifier(), instances, prove(pk, srs, witness))


def test_weighted_lookups_prove_and_verify_with_garbage_on_weight_zero_rows(srs, keys):
    circuit, witness, instances, cols, pk, vk = keys
    tags = np.asarray(circuit.fixed[cols["tag"]])
    a = np.asarray(witness.advice[cols["a"]])
    assert (tags == 0).any() and (a[tags == 0] >= 1000).all()  # rows of weight 0 hold values in no table row
    assert mock(circuit, witness) == []
    proof = prove(pk, srs, witness)
    assert verify(vk, srs.verifier(), instances, proof)
    again = VerifyingKey.from_bytes(vk.to_bytes())  # the weight travels in the key
    assert again.cs.describe() == vk.cs.describe() and "weight tag@0" in again.cs.describe()
    assert verify(again, srs.verifier(), instances, Proof.from_bytes(proof.to_bytes()))


def test_a_weighted_tuple_outside_the_table_is_named_and_not_provable(srs, keys):
    circuit, witness, instances, cols, pk, vk = keys
    # row 0 has tag 1: (1, a, a² mod 97) with b off by one; row 1 has tag 2 (weight 2)
    for row in (0, 1):
        bad = circuits.with_cells(witness, b=(row, int(np.asarray(witness.advice[cols["b"]])[row]) + 1))
        assert [(f.kind, f.name, f.row) for f in mock(circuit, bad)] == [("lookup", "tagged", row)]
        assert not _verifies(srs, vk, instances, bad, pk)
    # a tag-1 row claiming a tag-2 table row: the tag in the tuple keeps tables apart
    bad = circuits.with_cells(witness, a=(0, 3), b=(0, 103))
    assert [(f.name, f.row) for f in mock(circuit, bad)] == [("tagged", 0)]
    assert not _verifies(srs, vk, instances, bad, pk)


def test_the_same_garbage_on_a_row_of_weight_one_is_named_and_not_provable(srs):
    # row 2 (tag 0 in the honest circuit, garbage (1002, −7)) switched on with weight 1
    circuit, witness, instances, _ = circuits.weighted_lookups(tag_changes={2: 1})
    assert [(f.kind, f.name, f.row) for f in mock(circuit, witness)] == [("lookup", "tagged", 2)]
    pk, vk = keygen(circuit, srs)
    assert not _verifies(srs, vk, instances, witness, pk)


def test_unweighted_multiplicities_are_not_provable(srs, keys, monkeypatch):
    # m counting every looked-up row once (weights ignored, weight-0 rows skipped as a sound
    # prover would): the weight-2 rows are under-counted, the running sum cannot close
    circuit, witness, instances, cols, pk, vk = keys

    def unweighted(cs, table, query, ch, usable, n):
        t = logup._const_vec(logup.compress(table.table, query, ch.challenge, ch.theta), n)
        inputs = [logup._const_vec(logup.compress(cs.lookups[i].inputs, query, ch.challenge, ch.theta), n)
                  for i in table.lookups]
        ones = [None if w is None else (w != 0).astype(np.int64)
                for w in (logup.weight_values(cs.lookups[i], query, usable, n) for i in table.lookups)]
        return _native.lookup_multiplicities(t, inputs, usable, ones)

    monkeypatch.setattr(P.lookup, "multiplicities", unweighted)
    assert not _verifies(srs, vk, instances, witness, pk)
    # and counting the weight-0 rows too (plain counts over every row) fails as well
    monkeypatch.setattr(P.lookup, "multiplicities", lambda cs, table, query, ch, usable, n: _native.lookup_multiplicities(
        logup._const_vec(logup.compress(table.table, query, ch.challenge, ch.theta), n),
        [logup._const_vec(logup.compress(cs.lookups[i].inputs, query, ch.challenge, ch.theta), n) for i in table.lookups],
        usable))
    assert not _verifies(srs, vk, instances, witness, pk)


@pytest.mark.parametrize("weight", [-1, 1 << 32, 1 << 40])
def test_a_negative_or_huge_weight_is_refused_at_keygen_and_by_the_mock(srs, weight):
    circuit, witness, *_ = circuits.weighted_lookups(tag_changes={4: weight})
    with pytest.raises(EzkError, match=r"lookup 'tagged': its weight on row 4 is not an integer in \[0, 2\^32\)"):
        keygen(circuit, srs)
    with pytest.raises(EzkError, match="row 4"):
        mock(circuit, witness)


def test_the_largest_weight_is_keyed(srs):
    # 2^32 − 1 on a row whose tuple is a table row: keyed, and counted 2^32 − 1 times in m
    circuit, witness, instances, _ = circuits.weighted_lookups(tag_changes={4: (1 << 32) - 1})
    assert [(f.name, f.row) for f in mock(circuit, witness)] == [("tagged", 4)]  # tag ≠ 1, 2: no table row
    pk, vk = keygen(circuit, srs)
    assert not _verifies(srs, vk, instances, witness, pk)
