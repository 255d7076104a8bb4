"""Index-driven data movement: GatherElements, GatherND, ScatterElements, ScatterND, OneHot,
Trilu, EyeLike.

Constant indices make every one of them a free ``index_map`` (the numpy op applied to the array
of element positions gives the map).  Tensor (private) indices become ONE ``gather`` over the
flattened data with a flat index computed exactly in integers:

    GatherElements (axis a):  flat = Σ_{d≠a} i_d·stride_d + idx'·stride_a
    GatherND (m index cols):  flat = Σ_{j<m} idx'[…, j]·stride_j  (+ the batch offset)

where idx' = idx + n·[idx < 0] normalises negative indices (a ``compare`` and a product).
From constant data that is a lookup into a fixed table; from computed data a dynamic lookup
into a table of the data's own cells (``select_rows``, ezk.layout.dynamic).
ScatterElements / ScatterND with computed indices: the flat position of every update element,
computed the same way, and one ``scatter`` (ezk.layout.ops.scatter: two dynamic lookups; the
indices must be distinct, as ONNX requires for a defined result).
OneHot of a tensor is ``compare(eq)`` against a constant arange, then where(on, off)."""

from __future__ import annotations

import numpy as np

from ezk.graph.builder import Const, Tensor
from ezk.graph.lowering._util import attr, const_ints, is_const


def _positions(shape) -> np.ndarray:
    return np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)


def _int_index_tensor(b, idx):
    if idx.scale != 0:
        return b.rescale_to(idx, 0)
    return idx


def normalise_indices(b, idx: Tensor, sizes) -> Tensor:
    """idx + n·[idx < 0] with n broadcast from `sizes` (exact, scale 0)."""
    neg = b.emit("compare", [idx, b.const_int(np.array(0), 0)], {"kind": "lt"})
    add = b.emit("mul", [neg, b.const_int(np.asarray(sizes, dtype=np.int64), 0)])
    return b.emit("add", [idx, add])


def select_rows(b, rows, row: Tensor) -> Tensor:
    """rows[row] along axis 0, ``row`` normalised (0 ≤ row < n).  Constant rows: one
    ``gather`` (a lookup into fixed data); computed/private rows: one ``gather`` too, which
    the layout proves by a dynamic lookup into a table of the rows' own cells."""
    if is_const(rows):
        return b.emit("gather", [b.tensor(rows), row], {"axis": 0, "nonnegative": True})
    return b.emit("gather", [rows, row], {"axis": 0, "nonnegative": True})


def _flat_gather(b, data, flat: Tensor) -> Tensor:
    if is_const(data):
        return select_rows(b, Const(np.asarray(data.value).reshape(-1), data.is_param), flat)
    return select_rows(b, b.reshape(data, (data.size,)), flat)


# ---- GatherElements ------------------------------------------------------------------------
def _gather_elements(b, node, ins, opset):
    data, idx = ins
    axis = int(attr(node, "axis", 0)) % len(data.shape)
    n = data.shape[axis]
    if is_const(idx):
        ix = np.asarray(idx.value, dtype=np.int64)
        ix = np.where(ix < 0, ix + n, ix)
        return [b.remap(data, lambda a: np.take_along_axis(a, ix, axis=axis), "gather_elements")]
    idx = normalise_indices(b, _int_index_tensor(b, idx), np.array(n))
    strides = [int(np.prod(data.shape[j + 1:])) for j in range(len(data.shape))]
    grids = np.meshgrid(*[np.arange(d) for d in idx.shape], indexing="ij")
    base = sum(g * int(s) for k, (g, s) in enumerate(zip(grids, strides)) if k != axis)
    scaled = b.emit("mul", [idx, b.const_int(np.array(int(strides[axis])), 0)])
    flat = b.emit("add", [scaled, b.const_int(np.asarray(base, dtype=np.int64), 0)])
    return [_flat_gather(b, data, flat)]


# ---- GatherND ------------------------------------------------------------------------------
def gather_nd_numpy(data: np.ndarray, ix: np.ndarray, batch_dims: int) -> np.ndarray:
    m = ix.shape[-1]
    bshape = data.shape[:batch_dims]
    nb = int(np.prod(bshape))
    d = data.reshape((nb,) + data.shape[batch_dims:])
    i = ix.reshape((nb, -1, m))
    out = np.stack([d[k][tuple(i[k].T)] for k in range(nb)])
    return out.reshape(ix.shape[:-1] + data.shape[batch_dims + m:])


def _gather_nd(b, node, ins, opset):
    data, idx = ins
    bd = int(attr(node, "batch_dims", 0))
    m = idx.shape[-1]
    dims = np.array(data.shape[bd:bd + m], dtype=np.int64)
    if is_const(idx):
        ix = np.asarray(idx.value, dtype=np.int64)
        ix = np.where(ix < 0, ix + dims, ix)
        return [b.remap(data, lambda a: gather_nd_numpy(a, ix, bd), "gather_nd")]
    idx = normalise_indices(b, _int_index_tensor(b, idx), dims)
    # row index into data viewed as [Π batch · Π indexed dims, rest…]
    strides = np.array([int(np.prod(dims[j + 1:])) for j in range(m)], dtype=np.int64)
    row = b.einsum("".join("abcdefgh"[: len(idx.shape) - 1]) + "z,z->" + "abcdefgh"[: len(idx.shape) - 1],
                   idx, Const(strides.astype(np.float64)))
    if bd:
        per = int(np.prod(dims))
        bgrid = _positions(data.shape[:bd]) * per
        bgrid = bgrid.reshape(bgrid.shape + (1,) * (len(idx.shape) - 1 - bd))
        row = b.emit("add", [row, b.const_int(np.broadcast_to(bgrid, row.shape).copy(), 0)])
    rest = tuple(data.shape[bd + m:])
    return [select_rows(b, b.reshape(data, (int(np.prod(data.shape[: bd + m])),) + rest), row)]


# ---- ScatterND / ScatterElements --------------------------------------------------------------
def _scatter_positions(b, node, data, idx, upd, kind) -> Tensor:
    """The flat position in data of every update element (exact integers, scale 0), from
    computed indices (normalised as in the gathers)."""
    idx = _int_index_tensor(b, idx)
    strides = np.array([int(np.prod(data.shape[j + 1:])) for j in range(len(data.shape))], dtype=np.int64)
    if kind == "nd":
        k = idx.shape[-1]
        idx = normalise_indices(b, idx, np.array(data.shape[:k], dtype=np.int64))
        lead = "abcdefgh"[: len(idx.shape) - 1]
        row = b.einsum(f"{lead}z,z->{lead}", idx, Const(strides[:k].astype(np.float64)))
        inner = int(np.prod(data.shape[k:], dtype=np.int64))
        col = b.reshape(row, tuple(row.shape) + (1,) * (len(upd.shape) - len(row.shape)), "unsqueeze")
        offs = np.arange(inner, dtype=np.int64).reshape(tuple(upd.shape[len(row.shape):]))
        shape = tuple(upd.shape)
        col = b.remap(col, lambda a: np.broadcast_to(a, shape), "expand")
        return b.emit("add", [col, b.const_int(np.broadcast_to(offs, shape).copy(), 0)])
    axis = int(attr(node, "axis", 0)) % len(data.shape)
    idx = normalise_indices(b, idx, np.array(data.shape[axis]))
    grids = np.meshgrid(*[np.arange(d) for d in idx.shape], indexing="ij")
    base = sum(g * int(s) for j, (g, s) in enumerate(zip(grids, strides)) if j != axis)
    scaled = b.emit("mul", [idx, b.const_int(np.array(int(strides[axis])), 0)])
    return b.emit("add", [scaled, b.const_int(np.asarray(base, dtype=np.int64), 0)])


def _scatter(kind):
    def rule(b, node, ins, opset):
        data, idx, upd = ins
        red = attr(node, "reduction", b"none")
        red = red.decode() if isinstance(red, bytes) else red
        if red != "none":
            raise ValueError(f"{node.op_type} with reduction={red} is not supported")
        if not is_const(idx):  # computed indices: one scatter op (two dynamic lookups)
            pos = _scatter_positions(b, node, data, idx, upd, kind)
            d, u = b.align(data, upd)
            return [b.emit("scatter", [d, b.reshape(pos, (pos.size,)), b.reshape(u, (u.size,))])]
        ix = np.asarray(idx.value, dtype=np.int64)
        pos = _positions(data.shape)
        src = _positions(upd.shape) + pos.size
        if kind == "nd":
            dims = np.array(data.shape[: ix.shape[-1]], dtype=np.int64)
            ix = np.where(ix < 0, ix + dims, ix)
            pos[tuple(np.moveaxis(ix, -1, 0))] = src
        else:
            axis = int(attr(node, "axis", 0)) % len(data.shape)
            ix = np.where(ix < 0, ix + data.shape[axis], ix)
            coords = list(np.indices(ix.shape))
            coords[axis] = ix
            pos[tuple(coords)] = src
        if is_const(data) and is_const(upd):
            flat = np.concatenate([np.asarray(data.value).reshape(-1), np.asarray(upd.value).reshape(-1)])
            return [Const(flat[pos], data.is_param or upd.is_param)]
        d, u = b.align(data, upd)
        return [b.index_map([d, u], pos, "scatter")]

    return rule


# ---- OneHot ---------------------------------------------------------------------------------
def _one_hot(b, node, ins, opset):
    idx, depth, values = ins
    depth = const_ints(depth, "OneHot depth")[0]
    if not is_const(values):
        raise ValueError("OneHot values must be constant")
    off, on = (float(v) for v in np.asarray(values.value, dtype=np.float64).reshape(-1)[:2])
    rank = len(idx.shape) + 1
    axis = int(attr(node, "axis", -1)) % rank
    idx = normalise_indices(b, _int_index_tensor(b, idx), np.array(depth))
    shape = list(idx.shape)
    shape.insert(axis, 1)
    col = b.reshape(idx, shape, "unsqueeze")
    ar = np.arange(depth, dtype=np.int64).reshape([depth if i == axis else 1 for i in range(rank)])
    hot = b.emit("compare", [col, b.const_int(ar, 0)], {"kind": "eq"})
    if off == 0.0 and on == 1.0:
        return [hot]
    s = b.exact_scale(Const(np.array([off, on])))
    return [b.emit("where", [hot, b.quant(Const(np.array(on)), s), b.quant(Const(np.array(off)), s)])]


# ---- Trilu / EyeLike -----------------------------------------------------------------------
def _trilu(b, node, ins, opset):
    x = ins[0]
    k = const_ints(ins[1], "Trilu k")[0] if len(ins) > 1 and ins[1] is not None else 0
    upper = int(attr(node, "upper", 1))
    r, c = x.shape[-2:]
    keep = np.triu(np.ones((r, c), bool), k) if upper else np.tril(np.ones((r, c), bool), k)
    pos = np.where(np.broadcast_to(keep, x.shape), _positions(x.shape), -1)
    if is_const(x):
        return [Const(np.where(pos >= 0, np.asarray(x.value), 0), x.is_param)]
    return [b.index_map([x], pos, "trilu", 0)]


def _eye_like(b, node, ins, opset):
    r, c = ins[0].shape
    return [Const(np.eye(r, c, int(attr(node, "k", 0))))]


RULES = {
    "GatherElements": _gather_elements,
    "GatherND": _gather_nd,
    "ScatterND": _scatter("nd"),
    "ScatterElements": _scatter("elements"),
    "Scatter": _scatter("elements"),
    "OneHot": _one_hot,
    "Trilu": _trilu,
    "EyeLike": _eye_like,
}
