"""One segment's witness: its integer forward pass from the tensors entering it, and the
blinding rows of its link columns.

The whole model's forward pass is cheap next to laying out and proving, but its trace holds
every tensor; ``walk_segments`` runs it segment by segment and keeps only the tensors still
crossing a cut, so the values a segment's task needs (its link-in tensors and the model
inputs it reads) are small.

Link blinding. Both segments that hold a link column must commit it with the same n − u
blinding rows; each proving task derives them from one secret 32-byte seed drawn per proof
bundle: blake2b(seed ‖ cut ‖ column ‖ row) reduced mod r, 512 bits each (statistically
uniform). Tasks on other machines need only the seed, never the other segment's values.
"""

from __future__ import annotations

import hashlib
from typing import Iterator

import numpy as np

from ezk import _native
from ezk.graph.forward import evaluate_nodes
from ezk.graph.ir import Graph
from ezk.layout.circuit import segment_view
from ezk.layout.links import SegmentSpec

R = _native.MODULUS


def segment_values(graph: Graph, spec: SegmentSpec, given: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Every tensor the segment lays out, from ``given`` (its link-in tensors and the model
    inputs it owns)."""
    values = {int(k): np.asarray(v, dtype=np.int64) for k, v in given.items()}
    evaluate_nodes(segment_view(graph, spec).nodes, values, {}, True)
    return values


def walk_segments(graph: Graph, segments: list[SegmentSpec],
                  inputs: dict[int, np.ndarray]) -> Iterator[tuple[dict, dict]]:
    """For each segment in order: (given, values) — what its task needs and every tensor it
    lays out. Between segments only the link tensors are kept."""
    carry: dict[int, np.ndarray] = {}
    for spec in segments:
        given = {t: carry[t] for t in spec.link_in}
        given.update({t: inputs[t] for t in graph.inputs if t in set(spec.nodes)})
        values = segment_values(graph, spec, given)
        yield given, values
        carry = {t: values[t] for t in spec.link_out}
        del values


def link_blinding(seed: bytes, cut: int, column: int, count: int) -> "_native.FrVec":
    """The ``count`` blinding values of link column ``column`` of cut ``cut`` (see above)."""
    vals = []
    for row in range(count):
        h = hashlib.blake2b(seed + cut.to_bytes(4, "little") + column.to_bytes(4, "little") + row.to_bytes(4, "little"),
                            digest_size=64, person=b"ezk-link-blind").digest()
        vals.append(int.from_bytes(h, "little") % R)
    return _native.FrVec.from_ints(vals)


def segment_blinding(seed: bytes, s: int, links, count: int) -> dict[int, "_native.FrVec"]:
    """advice_blinding for segment s: its in-columns belong to cut s − 1, its out-columns to cut s."""
    out = {}
    for j, col in enumerate(links.inputs):
        out[col.index] = link_blinding(seed, s - 1, j, count)
    for j, col in enumerate(links.outputs):
        out[col.index] = link_blinding(seed, s, j, count)
    return out
