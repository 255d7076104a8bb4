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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk import _native
from ezk.plonk import lookup as logup
from ezk.plonk.circuit import Circuit, Witness
from ezk.plonk.expression import Expression, expression_to_text

R = _native.MODULUS
MAX_PER_CONSTRAINT = 100


@dataclass(frozen=True)
class MockFailure:
    kind: str  # "gate" | "lookup" | "copy"
    name: str
    row: int
    values: dict = field(default_factory=dict)
    note: str = ""

    def __str__(self) -> str:
        cells = ", ".join(f"{k}={v}" for k, v in self.values.items())
        extra = f" ({self.note})" if self.note else ""
        return f"{self.kind} {self.name!r} fails at row {self.row}{extra}: {cells}"


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


def mock(circuit: Circuit, witness: Witness) -> list[MockFailure]:
    """Every violated constraint on the usable rows (empty list: the witness satisfies the circuit)."""
    cs, d = circuit.cs, circuit.domain
    n, u = d.n, d.usable
    columns = {}
    for c, v in zip(cs.advice, witness.advice_values(cs, d)):
        columns[c.index] = v
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
            name = gate.name if len(gate.polys) == 1 else f"{gate.name}[{i}]"
            for row in _nonzero_rows(poly.evaluate_vec(query, n), n)[:MAX_PER_CONSTRAINT]:
                note = "" if row < u else "an unusable (blinding) row: the gate needs a selector that is zero there"
                failures.append(MockFailure("gate", name, int(row), _cells([poly], all_cols, int(row), n), note))

    theta = _native.FrVec.random(1)[0]
    for lk in cs.lookups:
        table = logup.as_keys(_full(logup.compress(lk.table, query, theta), n).slice(0, u))
        inputs = logup.as_keys(_full(logup.compress(lk.inputs, query, theta), n).slice(0, u))
        missing = np.flatnonzero(~np.isin(inputs, np.unique(table)))
        for row in missing[:MAX_PER_CONSTRAINT]:
            vals = {expression_to_text(e): _signed(e.evaluate(lambda q: all_cols[q.column.index][(int(row) + q.rotation) % n]))
                    for e in lk.inputs}
            failures.append(MockFailure("lookup", lk.name, int(row), vals))

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
            na, nb = cs.columns[ca].name, cs.columns[cb].name
            failures.append(MockFailure("copy", f"{na}[{ra}] = {nb}[{rb}]", ra, {
                f"{na}[{ra}]": _signed(columns[ca][ra]), f"{nb}[{rb}]": _signed(columns[cb][rb]),
            }))
    return failures


def _full(v, n: int) -> "_native.FrVec":
    return _native.FrVec.constant(v, n) if isinstance(v, int) else v
