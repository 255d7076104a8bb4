"""setup, mock, prove and verify for a segmented compiled circuit (see ``ezk.segments``).

setup: one task per segment lays it out, runs keygen and writes its pk file; the vk bundle
  and the pk manifest are written here, from the tasks' results, in segment order.
prove: the integer forward pass walks the segments in order, keeping only the tensors that
  cross the next cut (``walk_segments``), which gives each segment's task its inputs; the tasks
  prove with link columns blinded from one secret seed; the proof bundle is assembled in order.
verify: every segment's proof up to its final pairing, every link's two commitments equal,
  then ONE multi-pairing over all segments with random weights.
"""

from __future__ import annotations

import secrets
import time

from ezk import _native
from ezk.artifacts import KeyFile, read_key, settings_digest, write_key
from ezk.errors import ArtifactError, EzkError
from ezk.segments.artifacts import (
    bundle_digest, read_proof_bundle, read_vk_bundle, segment_pk_path, write_proof_bundle, write_vk_bundle,
)
from ezk.segments.distribute import run_tasks
from ezk.segments.tasks import context, mock_segment, peak_rss_mb, prove_segment, setup_segment

R = _native.MODULUS


def _path(p) -> str | None:
    """A path for a task (None stays None: the task resolves the default SRS path itself)."""
    return None if p is None else str(p)


def _report(results: list[dict]) -> list[dict]:
    return [{"segment": r["segment"], "seconds": round(r["seconds"], 3), "cpu_seconds": round(r["cpu_seconds"], 1),
             "peak_rss_mb": r["peak_rss_mb"], "pid": r["pid"]} for r in results]


def setup(compiled_circuit, srs_path, vk_path="vk.key", pk_path="pk.key", workers=None, scheduler=None,
          progress=None) -> dict:
    t0 = time.perf_counter()
    comp, plan, _ = context(compiled_circuit)
    calls = [(str(compiled_circuit), _path(srs_path), str(pk_path), s) for s in range(len(plan.segments))]
    results = run_tasks(setup_segment, calls, workers, scheduler, progress, name="ezk-setup")
    distinct: dict[str, int] = {}
    vk_bytes, segments, public = [], [], []
    for r in results:
        if r["vk_digest"] not in distinct:
            distinct[r["vk_digest"]] = len(vk_bytes)
            vk_bytes.append(r["vk"])
        segments.append({"vk": distinct[r["vk_digest"]], "links_in": r["links_in"], "links_out": r["links_out"],
                         "public": r["public"]})
        public += [{**e, "column": r["segment"]} for e in r["public"]]
    digest = bundle_digest(segments, [r["vk_digest"] for r in results])
    header = {"compiled_digest": comp.digest, "settings_digest": settings_digest(comp.settings), "k": plan.k,
              "public": public, "segments": segments, "vk_digest": digest,
              "stats": {"segments": len(segments), "k": plan.k}}
    vk_size = write_vk_bundle(vk_path, header, vk_bytes)
    manifest = {**header, "segments": [{"file": segment_pk_path(pk_path, s).name, "vk_digest": r["vk_digest"]}
                                       for s, r in enumerate(results)]}
    pk_size = write_key(pk_path, KeyFile("pk", manifest, b"")) + sum(r["pk_bytes"] for r in results)
    stats = results[0]["stats"]
    return {"k": plan.k, "segments": len(segments), "vk_bytes": vk_size, "pk_bytes": pk_size,
            "seconds": time.perf_counter() - t0, "num_rows": sum(r["stats"]["num_rows"] for r in results),
            "advice_cells": sum(r["stats"]["advice_cells"] for r in results), "per_segment": _report(results),
            "peak_rss_mb": peak_rss_mb(), "advice_columns": stats["advice_columns"]}


def _segment_inputs(comp, plan, witness_path) -> list[dict]:
    from ezk.proving import quantized_inputs_from_witness
    from ezk.segments.witness import walk_segments

    inputs = quantized_inputs_from_witness(comp, witness_path)
    return [given for given, _ in walk_segments(comp.graph, plan.segments, inputs)]


def mock(compiled_circuit, witness="witness.json", max_failures: int = 10, workers=None, scheduler=None,
         progress=None) -> dict:
    comp, plan, _ = context(compiled_circuit)
    givens = _segment_inputs(comp, plan, witness)
    calls = [(str(compiled_circuit), s, g, max_failures) for s, g in enumerate(givens)]
    results = run_tasks(mock_segment, calls, workers, scheduler, progress, name="ezk-mock")
    bad = [r for r in results if r["failures"]]
    if bad:
        lines = [f"segment {r['segment']}: " + "; ".join(r["lines"]) for r in bad]
        total = sum(r["failures"] for r in bad)
        raise EzkError(f"the witness does not satisfy the circuit: {total} failing constraint(s) in "
                       f"{len(bad)} segment(s): " + " | ".join(lines))
    return {"ok": True, "k": plan.k, "segments": len(results),
            "num_rows": sum(r["stats"]["num_rows"] for r in results),
            "advice_cells": sum(r["stats"]["advice_cells"] for r in results)}


def prove(compiled_circuit, witness="witness.json", pk_path="pk.key", srs_path=None, proof_path="proof.json",
          workers=None, scheduler=None, progress=None) -> dict:
    from ezk.proving import dequantize_public

    t0 = time.perf_counter()
    comp, plan, _ = context(compiled_circuit)
    manifest = read_key(pk_path, "pk").header
    if manifest.get("compiled_digest") != comp.digest or not isinstance(manifest.get("segments"), list):
        raise ArtifactError(f"the proving key {str(pk_path)!r} belongs to another compiled circuit; run ezk setup for this one.")
    if len(manifest["segments"]) != len(plan.segments):
        raise ArtifactError(f"the proving key {str(pk_path)!r} has {len(manifest['segments'])} segments, the circuit {len(plan.segments)}.")
    givens = _segment_inputs(comp, plan, witness)
    seed = secrets.token_bytes(32)  # the link blinding's secret: never leaves the prover's tasks
    calls = [(str(compiled_circuit), str(pk_path), _path(srs_path), s, g, seed) for s, g in enumerate(givens)]
    del givens
    results = run_tasks(prove_segment, calls, workers, scheduler, progress, name="ezk-prove")
    instances = [r["instances"][0] if r["instances"] else [] for r in results]
    outputs = dequantize_public(manifest["public"], instances)
    proofs = [r["proof"] for r in results]
    write_proof_bundle(proof_path, {
        "proofs": [p.hex() for p in proofs],
        "instances": instances,
        "outputs": outputs, "vk_digest": manifest.get("vk_digest"), "compiled_digest": comp.digest,
    })
    return {"seconds": time.perf_counter() - t0, "proof_bytes": sum(len(p) for p in proofs), "outputs": outputs,
            "segments": len(proofs), "k": plan.k, "proof_path": str(proof_path), "per_segment": _report(results), "peak_rss_mb": peak_rss_mb()}


def verify(proof_path, settings_path, vk_path, srs_path, key=None, data=None):
    """Verdict(True, outputs, inputs) iff every segment's proof, every link and the one batched
    pairing check hold; Verdict(False, why) otherwise (``ezk.proving.Verdict``). With ``data``
    (an input.json) the proof's public inputs must be that input, as for one circuit."""
    from ezk.kzg import check_pairing_claims
    from ezk.kzg.store import resolve_srs_path
    from ezk.plonk import Proof
    from ezk.plonk.verifier import check_srs, verify_deferred
    from ezk.proving import Verdict, dequantize_public, input_mismatch, verifier_srs_for
    from ezk.segments.artifacts import vk_bundle_from
    from ezk.settings import Settings

    bundle = vk_bundle_from(key, vk_path) if key is not None else read_vk_bundle(vk_path)
    header = bundle.header
    proof = read_proof_bundle(proof_path)
    if settings_path is not None:
        st = Settings.load(settings_path)
        if settings_digest(st) != header.get("settings_digest"):
            raise ArtifactError(f"the settings {str(settings_path)!r} belong to another model or configuration than the verifying key {str(vk_path)!r}.")
    if proof.get("vk_digest") != header.get("vk_digest"):
        raise ArtifactError(f"the proof {str(proof_path)!r} was made with another model's keys than {str(vk_path)!r}.")
    segs, vks = bundle.segments, bundle.vks
    n = len(segs)
    instances = proof["instance_values"]
    if len(proof["proof_bytes"]) != n or len(instances) != n:
        return Verdict(False, f"the proof bundle has {len(proof['proof_bytes'])} segment proofs; the key bundle has {n} segments")
    if any(col and not 0 <= min(col) <= max(col) < R for col in instances):  # (the hex decoding refuses them too)
        return Verdict(False, "a public instance is not a field element below the modulus")
    for s, (seg, vk) in enumerate(zip(segs, vks)):
        want = sum(e["length"] for e in seg["public"])
        if len(instances[s]) != want or (want > 0) != bool(vk.cs.instance):
            return Verdict(False, f"segment {s} has {len(instances[s])} public values; its key expects {want}")
        if any(j >= len(vk.cs.advice) for j in seg["links_in"] + seg["links_out"]):
            raise ArtifactError(f"the verifying key {str(vk_path)!r} names a link column its segment lacks.")
    if segs[0]["links_in"] or segs[-1]["links_out"] or any(
            len(a["links_out"]) != len(b["links_in"]) for a, b in zip(segs, segs[1:])):
        raise ArtifactError(f"the verifying key {str(vk_path)!r} has an inconsistent link map.")
    try:
        claimed = dequantize_public(header["public"], instances)
    except ArtifactError:
        return Verdict(False, "the proof's public instances are shorter than the key bundle's public outputs")
    if claimed != proof["outputs"]:
        return Verdict(False, "the outputs claimed in the proof file differ from its public instances")
    if data is not None and (why := input_mismatch(header["public"], instances, data)):
        return Verdict(False, why)
    try:
        proofs = [Proof.from_bytes(b) for b in proof["proof_bytes"]]
    except (ArtifactError, ValueError) as exc:
        return Verdict(False, f"a segment proof is malformed: {str(exc).rstrip('.')}")
    # every link: the producing and the consuming segment committed the same column
    for s in range(n - 1):
        outs, ins = segs[s]["links_out"], segs[s + 1]["links_in"]
        if any(len(proofs[s].advice) <= a or len(proofs[s + 1].advice) <= b for a, b in zip(outs, ins)):
            return Verdict(False, f"segment {s} or {s + 1} has fewer advice commitments than its key")
        if any(proofs[s].advice[a] != proofs[s + 1].advice[b] for a, b in zip(outs, ins)):
            return Verdict(False, f"the link between segments {s} and {s + 1} differs: the tensor segment {s + 1} "
                                  f"reads is not the one segment {s} computed")
    vsrs = verifier_srs_for(resolve_srs_path(srs_path, int(header.get("k", 1))))
    for vk in {id(v): v for v in vks}.values():
        check_srs(vk, vsrs)  # the SRS the keys were made with, else one sentence naming both digests
    claims = []
    for s in range(n):
        inst = [proof["instance_vectors"][s]] if vks[s].cs.instance else []
        try:
            c = verify_deferred(vks[s], vsrs, inst, proofs[s])
        except EzkError:
            c = None
        if c is None:
            return Verdict(False, f"segment {s}'s proof does not verify against its key")
        claims.append(c)
    if not check_pairing_claims(vsrs, claims):  # one multi-pairing, the verifier's random weights
        return Verdict(False, "the batched pairing check failed: a segment proof does not match its key and public "
                              "instances")
    public = header["public"]
    return Verdict(True, "", claimed, dequantize_public(public, instances, "input"), public)
