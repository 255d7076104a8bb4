"""MockProver: check every gate, lookup and copy constraint on the usable rows, no cryptography.

Each check is whole-vector: a gate polynomial is evaluated over all 2^k rows at once (FrVec
ops, rotations by cyclic shifts), non-zero rows are found with numpy on the raw bytes; lookups
match (θ-compressed, θ random) input keys against table keys with sorted search; copies compare
the two cells' bytes. Failures name the gate / lookup / copy, the row and the cell values
(as signed integers: x > (r−1)/2 is shown as x − r). At most ``MAX_PER_CONSTRAINT`` failing rows
are reported per gate polynomial, per lookup and for the copies.

Gates are checked on *all* 2^k rows with random values in the advice blinding rows (as the
prover has them): a gate must be switched off by a selector on the rows ≥ u, otherwise no proof
can verify, and the mock says so. Lookups and copies concern the usable rows only (a lookup
input that reaches into the blinding rows by rotation sees the same random values).

Phases: the mock draws every challenge at random (or takes the ``challenges`` given), asks
``Witness.later`` for each later phase's advice with the challenges of the earlier phases, as
the prover does with the transcript's, and then checks everything.

Failures are typed — ``GateFailure`` (gate, polynomial index and name, row), ``LookupFailure``
(lookup, row), ``CopyFailure`` (the two ``Cell``s) — with the cell values as data and a
readable ``str``; ``kind``, ``name``, ``row`` and ``values`` are common to all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Mapping

import numpy as np

from ezk import _native
from ezk.errors import EzkError
from ezk.plonk import lookup as logup
from ezk.plonk.circuit import Circuit, Witness, padded
from ezk.plonk.expression import Challenge, Expression, expression_to_text

R = _native.MODULUS
MAX_PER_CONSTRAINT = 100


@dataclass(frozen=True)
class Cell:
    """One cell of the table: a column (global index and name) at a row."""

    column: int
    column_name: str
    row: int

    def __str__(self) -> str:
        return f"{self.column_name}[{self.row}]"


@dataclass(frozen=True, kw_only=True)
class MockFailure:
    """A violated constraint at ``row``; ``values`` are the cells it read (signed integers)."""

    kind: ClassVar[str] = ""
    row: int
    values: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def note(self) -> str:
        return ""

    def __str__(self) -> str:
        cells = ", ".join(f"{k}={v}" for k, v in self.values.items())
        extra = f" ({self.note})" if self.note else ""
        return f"{self.kind} {self.name!r} fails at row {self.row}{extra}: {cells}"


@dataclass(frozen=True, kw_only=True)
class GateFailure(MockFailure):
    """Polynomial ``poly`` (named ``poly_name``) of gate ``gate`` is non-zero at ``row``."""

    kind: ClassVar[str] = "gate"
    gate: str
    poly: int
    poly_name: str
    label: str  # how reports name it: ``Gate.poly_label`` (the gate alone, or gate[poly_name])
    blinding_row: bool = False  # row ≥ u: the gate is not switched off where rows are random

    @property
    def name(self) -> str:
        return self.label

    @property
    def note(self) -> str:
        return "an unusable (blinding) row: the gate needs a selector that is zero there" if self.blinding_row else ""


@dataclass(frozen=True, kw_only=True)
class LookupFailure(MockFailure):
    """The input tuple of lookup ``lookup`` at ``row`` is not a row of its table."""

    kind: ClassVar[str] = "lookup"
    lookup: str

    @property
    def name(self) -> str:
        return self.lookup


@dataclass(frozen=True, kw_only=True)
class CopyFailure(MockFailure):
    """The copy constraint ``a = b`` does not hold (``row`` is a's row)."""

    kind: ClassVar[str] = "copy"
    a: Cell
    b: Cell

    @property
    def name(self) -> str:
        return f"{self.a} = {self.b}"

    @property
    def cells(self) -> tuple[Cell, Cell]:
        return self.a, self.b


def _signed(v: int) -> int:
    return v if v <= R // 2 else v - R


def _nonzero_rows(v: "_native.FrVec", rows: int) -> np.ndarray:
    b = np.frombuffer(v.to_bytes(), dtype=np.uint8).reshape(-1, 32)[:rows]
    return np.flatnonzero(b.any(axis=1))


def _cells(exprs: list[Expression], columns: dict, row: int, n: int) -> dict:
    out = {}
    for e in exprs:
        for q in sorted(e.queries(), key=lambda q: (q.column.index, q.rotation)):
            out[repr(q)] = _signed(columns[q.column.index][(row + q.rotation) % n])
    return out


def _challenge_values(cs, given: Mapping[Challenge, int] | None) -> dict[Challenge, int]:
    """A value for every challenge of ``cs``: the given ones, random for the rest."""
    given = dict(given or {})
    for ch in given:
        if not isinstance(ch, Challenge) or ch.index >= len(cs.challenges) or cs.challenges[ch.index] != ch:
            raise EzkError(f"a value was given for {ch!r}, which is not a challenge of this circuit.")
    drawn = _native.FrVec.random(len(cs.challenges)).to_ints() if cs.challenges else []
    return {ch: int(given.get(ch, drawn[ch.index])) % R for ch in cs.challenges}


def mock(circuit: Circuit, witness: Witness, challenges: Mapping[Challenge, int] | None = None) -> list[MockFailure]:
    """Every violated constraint on the usable rows (empty list: the witness satisfies the
    circuit). ``challenges`` fixes the values of some circuit challenges (random otherwise)."""
    cs, d = circuit.cs, circuit.domain
    n, u = d.n, d.usable
    values = _challenge_values(cs, challenges)
    challenge = values.__getitem__
    columns = {}
    for phase in range(cs.num_phases):
        drawn = {ch: v for ch, v in values.items() if ch.phase < phase}
        for c, v in zip(cs.advice_in_phase(phase), witness.phase_advice(cs, d, phase, drawn)):
            columns[c.index] = padded(v, u, n, f"advice column {c.name}")
    for c, v in zip(cs.fixed, circuit.fixed_values()):
        columns[c.index] = v
    for c, v in zip(cs.instance, witness.instance_list(cs, d)):
        columns[c.index] = v.resize(n)

    # gates must vanish on every row of H; like the prover, fill rows u .. n−1 of the advice with
    # random values, so a gate that is not switched off by a selector there is reported
    blinded = {c.index: _native.FrVec.concat([columns[c.index].slice(0, u), _native.FrVec.random(n - u)])
               for c in cs.advice}
    all_cols = {**columns, **blinded}

    def query(q):
        v = all_cols[q.column.index]
        return v.rotate(q.rotation) if q.rotation else v

    failures: list[MockFailure] = []
    for gate in cs.gates:
        for i, poly in enumerate(gate.polys):
            for row in _nonzero_rows(poly.evaluate_vec(query, n, challenge), n)[:MAX_PER_CONSTRAINT]:
                failures.append(GateFailure(
                    gate=gate.name, poly=i, poly_name=gate.poly_names[i], label=gate.poly_label(i),
                    row=int(row), values=_cells([poly], all_cols, int(row), n), blinding_row=bool(row >= u)))

    theta = _native.FrVec.random(1)[0]
    for lk in cs.lookups:
        table = logup.as_keys(_full(logup.compress(lk.table, query, challenge, theta), n).slice(0, u))
        inputs = logup.as_keys(_full(logup.compress(lk.inputs, query, challenge, theta), n).slice(0, u))
        missing = np.flatnonzero(~np.isin(inputs, np.unique(table)))
        for row in missing[:MAX_PER_CONSTRAINT]:
            at_row = lambda q, row=int(row): all_cols[q.column.index][(row + q.rotation) % n]
            vals = {expression_to_text(e): _signed(e.evaluate(at_row, challenge)) for e in lk.inputs}
            failures.append(LookupFailure(lookup=lk.name, row=int(row), values=vals))

    copies = circuit.copy_array()
    perm = cs.permutation_columns
    if len(copies) and perm:
        cells = np.concatenate([np.frombuffer(columns[c.index].to_bytes(), dtype=np.uint8).reshape(n, 32)
                                for c in perm])
        pos = np.zeros(len(cs.columns), dtype=np.int64)
        pos[[c.index for c in perm]] = np.arange(len(perm))
        a = pos[copies[:, 0]] * n + copies[:, 1]
        b = pos[copies[:, 2]] * n + copies[:, 3]
        bad = np.flatnonzero((cells[a] != cells[b]).any(axis=1))
        for i in bad[:MAX_PER_CONSTRAINT]:
            ca, ra, cb, rb = (int(v) for v in copies[i])
            a, b = Cell(ca, cs.columns[ca].name, ra), Cell(cb, cs.columns[cb].name, rb)
            failures.append(CopyFailure(a=a, b=b, row=ra, values={
                str(a): _signed(columns[ca][ra]), str(b): _signed(columns[cb][rb])}))
    return failures


def _full(v, n: int) -> "_native.FrVec":
    return _native.FrVec.constant(v, n) if isinstance(v, int) else v
