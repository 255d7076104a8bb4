"""Pure re-indexing ops, lowered to one free ``index_map`` each (constants are transformed
directly): Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Identity, Dropout, Slice, Split,
Concat, Gather (constant indices; tensor indices become a ``gather`` op), Expand, Tile, Pad,
DepthToSpace-free reshapes.  The numpy function that re-indexes values is applied to the array
of element indices, which yields the map."""

from __future__ import annotations

import numpy as np

from ezk.graph.builder import Const, Tensor
from ezk.graph.lowering._util import attr, const_ints, is_const
from ezk.ops.index_map import concat_index


def _reshape(b, node, ins, opset):
    x = ins[0]
    target = const_ints(ins[1], "Reshape shape") if len(ins) > 1 else list(attr(node, "shape"))
    allowzero = int(attr(node, "allowzero", 0))
    shape = [x.shape[i] if (d == 0 and not allowzero) else d for i, d in enumerate(target)]
    if -1 in shape:
        known = int(np.prod([d for d in shape if d != -1]))
        shape[shape.index(-1)] = int(np.prod(x.shape)) // max(known, 1)
    return [b.reshape(x, shape)]


def _flatten(b, node, ins, opset):
    x = ins[0]
    axis = int(attr(node, "axis", 1)) % (len(x.shape) + 1) if len(x.shape) else 0
    return [b.reshape(x, (int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:]))), "flatten")]


def _transpose(b, node, ins, opset):
    perm = attr(node, "perm")
    perm = list(perm) if perm is not None else list(range(len(ins[0].shape)))[::-1]
    return [b.remap(ins[0], lambda a: np.transpose(a, perm), "transpose")]


def _axes_arg(node, ins, opset, until=13):
    a = attr(node, "axes")
    if a is None and len(ins) > 1 and ins[1] is not None:
        a = const_ints(ins[1], "axes")
    return None if a is None else list(a)


def _squeeze(b, node, ins, opset):
    x = ins[0]
    axes = _axes_arg(node, ins, opset)
    rank = len(x.shape)
    axes = [i for i, d in enumerate(x.shape) if d == 1] if axes is None else [a % rank for a in axes]
    shape = [d for i, d in enumerate(x.shape) if i not in axes]
    return [b.reshape(x, shape, "squeeze")]


def _unsqueeze(b, node, ins, opset):
    x = ins[0]
    axes = _axes_arg(node, ins, opset)
    rank = len(x.shape) + len(axes)
    axes = sorted(a % rank for a in axes)
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return [b.reshape(x, shape, "unsqueeze")]


def _identity(b, node, ins, opset):
    return [ins[0]] + ([] if len(node.output) < 2 else [None])


def _slice(b, node, ins, opset):
    x = ins[0]
    if opset < 10:
        starts, ends = list(attr(node, "starts")), list(attr(node, "ends"))
        axes = attr(node, "axes")
        steps = None
    else:
        starts, ends = const_ints(ins[1], "Slice starts"), const_ints(ins[2], "Slice ends")
        axes = const_ints(ins[3], "Slice axes") if len(ins) > 3 and ins[3] is not None else None
        steps = const_ints(ins[4], "Slice steps") if len(ins) > 4 and ins[4] is not None else None
    rank = len(x.shape)
    axes = list(range(len(starts))) if axes is None else [a % rank for a in axes]
    steps = steps or [1] * len(starts)
    sl = [slice(None)] * rank
    for a, s, e, st in zip(axes, starts, ends, steps):
        big = 2**62
        sl[a] = slice(max(min(s, big), -big), max(min(e, big), -big), st)
    return [b.remap(x, lambda arr: arr[tuple(sl)], "slice")]


def _split(b, node, ins, opset):
    x = ins[0]
    axis = int(attr(node, "axis", 0)) % len(x.shape)
    n_out = len(node.output)
    sizes = attr(node, "split")
    if sizes is None and len(ins) > 1 and ins[1] is not None:
        sizes = const_ints(ins[1], "Split sizes")
    if sizes is None:
        d = x.shape[axis]
        step = -(-d // n_out)
        sizes = [min(step, d - i * step) for i in range(n_out)]
    outs, start = [], 0
    for s in sizes:
        sl = [slice(None)] * len(x.shape)
        sl[axis] = slice(start, start + s)
        outs.append(b.remap(x, lambda arr, sl=tuple(sl): arr[sl], "split"))
        start += s
    return outs


def _concat(b, node, ins, opset):
    axis = int(attr(node, "axis"))
    vals = [v for v in ins if v is not None and int(np.prod(v.shape)) > 0] or [ins[0]]
    tensors = b.align(*vals)
    return [b.index_map(tensors, concat_index([t.shape for t in tensors], axis % len(tensors[0].shape)), "concat")]


def _gather(b, node, ins, opset):
    data, ind = ins
    axis = int(attr(node, "axis", 0))
    if is_const(ind):
        ix = np.asarray(ind.value, dtype=np.int64)
        n = data.shape[axis % len(data.shape)]
        ix = np.where(ix < 0, ix + n, ix)
        return [b.remap(data, lambda a: np.take(a, ix, axis=axis), "gather")]
    if ind.scale != 0:
        ind = b.rescale_to(ind, 0)
    if not is_const(data):
        # private index into computed data: a dynamic lookup along the (front-moved) axis (select_rows)
        from ezk.graph.lowering.indexing import normalise_indices, select_rows

        ax = axis % len(data.shape)
        front = b.remap(data, lambda a: np.moveaxis(a, ax, 0), "transpose")
        out = select_rows(b, front, normalise_indices(b, ind, np.array(data.shape[ax])))
        k = len(ind.shape)
        perm = list(range(k, k + ax)) + list(range(k)) + list(range(k + ax, len(out.shape)))
        return [b.remap(out, lambda a: np.transpose(a, perm), "transpose")]
    # integer tables (tree node ids …) stay exact at scale 0; floats at param_scale
    exact = np.asarray(data.value).dtype.kind in "iub"
    data = b.tensor(data, 0 if exact else b.ra.param_scale)
    # private index into fixed data: normalised (idx + n·[idx < 0]), the table then keyed 0 … n − 1 only
    from ezk.graph.lowering.indexing import normalise_indices

    ax = axis % len(data.shape)
    ind = normalise_indices(b, ind, np.array(data.shape[ax]))
    return [b.emit("gather", [data, ind], {"axis": ax, "nonnegative": True})]


def _expand(b, node, ins, opset):
    x = ins[0]
    target = const_ints(ins[1], "Expand shape")
    shape = np.broadcast_shapes(tuple(x.shape), tuple(target))
    return [b.remap(x, lambda a: np.broadcast_to(a, shape), "expand")]


def _tile(b, node, ins, opset):
    reps = const_ints(ins[1], "Tile repeats")
    return [b.remap(ins[0], lambda a: np.tile(a, reps), "tile")]


def _pad(b, node, ins, opset):
    x = ins[0]
    mode = attr(node, "mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if opset < 11:
        pads, value = list(attr(node, "pads")), float(attr(node, "value", 0.0))
        axes = None
    else:
        pads = const_ints(ins[1], "Pad pads")
        value = float(np.asarray(ins[2].value).reshape(-1)[0]) if len(ins) > 2 and ins[2] is not None else 0.0
        axes = const_ints(ins[3], "Pad axes") if len(ins) > 3 and ins[3] is not None else None
    rank = len(x.shape)
    axes = list(range(rank)) if axes is None else [a % rank for a in axes]
    widths = [(0, 0)] * rank
    k = len(axes)
    for i, a in enumerate(axes):
        widths[a] = (pads[i], pads[i + k])
    if any(p < 0 for w in widths for p in w):
        raise ValueError("negative pads are not supported")
    if mode not in ("constant", "reflect", "edge"):
        raise ValueError(f"Pad mode {mode} is not supported")
    x = b.tensor(x)
    idx = np.arange(x.size, dtype=np.int64).reshape(x.shape)
    idx = np.pad(idx, widths, mode=mode, **({"constant_values": -1} if mode == "constant" else {}))
    fill = int(np.floor(value * 2.0**x.scale + 0.5)) if mode == "constant" else 0
    return [b.index_map([x], idx, "pad", fill)]


RULES = {
    "Reshape": _reshape,
    "Flatten": _flatten,
    "Transpose": _transpose,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Identity": _identity,
    "Dropout": _identity,
    "Slice": _slice,
    "Split": _split,
    "Concat": _concat,
    "Gather": _gather,
    "Expand": _expand,
    "Tile": _tile,
    "Pad": _pad,
}
