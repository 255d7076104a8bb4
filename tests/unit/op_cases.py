"""One small graph per core op for the per-op harness (tests/unit/test_core_ops.py): the op fed
by private model inputs (advice cells), on tiny shapes, and random inputs it can prove. A new
core op joins the harness by being in ``ezk.ops.CoreOp``; its test fails until it has a case
here (see the checklist in ezk.ops)."""

from __future__ import annotations

import numpy as np

from ezk.graph.ir import Graph
from ezk.ops import CoreOp
from tests.unit.gadget_graphs import G, tanh

SHAPE = (3, 4)


def _x(g: G, index: int, shape=SHAPE, scale: int = 7, bits: int = 23) -> int:
    return g.add("input", [], shape, scale, index=index, visibility="private", bound_bits=bits)


def _binary(op: str, out_scale: int = 7, **attrs):
    def build(g: G):
        a, b = _x(g, 0), _x(g, 1)
        return [a, b], [g.add(op, [a, b], SHAPE, out_scale, **attrs)]
    return build


def _unary(op: str, shape, scale: int = 7, **attrs):
    def build(g: G):
        x = _x(g, 0)
        return [x], [g.add(op, [x], shape, scale, **attrs)]
    return build


def _const(g: G):
    x = _x(g, 0)
    c = g.add("const", [], SHAPE, 7, visibility="private", bound_bits=23,
              arrays={"value": np.arange(12).reshape(SHAPE) - 6})
    return [x], [c, g.add("add", [x, c], SHAPE, 7)]


def _einsum(g: G):
    a, b = _x(g, 0, (3, 4)), _x(g, 1, (4, 2))
    return [a, b], [g.add("einsum", [a, b], (3, 2), 14, equation="ij,jk->ik")]


def _rescale(g: G):
    x = _x(g, 0, scale=14, bits=30)
    return [x], [g.add("rescale", [x], SHAPE, 7, shift=7, key="r")]


def _where(g: G):
    a, b = _x(g, 0), _x(g, 1)
    c = g.add("compare", [a, b], SHAPE, 0, kind="gt")
    return [a, b], [g.add("where", [c, a, b], SHAPE, 7)]


def _gather(g: G):
    data, ids = _x(g, 0, (5, 2)), _x(g, 1, (3,), scale=0, bits=16)
    return [data, ids], [g.add("gather", [data, ids], (3, 2), 7, axis=0)]


def _scatter(g: G):
    data, pos, upd = _x(g, 0, (6,)), _x(g, 1, (3,), scale=0, bits=16), _x(g, 2, (3,))
    return [data, pos, upd], [g.add("scatter", [data, pos, upd], (6,), 7)]


def _index_map(g: G):
    x = _x(g, 0)
    index = np.arange(12).reshape(SHAPE).T.copy()
    index[0, 0] = -1  # one element is the fill constant
    return [x], [g.add("index_map", [x], (4, 3), 7, kind="transpose", fill=3, arrays={"index": index})]


CASES = {
    CoreOp.INPUT: lambda g: ([_x(g, 0)], [0]),
    CoreOp.CONST: _const,
    CoreOp.EINSUM: _einsum,
    CoreOp.ADD: _binary("add"),
    CoreOp.SUB: _binary("sub"),
    CoreOp.MUL: _binary("mul", 14),
    CoreOp.NEG: _unary("neg", SHAPE),
    CoreOp.SUM: _unary("sum", (3, 1), axes=[1], keepdims=True),
    CoreOp.RESCALE: _rescale,
    CoreOp.LOOKUP: _unary("lookup", SHAPE, **tanh()),
    CoreOp.MAX: _binary("max"),
    CoreOp.MIN: _binary("min"),
    CoreOp.REDUCE_MAX: _unary("reduce_max", (3, 1), axes=[1], keepdims=True),
    CoreOp.REDUCE_MIN: _unary("reduce_min", (3,), axes=[1], keepdims=False),
    CoreOp.ARGMAX: _unary("argmax", (3, 1), 0, axis=1, keepdims=True),
    CoreOp.ARGMIN: _unary("argmin", (4,), 0, axis=0, keepdims=False),
    CoreOp.COMPARE: _binary("compare", 0, kind="ge"),
    CoreOp.WHERE: _where,
    CoreOp.GATHER: _gather,
    CoreOp.SCATTER: _scatter,
    CoreOp.INDEX_MAP: _index_map,
}


def case(op: CoreOp, seed: int = 0) -> tuple[Graph, list[np.ndarray]]:
    """The op's graph and random inputs: values in [−200, 200) at scale 7 (inside the tanh
    table), indices into the data, distinct scatter positions."""
    g = G()
    inputs, outputs = CASES[op](g)
    graph = g.graph(inputs, outputs)
    rng = np.random.default_rng(seed)
    values = []
    for i in inputs:
        n = graph.nodes[i]
        if n.scale == 0 and op == CoreOp.SCATTER:
            values.append(rng.choice(graph.nodes[0].size, size=n.shape, replace=False))
        elif n.scale == 0:
            values.append(rng.integers(-graph.nodes[0].shape[0], graph.nodes[0].shape[0], size=n.shape))
        else:
            values.append(rng.integers(-200, 200, size=n.shape) << (n.scale - 7))
    return graph, values
