"""gen-witness: quantize input.json, run the integer forward pass, write witness.json.

witness.json (version 2) carries ezk's tag and EZKL's fields::

    {"format": "ezk-witness", "version": 2, "compiled_digest", "input_scales", "output_scales",
     "inputs":  [[field elements, little-endian hex — EZKL's form], …]   (quantized, flat per input)
     "outputs": [[field elements, little-endian hex], …]                 (ONNX output order)
     "pretty_elements": {"rescaled_inputs": [["0.5", …]], "inputs": [["0x…" big-endian]],
                         "rescaled_outputs", "outputs", "processed_inputs": [], "processed_params": [],
                         "processed_outputs": []},
     "processed_inputs": null, "processed_params": null, "processed_outputs": null}

The stored outputs are a claim: mock and prove recompute them from the inputs and refuse a file
whose outputs differ (:func:`read_witness`). Version 1 files (integers, "outputs_quantized") are
still read. ``processed_*`` hold the Poseidon hashes of hashed tensors (EZKL's
{"poseidon_hash": [felt, …], "polycommit": null}), the KZG commitments of polycommit tensors
({"poseidon_hash": null, "polycommit": [[point, …], …]}, see :mod:`ezk.polycommit`) or null."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ezk.errors import ArtifactError
from ezk.felts import floats_text, i64_to_be_hex, i64_to_le_hex, le_hex_to_i64
from ezk.graph.forward import Trace, forward
from ezk.graph.ir import Graph
from ezk.inputs import check_inputs, quantize_inputs

FORMAT = "ezk-witness"
VERSION = 2
READABLE_VERSIONS = (1, 2)


def quantized_inputs(graph: Graph, values: list[np.ndarray]) -> list[np.ndarray]:
    shapes = [graph.nodes[i].shape for i in graph.inputs]
    vals = check_inputs(values, shapes, graph.input_names)
    return quantize_inputs(vals, graph.input_scales, graph.input_names)


def run_witness(graph: Graph, values: list[np.ndarray]) -> tuple[list[np.ndarray], Trace]:
    q = quantized_inputs(graph, values)
    return q, forward(graph, q)


def pretty_elements(q_inputs, input_scales, q_outputs, output_scales) -> dict:
    """EZKL's pretty_elements: rescaled floats as strings and 0x big-endian field elements."""
    return {
        "rescaled_inputs": [floats_text(np.asarray(x).reshape(-1) / 2.0**s) for x, s in zip(q_inputs, input_scales)],
        "inputs": [i64_to_be_hex(x) for x in q_inputs],
        "processed_inputs": [],
        "processed_params": [],
        "processed_outputs": [],
        "rescaled_outputs": [floats_text(np.asarray(o).reshape(-1) / 2.0**s) for o, s in zip(q_outputs, output_scales)],
        "outputs": [i64_to_be_hex(o) for o in q_outputs],
    }


def witness_json(graph: Graph, q_inputs: list[np.ndarray], trace: Trace, digest: str = "", run_args=None,
                 srs=None) -> dict:
    """``srs``: the SRS the polycommit tensors are committed with (None: their commitments are null)."""
    from ezk.polycommit import processed as committed
    from ezk.poseidon.hashed import processed

    outs = trace.outputs(graph)
    hashes = processed(graph, run_args, trace.values) if run_args is not None else {}
    if run_args is not None:  # a part is either hashed or polycommit (one visibility per kind)
        hashes.update(committed(graph, run_args, trace.values, srs))
    return {
        "format": FORMAT,
        "version": VERSION,
        "compiled_digest": digest,
        "input_scales": graph.input_scales,
        "output_scales": graph.output_scales,
        "inputs": [i64_to_le_hex(x) for x in q_inputs],
        "outputs": [i64_to_le_hex(o) for o in outs],
        "pretty_elements": pretty_elements(q_inputs, graph.input_scales, outs, graph.output_scales),
        "processed_inputs": None,
        "processed_params": None,
        "processed_outputs": None,
        **hashes,
    }


def save_witness(path, data: dict) -> None:
    Path(path).write_text(json.dumps(data))


def witness_outputs(w: dict) -> list[np.ndarray]:
    """The outputs of a witness dict as floats (flat per output)."""
    scales = w.get("output_scales", [])
    if w.get("version") == 1:
        return [np.asarray(o, dtype=np.float64) for o in w["outputs"]]
    return [le_hex_to_i64(o, "the witness outputs") / 2.0**s for o, s in zip(w["outputs"], scales)]


def _int_vectors(w: dict, v2_field: str, v1_field: str, src: str) -> list[np.ndarray] | None:
    vals = w.get(v2_field if w.get("version") != 1 else v1_field)
    if vals is None:
        return None
    if not isinstance(vals, list):
        raise ArtifactError(f"{src}: field {v2_field!r} is not a list.")
    if w.get("version") == 1:
        out = []
        for v in vals:
            try:
                out.append(np.asarray(v, dtype=np.int64).reshape(-1))
            except (TypeError, ValueError, OverflowError):
                raise ArtifactError(f"{src}: field {v1_field!r} is not lists of integers.") from None
        return out
    return [le_hex_to_i64(v, f"{src} field {v2_field!r}") for v in vals]


def read_witness(path, graph: Graph, digest: str) -> Trace:
    """The forward pass's tensors for the quantized inputs of witness.json, after checking that
    the file belongs to this compiled circuit and that its stored outputs are what the model
    computes from its inputs (a hand-edited output is refused, never silently recomputed)."""
    from ezk.artifacts import read_json_artifact

    p = Path(path)
    src = repr(str(p))
    w = read_json_artifact(p, "witness", FORMAT, " (run ezk gen-witness)")
    if w.get("version") not in READABLE_VERSIONS:
        raise ArtifactError(f"{src} is witness version {w.get('version')!r}; this ezk reads versions {READABLE_VERSIONS} (run ezk gen-witness).")
    if w.get("compiled_digest") and w["compiled_digest"] != digest:
        raise ArtifactError(f"{src} was generated for another compiled circuit.")
    inputs = _int_vectors(w, "inputs", "inputs", src)
    if inputs is None or len(inputs) != len(graph.inputs):
        raise ArtifactError(f"{src} holds {len(inputs) if inputs is not None else 0} inputs; the model takes {len(graph.inputs)}.")
    q = []
    for name, i, arr in zip(graph.input_names, graph.inputs, inputs):
        shape = graph.nodes[i].shape
        if arr.size != int(np.prod(shape, dtype=np.int64)):
            raise ArtifactError(f"{src}: input {name!r} has {arr.size} values; the model expects {int(np.prod(shape))}.")
        q.append(arr.reshape(shape))
    trace = forward(graph, q)
    stored = _int_vectors(w, "outputs", "outputs_quantized", src)
    if stored is None:
        raise ArtifactError(f"{src} has no outputs (run ezk gen-witness).")
    computed = trace.outputs(graph)
    if len(stored) != len(computed):
        raise ArtifactError(f"{src} holds {len(stored)} outputs; the model has {len(computed)}.")
    for name, s, c in zip(graph.output_names, stored, computed):
        c = np.asarray(c).reshape(-1)
        if s.size != c.size or not np.array_equal(s, c):
            bad = int(np.argmax(s != c)) if s.size == c.size else None
            where = f"element {bad} is {int(s[bad])} but" if bad is not None else f"it has {s.size} values but"
            raise ArtifactError(f"{src}: output {name!r} differs from what the model computes from the witness's "
                                f"inputs ({where} the model gives " +
                                (f"{int(c[bad])}" if bad is not None else f"{c.size} values") +
                                "); regenerate it with ezk gen-witness.")
    return trace
