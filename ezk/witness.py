"""gen-witness: quantize input.json, run the integer forward pass, write witness.json.

witness.json = {"format": "ezk-witness", "version", "inputs" (quantized, flat per input),
"outputs" (dequantized floats, flat per output, ONNX output order), "outputs_quantized",
"input_scales", "output_scales", "compiled_digest", and EZKL's "processed_inputs",
"processed_params", "processed_outputs" — the Poseidon hashes of hashed tensors, or null}."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ezk.graph.forward import Trace, forward
from ezk.graph.ir import Graph
from ezk.inputs import check_inputs, quantize_inputs

FORMAT = "ezk-witness"
VERSION = 1


def quantized_inputs(graph: Graph, values: list[np.ndarray]) -> list[np.ndarray]:
    shapes = [graph.nodes[i].shape for i in graph.inputs]
    vals = check_inputs(values, shapes, graph.input_names)
    return quantize_inputs(vals, graph.input_scales, graph.input_names)


def run_witness(graph: Graph, values: list[np.ndarray]) -> tuple[list[np.ndarray], Trace]:
    q = quantized_inputs(graph, values)
    return q, forward(graph, q)


def witness_json(graph: Graph, q_inputs: list[np.ndarray], trace: Trace, digest: str = "", run_args=None) -> dict:
    from ezk.poseidon.hashed import processed

    outs = trace.outputs(graph)
    hashes = processed(graph, run_args, trace.values) if run_args is not None else {}
    return {
        "format": FORMAT,
        "version": VERSION,
        "compiled_digest": digest,
        "input_scales": graph.input_scales,
        "output_scales": graph.output_scales,
        "inputs": [x.reshape(-1).tolist() for x in q_inputs],
        "outputs_quantized": [o.reshape(-1).tolist() for o in outs],
        "outputs": [(o.reshape(-1) / 2.0**s).tolist() for o, s in zip(outs, graph.output_scales)],
        **hashes,
    }


def save_witness(path, data: dict) -> None:
    Path(path).write_text(json.dumps(data))
