"""MockProver: check every gate, lookup and copy constraint on the usable rows, no cryptography.

Each check is whole-vector: a gate polynomial is evaluated over all 2^k rows at once (FrVec
ops, rotations by cyclic shifts), non-zero rows are found with numpy on the raw bytes; lookups
match (θ-compressed, θ random) input keys of the rows of nonzero weight against table keys with
sorted search; copies compare
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

Memory follows the circuit's columns in their compact form (the witness's int64 rows, the fixed
columns as given), not 2^k field elements per column: every check runs over chunks of
``CHUNK_ROWS`` rows (the queried columns of one chunk, rotations included, turned into field
vectors), the lookup tables are kept as their distinct compressed rows, and the copies are
compared a chunk of copies at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Mapping

import numpy as np

from ezk import _native
from ezk.errors import EzkError
from ezk.plonk import lookup as logup
from ezk.plonk.circuit import Circuit, Witness, _keyed, to_frvec
from ezk.plonk.expression import Challenge, Expression, expression_to_text

R = _native.MODULUS
MAX_PER_CONSTRAINT = 100
CHUNK_ROWS = 1 << 15  # rows of one chunk (the queried columns of a chunk are field vectors)
COPY_CHUNK = 1 << 20  # copies compared at once


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


class _Columns:
    """Every column's values on the 2^k rows, kept compact and read a chunk of rows at a time.

    A column is an int64 array or an FrVec of its first L rows (rows past L are 0); an advice
    column's rows u … n − 1 are random blinding values, drawn once (as the prover has them)."""

    def __init__(self, n: int, u: int) -> None:
        self.n, self.u = n, u
        self.ints: dict[int, np.ndarray] = {}
        self.fr: dict[int, "_native.FrVec"] = {}  # the values with a 0 appended (rows past L read it)
        self.blind: dict[int, "_native.FrVec"] = {}

    def add(self, index: int, values, what: str, blind: bool = False) -> None:
        arr = values if isinstance(values, np.ndarray) else None
        if arr is not None and arr.ndim == 1 and np.issubdtype(arr.dtype, np.signedinteger):
            self.ints[index] = arr.astype(np.int64, copy=False)
        else:
            self.fr[index] = _native.FrVec.concat([to_frvec(values, what), _native.FrVec.zeros(1)])
        if blind:
            self.blind[index] = _native.FrVec.random(self.n - self.u)

    def length(self, index: int) -> int:
        return len(self.ints[index]) if index in self.ints else len(self.fr[index]) - 1

    def rows(self, index: int, idx: np.ndarray) -> "_native.FrVec":
        """The column at rows ``idx`` (ints in [0, n)), as one FrVec."""
        if index in self.ints:
            a = self.ints[index]
            vals = np.zeros(len(idx), dtype=np.int64)
            m = idx < len(a)
            vals[m] = a[idx[m]]
            v = _native.FrVec.from_i64(vals)
        else:
            f = self.fr[index]
            last = len(f) - 1
            v = f.gather(np.ascontiguousarray(np.where(idx < last, idx, last), dtype=np.int64))
        b = self.blind.get(index)
        if b is not None:
            hi = np.flatnonzero(idx >= self.u)
            if hi.size:  # runs of consecutive blinding rows (at most two: the chunk may wrap around)
                cut = np.flatnonzero((np.diff(hi) != 1) | (np.diff(idx[hi]) != 1)) + 1
                for run in np.split(hi, cut):
                    r0 = int(idx[run[0]]) - self.u
                    v.set_slice(int(run[0]), b.slice(r0, r0 + len(run)))
        return v

    def value(self, index: int, row: int) -> int:
        return self.rows(index, np.array([row % self.n], dtype=np.int64))[0]


def _chunks(rows: int):
    for start in range(0, rows, CHUNK_ROWS):
        yield start, min(rows, start + CHUNK_ROWS)


def _chunk_query(cols: _Columns, start: int, stop: int):
    """query(q) → the column of q at rows start + rotation … stop − 1 + rotation (cyclic)."""
    cache: dict = {}
    base = np.arange(start, stop, dtype=np.int64)

    def query(q):
        key = (q.column.index, q.rotation)
        v = cache.get(key)
        if v is None:
            v = cache[key] = cols.rows(q.column.index, (base + q.rotation) % cols.n)
        return v

    return query


def _cells(exprs: list[Expression], cols: _Columns, row: int) -> dict:
    out = {}
    for e in exprs:
        for q in sorted(e.queries(), key=lambda q: (q.column.index, q.rotation)):
            out[repr(q)] = _signed(cols.value(q.column.index, row + q.rotation))
    return out


def _challenge_values(cs, given: Mapping[Challenge, int] | None) -> dict[Challenge, int]:
    """A value for every challenge of ``cs``: the given ones, random for the rest."""
    given = dict(given or {})
    for ch in given:
        if not isinstance(ch, Challenge) or ch.index >= len(cs.challenges) or cs.challenges[ch.index] != ch:
            raise EzkError(f"a value was given for {ch!r}, which is not a challenge of this circuit.")
    drawn = _native.FrVec.random(len(cs.challenges)).to_ints() if cs.challenges else []
    return {ch: int(given.get(ch, drawn[ch.index])) % R for ch in cs.challenges}


def _columns(circuit: Circuit, witness: Witness, values: dict) -> _Columns:
    cs, d = circuit.cs, circuit.domain
    cols = _Columns(d.n, d.usable)
    for phase in range(cs.num_phases):
        drawn = {ch: v for ch, v in values.items() if ch.phase < phase}
        for c, v in zip(cs.advice_in_phase(phase), witness.phase_advice(cs, d, phase, drawn)):
            cols.add(c.index, v, f"advice column {c.name}", blind=True)
    given = _keyed(cs, circuit.fixed, "fixed")
    for c in cs.fixed:
        v = given.get(c.kind_index, np.zeros(0, dtype=np.int64))
        cols.add(c.index, v, f"fixed column {c.name}")
        if cols.length(c.index) > d.usable:
            raise EzkError(f"fixed column {c.name} has {cols.length(c.index)} values but only {d.usable} rows are usable.")
    for c, v in zip(cs.instance, witness.instance_list(cs, d)):
        cols.add(c.index, v, f"instance column {c.name}")
    return cols


def mock(circuit: Circuit, witness: Witness, challenges: Mapping[Challenge, int] | None = None) -> list[MockFailure]:
    """Every violated constraint on the usable rows (empty list: the witness satisfies the
    circuit). ``challenges`` fixes the values of some circuit challenges (random otherwise)."""
    cs, d = circuit.cs, circuit.domain
    n, u = d.n, d.usable
    values = _challenge_values(cs, challenges)
    challenge = values.__getitem__
    cols = _columns(circuit, witness, values)
    failures: list[MockFailure] = []

    # gates must vanish on every row of H (advice rows ≥ u random, as the prover has them): a
    # gate that is not switched off by a selector there is reported
    found = {(gi, i): 0 for gi, g in enumerate(cs.gates) for i in range(len(g.polys))}
    gate_failures: dict = {key: [] for key in found}
    for start, stop in _chunks(n):
        query = _chunk_query(cols, start, stop)
        for gi, gate in enumerate(cs.gates):
            for i, poly in enumerate(gate.polys):
                if found[(gi, i)] >= MAX_PER_CONSTRAINT:
                    continue
                bad = _nonzero_rows(poly.evaluate_vec(query, stop - start, challenge), stop - start)
                bad = bad[:MAX_PER_CONSTRAINT - found[(gi, i)]] + start
                found[(gi, i)] += len(bad)
                gate_failures[(gi, i)] += [int(r) for r in bad]
    for (gi, i), rows in gate_failures.items():
        gate, poly = cs.gates[gi], cs.gates[gi].polys[i]
        for row in rows:
            failures.append(GateFailure(
                gate=gate.name, poly=i, poly_name=gate.poly_names[i], label=gate.poly_label(i),
                row=row, values=_cells([poly], cols, row), blinding_row=bool(row >= u)))

    # lookups: the input tuples of the usable rows of nonzero weight against the distinct table
    # rows (θ random); a weight outside [0, 2^32) raises, as keygen does
    theta = _native.FrVec.random(1)[0]
    missing: dict[int, list[int]] = {}
    for table in cs.lookup_tables():
        parts = []
        for start, stop in _chunks(u):
            query = _chunk_query(cols, start, stop)
            parts.append(logup.as_keys(_full(logup.compress(table.table, query, challenge, theta), stop - start)))
        known = _Known(np.concatenate(parts))
        del parts
        for li in table.lookups:
            lk, rows = cs.lookups[li], []
            for start, stop in _chunks(u):
                if len(rows) >= MAX_PER_CONSTRAINT:
                    break
                query = _chunk_query(cols, start, stop)
                keys = logup.as_keys(_full(logup.compress(lk.inputs, query, challenge, theta), stop - start))
                looked_up = ~known.contains(keys)
                w = logup.weight_values(lk, query, stop - start, stop - start, first=start)
                if w is not None:  # rows of weight 0 are not looked up
                    looked_up &= w != 0
                rows += [int(r) + start for r in np.flatnonzero(looked_up)]
            missing[li] = rows[:MAX_PER_CONSTRAINT]
    for li, lk in enumerate(cs.lookups):
        for row in missing.get(li, []):
            at_row = lambda q, row=row: cols.value(q.column.index, row + q.rotation)
            vals = {expression_to_text(e): _signed(e.evaluate(at_row, challenge)) for e in lk.inputs}
            failures.append(LookupFailure(lookup=lk.name, row=row, values=vals))

    # copies: the two cells' field elements, a chunk of copies at a time
    reported = 0
    for s in range(0, circuit.num_copies, COPY_CHUNK):
        part = circuit.copy_array(s, s + COPY_CHUNK)
        a, b = _cell_bytes(cols, part[:, 0], part[:, 1]), _cell_bytes(cols, part[:, 2], part[:, 3])
        for i in np.flatnonzero((a != b).any(axis=1))[:MAX_PER_CONSTRAINT - reported]:
            ca, ra, cb, rb = (int(v) for v in part[i])
            x, y = Cell(ca, cs.columns[ca].name, ra), Cell(cb, cs.columns[cb].name, rb)
            failures.append(CopyFailure(a=x, b=y, row=ra, values={
                str(x): _signed(cols.value(ca, ra)), str(y): _signed(cols.value(cb, rb))}))
            reported += 1
    return failures


def _cell_bytes(cols: _Columns, columns: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(m, 32) bytes of the field elements in cells (columns[i], rows[i])."""
    out = np.zeros((len(columns), 32), dtype=np.uint8)
    for c in np.unique(columns):
        sel = np.flatnonzero(columns == c)
        v = cols.rows(int(c), np.ascontiguousarray(rows[sel], dtype=np.int64))
        out[sel] = np.frombuffer(v.to_bytes(), dtype=np.uint8).reshape(-1, 32)
    return out


class _Known:
    """A table's compressed rows, for exact membership tests: sorted by their low 64 bits (an
    integer sort, several times faster than sorting 32-byte records; after compression by a
    random θ the low limbs are as good as distinct), each key found by one binary search and then
    compared whole. A key whose low limb matches a row it is not equal to (a collision) is
    checked against every row of that low limb, so the answer is exact either way."""

    def __init__(self, rows: np.ndarray) -> None:
        order = np.argsort(rows["a"], kind="stable")
        self.rows, self.low = rows[order], rows["a"][order]

    def contains(self, keys: np.ndarray) -> np.ndarray:
        if self.rows.size == 0:
            return np.zeros(keys.shape, dtype=bool)
        pos = np.minimum(np.searchsorted(self.low, keys["a"]), self.rows.size - 1)
        hit = self.rows[pos] == keys
        for i in np.flatnonzero(~hit & (self.low[pos] == keys["a"])):  # low-limb collisions only
            stop = np.searchsorted(self.low, keys["a"][i], side="right")
            hit[i] = bool((self.rows[pos[i]:stop] == keys[i]).any())
        return hit


def _full(v, n: int) -> "_native.FrVec":
    return _native.FrVec.constant(v, n) if isinstance(v, int) else v
