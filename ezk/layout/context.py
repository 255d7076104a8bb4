"""What every op's layout function receives: the region, the tables and the node values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ezk.graph.ir import Graph, Node
from ezk.layout.region import Region
from ezk.layout.tables import Tables


@dataclass
class Ctx:
    graph: Graph
    rg: Region
    tables: Tables
    run_args: object

    def value(self, node: Node) -> np.ndarray:
        """The node's output values (zeros when only measuring)."""
        return self.rg.bk.tensor(node)

    def read(self, cells) -> np.ndarray:
        return self.rg.read(cells)

    def where(self, node: Node) -> str:
        return f"ONNX node {node.onnx_name!r} ({node.onnx_op})"
