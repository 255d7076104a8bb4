"""Polycommit visibility: a tensor in its own advice columns, whose KZG commitments the proof
carries — EZKL's "polycommit" (its PolyCommitChip), on ezk's link columns.

    polycommit_tensors(graph, run_args) -> [(kind, tensor id, name)]   inputs, params, outputs
    add_polycommit(cs, fixed, u, glob, read, placed) -> [PolyCommit], copies, advice values

Each polycommit tensor (an input, a parameter — every parameter when param_visibility is
polycommit — or an output) is laid out like a link column (:func:`ezk.layout.links.add_columns`):
its values, flattened, fill the usable rows of ⌈m/u⌉ dedicated advice columns, each value
copy-constrained to the region cell the model reads (an input, a parameter) or computes (an
output), the last column's unused rows pinned to zero. The tensor stays private; its column
commitments [a_j(τ)]₁ are part of the proof (advice commitments at the positions the key's
header names), so that two proofs sharing a tensor can be compared by their commitments
(KZG binding: equal commitments ⇒ equal columns ⇒ equal tensors).

Blinding, decided by the prover (``ezk.polycommit``): rows u … n−1 of a polycommit column are
1, as EZKL's unblinded columns (halo2's default ``Blind``): the commitment is a function of the
tensor alone, which anyone holding the tensor recomputes — witness.json carries it, and
``swap_proof_commitments`` checks a proof against it. The price, as in EZKL: the commitment
and the column's opening hide the tensor only as well as the tensor's own entropy does (a
low-entropy tensor can be guessed and checked).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk.graph.ir import tensors_by_visibility
from ezk.layout.cells import Cells
from ezk.layout.links import add_columns
from ezk.plonk import ConstraintSystem
from ezk.plonk.expression import Column

POLYCOMMIT = "polycommit"
KINDS = ("input", "param", "output")  # EZKL's order: processed_inputs, processed_params, processed_outputs


def is_polycommit(visibility: str) -> bool:
    return visibility in (POLYCOMMIT, "kzgcommit")


def polycommit_tensors(graph, run_args) -> list[tuple[str, int, str]]:
    """(kind, tensor id, name) of every polycommit, non-empty tensor, in the order of their commitments in witness.json and proof.json."""
    return tensors_by_visibility(graph, run_args, is_polycommit)


@dataclass
class PolyCommit:
    """One polycommit tensor: its columns (advice, in value order) and its length."""

    kind: str
    tensor: int
    name: str
    length: int
    columns: list[Column] = field(default_factory=list)

    def header(self) -> dict:
        """The key header's entry (column indices; their proof positions follow from the vk)."""
        return {"of": self.kind, "name": self.name, "tensor": int(self.tensor), "length": int(self.length),
                "columns": [int(c.index) for c in self.columns]}


def add_polycommit(cs: ConstraintSystem, fixed: dict, u: int, glob, read,
                   placed: list[tuple[str, int, str, Cells]]) -> tuple[list[PolyCommit], np.ndarray, dict]:
    """The columns of every placed polycommit tensor ((kind, tensor, name, flat region cells));
    returns them, their copies (m, 4) and their advice values (``read`` None: structure only)."""
    out, copies, values, pads = [], [], {}, {}
    for i, (kind, tid, name, cells) in enumerate(placed):
        cols, cp, vals = add_columns(cs, fixed, u, glob, read, cells, f"pc_{kind}{i}_", f"polycommit.{kind}{i}", pads)
        out.append(PolyCommit(kind, tid, name, cells.size, cols))
        copies.append(cp)
        values.update(vals)
    cp = np.concatenate(copies).astype(np.int64) if copies else np.zeros((0, 4), dtype=np.int64)
    return out, cp, values
