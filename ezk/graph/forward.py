"""The integer forward pass: evaluates every node of a Graph exactly, in order.

Returns a :class:`Trace` holding ALL tensors (``values[id]``, int64 arrays — inputs, constants
and every intermediate) and the auxiliary tensors some ops produce (``aux[id]``, e.g. a
rescale's ``remainder``), so the layout can assign every cell."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk.errors import WitnessError
from ezk.graph.ir import Graph
from ezk.ops import op_module
from ezk.ops._checks import COMPARING_OPS, check_compare_gap, check_rescale_output
from ezk.ops.bounds import check_leaf


@dataclass
class Trace:
    values: dict[int, np.ndarray]
    aux: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)

    def outputs(self, graph: Graph) -> list[np.ndarray]:
        return [self.values[i] for i in graph.outputs]


def forward(graph: Graph, inputs: list[np.ndarray], check_ranges: bool = True) -> Trace:
    """Run the quantized graph on quantized inputs (one int64 array per model input)."""
    if len(inputs) != len(graph.inputs):
        raise WitnessError(f"the model takes {len(graph.inputs)} inputs but {len(inputs)} were given")
    values: dict[int, np.ndarray] = {}
    aux: dict[int, dict[str, np.ndarray]] = {}
    for tid, x in zip(graph.inputs, inputs):
        node = graph.nodes[tid]
        x = np.asarray(x, dtype=np.int64)
        if x.size != node.size:
            raise WitnessError(f"input {node.onnx_name!r} needs {node.size} values but got {x.size}")
        if check_ranges:
            check_leaf(node, x, f"input {node.onnx_name!r}")
        values[tid] = x.reshape(node.shape)
    evaluate_nodes(graph.nodes, values, aux, check_ranges)
    return Trace(values=values, aux=aux)


def evaluate_nodes(nodes, values: dict[int, np.ndarray], aux: dict[int, dict[str, np.ndarray]],
                   check_ranges: bool = True) -> None:
    """Evaluate ``nodes`` (in order; input nodes are skipped: their values must be given) into
    ``values`` and ``aux``. Also how one segment of a model is evaluated (ezk.segments)."""
    lookup = op_module("lookup")
    for node in nodes:
        if node.op == "input":
            continue
        args = [values[i] for i in node.inputs]
        if check_ranges and node.op in COMPARING_OPS:
            check_compare_gap(node, args)
        if node.op == "lookup":
            out = lookup.evaluate(node, args, check=check_ranges)
        else:
            out = op_module(node.op).evaluate(node, args)
        if isinstance(out, tuple):
            out, extra = out
            aux[node.id] = extra
        if check_ranges and node.op == "const":
            check_leaf(node, out, f"the private parameter of ONNX node {node.onnx_name!r} ({node.onnx_op})")
        if check_ranges and node.op == "rescale":
            check_rescale_output(node, np.asarray(out))
        values[node.id] = np.asarray(out, dtype=np.int64)
