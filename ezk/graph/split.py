"""Split an einsum too large for one segment into einsums over column slices of its fixed weight.

The segment planner (``ezk.segments.plan``) never splits a node, so the largest einsum sets a
floor on K: stories15M's classifier (288 × 32000 fixed weights, Freivalds-checked at 288 rows
per 32 weight columns) needs 288,024 rows, more than 2^18 hold. With B a fixed constant and z
an output letter that indexes B only (a column of the product),

    C[…, z] = Σ_k A[…, k]·B[k, z]   for z in [z₀, z₁)   reads only B[:, z₀:z₁],

so C = concat_z(A·B[:, z₀:z₁], A·B[:, z₁:z₂], …) exactly: the same integers, and the nodes after
C (its rescale) read the same tensor. ``split_einsums`` replaces every einsum whose own rows
exceed a segment's usable rows by ⌈rows / (u/2)⌉ such pieces and one ``index_map`` (kind
``concat``) that joins them; the planner may then cut between the pieces, whose outputs cross
the cut in link columns like any tensor. Soundness is unchanged: each piece is an ordinary
einsum, constrained as any einsum is (direct or Freivalds, whichever has fewer rows), and the
concat is an index map (copies). A graph with no such einsum is returned as it is.
"""

from __future__ import annotations

import math

import numpy as np

from ezk.graph.ir import Graph, Node
from ezk.ops import spec
from ezk.ops.index_map import concat_index


def _column_letter(node: Node, graph: Graph) -> tuple[int, str] | None:
    """(operand position, letter) of the fixed operand's widest output-only letter, else None."""
    if node.op != "einsum" or len(node.inputs) != 2:
        return None
    lhs, out = node.attrs["equation"].split("->")
    terms = lhs.split(",")
    best = None
    for pos, t in enumerate(node.inputs):
        c = graph.nodes[t]
        if c.op != "const" or c.attrs.get("visibility", "fixed") != "fixed":
            continue
        other = terms[1 - pos]
        for ax, letter in enumerate(terms[pos]):
            if letter in out and letter not in other and terms[pos].count(letter) == 1:
                if best is None or c.shape[ax] > best[2]:
                    best = (pos, letter, c.shape[ax])
    return None if best is None else (best[0], best[1])


def macs(node: Node, graph: Graph) -> int:
    """Multiply-accumulates of an einsum: an upper bound on the rows either of its layouts places."""
    dims = {}
    for term, t in zip(node.attrs["equation"].split("->")[0].split(","), node.inputs):
        dims.update(zip(term, graph.nodes[t].shape))
    return math.prod(dims.values())


def split_einsums(graph: Graph, rows_of, usable: int) -> Graph:
    """``graph`` with every einsum over a fixed weight whose rows (``rows_of(graph, node)``)
    exceed ``usable`` split along the weight's output columns (module docstring)."""
    plans: dict[int, tuple[int, str, int]] = {}
    for n in graph.nodes:
        col = _column_letter(n, graph)
        if col is None or macs(n, graph) <= usable:
            continue
        rows = int(rows_of(graph, n))
        if rows > usable:
            pos, letter = col
            term = n.attrs["equation"].split("->")[0].split(",")[pos]
            width = graph.nodes[n.inputs[pos]].shape[term.index(letter)]
            plans[n.id] = (pos, letter, min(width, math.ceil(rows / (usable // 2))))
    if not plans:
        return graph
    readers: dict[int, int] = {}
    for n in graph.nodes:
        for i in n.inputs:
            readers[i] = readers.get(i, 0) + 1
    weights = {graph.nodes[e].inputs[p] for e, (p, _, _) in plans.items()}
    dropped = {w for w in weights if readers.get(w, 0) == 1 and w not in graph.outputs}
    nodes: list[Node] = []
    new_id: dict[int, int] = {}

    def add(node: Node, infer: bool = False) -> int:
        node.id = len(nodes)
        if infer:  # a new piece or the concat: shape and scale as the builder would give them
            mod = spec(node.op)
            node.shape = tuple(int(d) for d in mod.infer_shape([nodes[i].shape for i in node.inputs], node))
            node.scale = int(mod.infer_scale([nodes[i].scale for i in node.inputs], node))
        nodes.append(node)
        return node.id

    for n in graph.nodes:
        if n.id in dropped:
            continue
        if n.id not in plans:
            new_id[n.id] = add(Node(0, n.op, [new_id[i] for i in n.inputs], n.attrs, n.shape, n.scale,
                                    n.onnx_name, n.onnx_op, n.arrays))
            continue
        pos, letter, pieces = plans[n.id]
        w = graph.nodes[n.inputs[pos]]
        lhs, out = n.attrs["equation"].split("->")
        w_ax, out_ax = lhs.split(",")[pos].index(letter), out.index(letter)
        bounds = np.linspace(0, w.shape[w_ax], pieces + 1).round().astype(int)
        parts = []
        for z0, z1 in zip(bounds[:-1], bounds[1:]):
            value = np.take(w.arrays["value"], np.arange(z0, z1), axis=w_ax)
            c = add(Node(0, "const", [], dict(w.attrs), value.shape, w.scale, w.onnx_name, w.onnx_op,
                         {"value": np.ascontiguousarray(value)}))
            ins = [c if j == pos else new_id[i] for j, i in enumerate(n.inputs)]
            parts.append(add(Node(0, "einsum", ins, dict(n.attrs), (), 0, n.onnx_name, n.onnx_op), infer=True))
        index = concat_index([nodes[p].shape for p in parts], out_ax)
        new_id[n.id] = add(Node(0, "index_map", parts, {"kind": "concat", "fill": 0}, (), 0, n.onnx_name,
                                n.onnx_op, {"index": index}), infer=True)
    return Graph(nodes=nodes, inputs=[new_id[i] for i in graph.inputs], outputs=[new_id[i] for i in graph.outputs],
                 input_names=list(graph.input_names), output_names=list(graph.output_names),
                 onnx_tensors={k: new_id[v] for k, v in graph.onnx_tensors.items() if v in new_id})


def node_rows(settings):
    """``rows_of`` for :func:`split_einsums`: the rows a node places laid out alone (structure
    only), its non-constant operands entering as a segment's links."""
    from ezk.layout.circuit import MAX_K, rows_per_node
    from ezk.layout.links import SegmentSpec
    from ezk.settings import RunArgs, Settings

    ra = getattr(settings, "run_args", settings)
    probe = Settings(run_args=RunArgs(**{**ra.__dict__, "logrows": MAX_K}),
                     lookup_scales=dict(getattr(settings, "lookup_scales", {}) or {}))

    def rows_of(graph: Graph, node: Node) -> int:
        link_in = tuple(sorted({i for i in node.inputs if graph.nodes[i].op != "const"}))
        per, _ = rows_per_node(graph, probe, SegmentSpec((node.id,), link_in, ()))
        return per.get(node.id, 0)

    return rows_of
