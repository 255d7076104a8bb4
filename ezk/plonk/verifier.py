"""The verifier: replay the transcript (``ProofTranscript``, the prover's own schedule),
recompute h(x) from the openings, one KZG batch check.

Work is independent of n beyond a few field exponentiations: Z_H(x) = xⁿ − 1, l_0, l_last and
l_blind from b + 2 Lagrange values, instance polynomials by the barycentric formula over the
instance rows only, the combined commitment Σ_p x^{n·p}·[h_p]₁ (a ``Combination``: its terms join
the final MSM), then ``ezk.kzg.batch_verify`` (one multi-pairing).
"""

from __future__ import annotations

from ezk import _native
from ezk.errors import ArtifactError, EzkError
from ezk.kzg import Combination, PairingClaim, VerifierQuery, batch_verify_deferred, check_pairing_claims
from ezk.plonk.circuit import to_frvec
from ezk.plonk.keygen import VerifyingKey
from ezk.plonk.proof import Proof, evaluation_layout
from ezk.plonk.protocol import (
    ArgumentCommitments, Evaluations, MultiplicityCommitments, ProofTranscript, QuotientCommitments,
    RandomCommitment,
)
from ezk.plonk.vanishing import PointEnv, expected_quotient_compiled

R = _native.MODULUS


def _instances(vk: VerifyingKey, instances) -> list["_native.FrVec"]:
    cols = vk.cs.instance
    if isinstance(instances, dict):
        instances = [instances.get(c, []) for c in cols]
    instances = list(instances)
    if len(instances) != len(cols):
        raise EzkError(f"expected values for {len(cols)} instance columns, got {len(instances)}.")
    out = [to_frvec(v, f"instance column {c.name}") for c, v in zip(cols, instances)]
    if any(len(v) > vk.domain.usable for v in out):
        raise EzkError("an instance column has more values than usable rows.")
    return out


def lengths_match(vk: VerifyingKey, instances: list) -> bool:
    """Every instance column holds exactly the key's number of public values: extra values
    would be bound by nothing, missing ones would be read as zeros."""
    return [len(v) for v in instances] == list(vk.instance_lengths)


def check_srs(vk: VerifyingKey, vsrs) -> None:
    """The SRS elements given to the verifier must be those the key was made with."""
    got = vsrs.digest()
    if got != vk.srs_digest:
        raise ArtifactError(f"the SRS given to the verifier (digest {got.hex()[:16]}…) is not the one the verifying "
                            f"key was made with (digest {vk.srs_digest.hex()[:16]}…).")


def _shape_matches(vk: VerifyingKey, proof: Proof) -> bool:
    cs, d = vk.cs, vk.domain
    tables = cs.lookup_tables()
    perm = cs.permutation_columns
    n_z = len(range(0, len(perm), cs.permutation_chunk_size())) if perm else 0
    return (
        len(proof.advice) == len(cs.advice) and len(proof.m) == len(tables)
        and len(proof.z) == n_z and len(proof.phi) == sum(len(t.chunks) for t in tables)
        and len(proof.random) == 1 and len(proof.h) == d.pieces
        and len(proof.evals) == len(evaluation_layout(cs, d))
    )


def verify(vk: VerifyingKey, vsrs, instances, proof: Proof | bytes) -> bool:
    """True iff ``proof`` proves the circuit of ``vk`` with these public ``instances`` (a list
    with one vector per instance column, or a dict keyed by instance column). A malformed
    proof, or instance columns whose lengths are not the key's, are False; malformed instances
    (wrong column count, more values than rows) raise ``EzkError``, an SRS other than the key's
    an ``ArtifactError``."""
    claim = verify_deferred(vk, vsrs, instances, proof)
    return claim is not None and check_pairing_claims(vsrs, [claim])


def verify_deferred(vk: VerifyingKey, vsrs, instances, proof: Proof | bytes) -> PairingClaim | None:
    """Everything ``verify`` checks except the final pairing: the KZG claim that remains
    (``ezk.kzg.PairingClaim``), or None when the proof is already rejected. The proof verifies
    iff the claim holds; ``ezk.kzg.check_pairing_claims(vsrs, claims)`` checks the claims of
    many proofs with one multi-pairing. The SRS must be the key's (else ``ArtifactError``)."""
    check_srs(vk, vsrs)
    inst = _instances(vk, instances)
    if not lengths_match(vk, inst):
        return None
    try:
        if not isinstance(proof, Proof):
            proof = Proof.from_bytes(proof)
        return _verify(vk, vsrs, inst, proof)
    except (EzkError, ValueError, ZeroDivisionError):
        return None


def _verify(vk: VerifyingKey, vsrs, instances: list, proof: Proof) -> PairingClaim | None:
    if not _shape_matches(vk, proof):
        return None
    cs, d = vk.cs, vk.domain
    fs = ProofTranscript(vk, instances)
    for msg in proof.advice_messages(cs):
        fs.round_advice(msg)
    fs.round_multiplicities(MultiplicityCommitments(proof.m))
    fs.round_arguments(ArgumentCommitments(proof.z, proof.phi))
    fs.round_random(RandomCommitment(proof.random[0]))
    ch = fs.round_quotient(QuotientCommitments(proof.h))
    x = ch.x
    if d.vanishing_at(x) == 0:
        return None
    t = fs.round_evaluations(Evaluations(proof.evals))

    layout = evaluation_layout(cs, d)
    values = dict(zip(layout, proof.evals))
    inst_index = {c.index: v for c, v in zip(cs.instance, instances)}
    inst_queries = {(q.column.index, q.rotation) for q in cs.all_queries() if q.column.index in inst_index}
    inst_queries |= {(c.index, 0) for c in cs.permutation_columns if c.index in inst_index}
    for col, rot in inst_queries:
        values[(("col", col), rot)] = d.instance_at(inst_index[col], d.rotate_point(x, rot))

    h_eval = expected_quotient_compiled(PointEnv(d, values, ch), cs)

    commitments = {("sigma", j): c for j, c in enumerate(vk.sigma_commitments)}
    for c, p in zip(cs.advice_by_phase(), proof.advice):
        commitments[("col", c.index)] = p
    for c, p in zip(cs.fixed, vk.fixed_commitments):
        commitments[("col", c.index)] = p
    for name in ("z", "m", "phi"):
        for i, p in enumerate(getattr(proof, name)):
            commitments[(name, i)] = p
    commitments[("random",)] = proof.random[0]
    at = {rot: d.rotate_point(x, rot) for rot in {rot for _, rot in layout}}  # ω^rot·x, once per rotation
    queries = [VerifierQuery(at[rot], commitments[key], e) for (key, rot), e in zip(layout, proof.evals)]
    # [h]₁ = Σ_p x^{n·p}·[h_p]₁, left as its terms for the final MSM (no scalar multiplications)
    xn = pow(x, d.n, R)
    h_commit = Combination(tuple(proof.h), tuple(pow(xn, p, R) for p in range(len(proof.h))))
    queries.append(VerifierQuery(x, h_commit, h_eval))
    return batch_verify_deferred(vsrs, queries, list(proof.opening), t)
