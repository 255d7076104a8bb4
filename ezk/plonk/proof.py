"""The Proof and its compact versioned encoding, and the list of openings both sides agree on.

Bytes: ``b"ezk-plonk-proof" ‖ version`` then, each as a u32 count and 32-byte items: advice
commitments, logUp multiplicities m, permutation products z, logUp sums φ, the random
polynomial r, quotient pieces h, evaluations (canonical little-endian scalars), KZG opening
witnesses. Points are compressed and subgroup-checked on decoding.
"""

from __future__ import annotations

from dataclasses import dataclass

from ezk.errors import ArtifactError
from ezk.plonk.constraint_system import ConstraintSystem
from ezk.plonk.domain import Domain
from ezk.plonk.expression import ADVICE, FIXED
from ezk.plonk.serial import Reader, Writer

PROOF_MAGIC = b"ezk-plonk-proof\x01"


@dataclass(frozen=True)
class Proof:
    advice: tuple  # [a_j(τ)]₁
    m: tuple  # [m_t(τ)]₁
    z: tuple  # [z_c(τ)]₁
    phi: tuple  # [φ_c(τ)]₁
    random: tuple  # ([r(τ)]₁,)
    h: tuple  # [h_p(τ)]₁
    evals: tuple  # ints, in evaluation_layout order
    opening: tuple  # KZG witnesses from batch_open

    _POINT_FIELDS = ("advice", "m", "z", "phi", "random", "h")

    def to_bytes(self) -> bytes:
        w = Writer()
        w.raw(PROOF_MAGIC)
        for name in self._POINT_FIELDS:
            pts = getattr(self, name)
            w.u32(len(pts))
            for p in pts:
                w.point(p)
        w.u32(len(self.evals))
        for v in self.evals:
            w.scalar(v)
        w.u32(len(self.opening))
        for p in self.opening:
            w.point(p)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Proof":
        r = Reader(data, "proof")
        if r.take(len(PROOF_MAGIC)) != PROOF_MAGIC:
            raise ArtifactError("the bytes are not an ezk PLONK proof (wrong format tag or version).")
        fields = {name: tuple(r.point() for _ in range(r.count())) for name in cls._POINT_FIELDS}
        evals = tuple(r.scalar() for _ in range(r.count()))
        opening = tuple(r.point() for _ in range(r.count()))
        r.done()
        return cls(**fields, evals=evals, opening=opening)


def evaluation_layout(cs: ConstraintSystem, domain: Domain) -> list[tuple[tuple, int]]:
    """Every (polynomial key, rotation) whose value at ω^rotation·x the proof carries, in order.

    Keys: ("col", global column index) for advice and fixed columns (instance columns are
    evaluated by the verifier itself), ("sigma", j), ("z", c), ("m", t), ("phi", p), ("random",)."""
    rots: dict[int, set[int]] = {c.index: set() for c in cs.columns if c.kind in (ADVICE, FIXED)}
    for q in cs.all_queries():
        if q.column.index in rots:
            rots[q.column.index].add(q.rotation)
    perm = cs.permutation_columns
    for c in perm:
        if c.index in rots:
            rots[c.index].add(0)
    out = [(("col", i), r) for i in sorted(rots) for r in sorted(rots[i])]
    out += [(("sigma", j), 0) for j in range(len(perm))]
    n_chunks = len(range(0, len(perm), cs.permutation_chunk_size())) if perm else 0
    for c in range(n_chunks):
        out += [(("z", c), 0), (("z", c), 1)]
        if c < n_chunks - 1:
            out.append((("z", c), domain.last_row))
    tables = cs.lookup_tables()
    out += [(("m", t), 0) for t in range(len(tables))]
    n_phi = sum(len(t.chunks) for t in tables)
    for p in range(n_phi):
        out += [(("phi", p), 0), (("phi", p), 1)]
    out.append((("random",), 0))
    return out
