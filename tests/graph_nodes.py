"""Hand-built core-op graphs for tests: one way to append a node."""

from __future__ import annotations

from ezk.graph.ir import Node


def node_adder(nodes: list[Node]):
    """``add(op, inputs, shape, scale=7, attrs=None, arrays=None) -> node id``, appending to
    ``nodes`` a node named ``/n<id>/<op>`` as the ONNX front end would name it."""

    def add(op, inputs, shape, scale=7, attrs=None, arrays=None):
        nodes.append(Node(len(nodes), op, list(inputs), dict(attrs or {}), tuple(shape), scale,
                          onnx_name=f"/n{len(nodes)}/{op}", onnx_op=op, arrays=dict(arrays or {})))
        return len(nodes) - 1

    return add
