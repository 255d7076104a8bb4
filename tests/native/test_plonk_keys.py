"""Keys: deterministic copy cycles, serialisation round trips, corrupt artifacts."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.errors import ArtifactError, EzkError
from ezk.kzg import SRS
from ezk.plonk import Circuit, ProvingKey, VerifyingKey, keygen, prove, verify
from ezk.plonk.permutation import build_sigma, connected_components
from tests.native import plonk_circuits as circuits


@pytest.fixture(scope="module")
def srs():
    return SRS.generate(9, seed=b"plonk-keys")


def test_shuffled_copies_give_identical_keys(srs):
    circuit, _, _ = circuits.fibonacci()
    pk, vk = keygen(circuit, srs)
    rng = np.random.default_rng(3)
    copies = circuit.copies[rng.permutation(len(circuit.copies))].copy()
    flip = rng.random(len(copies)) < 0.5
    copies[flip] = copies[flip][:, [2, 3, 0, 1]]
    shuffled = Circuit(cs=circuit.cs, k=circuit.k, fixed=circuit.fixed, copies=copies)
    pk2, vk2 = keygen(shuffled, srs)
    assert vk2.to_bytes() == vk.to_bytes() and vk2.digest == vk.digest
    assert pk2.to_bytes() == pk.to_bytes()


def test_sigma_is_one_cycle_per_component():
    class C:  # stand-in columns with global indices
        def __init__(self, i):
            self.index = i
    cols = [C(0), C(2)]
    n = 8
    copies = np.array([[0, 1, 2, 5], [2, 5, 0, 3], [2, 7, 2, 0], [0, 3, 0, 1]])
    sigma = build_sigma(copies, cols, n).astype(np.int64).ravel()
    # component {1, 3, 13} and {8, 15}; everything else fixed
    assert sigma[1] == 3 and sigma[3] == 13 and sigma[13] == 1
    assert sigma[8] == 15 and sigma[15] == 8
    others = np.setdiff1d(np.arange(2 * n), [1, 3, 13, 8, 15])
    assert (sigma[others] == others).all()


def test_connected_components_of_a_long_chain():
    size = 5000
    rng = np.random.default_rng(0)
    order = rng.permutation(size)
    a, b = order[:-1], order[1:]
    label = connected_components(a, b, size)
    assert (label == 0).all()


def test_key_roundtrip_and_proving_from_decoded_key(srs):
    circuit, witness, instances = circuits.multiply_accumulate()
    pk, vk = keygen(circuit, srs)
    pk2 = ProvingKey.from_bytes(pk.to_bytes())
    vk2 = VerifyingKey.from_bytes(vk.to_bytes())
    assert vk2.to_bytes() == vk.to_bytes() and pk2.to_bytes() == pk.to_bytes()
    assert vk2.cs.describe() == vk.cs.describe()
    proof = prove(pk2, srs, witness)
    assert verify(vk2, srs.verifier(), instances, proof)
    assert verify(vk, srs.verifier(), instances, proof)


@pytest.mark.parametrize("garbage", [b"", b"junk", b"\x00" * 100])
def test_garbage_keys_raise_artifact_error(garbage):
    with pytest.raises(ArtifactError):
        VerifyingKey.from_bytes(garbage)
    with pytest.raises(ArtifactError):
        ProvingKey.from_bytes(garbage)


def test_corrupted_vk_bytes_raise_or_change_digest(srs):
    circuit, _, _ = circuits.lookups()
    vk = keygen(circuit, srs)[1]
    data = vk.to_bytes()
    rng = np.random.default_rng(5)
    for pos in rng.choice(len(data), size=60, replace=False):
        bad = bytearray(data)
        bad[pos] ^= 0x41
        try:
            vk2 = VerifyingKey.from_bytes(bytes(bad))
        except ArtifactError:
            continue
        assert vk2.digest != vk.digest


def test_bad_copies_are_clear_errors(srs):
    circuit, _, _ = circuits.fibonacci()
    cs = circuit.cs
    s = cs.fixed[0]
    with pytest.raises(EzkError, match="not equality-enabled"):
        keygen(Circuit(cs=cs, k=circuit.k, fixed=circuit.fixed, copies=np.array([[s.index, 0, 0, 1]])), srs)
    with pytest.raises(EzkError, match="usable rows"):
        keygen(Circuit(cs=cs, k=circuit.k, fixed=circuit.fixed, copies=np.array([[0, 0, 1, 31]])), srs)


def test_srs_too_small(srs):
    circuit, _, _ = circuits.fibonacci(k=10)
    with pytest.raises(EzkError, match="SRS"):
        keygen(circuit, srs)


def _reference_sigma(copies, p, n):
    """Plain union-find, then each component's sorted cells form one cycle."""
    parent = list(range(p * n))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for ca, ra, cb, rb in copies:
        x, y = find(ca * n + ra), find(cb * n + rb)
        if x != y:
            parent[max(x, y)] = min(x, y)
    comps = {}
    for cell in range(p * n):
        comps.setdefault(find(cell), []).append(cell)
    sigma = list(range(p * n))
    for cells in comps.values():
        for i, cell in enumerate(cells):
            sigma[cell] = cells[(i + 1) % len(cells)]
    return sigma


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 7), st.integers(0, 2), st.integers(0, 7)),
                max_size=30), st.randoms(use_true_random=False))
def test_sigma_matches_reference_in_any_order(copies, rnd):
    class C:
        def __init__(self, i):
            self.index = i
    cols = [C(0), C(1), C(2)]
    expected = _reference_sigma(copies, 3, 8)
    shuffled = list(copies)
    rnd.shuffle(shuffled)
    arr = np.array(shuffled, dtype=np.int64).reshape(-1, 4)
    assert build_sigma(arr, cols, 8).astype(np.int64).ravel().tolist() == expected
