"""scatter: ``data`` with the elements at flat positions ``positions`` replaced by ``updates``
(ONNX ScatterElements / ScatterND with computed indices, reduction none, lowered to flat
positions). positions are integers at scale 0, one per update; data and updates share a scale.

A position outside [0, size) or two updates to one position is a WitnessError naming the ONNX
node: ONNX leaves duplicate indices undefined, and the circuit proves a scatter whose positions
are distinct (ezk.layout.ops.scatter)."""

from __future__ import annotations

import numpy as np

from ezk.errors import WitnessError


def infer_shape(in_shapes, node):
    data, pos, upd = in_shapes
    if int(np.prod(pos, dtype=np.int64)) != int(np.prod(upd, dtype=np.int64)):
        raise ValueError(f"scatter needs one position per update, got shapes {list(pos)} and {list(upd)}")
    return tuple(data)


def infer_scale(in_scales, node):
    data, pos, upd = in_scales
    if pos != 0:
        raise ValueError("scatter positions must be integers at scale 0")
    if data != upd:
        raise ValueError("scatter needs data and updates at one scale")
    return data


def evaluate(node, inputs):
    data, pos, upd = inputs
    out = np.array(data, dtype=np.int64).reshape(-1)
    p = np.asarray(pos, dtype=np.int64).reshape(-1)
    where = f"{node.onnx_op} in ONNX node {node.onnx_name!r}"
    if p.size and (int(p.min()) < 0 or int(p.max()) >= out.size):
        raise WitnessError(f"{where} got an index outside the data (flat position {int(p.min()) if p.min() < 0 else int(p.max())} "
                           f"of {out.size})")
    uniq, counts = np.unique(p, return_counts=True)
    if (counts > 1).any():
        raise WitnessError(f"{where} writes flat position {int(uniq[counts > 1][0])} twice; ezk proves scatters whose "
                           f"indices are distinct (ONNX leaves duplicates undefined without a reduction)")
    out[p] = np.asarray(upd, dtype=np.int64).reshape(-1)
    return out.reshape(np.shape(data))
