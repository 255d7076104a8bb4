"""The Proof and its compact versioned encoding, and the list of openings both sides agree on.

A ``Proof`` is the concatenation of the protocol's messages (``ezk.plonk.protocol``); the
advice commitments of every phase sit in one tuple, phase by phase (``cs.advice_by_phase()``).

Bytes: ``b"ezk-plonk-proof" ‖ version (u8)`` then, each as a u32 count and 32-byte items: advice
commitments, logUp multiplicities m, permutation products z, logUp sums φ, the random
polynomial r, quotient pieces h, evaluations (canonical little-endian scalars), KZG opening
witnesses. Points are compressed and subgroup-checked on decoding. Version 2 added phases
(a version-1 proof is refused with a sentence that says so).
"""

from __future__ import annotations

from dataclasses import dataclass

from ezk.plonk.constraint_system import ConstraintSystem
from ezk.plonk.domain import Domain
from ezk.plonk.expression import ADVICE, FIXED
from ezk.plonk.protocol import (
    AdviceCommitments, ArgumentCommitments, Evaluations, MultiplicityCommitments, Opening,
    QuotientCommitments, RandomCommitment,
)
from ezk.plonk.serial import Reader, Writer, read_tag

PROOF_TAG = b"ezk-plonk-proof"
PROOF_VERSION = 2
PROOF_MAGIC = PROOF_TAG + bytes([PROOF_VERSION])


@dataclass(frozen=True)
class Proof:
    advice: tuple  # [a_j(τ)]₁, phase by phase (cs.advice_by_phase())
    m: tuple  # [m_t(τ)]₁
    z: tuple  # [z_c(τ)]₁
    phi: tuple  # [φ_c(τ)]₁
    random: tuple  # ([r(τ)]₁,)
    h: tuple  # [h_p(τ)]₁
    evals: tuple  # ints, in evaluation_layout order
    opening: tuple  # KZG witnesses from batch_open

    _POINT_FIELDS = ("advice", "m", "z", "phi", "random", "h")

    @classmethod
    def from_messages(cls, advice: list[AdviceCommitments], m: MultiplicityCommitments,
                      arguments: ArgumentCommitments, random: RandomCommitment, h: QuotientCommitments,
                      evals: Evaluations, opening: Opening) -> "Proof":
        return cls(advice=tuple(p for msg in advice for p in msg.advice), m=tuple(m.m), z=tuple(arguments.z),
                   phi=tuple(arguments.phi), random=(random.random,), h=tuple(h.h), evals=tuple(evals.evals),
                   opening=tuple(opening.witnesses))

    def advice_messages(self, cs: ConstraintSystem) -> list[AdviceCommitments]:
        """The advice commitments split into one message per phase (the counts must fit cs)."""
        out, start = [], 0
        for p in range(cs.num_phases):
            count = len(cs.advice_in_phase(p))
            out.append(AdviceCommitments(p, tuple(self.advice[start:start + count])))
            start += count
        return out

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
        """The strict decoding of ``to_bytes`` (``Reader.point``/``Reader.scalar``'s checks), with
        every point decoded in one native batch and the evaluations in one vector."""
        r = Reader(data, "proof")
        read_tag(r, PROOF_TAG, PROOF_VERSION, "an ezk PLONK proof", "prove again with this version of ezk")
        counts, encoded = [], []
        for _ in cls._POINT_FIELDS:
            counts.append(r.count())
            encoded.append(r.take(32 * counts[-1]))
        evals = r.scalars(r.count())
        counts.append(r.count())
        encoded.append(r.take(32 * counts[-1]))
        r.done()
        points = r.points(b"".join(encoded))
        fields, start = {}, 0
        for name, count in zip(cls._POINT_FIELDS + ("opening",), counts):
            fields[name] = tuple(points[start:start + count])
            start += count
        return cls(**fields, evals=tuple(evals))


def check_version(data: bytes) -> None:
    """Raise one clear sentence when ``data`` is an ezk proof of another format version (a
    corrupt or foreign proof is left to ``verify``, which rejects it)."""
    if bytes(data[:len(PROOF_TAG)]) == PROOF_TAG and len(data) > len(PROOF_TAG):
        read_tag(Reader(data, "proof"), PROOF_TAG, PROOF_VERSION, "an ezk PLONK proof",
                 "prove again with this version of ezk")


def evaluation_layout(cs: ConstraintSystem, domain: Domain) -> list[tuple[tuple, int]]:
    """Every (polynomial key, rotation) whose value at ω^rotation·x the proof carries, in order.

    Keys: ("col", global column index) for advice and fixed columns (instance columns are
    evaluated by the verifier itself), ("sigma", j), ("z", c), ("m", t), ("phi", p), ("random",).
    Kept in the constraint system's memo (dropped on any change) per domain (n, last row)."""
    memo = cs._memo.setdefault("evaluation_layout", {})
    key = (domain.n, domain.last_row)
    if key not in memo:
        memo[key] = _evaluation_layout(cs, domain)
    return list(memo[key])


def _evaluation_layout(cs: ConstraintSystem, domain: Domain) -> list[tuple[tuple, int]]:
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
