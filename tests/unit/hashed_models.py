"""Small graphs with hashed visibilities, shared by the hashed-visibility tests (unit and e2e)."""

from __future__ import annotations

import numpy as np

from ezk.graph.ir import Graph, Node
from ezk.settings import RunArgs
from tests.graph_nodes import node_adder


def hashed_graph(rescale: bool = False, vis: str = "hashed", cols: int = 4) -> Graph:
    """y = x·W (+ a rescale by 2^7 when asked: range lookups, degree 5), x an input (2, 3) and
    W a (3, ``cols``) parameter, both with visibility ``vis`` where the graph records one."""
    nodes: list[Node] = []

    add = node_adder(nodes)

    x = add("input", [], (2, 3), 7, {"index": 0, "visibility": vis, "bound_bits": 23})
    w = np.array([[3, -2, 5, 1], [4, 1, -6, 2], [-1, 7, 2, -3]], dtype=np.int64)
    w = w if cols == 4 else np.resize(w, (3, cols))
    wn = add("const", [], w.shape, 7, {"visibility": vis, **({"bound_bits": 23} if vis != "fixed" else {})}, {"value": w})
    y = add("einsum", [x, wn], (2, cols), 14, {"equation": "ij,jk->ik"})
    if rescale:
        y = add("rescale", [y], (2, cols), 7, {"shift": 7})
    return Graph(nodes=nodes, inputs=[x], outputs=[y], input_names=["x"], output_names=["y"])


def hashed_args(k: int = 10, vis: str = "hashed", params: str | None = None) -> RunArgs:
    return RunArgs(logrows=k, lookup_range=[-256, 256], input_visibility=vis, output_visibility=vis,
                   param_visibility=params or vis)


def x_values(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-90, 90, size=(2, 3))
