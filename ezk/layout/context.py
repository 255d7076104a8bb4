"""What every op's layout function receives: the region, the tables and the node values."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk.graph.ir import Graph, Node
from ezk.layout.dynamic import DynamicLookups
from ezk.layout.region import Region
from ezk.layout.tables import Tables


@dataclass
class Ctx:
    graph: Graph
    rg: Region
    tables: Tables
    run_args: object
    dynamic: DynamicLookups = field(default_factory=DynamicLookups)  # tables of the circuit's own cells
    leaves: list = field(default_factory=list)  # (node, Cells) of the leaves still to range-check
    fused: dict = field(default_factory=dict)  # node id -> its cells, laid out with an earlier node
    view: frozenset | None = None  # ids of the nodes this layout places (None: every node)

    def users(self, node: Node) -> list[Node]:
        """The nodes that read the node's output."""
        if not hasattr(self, "_readers"):
            self._readers: dict[int, list[Node]] = {}
            for n in self.graph.nodes:
                for i in dict.fromkeys(n.inputs):
                    self._readers.setdefault(i, []).append(n)
        return self._readers.get(node.id, [])

    def placing(self, node: Node) -> bool:
        """Whether this layout places the node (a segment places some nodes only)."""
        return self.view is None or node.id in self.view

    def only_looked_up(self, node: Node) -> bool:
        """True when every use of the node's output is a lookup input (bounded by its table)."""
        if not hasattr(self, "_users"):
            self._users: dict[int, set[str]] = {}
            for n in self.graph.nodes:
                for i in n.inputs:
                    self._users.setdefault(i, set()).add(n.op)
            self._outputs = set(self.graph.outputs)
        return node.id not in self._outputs and self._users.get(node.id, set()) == {"lookup"}

    def value(self, node: Node) -> np.ndarray:
        """The node's output values (zeros when only measuring)."""
        return self.rg.bk.tensor(node)

    def read(self, cells) -> np.ndarray:
        return self.rg.read(cells)

    def where(self, node: Node) -> str:
        return f"ONNX node {node.onnx_name!r} ({node.onnx_op})"
