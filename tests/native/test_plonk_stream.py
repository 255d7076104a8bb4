"""The streaming prover: compact polynomial sources, a bounded coefficient cache, the streamed
GWC opening (byte-identical to ``batch_open``), per-column σ and keygen's compact key."""

from __future__ import annotations

import numpy as np
import pytest

from ezk import _native
from ezk.kzg import SRS, ProverQuery, batch_open, commit
from ezk.kzg.opening import batch_open_stream
from ezk.plonk import keygen, permutation, prove, verify
from ezk.plonk.keygen import ProvingKey
from ezk.plonk.polys import ProofPolynomials
from ezk.plonk.proof import Proof
from ezk.transcript import Transcript
from tests.native import plonk_circuits as circuits

R = _native.MODULUS


def ints(v):
    return v.to_ints()


@pytest.fixture(scope="module")
def srs():
    return SRS.generate(9, seed=b"plonk-stream")


def test_streamed_opening_equals_batch_open_byte_for_byte(srs):
    polys = {name: _native.FrVec.random(size, name.encode()) for name, size in
             (("a", 64), ("b", 40), ("c", 64), ("d", 1), ("e", 17))}
    z1, z2, z3 = 5, 77, 12345
    plan = [(z1, "a"), (z2, "a"), (z1, "b"), (z3, "c"), (z2, "d"), (z1, "e"), (z1, "a"), (z3, "b")]
    claims = [(z, key, _native.poly_eval(polys[key], z)) for z, key in plan]
    t_ref, t_new = Transcript(b"gwc"), Transcript(b"gwc")
    for t in (t_ref, t_new):
        t.absorb_points(b"c", [commit(srs, p) for p in polys.values()])
    want = batch_open(srs, [ProverQuery(z, polys[key], e) for z, key, e in claims], t_ref)
    produced = []
    got = batch_open_stream(srs, claims, lambda key: produced.append(key) or polys[key], t_new)
    assert [w.to_bytes() for w in got] == [w.to_bytes() for w in want]
    assert t_new.squeeze_challenge(b"next") == t_ref.squeeze_challenge(b"next")
    assert sorted(produced) == ["a", "b", "c", "d", "e"]  # each polynomial produced once


def test_streamed_opening_rejects_a_wrong_claim(srs):
    p = _native.FrVec.random(32, b"p")
    with pytest.raises(Exception, match="wrong evaluation"):
        batch_open_stream(srs, [(3, "p", (_native.poly_eval(p, 3) + 1) % R)], lambda key: p, Transcript(b"x"))


def test_sigma_column_equals_the_identity_table_gather():
    circuit = circuits.multiply_accumulate()[0]
    d = circuit.domain
    sigma = permutation.build_sigma(circuit.copy_array(), circuit.cs.permutation_columns, d.n)
    ids = permutation.identity_values(sigma.shape[0], d.n)
    for j in range(sigma.shape[0]):
        assert permutation.sigma_column(sigma, j, d.n) == ids.gather(sigma[j].astype(np.int64))


@pytest.mark.parametrize("build", [circuits.fibonacci, circuits.multiply_accumulate, circuits.lookups])
def test_proofs_verify_with_every_coefficient_recomputed_or_cached(srs, build):
    circuit, witness, instances = build()
    pk, vk = keygen(circuit, srs)
    for budget in (0, 1 << 30):
        proof = prove(pk, srs, witness, cache_bytes=budget)
        assert verify(vk, srs.verifier(), instances, Proof.from_bytes(proof.to_bytes()))


def test_cache_budget_bounds_what_is_kept_and_recomputes_the_rest(srs):
    circuit, _, _ = circuits.fibonacci()
    pk, _ = keygen(circuit, srs)
    d = pk.vk.domain
    fixed = pk.vk.cs.fixed
    fixed_keys = [("col", c.index) for c in fixed]
    none = ProofPolynomials(pk, d, 0)
    one = ProofPolynomials(pk, d, d.n * 32)
    for store in (none, one):
        for _ in range(2):
            for c, key in zip(fixed, fixed_keys):
                assert store.coeffs(key) == _native.intt(pk.fixed_column(c.kind_index))
    assert none.intts == 2 * len(fixed_keys)
    assert one.intts == 2 * len(fixed_keys) - 1  # the first one stayed in the cache


def test_values_on_h_are_kept_within_the_budget_until_dropped(srs):
    """Values on H are built once and reused until ``drop_row_values`` (the same field elements
    as a rebuild), within the shared byte budget, and re-registering a column drops its stale
    values."""
    circuit, _, _ = circuits.fibonacci()
    pk, _ = keygen(circuit, srs)
    d = pk.vk.domain
    fixed = [("col", c.index) for c in pk.vk.cs.fixed]
    advice = pk.vk.cs.advice[0].index
    blind = _native.FrVec.random(d.n - d.usable, b"blind")
    one = ProofPolynomials(pk, d, d.n * 32)
    assert one.values(fixed[0]) is one.values(fixed[0]) and one.cached_bytes == d.n * 32
    assert one.values(fixed[0]) == pk.fixed_column(pk.vk.cs.fixed[0].kind_index)
    if len(fixed) > 1:  # over the budget: rebuilt on every call
        assert one.values(fixed[1]) is not one.values(fixed[1])
    polys = ProofPolynomials(pk, d, 1 << 30)
    polys.add_advice(advice, np.arange(5, dtype=np.int64), blind)
    first = polys.values(("col", advice))
    assert polys.values(("col", advice)) is first
    assert ints(first) == [0, 1, 2, 3, 4] + [0] * (d.usable - 5) + ints(blind)
    assert polys.coeffs(("col", advice)) == _native.intt(first)
    polys.add_advice(advice, np.arange(7, 0, -1, dtype=np.int64), blind)
    again = polys.values(("col", advice))
    assert ints(again)[:8] == [7, 6, 5, 4, 3, 2, 1, 0]
    assert polys.cached_bytes == d.n * 32  # the new values; the old values and coefficients went
    polys.drop_row_values()
    assert polys.cached_bytes == 0
    assert polys.values(("col", advice)) is not polys.values(("col", advice))
    assert polys.values(("col", advice)) == again


def test_keygen_keeps_fixed_columns_as_narrow_integers_and_the_key_round_trips(srs):
    circuit, witness, instances = circuits.lookups()
    pk, vk = keygen(circuit, srs)
    assert pk.fixed and all(isinstance(f, np.ndarray) and f.dtype.kind == "i" for f in pk.fixed)
    assert all(f.dtype == np.int8 for f in pk.fixed if f.size and np.abs(f).max() < 100)
    back = ProvingKey.from_bytes(pk.to_bytes())
    assert back.to_bytes() == pk.to_bytes()
    assert [back.fixed_column(i) for i in range(len(pk.fixed))] == pk.fixed_values()
    assert verify(vk, srs.verifier(), instances, prove(back, srs, witness, cache_bytes=0))


def test_cache_budget_prefers_the_argument_then_the_environment(srs, monkeypatch):
    from ezk.plonk.budget import DEFAULT_CACHE_BYTES, cache_budget

    pk, _ = keygen(circuits.fibonacci()[0], srs)
    assert cache_budget(pk, 12345) == 12345
    monkeypatch.setenv("EZK_PROVER_CACHE_MB", "3")
    assert cache_budget(pk) == 3 << 20
    monkeypatch.delenv("EZK_PROVER_CACHE_MB")
    assert 0 <= cache_budget(pk) <= DEFAULT_CACHE_BYTES
