"""ezk.layout on small hand-built graphs: the mock accepts honest witnesses and rejects changed
cells, both backends give one circuit, wrapping over several column blocks, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.errors import EzkError, WitnessError
from ezk.graph.forward import forward
from ezk.graph.ir import Graph, Node
from ezk.layout import lay_out
from ezk.layout.mutate import mutation_check
from ezk.plonk import mock
from ezk.settings import RunArgs

def small_graph(rows: int = 4, inner: int = 6, outer: int = 5, lookup_range=(-256, 256), seed: int = 7) -> Graph:
    """Every core op the layout supports, on tiny shapes (constants drawn from ``seed``)."""
    RNG = np.random.default_rng(seed)
    nodes: list[Node] = []

    def add(op, inputs, shape, scale=7, attrs=None, arrays=None):
        nodes.append(Node(len(nodes), op, list(inputs), dict(attrs or {}), tuple(shape), scale,
                          onnx_name=f"/n{len(nodes)}/{op}", onnx_op=op, arrays=dict(arrays or {})))
        return len(nodes) - 1

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


def test_honest_witness_passes_the_mock():
    g = small_graph()
    laid = lay_out(g, settings(), forward(g, inputs(g)))
    assert mock(laid.circuit, laid.witness) == []
    st = laid.stats
    assert st["advice_cells"] > 0 and st["num_rows"] > 0 and st["k"] == 13
    assert st["min_k"] <= 13
    # public outputs sit in the instance column in output order
    inst = laid.instances[0]
    tr = forward(g, inputs(g))
    want = np.concatenate([tr.values[i].reshape(-1) for i in g.outputs])
    assert np.array_equal(inst, want)
    assert [d["name"] for d in laid.instance_layout] == g.output_names


def _same_circuit(c1, c2):
    assert c1.cs.describe() == c2.cs.describe()
    assert c1.k == c2.k
    f1 = {c.name: np.asarray(v) for c, v in c1.fixed.items()}
    f2 = {c.name: np.asarray(v) for c, v in c2.fixed.items()}
    assert f1.keys() == f2.keys()
    for k in f1:
        assert np.array_equal(f1[k], f2[k]), k
    assert np.array_equal(c1.copy_array(), c2.copy_array())


def test_measuring_and_assigning_give_one_circuit():
    g = small_graph()
    measured = lay_out(g, settings())
    assigned = lay_out(g, settings(), forward(g, inputs(g)))
    assert measured.witness is None
    _same_circuit(measured.circuit, assigned.circuit)
    assert measured.stats == assigned.stats
    # and a different input changes only the witness
    other = lay_out(g, settings(), forward(g, inputs(g, seed=3)))
    _same_circuit(other.circuit, assigned.circuit)


def test_every_changed_cell_is_rejected():
    g = small_graph()
    laid = lay_out(g, settings(), forward(g, inputs(g)))
    total = int(sum(m.sum() for m in laid.assigned))
    n, accepted = mutation_check(laid, count=min(120, total), seed=1)
    assert n == min(120, total) and accepted == []


def test_wrapping_over_column_blocks_carries_accumulators():
    g = small_graph(rows=32, inner=300, outer=40)
    ra = settings(k=13, disable_freivalds=True)  # the direct einsum's long chains (tests/unit/test_layout_freivalds.py: the checks')
    laid = lay_out(g, ra, forward(g, inputs(g)))
    assert laid.stats["blocks"] > 1
    assert laid.stats["carry_rows"] > 0  # some accumulator chain crossed a block boundary
    dyn = laid.dynamic  # the private gather's table and lookup lanes
    assert laid.stats["advice_columns"] == laid.stats["blocks"] * 12 + len(dyn.table_advice) + 2 * len(dyn.input_advice)
    assert laid.stats["min_k"] > 13
    assert mock(laid.circuit, laid.witness) == []
    n, accepted = mutation_check(laid, count=60, seed=2)
    assert accepted == []


def test_public_inputs_are_bound_to_the_instance():
    g = small_graph()
    laid = lay_out(g, settings(input_visibility="public"), forward(g, inputs(g)))
    kinds = [d["kind"] for d in laid.instance_layout]
    assert kinds[:2] == ["input", "input"]
    assert mock(laid.circuit, laid.witness) == []
    # changing a public input value breaks a copy to the instance
    inst = laid.instances[0].copy()
    inst[0] += 1
    from ezk.plonk import Witness

    bad = Witness(advice=laid.witness.advice, instance={laid.circuit.cs.instance[0]: inst}, later=laid.witness.later)
    copies = [f for f in mock(laid.circuit, bad) if f.kind == "copy"]
    assert copies and copies[0].a.column_name == "instance" and copies[0].a.row == 0
    # explain reads the advice cell from the failure's data: its column, row and the node
    b = copies[0].b
    assert f"(column {b.column_name}, row {b.row})" in laid.explain(copies[0])


def test_out_of_range_lookup_is_a_witness_error_naming_the_node():
    g = small_graph(lookup_range=(-8, 8))
    tr = forward(g, inputs(g), check_ranges=False)
    with pytest.raises(WitnessError, match=r"/n7/lookup.*\[-8, 8\]"):
        lay_out(g, settings(), tr)


def test_too_few_rows_names_the_logrows_that_fit():
    g = small_graph()
    with pytest.raises(EzkError, match=r"logrows ≥ 1[0-9]"):
        lay_out(g, settings(k=8))


def test_explain_names_the_onnx_node():
    g = small_graph()
    laid = lay_out(g, settings(), forward(g, inputs(g)))
    adv = dict(laid.witness.advice)
    # the first lookup row's y cell holds a tanh value placed by node 7
    rn = laid.row_node[0]
    row = int(np.flatnonzero(rn == 7)[0])
    col = laid.circuit.cs.advice[1]
    arr = np.asarray(adv[col]).copy()
    arr[row] += 5
    adv[col] = arr
    from ezk.plonk import Witness

    fails = mock(laid.circuit, Witness(advice=adv, instance=laid.witness.instance, later=laid.witness.later))
    assert fails
    text = " | ".join(laid.explain(f) for f in fails)
    assert "/n7/lookup" in text
