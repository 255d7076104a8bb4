"""The proving half of the workflow: gen-srs, setup, mock, prove, verify.

    compiled model ──lay_out (structure)──▶ Circuit ──keygen(SRS)──▶ pk.key, vk.key
    compiled model + witness.json ──forward + lay_out (values)──▶ Witness ──prove(pk)──▶ proof.json
    proof.json + vk.key + settings.json + SRS ──verify──▶ verified: true | false

witness.json carries the quantized inputs; ``prove`` re-runs the integer forward pass from them
(exact and fast) and lays the values into the circuit, as EZKL does. Keys and proofs name the
compiled circuit and settings they belong to (see :mod:`ezk.artifacts`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ezk import _native
from ezk.artifacts import (
    KeyFile, check_output_path, key_checksum, pretty_public, proof_json_fields, read_key, read_proof_json, settings_digest,
    write_key, write_proof_json,
)
from ezk.compiled import Compiled, load_compiled
from ezk.errors import ArtifactError, EzkError
from ezk.settings import Settings

R = _native.MODULUS


# ------------------------------------------------------------------------------ SRS

def gen_srs(srs_path, logrows: int, seed: str | None = None) -> dict:
    """Write a test SRS with 2^logrows powers (insecure: this machine knows τ), with the Lagrange
    bases of every size 2^0 … 2^logrows computed from τ (so setup and prove commit to columns
    without a group iNTT; the file is 3× the powers alone)."""
    from ezk.kzg import SRS
    from ezk.kzg.srs_format import MAX_SRS_K

    if not 1 <= logrows <= MAX_SRS_K:
        raise EzkError(f"--logrows must be between 1 and {MAX_SRS_K}, got {logrows}.")
    check_output_path(srs_path, "SRS")
    srs = SRS.generate(logrows, seed.encode() if seed else None)
    srs.save(srs_path)
    return {"logrows": logrows, "bytes": Path(srs_path).stat().st_size, "srs_path": str(srs_path)}


def load_srs_for(srs_path, k: int):
    """The first 2^k powers of the SRS at ``srs_path`` (any supported format; None: the default
    ``kzg{k}.srs`` of :mod:`ezk.kzg.store`), with the file's size-2^k Lagrange basis (read on
    first use) when it stores one; when it does not, says so: commitments to columns then take
    the slower iNTT + full-size MSM path."""
    import sys

    from ezk.kzg import load_srs
    from ezk.kzg.store import resolve_srs_path

    srs_path = resolve_srs_path(srs_path, k)
    if not Path(srs_path).is_file():
        raise ArtifactError(
            f"the SRS file {str(srs_path)!r} does not exist; run `ezk get-srs --logrows {k} --srs-path {srs_path}` "
            f"(from a ceremony file) or `ezk gen-srs --logrows {k} --srs-path {srs_path}` (insecure, testing only)."
        )
    srs = load_srs(srs_path, k)
    if k >= 8 and not srs.has_lagrange(1 << k):
        print(f"ezk: {srs_path} stores no Lagrange basis of size 2^{k}: column commitments take the slower "
              f"iNTT + full MSM path (prepare it once with `ezk get-srs --logrows {k}`).",
              file=sys.stderr)
    return srs


_VERIFIER_SRS: dict[tuple, object] = {}  # (path, inode, size, mtime) -> VerifierSRS, newest last
_VERIFIER_SRS_MAX = 4


def verifier_srs_for(srs_path):
    """[1]₁, [1]₂, [τ]₂ of the SRS file (read and checked as ``load_srs_for(srs_path, 1)``),
    kept per process by the file's identity (path, inode, size, modification time): a verifier
    checking many proofs, or a bundle of many segments, reads and pairing-checks it once. What
    it returns is still compared with each verifying key's SRS digest (``check_srs``)."""
    try:
        st = Path(srs_path).stat()
        ident = (str(Path(srs_path).resolve()), st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        ident = None
    if ident is not None and ident in _VERIFIER_SRS:
        return _VERIFIER_SRS[ident]
    vsrs = load_srs_for(srs_path, 1).verifier()
    if ident is not None:
        _VERIFIER_SRS[ident] = vsrs
        while len(_VERIFIER_SRS) > _VERIFIER_SRS_MAX:
            del _VERIFIER_SRS[next(iter(_VERIFIER_SRS))]
    return vsrs


# --------------------------------------------------------------------------- helpers

def _lay_out(compiled: Compiled, tensors=None):
    from ezk.layout import lay_out

    return lay_out(compiled.graph, compiled.settings, tensors)


def _compiled_digest(path) -> tuple[Compiled, str]:
    comp = load_compiled(path)
    return comp, comp.digest


def _key_header(comp: Compiled, digest: str, laid) -> dict:
    header = {
        "compiled_digest": digest,
        "settings_digest": settings_digest(comp.settings),
        "k": laid.circuit.k,
        "public": laid.instance_layout,
        "stats": laid.stats,
    }
    if laid.polycommit:  # the polycommit tensors' columns (ezk.polycommit)
        header["polycommit"] = [c.header() for c in laid.polycommit]
    return header


def public_values(public_layout: list[dict], instances: list[list[int]], kind: str = "output") -> list[tuple[list[int], int]]:
    """(signed integer values, scale) of each public tensor of ``kind`` ("input" or "output"),
    read from the instance values by the key's public map."""
    outs = []
    half = R // 2
    for entry in public_layout:
        if entry["kind"] != kind:
            continue
        col = instances[entry.get("column", 0)] if entry.get("column", 0) < len(instances) else []
        vals = col[entry["start"]:entry["start"] + entry["length"]]
        if len(vals) != entry["length"]:
            raise ArtifactError(f"the proof's instances are shorter than its verifying key's public {kind}s.")
        outs.append(([v if v <= half else v - R for v in vals], entry["scale"]))
    return outs


def dequantize_public(public_layout: list[dict], instances: list[list[int]], kind: str = "output") -> list[list[float]]:
    """The public outputs (or inputs) as floats, read from the instance values by the key's public map."""
    out = []
    for vals, scale in public_values(public_layout, instances, kind):
        unit = 2.0 ** scale
        out.append([float(v) / unit for v in vals])
    return out


def public_hashes(public_layout: list[dict], instances: list[list[int]]) -> list[dict]:
    """The public Poseidon hashes (hashed visibilities), read from the instance values by the
    key's public map: [{"of": input|param|output, "name", "poseidon_hash": 0x… big-endian}]."""
    from ezk.poseidon.hashed import felt_big_endian

    out = []
    for entry in public_layout:
        if entry["kind"] != "hash":
            continue
        col = instances[entry.get("column", 0)] if entry.get("column", 0) < len(instances) else []
        if entry["start"] >= len(col):
            raise ArtifactError("the proof's instances are shorter than its verifying key's public hashes.")
        out.append({"of": entry["of"], "name": entry["name"], "poseidon_hash": felt_big_endian(col[entry["start"]])})
    return out


def _instances_from_witness(comp: Compiled, witness_path):
    """The forward pass's tensors for the quantized inputs stored in witness.json (whose stored
    outputs must be what the model computes, see :func:`ezk.witness.read_witness`)."""
    from ezk.witness import read_witness

    return read_witness(witness_path, comp.graph, comp.digest)


def quantized_inputs_from_witness(comp: Compiled, witness_path) -> dict[int, np.ndarray]:
    """The quantized model inputs of witness.json (checked as ``_instances_from_witness``
    checks it), by input tensor id."""
    trace = _instances_from_witness(comp, witness_path)
    return {i: trace.values[i] for i in comp.graph.inputs}


def _segmented(comp: Compiled) -> bool:
    return "segments" in comp.extra


# ----------------------------------------------------------------------------- setup

def _no_cluster(workers, scheduler) -> None:
    """A circuit of one segment is one task: Dask options do not apply (said, not ignored)."""
    if workers is not None or scheduler is not None:
        import sys

        print("ezk: the circuit is one segment (compile with --max-logrows to split it); proving it here, "
              "without Dask.", file=sys.stderr)


def setup(compiled_circuit, srs_path=None, vk_path="vk.key", pk_path="pk.key", workers: int | None = None,
          scheduler: str | None = None, progress=None) -> dict:
    """Lay the circuit out (structure only), run keygen, write pk and vk (``srs_path`` None: the
    default ``kzg{k}.srs``). A segmented circuit gets a key bundle, one segment at a time or on
    Dask (``workers``/``scheduler``)."""
    from ezk.plonk import fixed_cosets, keygen

    check_output_path(vk_path, "verifying key")
    check_output_path(pk_path, "proving key")
    comp, digest = _compiled_digest(compiled_circuit)
    if _segmented(comp):
        from ezk.segments import proving as seg

        return seg.setup(compiled_circuit, srs_path, vk_path, pk_path, workers, scheduler, progress)
    _no_cluster(workers, scheduler)
    t0 = time.perf_counter()
    laid = _lay_out(comp)
    srs = load_srs_for(srs_path, laid.circuit.k)
    pk, vk = keygen(laid.circuit, srs)
    header = _key_header(comp, digest, laid)
    k, stats = laid.circuit.k, laid.stats
    del laid, srs  # the key holds the fixed columns (compact) and σ from here on
    header["vk_digest"] = vk.digest.hex()
    header["srs_digest"] = vk.srs_digest.hex()  # of [1]₁, [1]₂, [τ]₂ (also inside the vk itself)
    vk_bytes = write_key(vk_path, KeyFile("vk", header, vk.to_bytes()))
    pk_bytes = write_key(pk_path, KeyFile("pk", header, pk.to_bytes()))
    # the fixed polynomials' quotient inputs beside the key (removed if over the size limit)
    cosets_bytes = fixed_cosets.write(pk, fixed_cosets.sidecar_path(pk_path), key_checksum(pk_path))
    return {"k": k, "vk_bytes": vk_bytes, "pk_bytes": pk_bytes, "seconds": time.perf_counter() - t0,
            "vk_path": str(vk_path), "pk_path": str(pk_path), "fixed_cosets_bytes": cosets_bytes, **stats}


# ------------------------------------------------------------------------------ mock

def mock(compiled_circuit, witness="witness.json", max_failures: int = 10, workers: int | None = None,
         scheduler: str | None = None, progress=None) -> dict:
    """Check every gate, lookup and copy of the model's circuit on the witness; raise on failure."""
    from ezk.plonk import mock as plonk_mock

    comp, _ = _compiled_digest(compiled_circuit)
    if _segmented(comp):
        from ezk.segments import proving as seg

        return seg.mock(compiled_circuit, witness, max_failures, workers, scheduler, progress)
    _no_cluster(workers, scheduler)
    trace = _instances_from_witness(comp, witness)
    laid = _lay_out(comp, trace)
    failures = plonk_mock(laid.circuit, laid.witness)
    if failures:
        lines = [laid.explain(f) for f in failures[:max_failures]]
        more = f" (and {len(failures) - max_failures} more)" if len(failures) > max_failures else ""
        raise EzkError(f"the witness does not satisfy the circuit: {len(failures)} failing constraint(s){more}: " + "; ".join(lines))
    return {"ok": True, **laid.stats}


# ----------------------------------------------------------------------------- prove

def prove(compiled_circuit, witness="witness.json", pk_path="pk.key", srs_path=None, proof_path="proof.json",
          workers: int | None = None, scheduler: str | None = None, progress=None) -> dict:
    """Prove that the compiled model maps the witness's inputs to its outputs. A segmented
    circuit is proven segment by segment, here or on Dask (``workers``/``scheduler``)."""
    from ezk.plonk import ProvingKey, fixed_cosets
    from ezk.plonk import prove as plonk_prove

    check_output_path(proof_path, "proof")
    comp, digest = _compiled_digest(compiled_circuit)
    if _segmented(comp):
        from ezk.segments import proving as seg

        return seg.prove(compiled_circuit, witness, pk_path, srs_path, proof_path, workers, scheduler, progress)
    _no_cluster(workers, scheduler)
    key = read_key(pk_path, "pk")
    if key.header.get("compiled_digest") != digest:
        raise ArtifactError(f"the proving key {str(pk_path)!r} belongs to another compiled circuit; run ezk setup for this one.")
    trace = _instances_from_witness(comp, witness)
    laid = _lay_out(comp, trace)
    if laid.circuit.k != key.header.get("k"):
        raise ArtifactError(f"the proving key {str(pk_path)!r} was made for k={key.header.get('k')}, the circuit has k={laid.circuit.k}.")
    # keep only what proving needs: the layout's fixed columns and copies live in the key
    k, plonk_witness, laid_instances = laid.circuit.k, laid.witness, laid.instances
    pc_columns = [c.index for pc in laid.polycommit for c in pc.columns]
    del laid, trace
    header = key.header
    pk = ProvingKey.from_bytes(key.body)
    del key
    srs = load_srs_for(srs_path, k)
    t0 = time.perf_counter()
    # polycommit columns: rows u … n−1 hold 1 (EZKL's unblinded columns, see ezk.polycommit)
    from ezk.polycommit import blinding, proof_entries

    d = pk.vk.domain
    stored = fixed_cosets.FixedCosets.open(fixed_cosets.sidecar_path(pk_path), key_checksum(pk_path), d)
    proof = plonk_prove(pk, srs, plonk_witness, advice_blinding={i: blinding(d.n - d.usable) for i in pc_columns},
                        fixed_cosets=stored)
    seconds = time.perf_counter() - t0
    commitments = proof_entries(header, pk.vk.cs, proof.advice)
    del pk, plonk_witness
    instances = [[int(v) % R for v in np.asarray(col).tolist()] for col in laid_instances]
    outputs, hashes = write_proof(proof_path, proof.to_bytes(), instances, header, digest, commitments)
    return {"seconds": seconds, "proof_bytes": len(proof.to_bytes()), "outputs": outputs, "hashes": hashes, "k": k,
            "proof_path": str(proof_path), **({"polycommit": commitments} if commitments else {})}


def write_proof(proof_path, proof: bytes, instances: list[list[int]], header: dict, digest: str,
                commitments: list | None = None) -> tuple[list, list]:
    """proof.json for ``proof`` and its public ``instances`` (field elements), with the values
    the key's public map ``header["public"]`` reads from them (and its polycommit
    ``commitments``, ``ezk.polycommit.proof_entries``); returns (outputs, hashes)."""
    outputs = dequantize_public(header["public"], instances)
    data = proof_json_fields(proof, instances, public_values(header["public"], instances, "input"),
                             public_values(header["public"], instances, "output"))
    hashes = public_hashes(header["public"], instances)
    data.update({"outputs": outputs, **({"hashes": hashes} if hashes else {}),
                 **({"polycommit": commitments} if commitments else {}), "vk_digest": header.get("vk_digest"),
                 "compiled_digest": digest})
    write_proof_json(proof_path, data)
    return outputs, hashes


# ---------------------------------------------------------------------------- verify

def proof_hashes(proof_path) -> list[dict]:
    """The public Poseidon hashes a proof.json claims (``verify`` checks them against its instances);
    none for a segmented proof bundle (segments do not support hashed visibilities)."""
    from ezk.segments.artifacts import is_proof_bundle

    if is_proof_bundle(proof_path):
        return []
    return list(read_proof_json(proof_path).get("hashes", []))


@dataclass(frozen=True)
class Verdict:
    """The verifier's answer and, when it is no, the one-sentence reason; when it is yes, the
    public tensors dequantized (``outputs``, and ``inputs`` when the model's inputs are public:
    one flat list each, in the order of ``public``, the key's public layout with names, shapes
    and scales)."""

    ok: bool
    reason: str = ""
    outputs: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    public: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok


def _expected_inputs(public: list[dict], data) -> list[np.ndarray]:
    """input.json quantized as gen-witness does, for the key's public inputs (by its layout)."""
    from ezk.inputs import check_inputs, load_input_data, quantize_inputs

    entries = [e for e in public if e["kind"] == "input"]
    if not entries:
        raise ArtifactError(f"the proof states no public input (the model's inputs are not public), so {str(data)!r} "
                            f"cannot be checked against it.")
    values = check_inputs(load_input_data(data), [tuple(e["shape"]) for e in entries], [e["name"] for e in entries])
    return quantize_inputs(values, [int(e["scale"]) for e in entries], [e["name"] for e in entries])


def input_mismatch(public: list[dict], instances: list[list[int]], data) -> str:
    """'' when the proof's public inputs are input.json ``data`` quantized as gen-witness does
    (compared as field elements), else the reason naming the first input that differs."""
    for want, e in zip(_expected_inputs(public, data), [e for e in public if e["kind"] == "input"]):
        col = instances[e.get("column", 0)][e["start"]:e["start"] + e["length"]]
        if [int(v) % R for v in want.reshape(-1).tolist()] != list(col):
            return f"the proof's public input {e['name']!r} is not the input in {str(data)!r}"
    return ""


def verify_proof(proof_path="proof.json", settings_path="settings.json", vk_path="vk.key", srs_path=None,
                 data=None) -> Verdict:
    """Verdict(True, outputs, inputs) iff the proof verifies against the vk; Verdict(False, why)
    for a proof that does not; clear errors (EzkError) for files that do not belong together
    (settings, keys, an SRS other than the keys'). With ``data`` (an input.json) the proof's
    public inputs must be that input, quantized as gen-witness does."""
    from ezk.kzg.store import resolve_srs_path
    from ezk.plonk import VerifyingKey
    from ezk.plonk import verify as plonk_verify
    from ezk.plonk.proof import check_version

    key = read_key(vk_path, "vk")
    if "segments" in key.header:
        from ezk.segments import proving as seg

        return seg.verify(proof_path, settings_path, vk_path, srs_path, key=key, data=data)
    proof = read_proof_json(proof_path)
    check_version(proof["proof_bytes"])  # an older format is an error to fix, not a forgery
    if settings_path is not None:
        st = Settings.load(settings_path)
        if settings_digest(st) != key.header.get("settings_digest"):
            raise ArtifactError(f"the settings {str(settings_path)!r} belong to another model or configuration than the verifying key {str(vk_path)!r}.")
    if proof.get("vk_digest") and proof["vk_digest"] != key.header.get("vk_digest"):
        raise ArtifactError(f"the proof {str(proof_path)!r} was made with another model's keys than {str(vk_path)!r}.")
    vk = VerifyingKey.from_bytes(key.body)
    instances = proof["instance_values"]
    if len(instances) != len(vk.cs.instance):
        return Verdict(False, f"the proof has {len(instances)} instance column(s); the verifying key has {len(vk.cs.instance)}")
    lengths = [len(c) for c in instances]
    if lengths != list(vk.instance_lengths):  # extra values would be bound by nothing
        return Verdict(False, f"the proof holds {lengths} public values per instance column; the verifying key "
                              f"states exactly {list(vk.instance_lengths)}")
    # The claimed outputs must be exactly the dequantized public instances.
    try:
        claimed = dequantize_public(key.header["public"], instances)
    except ArtifactError:
        return Verdict(False, "the proof's public instances are shorter than the verifying key's public outputs")
    if claimed != proof["outputs"]:
        return Verdict(False, "the outputs claimed in the proof file differ from its public instances")
    if "pretty_public_inputs" in proof and proof["pretty_public_inputs"] != pretty_public(
            public_values(key.header["public"], instances, "input"), public_values(key.header["public"], instances)):
        return Verdict(False, "the pretty_public_inputs in the proof file differ from its public instances")
    # and the claimed hashes (hashed visibilities) exactly the public digests
    try:
        if public_hashes(key.header["public"], instances) != proof.get("hashes", []):
            return Verdict(False, "the Poseidon hashes claimed in the proof file differ from its public instances")
    except ArtifactError:
        return Verdict(False, "the proof's public instances are shorter than the verifying key's public hashes")
    if any(not 0 <= v < R for col in instances for v in col):
        return Verdict(False, "a public instance is not a field element below the modulus")
    public = key.header["public"]
    if data is not None and (why := input_mismatch(public, instances, data)):
        return Verdict(False, why)
    # and the claimed polycommit commitments exactly the proof's commitments of those columns
    from ezk.polycommit import check_proof

    if why := check_proof(key.header, vk.cs, proof["proof_bytes"], proof.get("polycommit", [])):
        return Verdict(False, why)
    # The verifier needs only [1]₁, [1]₂ and [τ]₂: read the first two powers, not 2^k.
    srs_path = resolve_srs_path(srs_path, int(key.header.get("k", 1)))
    vsrs = verifier_srs_for(srs_path)
    if vsrs.digest() != vk.srs_digest:
        raise ArtifactError(f"the SRS {str(srs_path)!r} (digest {vsrs.digest().hex()[:16]}…) is not the SRS the verifying "
                            f"key {str(vk_path)!r} was made with (digest {vk.srs_digest.hex()[:16]}…).")
    try:
        inst = [_native.FrVec.from_ints(col) for col in instances]
        ok = bool(plonk_verify(vk, vsrs, inst, proof["proof_bytes"]))
    except EzkError as exc:
        return Verdict(False, f"the proof bytes are malformed: {str(exc).rstrip('.')}")
    if not ok:
        return Verdict(False, "the pairing check failed: the proof does not match the verifying key and public instances")
    return Verdict(True, "", dequantize_public(public, instances, "output"), dequantize_public(public, instances, "input"),
                   public)


def verify(proof_path="proof.json", settings_path="settings.json", vk_path="vk.key", srs_path=None, data=None) -> bool:
    """True iff the proof verifies against the vk (:func:`verify_proof` says why not and returns
    the public values); with ``data``, its public inputs must be that input.json."""
    return verify_proof(proof_path, settings_path, vk_path, srs_path, data).ok
