"""Small core-op graphs around one einsum (for the Freivalds layout tests), their inputs and a
forward trace with the einsum's output changed (a prover claiming a wrong product)."""

from __future__ import annotations

import types

import numpy as np

from ezk.graph.forward import forward
from ezk.graph.ir import Graph, Node
from ezk.settings import RunArgs
from tests.graph_nodes import node_adder

# (equation, first operand shape, second operand shape, second operand fixed?)
CASES = {
    "fixed": ("ik,kj->ij", (30, 40), (40, 50), True),  # MatMul by a weight
    "advice": ("ik,kj->ij", (30, 20), (20, 33), False),  # both operands advice
    "batched": ("gik,gkj->gij", (3, 13, 9), (3, 9, 30), False),  # attention-like, batch folded per g
    "transposed": ("bhtd,bhsd->bhts", (1, 2, 16, 8), (1, 2, 24, 8), False),  # Q·Kᵀ
    "fixed_batch": ("gik,gkj->gij", (2, 14, 26), (2, 26, 15), True),  # a fixed operand per batch
    "small": ("ik,kj->ij", (8, 24), (24, 30), True),  # few cells: every one can be mutated
    "wide": ("ik,kj->ij", (96, 4), (4, 200), True),  # a large C from small operands: many blocks at k 9
}


def einsum_graph(case: str, seed: int = 0, pad: bool = False, affine: bool = False, copies: int = 1) -> Graph:
    """input x (and y) → einsum → output; ``pad``: x goes through a zero-filling index map first
    (constants inside an operand, as a padded convolution's im2col has); ``affine``: the einsum
    reads 3 − x (and 2·y + 1) instead, affine references (ezk/layout/cells.py) with no row of
    their own; ``copies``: the einsum that many times over the same operands (one output each),
    so that the later checks' rows cross block boundaries at a small k."""
    eq, sx, sw, fixed = CASES[case]
    rng = np.random.default_rng(seed)
    nodes: list[Node] = []

    add = node_adder(nodes)

    leaf = {"visibility": "private", "bound_bits": 7 + 16}  # inputs in [-50, 50), well inside
    x = add("input", [], sx, 7, {"index": 0, **leaf})
    inputs = [x]
    a = x
    if pad:  # the last index of x's first row reads the fill (0): a constant operand entry
        idx = np.arange(int(np.prod(sx))).reshape(sx)
        idx[(0,) * (len(sx) - 1)] = -1
        a = add("index_map", [x], sx, 7, {"kind": "pad", "fill": 0}, {"index": idx})
    if fixed:
        v = rng.integers(-20, 20, size=sw)
        w = add("const", [], sw, 7, {"visibility": "fixed"}, {"value": v})
    else:
        w = add("input", [], sw, 7, {"index": 1, **leaf})
        inputs.append(w)
    if affine:
        three, two, one = (add("const", [], (), 7, {"visibility": "fixed"}, {"value": np.array(v)}) for v in (3, 2, 1))
        a = add("sub", [three, a], sx, 7)
        if not fixed:
            w = add("add", [add("mul", [w, two], sw, 7), one], sw, 7)
    lhs, out = eq.split("->")
    dims = dict(zip(lhs.split(",")[0], sx)) | dict(zip(lhs.split(",")[1], sw))
    mms = [add("einsum", [a, w], [dims[l] for l in out], 14, {"equation": eq}) for _ in range(copies)]
    return Graph(nodes=nodes, inputs=inputs, outputs=mms, input_names=[f"in{i}" for i in range(len(inputs))],
                 output_names=["out"] + [f"out{i}" for i in range(1, copies)])


def graph_inputs(g: Graph, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(-50, 50, size=g.nodes[i].shape) for i in g.inputs]


def settings(k: int = 12, **kw) -> RunArgs:
    return RunArgs(logrows=k, lookup_range=[-256, 256], **kw)


def trace(g: Graph, seed: int = 1):
    return forward(g, graph_inputs(g, seed))


def wrong_product(g: Graph, deltas: dict[int, int], seed: int = 1):
    """The forward trace with the einsum's output moved by ``deltas`` ({flat index: delta}):
    every other value stays honest (a prover who commits to a wrong product and claims it)."""
    values = dict(trace(g, seed).values)
    out = g.outputs[0]
    bad = values[out].copy()
    for at, d in deltas.items():
        bad.reshape(-1)[at] += d
    values[out] = bad
    return types.SimpleNamespace(values=values)


def matmul_onnx(path, tokens: int = 16, dim: int = 24, out: int = 30):
    """An ONNX MatMul by a weight over ``tokens`` rows (a layout where the check wins) and its
    input.json next to it."""
    import json

    import onnx
    from onnx import TensorProto, helper

    rng = np.random.default_rng(5)
    w = helper.make_tensor("w", TensorProto.FLOAT, [dim, out], rng.normal(0, 0.3, dim * out).astype(np.float32).tolist())
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "matmul",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, tokens, dim])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, tokens, out])], [w])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    data = path.parent / "input.json"
    data.write_text(json.dumps({"input_data": [rng.uniform(-1, 1, tokens * dim).round(3).tolist()]}))
    return path, data


def product_blocks(g: Graph, ra: RunArgs) -> dict[int, int]:
    """{block: a flat index of the einsum's output C whose cell the layout places there}, one per
    block holding C's cells (found by moving every entry of C by a distinct amount)."""
    from ezk.layout import lay_out

    honest = lay_out(g, ra, trace(g))
    n = int(np.prod(g.nodes[g.outputs[0]].shape))
    moved = lay_out(g, ra, wrong_product(g, {i: i + 1 for i in range(n)}))
    where: dict[int, int] = {}
    for col, v in honest.witness.advice.items():
        d = np.asarray(moved.witness.advice[col], np.int64) - np.asarray(v, np.int64)
        for r in np.flatnonzero(d):
            where.setdefault(honest.column_block[col.name], int(d[r]) - 1)
    return where


def with_later(witness, edit):
    """The witness with its phase-1 values passed through ``edit(values, challenges)`` (a
    prover who changes what ``Witness.later`` computes, knowing the drawn challenges)."""
    import dataclasses

    def later(phase, challenges):
        values = dict(witness.later(phase, challenges))
        edit(values, challenges)
        return values

    return dataclasses.replace(witness, later=later)
