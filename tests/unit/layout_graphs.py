"""A small hand-built graph using every core op the layout supports, its run args and inputs:
shared by the layout, golden, lean and prove tests."""

from __future__ import annotations

import numpy as np

from ezk.graph.ir import Graph, Node
from ezk.settings import RunArgs
from tests.graph_nodes import node_adder


def small_graph(rows: int = 4, inner: int = 6, outer: int = 5, lookup_range=(-256, 256), seed: int = 7) -> Graph:
    """Every core op the layout supports, on tiny shapes (constants drawn from ``seed``)."""
    RNG = np.random.default_rng(seed)
    nodes: list[Node] = []

    add = node_adder(nodes)

    def const(values, scale=7, vis="fixed"):
        v = np.asarray(values, dtype=np.int64)
        attrs = {"visibility": vis, **({"bound_bits": scale + 16} if vis == "private" else {})}
        return add("const", [], v.shape, scale, attrs, {"value": v})

    x = add("input", [], (rows, inner), 7, {"index": 0, "visibility": "private", "bound_bits": 23})
    ids = add("input", [], (3,), 0, {"index": 1, "visibility": "private", "bound_bits": 16})
    w = const(RNG.integers(-max(2, 240 // inner), max(2, 240 // inner), size=(inner, outer)))
    mm = add("einsum", [x, w], (rows, outer), 14, {"equation": "ij,jk->ik"})
    b = const(RNG.integers(-3000, 3000, size=(outer,)), 14)
    h = add("add", [mm, b], (rows, outer), 14)
    r = add("rescale", [h], (rows, outer), 7, {"shift": 7})
    t = add("lookup", [r], (rows, outer), 7, {"fn": "tanh", "params": {}, "in_scale": 7, "out_scale": 7,
                                                "pre_mul": 1.0, "pre_add": 0.0, "range": list(lookup_range), "key": "t"})
    zero = const(0)
    relu = add("max", [r, zero], (rows, outer), 7)
    mn = add("min", [t, r], (rows, outer), 7)
    sq = add("mul", [relu, t], (rows, outer), 14)
    sm = add("sum", [sq], (rows, 1), 14, {"axes": [1], "keepdims": True})
    mx = add("reduce_max", [r], (rows, 1), 7, {"axes": [1], "keepdims": True})
    mi = add("reduce_min", [r], (rows,), 7, {"axes": [1], "keepdims": False})
    d = add("sub", [r, mx], (rows, outer), 7)
    ng = add("neg", [d], (rows, outer), 7)
    gt = add("compare", [r, relu], (rows, outer), 0, {"kind": "gt"})
    eq = add("compare", [r, relu], (rows, outer), 0, {"kind": "eq"})
    wh = add("where", [gt, t, ng], (rows, outer), 7)
    tr = add("index_map", [relu], (outer, rows), 7, {"kind": "transpose", "fill": 0},
             {"index": np.arange(rows * outer).reshape(rows, outer).T.copy()})
    att = add("einsum", [wh, tr], (rows, rows), 14, {"equation": "ij,jk->ik"})
    pw = const(RNG.integers(-50, 50, size=(outer,)), 7, vis="private")
    scaled = add("mul", [mn, pw], (rows, outer), 14)
    emb = const(RNG.integers(-500, 500, size=(9, 2)))
    g = add("gather", [emb, ids], (3, 2), 7, {"axis": 0})
    emb2 = const(RNG.integers(-500, 500, size=(2, 9)), vis="private")
    g2 = add("gather", [emb2, ids], (2, 3), 7, {"axis": 1})  # a dynamic lookup over advice data
    wide = const(RNG.integers(-20, 20, size=(outer, 40)))
    frv = add("einsum", [wh, wide], (rows, 40), 14, {"equation": "ij,jk->ik"})  # few rows as a Freivalds check
    outs = [sm, att, g, eq, scaled, mi, g2, frv]
    return Graph(nodes=nodes, inputs=[x, ids], outputs=outs, input_names=["x", "ids"],
                 output_names=[f"o{i}" for i in range(len(outs))])


def settings(k: int = 13, **kw) -> RunArgs:
    return RunArgs(logrows=k, lookup_range=[-256, 256], **kw)


def inputs(g: Graph, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.integers(-60, 60, size=g.nodes[g.inputs[0]].shape)
    ids = np.array([0, 8, -2])
    return [x, ids]
