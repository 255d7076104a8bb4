"""A segmented model proven for real: the bundle verifies with one batched pairing, and every
way of stitching segments together that does not prove the model is rejected."""

from __future__ import annotations

import json
import secrets

import numpy as np
import pytest

from ezk import api
from ezk.layout import lay_out
from ezk.layout.links import proof_positions
from ezk.plonk import ProvingKey, Proof
from ezk.plonk import prove as plonk_prove
from ezk.artifacts import read_key
from ezk.felts import ints_to_le_hex, le_hex_to_ints
from ezk.proving import dequantize_public, load_srs_for, quantized_inputs_from_witness
from ezk.segments.artifacts import read_vk_bundle, segment_pk_path
from ezk.segments.tasks import context, prove_segment
from ezk.segments.witness import segment_blinding, segment_values, walk_segments
from tests.conftest import build_segmented_model


def _verify(m, proof_path):
    """The verdict (false with its reason)."""
    from ezk.proving import verify_proof

    return verify_proof(proof_path, m.settings, m.vk, m.srs)


def _bundle(m) -> dict:
    return json.loads(m.proof.read_text())


def _write(tmp_path, data: dict):
    p = tmp_path / "proof.json"
    p.write_text(json.dumps(data))
    return p


def _givens(m, witness):
    comp, plan, _ = context(m.compiled)
    inputs = quantized_inputs_from_witness(comp, witness)
    return [g for g, _ in walk_segments(comp.graph, plan.segments, inputs)]


def _replace(data: dict, s: int, result: dict) -> dict:
    out = json.loads(json.dumps(data))
    out["proofs"][s] = result["proof"].hex()
    out["instances"][s] = ints_to_le_hex(result["instances"][0] if result["instances"] else [])
    return out


def test_the_bundle_verifies_with_one_batched_pairing(segmented_bundle):
    m = segmented_bundle
    assert m.prove_info["segments"] == m.setup_info["segments"] >= 2
    assert _verify(m, m.proof)
    vk = read_vk_bundle(m.vk)
    assert len(vk.segments) == m.setup_info["segments"]
    # the outputs are the model's: the same as one circuit's forward pass gives
    from ezk.witness import witness_outputs

    w = json.loads(m.witness.read_text())
    assert np.allclose(np.array(_bundle(m)["outputs"][0]), np.asarray(witness_outputs(w)[0]).reshape(-1))


def test_reordered_segments_are_rejected(segmented_bundle, tmp_path):
    m = segmented_bundle
    d = _bundle(m)
    d["proofs"][0], d["proofs"][1] = d["proofs"][1], d["proofs"][0]
    d["instances"][0], d["instances"][1] = d["instances"][1], d["instances"][0]
    assert not _verify(m, _write(tmp_path, d))


def test_a_dropped_segment_is_rejected(segmented_bundle, tmp_path):
    m = segmented_bundle
    d = _bundle(m)
    for s in (0, len(d["proofs"]) - 1):
        e = json.loads(json.dumps(d))
        del e["proofs"][s], e["instances"][s]
        assert not _verify(m, _write(tmp_path, e))


def test_a_segment_proof_swapped_with_another_segments_is_rejected(segmented_bundle, tmp_path):
    """Segment t's proof and instances placed at position s (the bundle keeps its length): its
    key is not s's and its link columns sit elsewhere."""
    m = segmented_bundle
    d = _bundle(m)
    n = len(d["proofs"])
    for s, t in ((0, 1), (1, 0), (n - 1, n - 2)):
        for with_instances in (True, False):  # its instances too, or s's own kept
            e = json.loads(json.dumps(d))
            e["proofs"][s] = d["proofs"][t]
            if with_instances:
                e["instances"][s] = d["instances"][t]
            v = _verify(m, _write(tmp_path, e))
            assert not v and v.reason, v.reason


def test_a_duplicated_segment_is_rejected(segmented_bundle, tmp_path):
    m = segmented_bundle
    d = _bundle(m)
    for s in (0, len(d["proofs"]) - 1):
        e = json.loads(json.dumps(d))
        e["proofs"].insert(s, d["proofs"][s])
        e["instances"].insert(s, d["instances"][s])
        v = _verify(m, _write(tmp_path, e))
        assert not v and "segment proofs" in v.reason


def test_a_link_commitment_changed_in_one_segment_is_rejected(segmented_bundle, tmp_path):
    """One proof's commitment to a link column replaced (the prover claims another tensor
    crossed the cut): the link check names the cut. Replaced in both segments alike, the links
    agree, and each segment's own proof fails."""
    import dataclasses

    from ezk import _native

    m = segmented_bundle
    vk = read_vk_bundle(m.vk)
    d = _bundle(m)
    other = _native.G1.generator().mul(int.from_bytes(secrets.token_bytes(31), "little"))

    def with_link(s: int, position: int, point) -> str:
        p = Proof.from_bytes(bytes.fromhex(d["proofs"][s]))
        advice = list(p.advice)
        advice[position] = point
        return dataclasses.replace(p, advice=tuple(advice)).to_bytes().hex()

    out_pos, in_pos = vk.segments[0]["links_out"][0], vk.segments[1]["links_in"][0]
    for side, (s, pos) in enumerate(((0, out_pos), (1, in_pos))):
        e = json.loads(json.dumps(d))
        e["proofs"][s] = with_link(s, pos, other)
        v = _verify(m, _write(tmp_path, e))
        assert not v and "link between segments 0 and 1" in v.reason, v.reason
    e = json.loads(json.dumps(d))
    e["proofs"][0], e["proofs"][1] = with_link(0, out_pos, other), with_link(1, in_pos, other)
    v = _verify(m, _write(tmp_path, e))
    assert not v and "link" not in v.reason, v.reason


def test_a_segment_proven_on_another_input_is_rejected(segmented_bundle, tmp_path):
    m = segmented_bundle
    last = len(_bundle(m)["proofs"]) - 1
    given_b = _givens(m, m.witness_b)[last]
    other = prove_segment(str(m.compiled), str(m.pk), str(m.srs), last, given_b, secrets.token_bytes(32))
    d = _replace(_bundle(m), last, other)
    # its own public outputs are claimed, as an attacker would: only the link gives it away
    d["outputs"] = dequantize_public(
        read_vk_bundle(m.vk).header["public"], [le_hex_to_ints(c) for c in d["instances"]])
    assert not _verify(m, _write(tmp_path, d))


def test_a_boundary_commitment_from_another_run_is_rejected(segmented_bundle, tmp_path):
    m = segmented_bundle
    given = _givens(m, m.witness)[1]
    rerun = prove_segment(str(m.compiled), str(m.pk), str(m.srs), 1, given, secrets.token_bytes(32))
    d = _replace(_bundle(m), 1, rerun)
    assert d["instances"] == _bundle(m)["instances"]  # the same statement, another run's link
    assert not _verify(m, _write(tmp_path, d))


def test_a_mutated_boundary_cell_is_rejected(segmented_bundle, tmp_path):
    """The prover changes one value of the tensor crossing cut 0 and proves the next segment
    on the changed tensor: the commitments agree, so segment 0's own proof must fail."""
    m = segmented_bundle
    comp, plan, st = context(m.compiled)
    seed = secrets.token_bytes(32)
    given = _givens(m, m.witness)
    t = plan.segments[0].link_out[0]
    changed = {**given[1], t: given[1][t].copy()}
    changed[t].reshape(-1)[2] += 1
    consumer = prove_segment(str(m.compiled), str(m.pk), str(m.srs), 1, changed, seed)
    lo = lay_out(comp.graph, st, segment_values(comp.graph, plan.segments[0], given[0]), segment=plan.segments[0])
    col = lo.links.outputs[0]
    vals = lo.witness.advice[col].copy()
    vals[2] += 1
    lo.witness.advice[col] = vals
    pk = ProvingKey.from_bytes(read_key(segment_pk_path(m.pk, 0), "pk").body)
    d = pk.vk.domain
    bad = plonk_prove(pk, load_srs_for(m.srs, plan.k), lo.witness,
                      advice_blinding=segment_blinding(seed, 0, lo.links, d.n - d.usable))
    data = _replace(_bundle(m), 1, consumer)
    data["proofs"][0] = bad.to_bytes().hex()
    out_pos = proof_positions(lo.circuit.cs, lo.links.outputs)[0]
    assert Proof.from_bytes(bytes.fromhex(data["proofs"][0])).advice[out_pos] == \
        Proof.from_bytes(consumer["proof"]).advice[read_vk_bundle(m.vk).segments[1]["links_in"][0]]
    if len(plan.segments) == 2:
        data["outputs"] = dequantize_public(
            read_vk_bundle(m.vk).header["public"], [le_hex_to_ints(c) for c in data["instances"]])
    assert not _verify(m, _write(tmp_path, data))


def test_dask_two_workers_prove_a_bundle_that_verifies(segmented_bundle, tmp_path):
    m = segmented_bundle
    proof = tmp_path / "dask_proof.json"
    info = api.prove(m.compiled, m.witness, m.pk, m.srs, proof, workers=2)
    assert info["segments"] >= 2
    assert len({r["pid"] for r in info["per_segment"]} - {__import__("os").getpid()}) >= 1
    assert _verify(m, proof)


@pytest.mark.slow
def test_a_segment_from_another_model_is_rejected(segmented_bundle, tmp_path):
    m = segmented_bundle
    other = build_segmented_model(tmp_path / "other", seed=1)  # same shapes, other weights
    api.setup(other.compiled, other.srs, other.vk, other.pk)
    g = _givens(other, other.witness)[0]
    foreign = prove_segment(str(other.compiled), str(other.pk), str(other.srs), 0, g, secrets.token_bytes(32))
    assert not _verify(m, _write(tmp_path, _replace(_bundle(m), 0, foreign)))


@pytest.mark.slow
def test_dask_worker_killed_mid_proof_is_retried_and_the_bundle_verifies(segmented_bundle, tmp_path):
    import os
    import signal
    import threading
    import time

    from distributed import Client, LocalCluster

    m = segmented_bundle
    proof = tmp_path / "killed_proof.json"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=0) as cluster, Client(cluster) as client:
        killed = []

        def kill_one_busy_worker():
            deadline = time.time() + 120
            while time.time() < deadline and not killed:
                busy = [w for w, tasks in client.processing().items() if any("ezk-prove" in str(t) for t in tasks)]
                if busy:
                    time.sleep(1.0)  # well inside the proof
                    pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                time.sleep(0.2)

        killer = threading.Thread(target=kill_one_busy_worker)
        killer.start()
        info = api.prove(m.compiled, m.witness, m.pk, m.srs, proof, scheduler=cluster.scheduler_address)
        killer.join()
    assert killed, "no worker was busy proving"
    assert killed[0] not in {r["pid"] for r in info["per_segment"]}
    assert _verify(m, proof)


def test_a_bundle_refuses_an_srs_its_keys_were_not_made_with(segmented_bundle, tmp_path):
    from ezk.errors import ArtifactError

    m = segmented_bundle
    k = read_vk_bundle(m.vk).header["k"]
    other = tmp_path / "other.srs"
    api.gen_srs(other, k, seed="another ceremony")
    with pytest.raises(ArtifactError, match=r"SRS .*digest [0-9a-f]{16}….* is not the one the verifying key was made "
                                            r"with \(digest [0-9a-f]{16}…\)"):
        api.verify(m.proof, m.settings, m.vk, other)
    # the bundle body records each key's SRS digest and exact public lengths
    vk = read_vk_bundle(m.vk)
    assert all(v.srs_digest == vk.vks[0].srs_digest for v in vk.vks)
    assert [sum(v.instance_lengths) for v in vk.vks] == [sum(e["length"] for e in s["public"]) for s in vk.segments]


def test_a_bundle_verdict_carries_the_outputs_and_checks_data(segmented_bundle):
    """verify returns the public outputs as for one circuit; --data on a proof whose inputs are
    private is an error, never silently unchecked."""
    from ezk.errors import ArtifactError

    m = segmented_bundle
    v = api.verify_proof(m.proof, m.settings, m.vk, m.srs)
    assert v and v.outputs == _bundle(m)["outputs"] and v.inputs == []
    with pytest.raises(ArtifactError, match="no public input"):
        api.verify_proof(m.proof, m.settings, m.vk, m.srs, data=m.dir / "input.json")
