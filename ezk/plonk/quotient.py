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

Split by degree. With e = n_ext/n sub-cosets, a constraint of degree d·(n−1) (``Program.degrees``)
with d − 1 ≤ e/2 contributes a quotient of degree < (e/2)·n, which the e/2 even sub-cosets
s_{2i}·H — together the coset g·H_{n_ext/2} — determine. So the *low* constraints are folded
into a second accumulator on the even sub-cosets only and interpolated there; the odd ones
compute only the polynomials the *high* constraints read. h is linear in the constraints, so
h = h_high + h_low exactly — when every constraint vanishes on H, as an honest prover's do
(otherwise Σ yᵏCₖ/Z_H is no polynomial and the two interpolants differ: ``split=False`` gives the
reference's interpolant for any input, which the byte-for-byte tests on random inputs use).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

from ezk import _native
from ezk.plonk.budget import env_int
from ezk.plonk.constraint_system import ConstraintSystem
from ezk.plonk.domain import Domain
from ezk.plonk.program import FRAME_KEYS, Program, compile_constraints
from ezk.plonk.protocol import Challenges

ELEMENT_BYTES = 32
DEFAULT_BUDGET_BYTES = 256 << 20  # polynomial values on one sub-coset alive at once (16 at 2^19)


@dataclass(frozen=True)
class Group:
    constraints: tuple[int, ...]
    load: tuple[int, ...]  # slots to compute before the group runs
    release: tuple[int, ...]  # slots no later group reads
    native: "_native.QuotientProgram"
    part: int = 0  # which of ``classes`` (evaluation_groups) its constraints belong to


def _order(reads: list[frozenset], members: list[int], alive: set) -> list[int]:
    """``members`` in the order that loads fewest new polynomials at each step (ties: first),
    starting from the polynomials ``alive`` (a set it consumes)."""
    remaining = set(members)
    readers: dict[int, int] = {}
    for k in members:
        for s in reads[k]:
            readers[s] = readers.get(s, 0) + 1
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


def evaluation_groups(program: Program, budget: int, classes: list[list[int]] | None = None) -> list[Group]:
    """Groups of at most ``budget`` alive polynomials (frame slots excluded: always alive), over
    the constraints of ``classes`` (default: one class of all), class by class; a group's
    ``part`` is its class."""
    if classes is None:
        classes = [list(range(len(program.roots)))]
    frame = {program.keys.index(k) for k in FRAME_KEYS if k in program.keys}
    reads = [r - frame for r in program.reads]
    readers: dict[int, int] = {}
    for k in (k for c in classes for k in c):
        for s in reads[k]:
            readers[s] = readers.get(s, 0) + 1
    groups: list[tuple[list, list, list, int]] = []
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
        groups.append((list(members), list(loads), sorted(released), part))
        members.clear()
        loads.clear()

    for part, cls in enumerate(classes):
        for k in _order(reads, cls, set(alive)):
            new = reads[k] - alive
            if members and len(alive) + len(new) > budget:
                close()
                new = reads[k] - alive
            members.append(k)
            loads.extend(sorted(new))
            alive |= new
        if members:
            close()
    return [Group(tuple(m), tuple(ld), tuple(rel), program.lower(m), p) for m, ld, rel, p in groups]


def budget_slots(domain: Domain, budget_bytes: int | None = None) -> int:
    """How many n-value vectors the budget holds: ``budget_bytes``, else EZK_QUOTIENT_MB, else
    256 MiB (at least one): the number of groups, not of transforms, depends on it."""
    if budget_bytes is None:
        env = env_int("EZK_QUOTIENT_MB")
        budget_bytes = (env << 20) if env is not None else DEFAULT_BUDGET_BYTES
    return max(1, int(budget_bytes) // (domain.n * ELEMENT_BYTES))


class QuotientEvaluator:
    """The compiled program and its groups for one circuit (build once, use for every proof).

    ``split`` (the prover's default): low-degree constraints on the even sub-cosets only (module
    docstring); exact for polynomials that satisfy every constraint on H."""

    def __init__(self, cs: ConstraintSystem, domain: Domain, budget_bytes: int | None = None,
                 split: bool = True) -> None:
        self.domain = domain
        self.program = compile_constraints(cs, domain)
        e, slots = domain.ext_factor, budget_slots(domain, budget_bytes)
        everything = list(range(len(self.program.roots)))
        low = [k for k in everything if split and e >= 2 and self.program.degrees[k] - 1 <= e // 2]
        high = sorted(set(everything) - set(low))
        # even sub-cosets: the high constraints (part 0), then the low ones (part 1); odd: high only
        self.groups = evaluation_groups(self.program, slots, [high, low] if low else [everything])
        self.odd_groups = evaluation_groups(self.program, slots, [high]) if low else self.groups
        self.low = len(low)
        self.peak_slots = 0  # most polynomial vectors alive at once in the last run (profiling)
        self.transforms = 0  # sub-coset NTTs in the last run (profiling)
        # process CPU seconds and wall seconds per part in the last run (profiling)
        self.cpu = {"ntt": 0.0, "read": 0.0, "evaluate": 0.0, "interpolate": 0.0}
        self.wall = dict.fromkeys(self.cpu, 0.0)
        # transforms run side by side (one per thread) when EZK_QUOTIENT_BATCH > 1; by default one
        # at a time across the threads: on distinct polynomials (126 at 2^14, 2 cores shared) the
        # side-by-side runs measured 1.5–6× slower, though faster on one vector repeated.
        self.batch = max(1, env_int("EZK_QUOTIENT_BATCH", 1))

    @contextmanager
    def _timed(self, part: str):
        c0, t0 = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            self.cpu[part] += time.process_time() - c0
            self.wall[part] += time.perf_counter() - t0

    def loaded(self, j: int) -> set:
        """The polynomial keys computed on sub-coset j (what a ``stored`` file may hold)."""
        keys = self.program.keys
        return {keys[s] for g in (self.groups if j % 2 == 0 else self.odd_groups) for s in g.load}

    def _accumulate(self, j: int, groups: list[Group], accs: list, coeffs, challenges: list, y: int,
                    stored=None) -> None:
        """Sub-coset j: each group's polynomials computed (or read from ``stored``, a
        ``fixed_cosets.FixedCosets``), its program folded into accs[part]."""
        d, keys = self.domain, self.program.keys
        values: list = [None] * len(keys)
        for key, vec in zip(FRAME_KEYS, _native.subcoset_frame(d.n, d.n_ext, j, d.usable)):
            if key in keys:
                values[keys.index(key)] = vec
        alive = 0
        for g in groups:
            load = g.load
            if stored is not None:
                with self._timed("read"):
                    for slot, vec in zip(load, stored.get_many([keys[slot] for slot in load], j)):
                        values[slot] = vec  # None where not stored
                    load = [slot for slot in load if values[slot] is None]
            for b in range(0, len(load), self.batch):  # ``batch`` transforms per call
                slots = load[b:b + self.batch]
                inputs = [coeffs[keys[s]] for s in slots]
                with self._timed("ntt"):
                    done = _native.subcoset_ntt_many(inputs, d.n, d.n_ext, j)
                self.transforms += len(slots)
                del inputs
                for slot, vec in zip(slots, done):
                    values[slot] = vec
                del done
            alive += len(g.load)
            self.peak_slots = max(self.peak_slots, alive)
            with self._timed("evaluate"):
                g.native.evaluate(values, challenges, y, accs[g.part])
            for slot in g.release:
                values[slot] = None
            alive -= len(g.release)

    def pieces(self, coeffs, ch: Challenges, stored=None) -> list["_native.FrVec"]:
        """h_0 … h_{D−2} (as ``vanishing.quotient_pieces``); ``coeffs[key]`` gives a
        polynomial's n coefficients (a dict or ``ProofPolynomials``); ``ch`` has every
        challenge up to y; ``stored`` (a ``fixed_cosets.FixedCosets`` or None) holds some
        polynomials' sub-coset values, read instead of computed."""
        d, y = self.domain, ch.y
        challenges = [ch.theta, ch.beta, ch.gamma, *ch.user]
        self.transforms = 0
        self.cpu, self.wall = dict.fromkeys(self.cpu, 0.0), dict.fromkeys(self.wall, 0.0)
        high, low = [], []
        for j in range(d.ext_factor):
            accs = [_native.FrVec.zeros(d.n) for _ in range(2 if self.low and j % 2 == 0 else 1)]
            self._accumulate(j, self.groups if j % 2 == 0 else self.odd_groups, accs, coeffs, challenges, y, stored)
            high.append(accs[0])
            if len(accs) > 1:
                low.append(accs[1])
            del accs
        with self._timed("interpolate"):
            out = _native.subcoset_interpolate(high, d.pieces)
            if low:  # the even sub-cosets are the sub-cosets of the extension by e/2
                for p, h in enumerate(_native.subcoset_interpolate(low, min(len(low), d.pieces))):
                    out[p] = out[p].add(h)
        return out


def quotient_pieces_native(coeffs, cs: ConstraintSystem, domain: Domain, challenges: Challenges,
                           budget_bytes: int | None = None) -> list["_native.FrVec"]:
    """One-shot ``QuotientEvaluator(cs, domain, budget_bytes).pieces(...)``."""
    return QuotientEvaluator(cs, domain, budget_bytes).pieces(coeffs, challenges)
