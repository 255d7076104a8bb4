"""The integer forward pass: evaluates every node of a Graph exactly, in order.

Returns a :class:`Trace` holding ALL tensors (``values[id]``, int64 arrays — inputs, constants
and every intermediate) and the auxiliary tensors some ops produce (``aux[id]``, e.g. a
rescale's ``remainder``), so the layout can assign every cell."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk.errors import WitnessError
from ezk.graph.ir import Graph
from ezk.ops import CoreOp, spec
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
    ``values`` and ``aux``. Also how one segment of a model is evaluated (ezk.segments).
    ``check_ranges`` refuses a witness the circuit could not prove (ezk.ops.core)."""
    for node in nodes:
        if node.op == CoreOp.INPUT:
            continue
        out, extra = spec(node.op).evaluate(node, [values[i] for i in node.inputs], check=check_ranges)
        if extra:
            aux[node.id] = extra
        values[node.id] = out
