"""The ezk IR: a topologically ordered list of core-op nodes with static shapes and scales.

Node i produces tensor i.  ``op`` is a core op (ezk.ops.CoreOp; ``check_core_ops`` when a Graph
is made or loaded), ``inputs`` the ids of its operand tensors, ``attrs`` JSON-able attributes,
``arrays`` int64 arrays (constant values, index maps), ``shape``/``scale`` the output's, and
``onnx_name``/``onnx_op`` where it came from (for error messages).  Constants are ``const`` nodes with ``attrs['visibility']`` (fixed or private params)
and inputs are ``input`` nodes with ``attrs['index']`` and ``attrs['visibility']``.

Serialisation: ``to_json()`` gives a JSON-able dict and ``arrays()`` a flat ``{key: int64
array}`` dict for an npz (allow_pickle=False); ``Graph.from_parts`` rebuilds the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk.ops.core import NAMES as CORE_OP_NAMES


@dataclass
class Node:
    id: int
    op: str
    inputs: list[int]
    attrs: dict
    shape: tuple[int, ...]
    scale: int
    onnx_name: str = ""
    onnx_op: str = ""
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass
class Graph:
    nodes: list[Node]
    inputs: list[int]
    outputs: list[int]
    input_names: list[str]
    output_names: list[str]
    # ONNX tensor name -> IR tensor id, for the fidelity report
    onnx_tensors: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_core_ops(self.nodes)

    @property
    def input_scales(self) -> list[int]:
        return [self.nodes[i].scale for i in self.inputs]

    @property
    def output_scales(self) -> list[int]:
        return [self.nodes[i].scale for i in self.outputs]

    def op_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for n in self.nodes:
            counts[n.op] = counts.get(n.op, 0) + 1
        return counts

    # ---- serialisation ---------------------------------------------------------------
    def to_json(self) -> dict:
        return {
            "nodes": [
                {
                    "id": n.id,
                    "op": n.op,
                    "inputs": list(n.inputs),
                    "attrs": n.attrs,
                    "shape": list(n.shape),
                    "scale": n.scale,
                    "onnx_name": n.onnx_name,
                    "onnx_op": n.onnx_op,
                    "arrays": sorted(n.arrays),
                }
                for n in self.nodes
            ],
            "inputs": self.inputs,
            "outputs": self.outputs,
            "input_names": self.input_names,
            "output_names": self.output_names,
            "onnx_tensors": self.onnx_tensors,
        }

    def arrays(self) -> dict[str, np.ndarray]:
        return {f"n{n.id}.{k}": np.ascontiguousarray(v, dtype=np.int64) for n in self.nodes for k, v in n.arrays.items()}

    @classmethod
    def from_parts(cls, meta: dict, arrays) -> "Graph":
        nodes = []
        for d in meta["nodes"]:
            nodes.append(
                Node(
                    id=int(d["id"]),
                    op=d["op"],
                    inputs=[int(i) for i in d["inputs"]],
                    attrs=d["attrs"],
                    shape=tuple(int(s) for s in d["shape"]),
                    scale=int(d["scale"]),
                    onnx_name=d["onnx_name"],
                    onnx_op=d["onnx_op"],
                    arrays={k: np.asarray(arrays[f"n{d['id']}.{k}"], dtype=np.int64) for k in d["arrays"]},
                )
            )
        for i, n in enumerate(nodes):
            if n.id != i or any(j >= i for j in n.inputs):
                raise ValueError("graph nodes are not in topological order")
        return cls(
            nodes=nodes,
            inputs=[int(i) for i in meta["inputs"]],
            outputs=[int(i) for i in meta["outputs"]],
            input_names=list(meta["input_names"]),
            output_names=list(meta["output_names"]),
            onnx_tensors={k: int(v) for k, v in meta["onnx_tensors"].items()},
        )


def check_core_ops(nodes) -> None:
    """The IR check on build and load: a ValueError naming the first node whose op is not a
    core op (ezk.ops.CoreOp) — a file written by another ezk, or tampered with."""
    for n in nodes:
        if not (isinstance(n.op, str) and n.op in CORE_OP_NAMES):
            raise ValueError(f"node {n.id} (ONNX node {n.onnx_name!r}) has the op {n.op!r}, which is not one of "
                             f"ezk's core ops")


def tensors_by_visibility(graph: Graph, run_args, test) -> list[tuple[str, int, str]]:
    """(kind, tensor id, name) of every non-empty tensor whose visibility passes ``test``:
    inputs, then parameters (graph order), then outputs — the order hashed digests and polycommit
    commitments are listed in."""
    out: list[tuple[str, int, str]] = []
    if test(run_args.input_visibility):
        out += [("input", t, n) for t, n in zip(graph.inputs, graph.input_names)]
    out += [("param", n.id, n.onnx_name) for n in graph.nodes
            if n.op == "const" and test(n.attrs.get("visibility", "fixed"))]
    if test(run_args.output_visibility):
        out += [("output", t, n) for t, n in zip(graph.outputs, graph.output_names)]
    return [(k, t, n) for k, t, n in out if graph.nodes[t].size > 0]
