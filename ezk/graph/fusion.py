"""ONNX subgraphs lowered as one unit, because lowering them node by node loses precision.

RMSNorm.  torch exports ``x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)`` as

    Pow(x, 2) → ReduceMean(axes, keepdims=1) → Add(eps) → Sqrt → Div(1, ·) → Mul(x, ·)

(Reciprocal(Sqrt), Pow(·, −0.5), Div(x, Sqrt(·)) and Mul(x, x) are matched too).  Node by node
that is a mean through a constant 1/n quantized at param_scale (relative error up to n·2^−(s+1):
1.5 % at n = 288), then a sqrt table and a reciprocal table in series.  Fused, it is one exact
integer Σx² and one rsqrt table over it with 1/n and ε folded into the table
(ezk.graph.lowering.norm.rms_norm), whose error does not depend on n.

SiLU.  ``x * Sigmoid(x)`` (torch's F.silu, llama's SwiGLU) is one ``silu`` table on x instead of
a sigmoid table, a rescale of x and a product.

GELU.  torch exports the exact GELU ``x * 0.5 * (1 + erf(x / √2))`` as

    Div(x, √2) (or Mul(x, 1/√2)) → Erf → Add(1) → Mul(x, ·) → Mul(·, 0.5)

(the 0.5 may also scale x or the sum first).  Node by node that is an erf table, an affine
map materialised for the product, a product of two advice tensors and the rescale after it;
fused, it is one ``gelu`` table on x (as ONNX's own Gelu op), rounded once.

``find_fusions`` matches on the graph's structure and constants only; every absorbed
intermediate must have one consumer and not be a graph output, so nothing else can read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import numpy_helper

from ezk.graph.lowering._util import attr


@dataclass(frozen=True)
class Fusion:
    kind: str  # "rms_norm", "silu" or "gelu"
    x: str  # the ONNX tensor the chain reads
    axes: tuple[int, ...] | None = None  # rms_norm; None: the ReduceMean's axes input (opset ≥ 18)
    axes_input: str = ""  # rms_norm: the ReduceMean's axes input name ("" when an attribute)
    eps: float = 0.0  # rms_norm


def _constants(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    vals = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for n in graph.node:
        if n.op_type == "Constant" and n.output:
            for a in n.attribute:
                if a.name == "value":
                    vals[n.output[0]] = numpy_helper.to_array(a.t)
                elif a.name in ("value_float", "value_int", "value_floats", "value_ints"):
                    vals[n.output[0]] = np.asarray(onnx.helper.get_attribute_value(a))
    return vals


def _scalar(consts, name: str) -> float | None:
    v = consts.get(name)
    if v is None or np.asarray(v).size != 1:
        return None
    return float(np.asarray(v).reshape(-1)[0])


def find_fusions(graph: onnx.GraphProto) -> tuple[dict[int, Fusion], set[int]]:
    """({index of a fused chain's last node: Fusion}, indices of the nodes the chains absorb)."""
    nodes = list(graph.node)
    consts = _constants(graph)
    producer = {o: i for i, n in enumerate(nodes) for o in n.output if o}
    uses: dict[str, int] = {}
    for n in nodes:
        for i in n.input:
            if i:
                uses[i] = uses.get(i, 0) + 1
    outputs = {o.name for o in graph.output}

    def private(name: str, op_types: tuple[str, ...]):
        """The node producing `name` if it is of one of op_types and only one node reads it."""
        i = producer.get(name)
        if i is None or nodes[i].op_type not in op_types or uses.get(name, 0) != 1 or name in outputs:
            return None, None
        return i, nodes[i]

    fused: dict[int, Fusion] = {}
    absorbed: set[int] = set()
    for last, node in enumerate(nodes):
        m = _match_rms_norm(node, private, consts) or _match_silu(node, private) or _match_gelu(node, private, consts)
        if m is None:
            continue
        fusion, chain = m
        if absorbed & set(chain):
            continue
        fused[last] = fusion
        absorbed.update(chain)
    return fused, absorbed


def _match_rms_norm(node, private, consts):
    """(Fusion, absorbed node indices) when ``node`` ends an RMSNorm chain, else None."""
    chain: list[int] = []
    if node.op_type == "Mul" and len(node.input) == 2:
        for x, r in (node.input, node.input[::-1]):
            i, rn = private(r, ("Div", "Reciprocal", "Pow"))
            if rn is None:
                continue
            if rn.op_type == "Div" and _scalar(consts, rn.input[0]) == 1.0:
                si, sn = private(rn.input[1], ("Sqrt",))
                if sn is None:
                    continue
                inner, links = sn.input[0], [i, si]
            elif rn.op_type == "Reciprocal":
                si, sn = private(rn.input[0], ("Sqrt",))
                if sn is None:
                    continue
                inner, links = sn.input[0], [i, si]
            elif rn.op_type == "Pow" and _scalar(consts, rn.input[1]) == -0.5:
                inner, links = rn.input[0], [i]
            else:
                continue
            found = _mean_square(x, inner, private, consts)
            if found is not None:
                fusion, more = found
                return fusion, chain + links + more
        return None
    if node.op_type == "Div" and len(node.input) == 2:
        x = node.input[0]
        si, sn = private(node.input[1], ("Sqrt",))
        if sn is None:
            return None
        found = _mean_square(x, sn.input[0], private, consts)
        if found is not None:
            fusion, more = found
            return fusion, [si] + more
    return None


def _mean_square(x: str, name: str, private, consts):
    """Match ``name`` = ReduceMean(x², keepdims) [+ eps]; (Fusion, absorbed indices) or None."""
    links: list[int] = []
    eps = 0.0
    ai, an = private(name, ("Add",))
    if an is not None:
        for m_name, e_name in (an.input, an.input[::-1]):
            e = _scalar(consts, e_name)
            if e is not None and e >= 0:
                eps, name = e, m_name
                links.append(ai)
                break
        else:
            return None
    mi, mn = private(name, ("ReduceMean",))
    if mn is None or not attr(mn, "keepdims", 1):
        return None
    axes = attr(mn, "axes")
    axes_input = mn.input[1] if len(mn.input) > 1 else ""
    if axes is None and not axes_input:
        return None  # a mean over every axis is not a normalisation over features
    pi, pn = private(mn.input[0], ("Pow", "Mul"))
    if pn is None:
        return None
    if pn.op_type == "Pow" and not (pn.input[0] == x and _scalar(consts, pn.input[1]) == 2.0):
        return None
    if pn.op_type == "Mul" and not (pn.input[0] == x and pn.input[1] == x):
        return None
    fusion = Fusion("rms_norm", x, tuple(int(a) for a in axes) if axes is not None else None, axes_input, eps)
    return fusion, links + [mi, pi]


def _match_silu(node, private):
    """x · Sigmoid(x) (torch's F.silu) → one silu table instead of a sigmoid table, a rescale of x
    and a product."""
    if node.op_type != "Mul" or len(node.input) != 2:
        return None
    for x, g in (node.input, node.input[::-1]):
        i, gn = private(g, ("Sigmoid",))
        if gn is not None and gn.input[0] == x:
            return Fusion("silu", x), [i]
    return None


SQRT2 = float(np.sqrt(2.0))


def _near(v: float | None, want: float) -> bool:
    return v is not None and abs(v - want) <= 1e-6 * abs(want)


def _scaled_by(name: str, factor: float, private, consts, ops=("Mul", "Div")):
    """(index, the tensor scaled) when ``name`` = Mul(t, factor) or Div(t, 1/factor) is private."""
    i, n = private(name, ops)
    if n is None or len(n.input) != 2:
        return None
    pairs = (n.input, n.input[::-1]) if n.op_type == "Mul" else (n.input,)
    for t, c in pairs:
        v = _scalar(consts, c)
        if (n.op_type == "Mul" and _near(v, factor)) or (n.op_type == "Div" and v and _near(1.0 / v, factor)):
            return i, t
    return None


def _erf_half_plus_one(name: str, x: str | None, private, consts):
    """(absorbed indices, x) when ``name`` = Add(Erf(x/√2), 1) (optionally scaled by 0.5 as
    0.5·(…) or Add(0.5·Erf, 0.5)), each link private; x must equal ``x`` when given."""
    ai, an = private(name, ("Add",))
    if an is None or len(an.input) != 2:
        return None
    for e_name, c_name in (an.input, an.input[::-1]):
        if not _near(_scalar(consts, c_name), 1.0):
            continue
        ei, en = private(e_name, ("Erf",))
        if en is None:
            continue
        d = _scaled_by(en.input[0], 1.0 / SQRT2, private, consts)
        if d is None or (x is not None and d[1] != x):
            continue
        return [ai, ei, d[0]], d[1]
    return None


def _match_gelu(node, private, consts):
    """x · 0.5 · (1 + erf(x/√2)) in torch's export orders → one gelu table on x."""
    if node.op_type != "Mul" or len(node.input) != 2:
        return None
    # Mul(Mul(x, 1 + erf), 0.5)
    for m_name, h_name in (node.input, node.input[::-1]):
        if not _near(_scalar(consts, h_name), 0.5):
            continue
        mi, mn = private(m_name, ("Mul",))
        if mn is None or len(mn.input) != 2:
            continue
        for x, a in (mn.input, mn.input[::-1]):
            found = _erf_half_plus_one(a, x, private, consts)
            if found is not None:
                return Fusion("gelu", x), [mi] + found[0]
    # Mul(x, 0.5·(1 + erf)) or Mul(0.5·x, 1 + erf)
    for x, g in (node.input, node.input[::-1]):
        h = _scaled_by(g, 0.5, private, consts, ("Mul",))
        if h is not None and (found := _erf_half_plus_one(h[1], x, private, consts)) is not None:
            return Fusion("gelu", x), [h[0]] + found[0]
        h = _scaled_by(x, 0.5, private, consts, ("Mul",))
        if h is not None and (found := _erf_half_plus_one(g, h[1], private, consts)) is not None:
            return Fusion("gelu", h[1]), [h[0]] + found[0]
    return None
