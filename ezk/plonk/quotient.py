"""The quotient pieces computed natively: the prover's path (``vanishing.quotient_pieces`` is
its reference, and the two agree byte for byte).

The constraint DAG (``ezk.plonk.program``) is cut into evaluation *groups*: constraints whose
polynomials are alive together. On each sub-coset s_j·H (as in ``vanishing.SubCosetEnv``) a
group's polynomials are computed natively once (``_native.subcoset_ntt`` of their
coefficients), its native program adds Σ_k y^{N−1−k}·C_k into the sub-coset's accumulator,
and every polynomial no later group reads is dropped. The groups come from a greedy order —
next the constraint that needs the fewest polynomials not already alive — cut so that at
most ``budget`` polynomial vectors of n values are alive at once (one constraint that reads
more is a group of its own). The accumulators, divided by Z_H = s_jⁿ − 1 (a constant on each
sub-coset), are interleaved into g·H_ext order and interpolated by one coset iNTT.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ezk import _native
from ezk.plonk.constraint_system import ConstraintSystem
from ezk.plonk.domain import Domain
from ezk.plonk.program import FRAME_KEYS, Program, compile_constraints
from ezk.plonk.protocol import Challenges

ELEMENT_BYTES = 32
DEFAULT_BUDGET_BYTES = 1 << 30  # polynomial values on one sub-coset alive at once


@dataclass(frozen=True)
class Group:
    constraints: tuple[int, ...]
    load: tuple[int, ...]  # slots to compute before the group runs
    release: tuple[int, ...]  # slots no later group reads
    native: "_native.QuotientProgram"


def _order(reads: list[frozenset]) -> list[int]:
    """Constraints in the order that loads fewest new polynomials at each step (ties: first)."""
    remaining = set(range(len(reads)))
    readers: dict[int, int] = {}
    for r in reads:
        for s in r:
            readers[s] = readers.get(s, 0) + 1
    alive: set = set()
    order = []
    while remaining:
        k = min(remaining, key=lambda k: (len(reads[k] - alive), k))
        remaining.discard(k)
        order.append(k)
        alive |= reads[k]
        for s in reads[k]:
            readers[s] -= 1
            if readers[s] == 0:
                alive.discard(s)
    return order


def evaluation_groups(program: Program, budget: int) -> list[Group]:
    """Groups of at most ``budget`` alive polynomials (frame slots excluded: always alive)."""
    frame = {program.keys.index(k) for k in FRAME_KEYS if k in program.keys}
    reads = [r - frame for r in program.reads]
    readers: dict[int, int] = {}
    for r in reads:
        for s in r:
            readers[s] = readers.get(s, 0) + 1
    groups: list[tuple[list, list, list]] = []
    alive: set = set()
    members: list[int] = []
    loads: list[int] = []

    def close() -> None:
        released = []
        for k in members:
            for s in reads[k]:
                readers[s] -= 1
                if readers[s] == 0:
                    released.append(s)
        alive.difference_update(released)
        groups.append((list(members), list(loads), sorted(released)))
        members.clear()
        loads.clear()

    for k in _order(reads):
        new = reads[k] - alive
        if members and len(alive) + len(new) > budget:
            close()
            new = reads[k] - alive
        members.append(k)
        loads.extend(sorted(new))
        alive |= new
    if members:
        close()
    return [Group(tuple(m), tuple(ld), tuple(rel), program.lower(m)) for m, ld, rel in groups]


def budget_slots(domain: Domain, budget_bytes: int | None = None) -> int:
    """How many n-value vectors the budget holds: ``budget_bytes``, else EZK_QUOTIENT_MB, else
    1 GiB (at least one)."""
    if budget_bytes is None:
        env = os.environ.get("EZK_QUOTIENT_MB")
        budget_bytes = (int(env) << 20) if env else DEFAULT_BUDGET_BYTES
    return max(1, int(budget_bytes) // (domain.n * ELEMENT_BYTES))


class QuotientEvaluator:
    """The compiled program and its groups for one circuit (build once, use for every proof)."""

    def __init__(self, cs: ConstraintSystem, domain: Domain, budget_bytes: int | None = None) -> None:
        self.domain = domain
        self.program = compile_constraints(cs, domain)
        self.groups = evaluation_groups(self.program, budget_slots(domain, budget_bytes))
        self.peak_slots = 0  # most polynomial vectors alive at once in the last run (profiling)
        # transforms run side by side (one per thread) when EZK_QUOTIENT_BATCH > 1; by default one
        # at a time across the threads: on distinct polynomials (126 at 2^14, 2 cores shared) the
        # side-by-side runs measured 1.5–6× slower, though faster on one vector repeated.
        self.batch = max(1, int(os.environ.get("EZK_QUOTIENT_BATCH", "1")))

    def pieces(self, coeffs, ch: Challenges) -> list["_native.FrVec"]:
        """h_0 … h_{D−2} (as ``vanishing.quotient_pieces``); ``coeffs[key]`` gives a
        polynomial's n coefficients (a dict or ``ProofPolynomials``); ``ch`` has every
        challenge up to y."""
        d, keys, y = self.domain, self.program.keys, ch.y
        challenges = [ch.theta, ch.beta, ch.gamma, *ch.user]
        parts = []
        for j in range(d.ext_factor):
            values: list = [None] * len(keys)
            for key, vec in zip(FRAME_KEYS, _native.subcoset_frame(d.n, d.n_ext, j, d.usable)):
                if key in keys:
                    values[keys.index(key)] = vec
            acc = _native.FrVec.zeros(d.n)
            alive = 0
            for g in self.groups:
                for b in range(0, len(g.load), self.batch):  # ``batch`` transforms per call
                    slots = g.load[b:b + self.batch]
                    done = _native.subcoset_ntt_many([coeffs[keys[s]] for s in slots], d.n, d.n_ext, j)
                    for slot, vec in zip(slots, done):
                        values[slot] = vec
                    del done
                alive += len(g.load)
                self.peak_slots = max(self.peak_slots, alive)
                g.native.evaluate(values, challenges, y, acc)
                for slot in g.release:
                    values[slot] = None
                alive -= len(g.release)
            del values
            parts.append(acc)
        return _native.subcoset_interpolate(parts, d.pieces)


def quotient_pieces_native(coeffs, cs: ConstraintSystem, domain: Domain, challenges: Challenges,
                           budget_bytes: int | None = None) -> list["_native.FrVec"]:
    """One-shot ``QuotientEvaluator(cs, domain, budget_bytes).pieces(...)``."""
    return QuotientEvaluator(cs, domain, budget_bytes).pieces(coeffs, challenges)
