"""Dynamic tables (lookups into advice columns, ezk.plonk.lookup): completeness, and the attacks
a prover who controls the witness and every proof byte can try — an input tuple that is not a
table row, an index into the switched-off rows, a table row changed after it was committed, a
lie in the multiplicities, tuples hidden in a table column's blinding rows — each named by the
mock where it concerns the witness, and none verifies."""

from __future__ import annotations

import dataclasses

import pytest

from ezk import _native
from ezk.errors import EzkError
from ezk.kzg import SRS
from ezk.plonk import ConstraintSystem, LookupFailure, Proof, VerifyingKey, keygen, mock, prove, verify
from ezk.plonk import lookup as logup
from ezk.plonk import prover as P
from ezk.plonk.budget import cache_budget
from ezk.plonk.polys import ProofPolynomials
from ezk.plonk.protocol import ArgumentCommitments, ProofTranscript
from tests.native import plonk_circuits as circuits


@pytest.fixture(scope="module")
def srs():
    return SRS.generate(7, seed=b"dynamic-lookups")


@pytest.fixture(scope="module")
def keys(srs):
    circuit, witness, instances, cols = circuits.dynamic_gather()
    pk, vk = keygen(circuit, srs)
    return circuit, witness, instances, cols, pk, vk


def _rejected(srs, keys, witness, **prove_args):
    _, _, instances, _, pk, vk = keys
    return not verify(vk, srs.verifier(), instances, prove(pk, srs, witness, **prove_args))


def test_dynamic_tables_prove_and_verify(srs, keys):
    circuit, witness, instances, _, pk, vk = keys
    assert mock(circuit, witness) == []
    proof = prove(pk, srs, witness)
    assert verify(vk, srs.verifier(), instances, proof)
    # the verifying key keeps the advice queries of the tables
    again = VerifyingKey.from_bytes(vk.to_bytes())
    assert again.cs.describe() == vk.cs.describe() and verify(again, srs.verifier(), instances, proof.to_bytes())


def test_an_input_that_is_not_a_table_row_is_named_and_not_provable(srs, keys):
    circuit, witness, *_ = keys
    bad = circuits.with_cells(witness, out=(5, int(witness.advice[circuit.cs.advice[2]][5]) + 1))
    failures = mock(circuit, bad)
    assert [(f.kind, f.name, f.row) for f in failures] == [("lookup", "gather", 5)]
    assert _rejected(srs, keys, bad)


def test_an_index_into_the_switched_off_rows_is_not_provable(srs, keys):
    # row 14 of d is past the table (tt = 0 there): writing the claimed value there does not help
    circuit, witness, *_ = keys
    bad = circuits.with_cells(witness, idx=(3, 14), out=(3, 777), d=(14, 777))
    assert [(f.name, f.row) for f in mock(circuit, bad)] == [("gather", 3)]
    assert _rejected(srs, keys, bad)


def test_a_tuple_in_the_blinding_rows_of_a_table_column_is_not_provable(srs, keys):
    # the tagless table (ka, kb): the prover puts the pair (ka, kb) = (5000, 6000) into the blinding
    # rows it chooses, and claims it on row 2; only usable rows are table rows
    circuit, witness, *_ = keys
    cols = {c.name: c for c in circuit.cs.columns}
    bad = circuits.with_cells(witness, a=(2, 5000), b=(2, 6000))
    failures = mock(circuit, bad)
    assert [(f.name, f.row) for f in failures] == [("pairs", 2)]
    d = circuit.domain
    blinding = {cols["ka"].index: [5000] * (d.n - d.usable), cols["kb"].index: [6000] * (d.n - d.usable)}
    assert _rejected(srs, keys, bad, advice_blinding=blinding)


def test_a_multiplicity_lie_is_not_provable(srs, keys, monkeypatch):
    # the missing tuple is counted against a table row of the prover's choosing (and, in a second
    # try, m is honest but for one extra count): the running sum cannot close either way
    circuit, witness, *_ = keys
    bad = circuits.with_cells(witness, out=(5, int(witness.advice[circuit.cs.advice[2]][5]) + 1))
    honest = logup.multiplicities

    def lying(cs, table, query, ch, usable, n):
        counts, missing = honest(cs, table, query, ch, usable, n)
        counts = counts.copy()
        counts[0] += missing  # credit every absent input to row 0
        return counts, 0

    monkeypatch.setattr(P.lookup, "multiplicities", lying)
    assert _rejected(srs, keys, bad)

    def extra(cs, table, query, ch, usable, n):
        counts, missing = honest(cs, table, query, ch, usable, n)
        counts = counts.copy()
        counts[3] += 1
        return counts, missing

    monkeypatch.setattr(P.lookup, "multiplicities", extra)
    assert _rejected(srs, keys, witness)


def _prove_with_table_changed_after_commitment(pk, srs, committed, changed):
    """The prover's rounds (ezk.plonk.prover.prove) with every advice column committed from
    ``committed``, then — once θ is known — every later round computed from ``changed``."""
    vk, d = pk.vk, pk.vk.domain
    cs = vk.cs
    fs = ProofTranscript(vk, [])
    polys = ProofPolynomials(pk, d, cache_budget(pk, None))
    blinding = {c.index: _native.FrVec.random(d.n - d.usable) for c in cs.advice}
    values = committed.phase_advice(cs, d, 0, {})
    advice = [P.round_advice(pk, srs, 0, values, polys, blinding)]
    ch = fs.round_advice(advice[0])
    for c, v in zip(cs.advice_in_phase(0), changed.phase_advice(cs, d, 0, {})):
        polys.add_advice(c.index, v, blinding[c.index])
    polys.clear()
    ms = P.round_multiplicities(pk, srs, polys, ch)
    ch = fs.round_multiplicities(ms)
    zs = P.round_permutation(pk, srs, polys, ch)
    phis = P.round_lookup_sums(pk, srs, polys, ch)
    args = ArgumentCommitments(zs, phis)
    fs.round_arguments(args)
    rnd = P.round_random(pk, srs, polys)
    ch = fs.round_random(rnd)
    h, pieces = P.round_quotient(pk, srs, polys, ch)
    ch = fs.round_quotient(h)
    evals = P.round_evaluations(pk, polys, ch.x)
    t = fs.round_evaluations(evals)
    opening = P.round_opening(pk, srs, polys, evals, pieces, ch.x, t)
    return Proof.from_messages(advice, ms, args, rnd, h, evals, opening)


def test_a_table_row_changed_after_it_was_committed_is_not_provable(srs, keys):
    circuit, witness, instances, cols, pk, vk = keys
    j = int(witness.advice[cols["idx"]][5])
    wrong = int(witness.advice[cols["out"]][5]) + 1
    committed = circuits.with_cells(witness, out=(5, wrong))  # the claim, with the honest table
    changed = circuits.with_cells(committed, d=(j, wrong))  # the table that would make it true, after θ
    assert all(not (f.name == "gather" and f.row == 5) for f in mock(circuit, changed))
    proof = _prove_with_table_changed_after_commitment(pk, srs, committed, changed)
    assert not verify(vk, srs.verifier(), instances, proof)
    # the same rounds with nothing changed give a valid proof: only the change is rejected
    honest = _prove_with_table_changed_after_commitment(pk, srs, witness, witness)
    assert verify(vk, srs.verifier(), instances, honest)


def test_rotated_advice_or_instance_table_queries_are_refused():
    cs = ConstraintSystem()
    a, t = cs.advice_column("a"), cs.advice_column("t")
    inst = cs.instance_column("i")
    with pytest.raises(EzkError, match="rotation 0"):
        cs.lookup("rotated", [a.cur()], [t.next()])
    with pytest.raises(EzkError, match="rotation 0"):
        cs.lookup("instance", [a.cur()], [inst.cur()])
    cs.lookup("fine", [a.cur()], [t.cur()])


# a dynamic table in a later phase (ezk.plonk's phases): t = a + u·b is committed in phase 1,
# after the challenge u; θ and β come after every phase, so the same argument holds

@pytest.fixture(scope="module")
def two_phase(srs):
    circuit, witness, instances, cols = circuits.dynamic_two_phase()
    pk, vk = keygen(circuit, srs)
    return circuit, witness, instances, cols, pk, vk


def test_a_phase_one_dynamic_table_proves_and_verifies(srs, two_phase):
    circuit, witness, instances, cols, pk, vk = two_phase
    assert circuit.cs.num_phases == 2 and cols["t"] in circuit.cs.advice_in_phase(1)
    assert mock(circuit, witness) == []
    assert verify(vk, srs.verifier(), instances, prove(pk, srs, witness))


def test_a_pair_outside_a_phase_one_table_is_named_and_not_provable(srs, two_phase):
    circuit, _, instances, _, pk, vk = two_phase
    _, forged, *_ = circuits.dynamic_two_phase(forged_row=7)
    assert [(f.kind, f.name, f.row) for f in mock(circuit, forged)] == [("lookup", "pairs", 7)]
    assert not verify(vk, srs.verifier(), instances, prove(pk, srs, forged))


def test_a_phase_one_table_row_forged_to_hold_the_input_is_not_provable(srs, two_phase):
    # the prover writes the forged input's compressed value into table row 0 (phase 1, after u):
    # the lookup then holds on row 7 (rows that used pair 0 now fail), the gate that ties t to
    # the phase-0 pairs does not
    circuit, _, instances, cols, pk, vk = two_phase
    _, forged, *_ = circuits.dynamic_two_phase(forged_row=7)
    t, f = cols["t"], cols["f"]

    def later(phase, challenges):
        out = dict(forged.later(phase, challenges))
        tv = out[t].to_ints()
        tv[0] = out[f].to_ints()[7]
        out[t] = _native.FrVec.from_ints(tv)
        return out

    bad = dataclasses.replace(forged, later=later)
    failures = [(f.kind, f.name, f.row) for f in mock(circuit, bad)]
    assert ("gate", "compress[table]", 0) in failures and ("lookup", "pairs", 7) not in failures
    assert not verify(vk, srs.verifier(), instances, prove(pk, srs, bad))
