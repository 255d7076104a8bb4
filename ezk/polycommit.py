"""Polycommit visibility in the workflow: the commitments in witness.json and proof.json, the
verifier's check of them, and ``swap_proof_commitments`` (EZKL's names and flow).

A polycommit tensor (see :mod:`ezk.layout.polycommit`) of m values sits in ⌈m/u⌉ advice columns
of a circuit of 2^k rows (u usable): column j holds values j·u … j·u+u−1 in rows 0 … u−1 (zero
past the end), and rows u … n−1 hold 1 — EZKL's unblinded columns. Its commitments are

    C_j = Σ_{i<u} a_j[i]·[L_i(τ)]₁ + Σ_{i≥u} [L_i(τ)]₁        (L_i: ezk's Lagrange basis of size 2^k)

— a function of the tensor, k and the SRS only. So:

* gen-witness writes them (needs the SRS) as EZKL does: ``processed_inputs`` /
  ``processed_params`` / ``processed_outputs`` = {"poseidon_hash": null, "polycommit":
  [[point per column] per tensor]}, a point as 64 hex digits (ezk's compressed encoding);
* prove commits those columns with exactly that blinding, and proof.json lists them:
  "polycommit": [{"of", "name", "positions" (in the proof's advice commitments), "commitments"}];
* verify requires that list to be exactly the proof's commitments at the positions its key names;
* ``swap_proof_commitments(proof, witness)`` writes the witness's commitments (inputs, params,
  outputs, in that order, as EZKL's ``get_polycommitments``) into the proof. The swapped proof
  verifies iff they were the proof's own (the transcript absorbs every commitment): a check
  that the proof committed to that witness's tensors. To chain proofs of split models, copy
  witness i's ``processed_outputs`` into witness i+1's ``processed_inputs``, swap, verify;
* ``verify_chain([(proof, settings, vk), …])`` checks a chain without witnesses: every proof
  verifies, and proof i's output commitments are proof i+1's input commitments.

Not EZKL's points: ezk's domain generator is ω = 5^((r−1)/2^28), halo2's ω^M (see
:mod:`ezk.kzg.ceremony`), so the same message gives other points than EZKL's (``ezk.ezkl_compat.
commit_message`` computes EZKL's); ezk also uses ⌈m/u⌉ columns where EZKL uses ⌊m/u⌋ + 1.
Hiding: none beyond the tensor's own entropy, as in EZKL (anyone holding a candidate tensor
recomputes its commitment).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

from ezk import _native
from ezk.errors import ArtifactError, EzkError

BLIND = 1  # the value of a polycommit column's rows u … n−1 (halo2's Blind::default())
PROCESSED = {"input": "processed_inputs", "param": "processed_params", "output": "processed_outputs"}


# ------------------------------------------------------------------------------ points

def point_hex(p: "_native.G1") -> str:
    return p.to_bytes().hex()


def parse_point(text, what: str) -> "_native.G1":
    if not (isinstance(text, str) and len(text) == 64):
        raise ArtifactError(f"{what} is not a G1 point (64 hex digits).")
    try:
        return _native.G1.from_bytes(bytes.fromhex(text))
    except ValueError:
        raise ArtifactError(f"{what} is not a point of BN254 G1.") from None


# ------------------------------------------------------------------------ commitments

def blinding(count: int) -> "_native.FrVec":
    """Rows u … n−1 of a polycommit column."""
    return _native.FrVec.constant(BLIND, count)


def commit_tensor(values, k: int, srs, usable: int | None = None) -> list["_native.G1"]:
    """The commitments of a polycommit tensor (flattened ``values``: int64, or field elements as
    Python ints) in a circuit of 2^k rows, ``usable`` of them usable (default: the layout's)."""
    from ezk.kzg.commit import commit_lagrange
    from ezk.layout.circuit import usable_rows
    from ezk.layout.links import columns_for
    from ezk.plonk.circuit import padded

    v = np.asarray(values)
    v = (v if v.dtype == object else v.astype(np.int64)).reshape(-1)
    n, u = 1 << k, usable_rows(k) if usable is None else usable
    out = []
    for j in range(columns_for(v.size, u)):
        col = padded(v[j * u:(j + 1) * u], u, u, "a polycommit column")
        out.append(commit_lagrange(srs, _native.FrVec.concat([col, blinding(n - u)])))
    return out


def processed(graph, run_args, tensors, srs) -> dict:
    """witness.json's processed_* entries of the polycommit tensors: {"processed_inputs":
    {"poseidon_hash": None, "polycommit": [[point hex] per tensor]}, …} (kinds without one are
    left out); ``srs`` None: the commitments are null (no SRS to commit with)."""
    from ezk.layout.polycommit import polycommit_tensors

    todo = polycommit_tensors(graph, run_args)
    out: dict = {}
    for kind, tid, _ in todo:
        entry = out.setdefault(PROCESSED[kind], {"poseidon_hash": None, "polycommit": []})
        if srs is None:
            entry["polycommit"] = None
            continue
        vals = tensors[tid] if tid in tensors else graph.nodes[tid].arrays["value"]
        entry["polycommit"].append([point_hex(p) for p in commit_tensor(vals, int(run_args.logrows), srs)])
    return out


def witness_commitments(w: dict, src: str) -> list["_native.G1"]:
    """Every polycommit commitment of a witness dict: inputs, params, outputs (EZKL's order)."""
    out = []
    for key in PROCESSED.values():
        part = w.get(key)
        if part is None:
            continue
        pcs = part.get("polycommit") if isinstance(part, dict) else None
        if pcs is None:
            continue
        if not isinstance(pcs, list) or not all(isinstance(t, list) for t in pcs):
            raise ArtifactError(f"{src}: {key}.polycommit is not a list of lists of points.")
        out += [parse_point(p, f"{src}: a point of {key}.polycommit") for t in pcs for p in t]
    return out


# ------------------------------------------------------------------------------ proofs

def proof_entries(header: dict, cs, advice: tuple) -> list[dict]:
    """proof.json's "polycommit" list: per polycommit tensor of the key ``header``, its
    commitments read from the proof's advice commitments ``advice``."""
    from ezk.layout.links import proof_positions
    from ezk.plonk.expression import ADVICE

    out = []
    for e in header.get("polycommit", []):
        if not all(isinstance(i, int) and 0 <= i < len(cs.columns) for i in e["columns"]):
            raise ArtifactError("the key names a polycommit column its circuit lacks.")
        cols = [cs.columns[i] for i in e["columns"]]
        if any(c.kind != ADVICE for c in cols):
            raise ArtifactError("the key names a polycommit column that is not an advice column of its circuit.")
        pos = proof_positions(cs, cols)
        if any(p >= len(advice) for p in pos):
            raise ArtifactError("the proof has fewer advice commitments than its key's polycommit columns.")
        out.append({"of": e["of"], "name": e["name"], "positions": pos,
                    "commitments": [point_hex(advice[p]) for p in pos]})
    return out


def check_proof(header: dict, cs, proof_bytes: bytes, claimed) -> str:
    """'' when the proof file's "polycommit" list is exactly the proof's commitments of the
    key's polycommit columns, else why not (one clause)."""
    from ezk.plonk import Proof

    if not header.get("polycommit"):
        return "" if not claimed else "the proof file lists polycommit commitments its verifying key has none of"
    try:
        advice = Proof.from_bytes(proof_bytes).advice
        want = proof_entries(header, cs, advice)
    except (EzkError, ValueError) as exc:
        return f"the proof bytes are malformed: {str(exc).rstrip('.')}"
    if claimed != want:
        return "the polycommit commitments claimed in the proof file differ from the proof's commitments"
    return ""


def proof_commitments(proof_path) -> list[dict]:
    """The polycommit commitments a proof.json lists (``verify`` checks them against the proof);
    none for a segmented proof bundle."""
    from ezk.artifacts import read_proof_json
    from ezk.segments.artifacts import is_proof_bundle

    return [] if is_proof_bundle(proof_path) else list(read_proof_json(proof_path).get("polycommit", []))


def swap_proof_commitments(proof_path, witness_path) -> dict:
    """Write the witness's polycommit commitments into the proof at ``proof_path`` (in place, as
    EZKL does): the proof's commitments of its polycommit columns, in order, and the proof
    file's "polycommit" list. Returns {"changed": whether any differed, "commitments": count}."""
    from ezk.artifacts import read_json_artifact, read_proof_json, write_proof_json
    from ezk.plonk import Proof
    from ezk.segments.artifacts import is_proof_bundle
    from ezk.witness import FORMAT as WITNESS_FORMAT

    if is_proof_bundle(proof_path):
        raise EzkError(f"{str(proof_path)!r} is a segmented proof bundle: polycommit visibility (and so "
                       f"swap-proof-commitments) is not supported for segmented circuits.")
    d = read_proof_json(proof_path)
    src = repr(str(proof_path))
    entries = d.get("polycommit") or []
    if not entries:
        raise EzkError(f"the proof {src} has no polycommit commitments (its circuit has no polycommit visibility).")
    w = read_json_artifact(witness_path, "witness", WITNESS_FORMAT, " (run ezk gen-witness)")
    wsrc = repr(str(witness_path))
    if w.get("compiled_digest") and d.get("compiled_digest") and w["compiled_digest"] != d["compiled_digest"]:
        raise EzkError(f"the witness {wsrc} was generated for another compiled circuit than the proof {src}.")
    new = witness_commitments(w, wsrc)
    if not new:
        raise EzkError(f"the witness {wsrc} carries no polycommit commitments (run ezk gen-witness with the SRS: "
                       f"--srs-path).")
    try:
        proof = Proof.from_bytes(d["proof_bytes"])
        positions = [[int(p) for p in e["positions"]] for e in entries]
    except (EzkError, ValueError, TypeError, KeyError) as exc:
        raise ArtifactError(f"the proof {src} is malformed: {str(exc).rstrip('.')}.") from None
    count = sum(len(p) for p in positions)
    if count != len(new):
        raise EzkError(f"the witness {wsrc} carries {len(new)} polycommit commitments; the proof {src} has {count}.")
    advice = list(proof.advice)
    if any(not 0 <= p < len(advice) for ps in positions for p in ps):
        raise ArtifactError(f"the proof {src} is malformed: a polycommit position is past its advice commitments.")
    it = iter(new)
    changed = False
    for e, ps in zip(entries, positions):
        pts = [next(it) for _ in ps]
        changed |= any(advice[p] != q for p, q in zip(ps, pts))
        for p, q in zip(ps, pts):
            advice[p] = q
        e["commitments"] = [point_hex(q) for q in pts]
    data = dataclasses.replace(proof, advice=tuple(advice)).to_bytes()
    out = {k: v for k, v in d.items() if k not in ("format", "version", "proof_bytes", "instance_values")}
    out.update(proof=data.hex(), hex_proof="0x" + data.hex(), polycommit=entries)
    write_proof_json(proof_path, out)
    if changed:
        print(f"ezk: the witness's polycommit commitments differ from the proof's: the swapped proof {src} will "
              f"not verify.", file=sys.stderr)
    return {"changed": changed, "commitments": count, "proof_path": str(proof_path)}


# ------------------------------------------------------------------------------ chains

def verify_chain(steps, srs_path=None):
    """A chain of proofs of a model split into parts (EZKL's "proof splitting"), checked by
    commitments alone: ``steps`` = [(proof, settings, vk)] in chain order. Verdict(True) iff
    every proof verifies and, for each i, proof i's polycommit output commitments are exactly
    proof i+1's polycommit input commitments — by KZG binding, part i+1 ran on part i's output.
    (``verify`` has checked each proof file's list against its proof's commitments.)"""
    from ezk.artifacts import read_key
    from ezk.proving import Verdict, verify_proof

    steps = [tuple(s) for s in steps]
    if len(steps) < 2 or any(len(s) != 3 for s in steps):
        raise EzkError("a chain is at least two (proof, settings, vk) triples, in chain order.")
    ends, ks = [], []
    for i, (proof, settings, vk) in enumerate(steps, 1):
        v = verify_proof(proof, settings, vk, srs_path)
        if not v.ok:
            return Verdict(False, f"proof {i} ({str(proof)!r}) does not verify: {v.reason}")
        entries = proof_commitments(proof)
        ends.append({kind: [e["commitments"] for e in entries if e["of"] == kind] for kind in ("input", "output")})
        ks.append(int(read_key(vk, "vk").header.get("k", 0)))
    for i in range(len(steps) - 1):
        a, b = ends[i]["output"], ends[i + 1]["input"]
        if not a or not b:
            side, j = ("output", i + 1) if not a else ("input", i + 2)
            return Verdict(False, f"proof {j} has no polycommit {side} to chain (give that {side} polycommit visibility)")
        if ks[i] != ks[i + 1]:
            return Verdict(False, f"proofs {i + 1} and {i + 2} are of circuits of 2^{ks[i]} and 2^{ks[i + 1]} rows: "
                                  f"their commitments are comparable only at the same logrows")
        if a != b:
            return Verdict(False, f"proof {i + 1}'s polycommit output commitments differ from proof {i + 2}'s input "
                                  f"commitments: part {i + 2} did not run on part {i + 1}'s output")
    return Verdict(True)
