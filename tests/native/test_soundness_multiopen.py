"""Multi-open soundness and the order of the Fiat–Shamir transcript.

* The same commitment opened twice at the same point with two different values is rejected by
  ``batch_verify`` *explicitly* (the class of bug PSE halo2 fixed in its #400): the test forges
  GWC witnesses with the trapdoor τ of a test SRS so that the pairing equation itself holds, and
  checks that the verifier still says no. The control shows the same forgery of a single claim
  passes — which is exactly what "a test SRS is insecure" means.
* The PLONK transcript absorbs the vk digest and every public instance before the first
  challenge, prover and verifier make the same transcript calls, and changing an instance or
  the vk digest changes the first challenge θ.
"""

from __future__ import annotations

import numpy as np
import pytest

from ezk import _native
from ezk.kzg import SRS, ProverQuery, VerifierQuery, batch_open, batch_verify, commit
from ezk.plonk import keygen, prove, verify
from ezk.plonk.keygen import VerifyingKey
from ezk.plonk.proof import evaluation_layout
from ezk.transcript import Transcript
from tests.native import plonk_circuits as circuits

R = _native.MODULUS
SEED = b"soundness-multiopen"


@pytest.fixture(scope="module")
def srs():
    return SRS.generate(8, seed=SEED)


@pytest.fixture(scope="module")
def tau(srs):
    """The trapdoor of the test SRS (SRS.generate draws τ as FrVec.random(1, seed)[0])."""
    t = _native.FrVec.random(1, SEED)[0]
    assert srs.g1[1] == _native.G1.generator().mul(t)
    return t


def _forge_single_group(srs, tau, commitment_scalar, z, claims, label=b"forge"):
    """GWC witness W for claims [(z, e_i)] on one commitment c = p(τ), forged with τ:
    w = (Σ v^i c − Σ v^i e_i) / (τ − z), v drawn exactly as batch_verify draws it."""
    t = Transcript(label)
    t.absorb_scalars(b"kzg_points", [z] * len(claims))
    t.absorb_scalars(b"kzg_evals", claims)
    v = t.squeeze_challenge(b"kzg_v")
    vs = [pow(v, i, R) for i in range(len(claims))]
    num = (sum(vs) * commitment_scalar - sum(a * e for a, e in zip(vs, claims))) % R
    w = num * pow((tau - z) % R, R - 2, R) % R
    return _native.G1.generator().mul(w), v


def _pairing_holds(srs, commitment, z, claims, v, witness) -> bool:
    """e(W, [τ]₂) = e(z·W + (Σ vⁱ)·C − [Σ vⁱ eᵢ]₁, [1]₂) — the GWC equation for one group."""
    vs = [pow(v, i, R) for i in range(len(claims))]
    rhs = witness.mul(z) + commitment.mul(sum(vs) % R) - srs.g1.mul(sum(a * e for a, e in zip(vs, claims)) % R)
    return _native.pairing_check([witness, -rhs], [srs.tau_g2, srs.g2])


def test_conflicting_duplicate_query_is_rejected_even_when_the_pairing_holds(srs, tau):
    poly = _native.FrVec.random(16, b"p")
    c = commit(srs, poly)
    c_scalar = _native.poly_eval(poly, tau)
    z = 0x1234567
    true = _native.poly_eval(poly, z)
    claims = [(true + 1) % R, (true + 7) % R]  # two different values of the same polynomial at z
    w, v = _forge_single_group(srs, tau, c_scalar, z, claims)
    assert _pairing_holds(srs.verifier(), c, z, claims, v, w)  # the forgery satisfies the pairing
    queries = [VerifierQuery(z, c, e) for e in claims]
    assert not batch_verify(srs.verifier(), queries, [w], Transcript(b"forge"))
    # the same conflict hidden behind z + r (same point mod r) is caught as well
    queries = [VerifierQuery(z, c, claims[0]), VerifierQuery(z + R, c, claims[1])]
    assert not batch_verify(srs.verifier(), queries, [w], Transcript(b"forge"))


def test_control_a_single_forged_claim_passes_with_the_trapdoor(srs, tau):
    """Whoever knows τ can open any commitment to any value: why gen-srs is testing only."""
    poly = _native.FrVec.random(16, b"q")
    c = commit(srs, poly)
    z = 98765
    wrong = (_native.poly_eval(poly, z) + 1) % R
    w, _ = _forge_single_group(srs, tau, _native.poly_eval(poly, tau), z, [wrong])
    assert batch_verify(srs.verifier(), [VerifierQuery(z, c, wrong)], [w], Transcript(b"forge"))


def test_identical_duplicate_queries_are_accepted(srs):
    poly = _native.FrVec.random(16, b"r")
    c = commit(srs, poly)
    z = 4242
    e = _native.poly_eval(poly, z)
    w = batch_open(srs, [ProverQuery(z, poly, e), ProverQuery(z, poly, e)], Transcript(b"dup"))
    assert batch_verify(srs.verifier(), [VerifierQuery(z, c, e), VerifierQuery(z, c, e)], w, Transcript(b"dup"))
    bad = [VerifierQuery(z, c, e), VerifierQuery(z, c, (e + 1) % R)]
    assert not batch_verify(srs.verifier(), bad, w, Transcript(b"dup"))


@pytest.mark.parametrize("build", [circuits.fibonacci, circuits.multiply_accumulate, circuits.lookups])
def test_plonk_opens_each_polynomial_once_per_point(build):
    circuit, _, _ = build()
    d = circuit.domain
    layout = evaluation_layout(circuit.cs, d)
    x = 0xABCDEF0123456789
    seen = set()
    for key, rot in layout:
        point = d.rotate_point(x, rot)
        assert (key, point) not in seen, f"{key} is opened twice at ω^{rot}·x"
        seen.add((key, point))


# ------------------------------------------------------------------------ transcript order


class _Recorder:
    """Wraps Transcript so every absorb and squeeze is logged as (op, label, bytes or value)."""

    def __init__(self, monkeypatch):
        self.log: list[tuple] = []
        absorb, squeeze = Transcript._absorb, Transcript.squeeze_challenge
        log = self.log

        def _absorb(t, kind, label, data):
            log.append(("absorb", label, bytes(data)))
            return absorb(t, kind, label, data)

        def _squeeze(t, label):
            value = squeeze(t, label)
            log.append(("squeeze", label, value))
            return value

        monkeypatch.setattr(Transcript, "_absorb", _absorb)
        monkeypatch.setattr(Transcript, "squeeze_challenge", _squeeze)

    def take(self) -> list[tuple]:
        out = list(self.log)
        self.log.clear()
        return out


def _first_challenge(log):
    return next(entry for entry in log if entry[0] == "squeeze")


@pytest.fixture(scope="module")
def fib(srs):
    circuit, witness, instances = circuits.fibonacci()
    pk, vk = keygen(circuit, srs)
    return pk, vk, witness, instances


def test_statement_is_absorbed_before_any_challenge_and_both_sides_agree(srs, fib, monkeypatch):
    pk, vk, witness, instances = fib
    rec = _Recorder(monkeypatch)
    proof = prove(pk, srs, witness)
    prover_log = rec.take()
    assert verify(vk, srs.verifier(), instances, proof)
    verifier_log = rec.take()
    assert prover_log == verifier_log  # same calls, same data, same challenges

    first = next(i for i, e in enumerate(verifier_log) if e[0] == "squeeze")
    before = verifier_log[:first]
    labels = [e[1] for e in before]
    assert labels[:2] == [b"protocol", b"vk"]
    assert before[1][2] == vk.digest
    inst_bytes = [e[2] for e in before if e[1] == b"instance"]
    assert inst_bytes == [_native.FrVec.from_ints([int(v) for v in col]).to_bytes() for col in instances]
    assert labels.index(b"instance") < labels.index(b"advice0")


def test_changing_an_instance_or_the_vk_digest_changes_the_first_challenge(srs, fib, monkeypatch):
    pk, vk, witness, instances = fib
    proof = prove(pk, srs, witness)
    rec = _Recorder(monkeypatch)
    assert verify(vk, srs.verifier(), instances, proof)
    theta = _first_challenge(rec.take())
    assert theta[1] == b"theta"

    col = [int(v) for v in instances[0]]
    for i in range(len(col)):
        changed = list(col)
        changed[i] += 1
        assert not verify(vk, srs.verifier(), [changed], proof)
        other = _first_challenge(rec.take())
        assert other[1] == b"theta" and other[2] != theta[2], f"instance {i} does not reach θ"

    same_shape = VerifyingKey(vk.k, vk.cs, vk.fixed_commitments, vk.sigma_commitments, vk.instance_lengths,
                              vk.srs_digest)
    same_shape.__dict__["digest"] = bytes(32)  # only the digest differs
    assert not verify(same_shape, srs.verifier(), instances, proof)
    other = _first_challenge(rec.take())
    assert other[1] == b"theta" and other[2] != theta[2]


def test_a_proof_cannot_move_to_a_key_with_other_fixed_values(srs):
    """Two circuits with the same shape but different fixed columns (selectors) have different
    vk digests; a proof of one does not verify under the other."""
    circuit, witness, instances = circuits.multiply_accumulate()
    pk, vk = keygen(circuit, srs)
    proof = prove(pk, srs, witness)
    assert verify(vk, srs.verifier(), instances, proof)
    s = next(c for c in circuit.cs.fixed)
    fixed = dict(circuit.fixed)
    fixed[s] = np.concatenate([np.asarray(fixed[s]), [1]])
    circuit.fixed = fixed
    _, other_vk = keygen(circuit, srs)
    assert other_vk.digest != vk.digest
    assert not verify(other_vk, srs.verifier(), instances, proof)


def test_two_phase_schedule_is_the_same_on_both_sides(srs, monkeypatch):
    """The shared ``ProofTranscript``: with phases, prover and verifier still make identical
    calls, and the rounds come in the documented order (phase 0, its challenges, phase 1, θ …)."""
    circuit, witness, instances = circuits.multiset_two_phase()
    pk, vk = keygen(circuit, srs)
    rec = _Recorder(monkeypatch)
    proof = prove(pk, srs, witness)
    prover_log = rec.take()
    assert verify(vk, srs.verifier(), instances, proof)
    assert rec.take() == prover_log
    squeezed = {e[1] for e in prover_log if e[0] == "squeeze"}
    labels = [e[1] for e in prover_log if e[0] == "squeeze" or e[1] not in squeezed]  # a squeeze absorbs itself too
    order = [b"advice0", b"challenge0", b"challenge1", b"advice1", b"theta", b"m", b"beta", b"gamma", b"z",
             b"phi", b"random", b"y", b"h", b"x", b"evals"]
    assert [lab for lab in labels if lab in order] == order
