"""PLONK end to end: completeness on the example circuits, soundness, zero-knowledge randomness."""

from __future__ import annotations

import numpy as np
import pytest

from ezk import _native
from ezk.errors import EzkError
from ezk.kzg import SRS
from ezk.plonk import Proof, Witness, keygen, mock, prove, verify
from tests.native import plonk_circuits as circuits


@pytest.fixture(scope="module")
def srs():
    return SRS.generate(9, seed=b"plonk-tests")


@pytest.fixture(scope="module")
def fib(srs):
    circuit, witness, instances = circuits.fibonacci()
    pk, vk = keygen(circuit, srs)
    return circuit, witness, instances, pk, vk, prove(pk, srs, witness)


@pytest.mark.parametrize("build", [circuits.fibonacci, circuits.multiply_accumulate, circuits.lookups])
def test_completeness(srs, build):
    circuit, witness, instances = build()
    assert mock(circuit, witness) == []
    pk, vk = keygen(circuit, srs)
    proof = prove(pk, srs, witness)
    assert verify(vk, srs.verifier(), instances, proof)
    assert verify(vk, srs.verifier(), instances, proof.to_bytes())


def test_every_sampled_byte_change_is_rejected(srs, fib):
    _, _, instances, _, vk, proof = fib
    data = proof.to_bytes()
    rng = np.random.default_rng(7)
    positions = rng.choice(len(data), size=min(len(data), 240), replace=False)
    vsrs = srs.verifier()
    assert verify(vk, vsrs, instances, data)
    for pos in positions:
        bad = bytearray(data)
        bad[pos] ^= int(rng.integers(1, 256))
        assert not verify(vk, vsrs, instances, bytes(bad)), f"byte {pos} changed and still verified"


def test_truncated_or_extended_proof_is_rejected(srs, fib):
    _, _, instances, _, vk, proof = fib
    data = proof.to_bytes()
    assert not verify(vk, srs.verifier(), instances, data[:-1])
    assert not verify(vk, srs.verifier(), instances, data + b"\x00")
    assert not verify(vk, srs.verifier(), instances, b"")


def test_wrong_instance_is_rejected(srs, fib):
    _, _, instances, _, vk, proof = fib
    wrong = [instances[0].copy()]
    wrong[0][2] += 1
    assert not verify(vk, srs.verifier(), wrong, proof)


def test_instances_must_have_exactly_the_keys_length(srs, fib):
    """Fewer values (zeros read in their place) or extra values (bound by nothing) are refused."""
    _, _, instances, _, vk, proof = fib
    assert vk.instance_lengths == (len(instances[0]),)
    for bad in ([instances[0][:2]], [np.concatenate([instances[0], [0]])], [np.concatenate([instances[0], [5, 7]])]):
        assert not verify(vk, srs.verifier(), bad, proof)
    with pytest.raises(EzkError, match="for 1 instance columns, got 2"):
        verify(vk, srs.verifier(), [instances[0], instances[0]], proof)


def test_broken_gate_is_named_and_not_provable(srs, fib):
    circuit, witness, instances, pk, vk, _ = fib
    a, b, c = circuit.cs.advice
    cv = np.array(witness.advice[c]).copy()
    cv[4] += 1
    bad = Witness(advice={a: witness.advice[a], b: witness.advice[b], c: cv}, instance=witness.instance)
    failures = mock(circuit, bad)
    gates = [f for f in failures if f.kind == "gate"]
    assert [(f.name, f.row) for f in gates] == [("fib", 4)]
    assert gates[0].values["c@0"] == cv[4] and gates[0].values["a@0"] == witness.advice[a][4]
    assert any(f.kind == "copy" for f in failures)  # c[4] no longer equals b[5]
    assert not verify(vk, srs.verifier(), instances, prove(pk, srs, bad))


def test_broken_copy_alone_is_not_provable(srs, fib):
    circuit, witness, instances, pk, vk, _ = fib
    a, b, c = circuit.cs.advice
    # shift the whole sequence consistently so every gate holds but the copies into a do not
    av = np.array(witness.advice[a]).copy()
    av[3] += 5
    cv = np.array(witness.advice[c]).copy()
    cv[3] += 5
    bad = Witness(advice={a: av, b: witness.advice[b], c: cv}, instance=witness.instance)
    failures = mock(circuit, bad)
    assert failures and all(f.kind == "copy" for f in failures)
    assert not verify(vk, srs.verifier(), instances, prove(pk, srs, bad))


def test_lookup_miss_is_named_and_not_provable(srs):
    circuit, witness, instances = circuits.lookups()
    cs = circuit.cs
    v = cs.advice[0]
    vals = np.array(witness.advice[v]).copy()
    vals[7] = 300
    advice = dict(witness.advice)
    advice[v] = vals
    bad = Witness(advice=advice)
    failures = mock(circuit, bad)
    assert [(f.kind, f.name, f.row) for f in failures] == [("lookup", "range8_v", 7)]
    assert list(failures[0].values.values()) == [300]
    pk, vk = keygen(circuit, srs)
    assert not verify(vk, srs.verifier(), instances, prove(pk, srs, bad))


def test_two_input_lookup_miss(srs):
    circuit, witness, _ = circuits.lookups()
    p, sq = circuit.cs.advice[2], circuit.cs.advice[3]
    advice = dict(witness.advice)
    sqv = np.array(advice[sq]).copy()
    sqv[0] = (sqv[0] + 1) % 17
    advice[sq] = sqv
    failures = mock(circuit, Witness(advice=advice))
    assert [(f.name, f.row) for f in failures] == [("square_mod17", 0)]


def test_two_proofs_of_the_same_statement_differ(srs, fib):
    _, witness, instances, pk, vk, proof = fib
    again = prove(pk, srs, witness)
    assert again.to_bytes() != proof.to_bytes()
    assert again.advice != proof.advice  # blinding rows hide the witness
    assert verify(vk, srs.verifier(), instances, again)


def test_proof_roundtrip(fib):
    proof = fib[-1]
    assert Proof.from_bytes(proof.to_bytes()) == proof


def test_gate_without_selector_is_reported_on_blinding_rows():
    from ezk.plonk import Circuit, ConstraintSystem
    cs = ConstraintSystem()
    a, b = cs.advice_column("a"), cs.advice_column("b")
    cs.create_gate("unselected", [a.cur() - b.cur()])
    circuit = Circuit(cs=cs, k=4)
    failures = mock(circuit, Witness(advice={a: np.arange(5), b: np.arange(5)}))
    u = circuit.domain.usable
    assert failures and all(f.name == "unselected" and f.row >= u and f.note for f in failures)


def test_instance_queried_in_a_gate(srs):
    from ezk.plonk import Circuit, ConstraintSystem
    cs = ConstraintSystem()
    a = cs.advice_column("a")
    s = cs.selector("s")
    pub = cs.instance_column("pub")
    cs.create_gate("double_next", [s.cur() * (a.next() - 2 * pub.cur())])
    circuit = Circuit(cs=cs, k=4, fixed={s: np.ones(4, dtype=np.int64)}, instance_lengths={pub: 4})
    pubv = np.array([3, -4, 5, 100])
    av = np.concatenate([[0], 2 * pubv])
    pk, vk = keygen(circuit, srs)
    witness = Witness(advice={a: av}, instance={pub: pubv})
    assert mock(circuit, witness) == []
    proof = prove(pk, srs, witness)
    assert verify(vk, srs.verifier(), [pubv], proof)
    assert verify(vk, srs.verifier(), {pub: pubv}, proof)
    assert not verify(vk, srs.verifier(), [pubv + np.array([0, 0, 1, 0])], proof)


def test_garbage_proof_bytes_raise_artifact_error():
    from ezk.errors import ArtifactError
    for garbage in (b"", b"nonsense", b"ezk-plonk-proof\x01" + b"\xff" * 40):
        with pytest.raises(ArtifactError):
            Proof.from_bytes(garbage)


def test_proof_for_another_key_is_rejected(srs, fib):
    _, _, instances, _, _, proof = fib
    circuit, _, _ = circuits.fibonacci(steps=11)
    other_vk = keygen(circuit, srs)[1]
    assert not verify(other_vk, srs.verifier(), instances, proof)
