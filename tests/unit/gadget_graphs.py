"""Small graphs for the lean gadgets and the forgeries their soundness arguments are about,
shared by the gadget tests (unit: mock and mutation; e2e: real proofs that must not verify)."""

from __future__ import annotations

import numpy as np

from ezk import _native
from ezk.graph.ir import Graph, Node
from ezk.plonk import Witness

P = _native.MODULUS
RESCALE_XS = [np.array([[3, -5, 7, 1, 0], [20, 9, -8, 2, 2], [1, 1, 1, 1, 1]]) * 9]


class G:
    """A tiny graph under construction (node i produces tensor i)."""

    def __init__(self):
        self.nodes: list[Node] = []

    def add(self, op, inputs, shape, scale=7, **attrs):
        arrays = attrs.pop("arrays", {})
        self.nodes.append(Node(len(self.nodes), op, list(inputs), attrs, tuple(shape), scale,
                               onnx_name=f"/n{len(self.nodes)}/{op}", onnx_op=op, arrays=arrays))
        return len(self.nodes) - 1

    def const(self, values, scale=7):
        v = np.asarray(values, dtype=np.int64)
        return self.add("const", [], v.shape, scale, visibility="fixed", arrays={"value": v})

    def graph(self, inputs, outputs) -> Graph:
        return Graph(nodes=self.nodes, inputs=inputs, outputs=outputs, input_names=[f"i{i}" for i in inputs],
                     output_names=[f"o{i}" for i in range(len(outputs))])


def tanh(scale=7, rng=(-256, 256)):
    return {"fn": "tanh", "params": {}, "in_scale": scale, "out_scale": 7, "pre_mul": 1.0, "pre_add": 0.0,
            "range": list(rng), "key": "t"}


def rescale_graph(shift: int, qbits: int | None, looked_up: bool) -> Graph:
    """x (3, 5) · W (5, 2) then a rescale by 2^shift (node 3; quotient bound ``qbits`` when
    calibrated), looked up by tanh when asked."""
    g = G()
    x = g.add("input", [], (3, 5), 7, index=0, visibility="private", bound_bits=23)
    w = g.const(np.arange(-4, 6).reshape(5, 2) * 2, 7)  # even weights: the attack's target
    mm = g.add("einsum", [x, w], (3, 2), 14, equation="ij,jk->ik")
    attrs = {"shift": shift, "key": "r"} | ({"qbits": qbits} if qbits else {})
    r = g.add("rescale", [mm], (3, 2), 14 - shift, **attrs)
    out = g.add("lookup", [r], (3, 2), 7, **tanh(14 - shift, (-4096, 4096))) if looked_up else r
    return g.graph([x], [out])


EXTREME_XS = [np.array([[3, -5, 7, 1, 0, 7, 2], [20, 9, -8, 2, 2, -8, 0], [-1, -1, -1, -1, -1, -1, -1]])]


def extreme_graph(op: str) -> Graph:
    """``op`` (reduce_max or reduce_min) over the last axis of a (3, 7) input."""
    g = G()
    x = g.add("input", [], (3, 7), 7, index=0, visibility="private", bound_bits=23)
    r = g.add(op, [x], (3, 1), 7, axes=[1], keepdims=True)
    return g.graph([x], [r])


def relu_graph() -> Graph:
    """relu(x) = max(x, 0) of a (3, 5) input, the output public."""
    g = G()
    x = g.add("input", [], (3, 5), 7, index=0, visibility="private", bound_bits=23)
    r = g.add("max", [x, g.const(0)], (3, 5), 7)
    return g.graph([x], [r])


def forge_rescale(laid, rid: int, k: int, split: bool) -> tuple[Witness, int]:
    """The honest witness with element 0 of rescale ``rid`` changed to s' = s + 1 and the field
    element q' = q − 2^−k (so that the relation still holds), q's limbs adjusted to keep its
    split relation, and q' claimed as the public output. Returns (witness, q')."""
    cs = laid.circuit.cs
    W = len(cs.advice) // len(laid.assigned)
    a = 8  # Geometry.from_inner_cols(2).a: element 0 sits in columns 0, 1, … and lane a
    row = int(np.flatnonzero(laid.row_node[0] == rid)[0])
    adv = {c: [int(v) % P for v in laid.witness.advice[c]] for c in cs.advice[:W]}
    col = cs.advice.__getitem__
    inv = pow(1 << k, -1, P)
    s_col, q_col = (a, 1) if split else (1, a)  # split: inputs [x, q, q_0 …], lanes [s, q_top]
    adv[col(s_col)][row] = (adv[col(s_col)][row] + 1) % P
    q_old = adv[col(q_col)][row]
    q_new = adv[col(q_col)][row] = (q_old - inv) % P
    if split:  # q = Σ 2^(lb·i)·q_i + 2^(lb·(m−1))·q_top: move q_top by the same amount
        m = -(-36 // laid.stats["limb_bits"])
        top = pow(1 << (laid.stats["limb_bits"] * (m - 1)), -1, P)
        adv[col(a + 1)][row] = (adv[col(a + 1)][row] - inv * top) % P
    advice = dict(laid.witness.advice)
    for c in cs.advice[:W]:
        advice[c] = _native.FrVec.from_ints(adv[c])
    (ic, iv), = laid.witness.instance.items()
    vals = [int(t) % P for t in iv]
    assert vals[0] == q_old
    vals[0] = q_new
    return Witness(advice=advice, instance={ic: _native.FrVec.from_ints(vals)}), q_new


def lying_ge(ctx, node, a, b):
    """``ezk.layout.ops.compare._ge`` as a prover who claims a ≥ b for every element: c = 1 and
    e = d even where d < 0, so the slack t = c·(2d + 1) − d − 1 = d is negative. Its limbs are
    t's two's-complement bits below the top limb and the top limb t >> lb·(m−1) (negative): the
    packed row's relation Σ w_i·l_i = t holds exactly, only the top limb's range check can object."""
    from ezk.layout.ops.compare import COMPARE_BITS
    from ezk.layout.packed import Fresh, Lane, pack
    from ezk.layout.rows import bits, lincomb, mul_rows

    rg = ctx.rg
    shape = np.broadcast_shapes(a.shape, b.shape)
    a, b = a.broadcast_to(shape), b.broadcast_to(shape)
    dv = ctx.read(a) - ctx.read(b)
    d = a if (b.all_const() and not b.val.any() and not a.is_const.any()) else \
        lincomb(rg, [(a, 1), (b, -1)], 0, out_vals=dv, shape=shape)
    cv = np.ones_like(dv)
    c = bits(rg, cv, "a lying comparison bit")
    e = mul_rows(rg, c, d, cv * dv).reshape(shape)
    tv = (cv * (2 * dv + 1) - dv - 1).reshape(-1)
    lb = ctx.tables.limb_bits
    m = -(-COMPARE_BITS // lb)
    limbs = [(Fresh((tv >> (lb * i)) & ((1 << lb) - 1), ctx.tables.range(lb)), 1 << (lb * i)) for i in range(m - 1)]
    top = COMPARE_BITS - lb * (m - 1)
    limbs.append((Fresh(tv >> (lb * (m - 1)), ctx.tables.range(top)), 1 << (lb * (m - 1))))
    coef = {0: 2, 1: 1, 2: -1} | {3 + i: -w for i, (_, w) in enumerate(limbs[:-1])}
    pack(rg, e.size, [e.flat(), c.flat(), d.flat()] + [l for l, _ in limbs[:-1]],
         [Lane(limbs[-1][0], limbs[-1][1], coef, -1)])
    return c, d, e


def softmax_model(d, rows: int, x: np.ndarray, op: str = "Softmax"):
    """An ONNX model of one ``op`` over the last axis of a (rows, 8) input, and its input.json."""
    import json

    import onnx
    from onnx import TensorProto, helper

    d.mkdir(parents=True, exist_ok=True)
    g = helper.make_graph([helper.make_node(op, ["x"], ["y"], axis=-1)], "sm",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, 8])])
    model = d / "network.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(model))
    data = d / "input.json"
    data.write_text(json.dumps({"input_data": [x.reshape(-1).tolist()]}))
    return model, data


def calibrated(tmp_path, model, data):
    """gen-settings, calibrate-settings (accuracy, scale 9) and compile-circuit: (settings, Compiled)."""
    from ezk import api
    from ezk.compiled import load_compiled

    settings, compiled = tmp_path / "settings.json", tmp_path / "model.compiled"
    api.gen_settings(model, settings)
    st, _ = api.calibrate_settings(model, data, settings, target="accuracy", scales=(9,))
    api.compile_circuit(model, compiled, settings)
    return st, load_compiled(compiled)


def max_form_trace(graph, trace):
    """The trace of a prover who computes the constant-shift softmax's exp with the row maximum
    instead (e' = exp(x − max_j x_j): the default form's values), everything after it
    recomputed from e'. The circuit's exp table holds exp(x − c): where a row's maximum is not
    c, (x, e') is no entry of it."""
    from ezk.graph.forward import Trace, evaluate_nodes

    i, node = next((i, n) for i, n in enumerate(graph.nodes) if n.op == "lookup" and n.attrs["fn"] == "exp")
    a = node.attrs
    x = trace.values[node.inputs[0]] * (a.get("pre_mul", 1.0) / 2.0 ** a["in_scale"])
    e = np.floor(np.exp(x - x.max(axis=-1, keepdims=True)) * 2.0 ** a["out_scale"] + 0.5).astype(np.int64)
    values, aux = dict(trace.values), dict(trace.aux)
    values[node.id] = e
    evaluate_nodes(graph.nodes[i + 1:], values, aux, check_ranges=False)
    return Trace(values=values, aux=aux)


MASKED_XS = [np.array([[30, -50, 70, 10, 0, 44], [200, 90, -80, 20, 20, -3], [10, 10, 10, 10, 10, 10],
                       [-7, 3, 150, -150, 66, 1]])]


def masked_lookup_sum_graph(wide_remainder: bool = False) -> tuple[Graph, dict[str, int]]:
    """softmax's shape on a (4, 6) input x: m = x with a causal mask (constants above the
    diagonal) and column 0 repeated in column 5 of rows 1 and 3 (repeated references), then
    r = rescale(4·m, 5 bits) (a power-of-two factor: 3 remainder bits), e = tanh(r) (a lookup),
    S = Σ_j e (keepdims, rides in e's rows), p = e·S (a product with constants in e). Outputs S
    (public), p. ``wide_remainder``: r = rescale(12·m, 16 bits) instead (14 remainder bits after
    the factor 4: two limbs, so the rescale, the lookup and the sum share rows); feed it
    MASKED_XS · 2^12."""
    g = G()
    x = g.add("input", [], (4, 6), 7, index=0, visibility="private", bound_bits=23)
    idx = np.arange(24).reshape(4, 6)
    idx[np.triu_indices(4, 1, 6)] = -1
    idx[1, 5], idx[3, 5] = idx[1, 0], idx[3, 0]
    m = g.add("index_map", [x], (4, 6), 7, kind="where", fill=-40 << (12 if wide_remainder else 0),
              arrays={"index": idx})
    mult, shift, s_mult = (12, 16, 16) if wide_remainder else (4, 5, 0)
    up = g.add("mul", [m, g.const(mult, s_mult)], (4, 6), 7 + s_mult)
    r = g.add("rescale", [up], (4, 6), 7 + s_mult - shift, shift=shift)
    e = g.add("lookup", [r], (4, 6), 7, **tanh(7 + s_mult - shift, (-256, 256)))
    s = g.add("sum", [e], (4, 1), 7, axes=[1], keepdims=True)
    p = g.add("mul", [e, s], (4, 6), 14)
    return g.graph([x], [s, p]), {"m": m, "rescale": r, "lookup": e, "sum": s, "mul": p}


def lay_out_capturing(graph, settings, trace, node_id: int, **kw):
    """lay_out, also returning the Cells the layout gave node ``node_id``."""
    from ezk.layout import lay_out
    from ezk.layout.ops import LAYOUTS

    got = {}
    op = graph.nodes[node_id].op
    real = LAYOUTS[op]

    def spy(ctx, node, ins):
        out = real(ctx, node, ins)
        if node.id == node_id:
            got["cells"] = out
        return out

    LAYOUTS[op] = spy
    try:
        laid = lay_out(graph, settings, trace, **kw)
    finally:
        LAYOUTS[op] = real
    return laid, got["cells"]


def forge_cell(laid, g: int, c: int, delta: int, instance_index: int | None = None) -> Witness:
    """The honest witness with the advice cell (region row g, column c; one block) moved by
    ``delta``, and the instance entry ``instance_index`` (the public copy of that value) too."""
    cs = laid.circuit.cs
    W = len(cs.advice) // len(laid.assigned)
    col = cs.advice[c]
    assert c < W and g < len(laid.row_node[0])
    vals = [int(v) % P for v in laid.witness.advice[col]]
    vals[g] = (vals[g] + delta) % P
    advice = dict(laid.witness.advice)
    advice[col] = _native.FrVec.from_ints(vals)
    instance = dict(laid.witness.instance)
    if instance_index is not None:
        (ic, iv), = instance.items()
        iv = [int(t) % P for t in iv]
        iv[instance_index] = (iv[instance_index] + delta) % P
        instance = {ic: _native.FrVec.from_ints(iv)}
    return Witness(advice=advice, instance=instance)
