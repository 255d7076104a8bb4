"""Circuit (shape + fixed values + copy constraints) and Witness (advice + instance values).

Column values are given as ``FrVec`` or 1-D integer numpy arrays (int64; negative values
are field negatives), shorter than the usable rows is fine (zero-padded). Copy constraints are
an (m, 4) integer array of rows (column_a, row_a, column_b, row_b) where columns are named by
their *global* index (``Column.index``, creation order in the ConstraintSystem).

Phases: ``Witness.advice`` holds the phase-0 advice; the advice of a later phase p is computed
once the challenges of phases < p are drawn, by ``Witness.later(p, challenges)`` with
``challenges`` a {Challenge: value} mapping of every challenge drawn so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Union

import numpy as np

from ezk import _native
from ezk.errors import EzkError, WitnessError
from ezk.plonk.constraint_system import ConstraintSystem
from ezk.plonk.domain import Domain
from ezk.plonk.expression import ADVICE, FIXED, INSTANCE, Challenge, Column

ColumnValues = Union["_native.FrVec", np.ndarray, list]
LaterAdvice = Callable[[int, Mapping[Challenge, int]], Mapping[Column, ColumnValues]]


def to_frvec(values: ColumnValues, what: str) -> "_native.FrVec":
    """A column's values as an FrVec (no padding)."""
    if isinstance(values, _native.FrVec):
        return values
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise WitnessError(f"{what} must be a 1-D vector of field elements, got shape {arr.shape}.")
    if arr.dtype == object:
        return _native.FrVec.from_ints([int(v) for v in arr])
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise WitnessError(f"{what} must hold integers, got {arr.dtype}.")
    return _native.FrVec.from_i64(arr.astype(np.int64, copy=False))


def padded(values: ColumnValues, rows: int, n: int, what: str) -> "_native.FrVec":
    """The column zero-padded to n, refusing values beyond the first ``rows`` rows."""
    v = to_frvec(values, what)
    if len(v) > rows:
        raise WitnessError(f"{what} has {len(v)} values but only {rows} rows are usable; raise k.")
    return v.resize(n)


def domain_of(cs: ConstraintSystem, k: int) -> Domain:
    return Domain(k=k, degree=cs.degree(), blinding=cs.blinding_rows())


def _keyed(cs: ConstraintSystem, values: Mapping, kind: str) -> dict[int, ColumnValues]:
    out = {}
    for col, v in values.items():
        if not isinstance(col, Column) or col.index >= len(cs.columns) or cs.columns[col.index] != col:
            raise EzkError(f"values were given for {col!r}, which is not a column of this circuit.")
        if col.kind != kind:
            raise EzkError(f"column {col.name} is {col.kind}, not {kind}.")
        out[col.kind_index] = v
    return out


@dataclass
class Circuit:
    cs: ConstraintSystem
    k: int
    fixed: Mapping[Column, ColumnValues] = field(default_factory=dict)
    copies: np.ndarray | None = None
    # instance column -> how many public values it holds (its rows 0 .. length−1); by default
    # the rows the copy constraints bind (values elsewhere would be bound by nothing)
    instance_lengths: Mapping[Column, int] | None = None

    @property
    def domain(self) -> Domain:
        return domain_of(self.cs, self.k)

    def fixed_values(self) -> list["_native.FrVec"]:
        """Every fixed column, zero-padded to n (missing columns are all zero)."""
        d = self.domain
        given = _keyed(self.cs, self.fixed, FIXED)
        return [
            padded(given[c.kind_index], d.usable, d.n, f"fixed column {c.name}") if c.kind_index in given
            else _native.FrVec.zeros(d.n)
            for c in self.cs.fixed
        ]

    def fixed_column(self, i: int) -> "_native.FrVec":
        """Fixed column i (kind index), zero-padded to n (all zero when not given)."""
        d = self.domain
        c = self.cs.fixed[i]
        given = _keyed(self.cs, self.fixed, FIXED)
        if c.kind_index in given:
            return padded(given[c.kind_index], d.usable, d.n, f"fixed column {c.name}")
        return _native.FrVec.zeros(d.n)

    def public_lengths(self) -> tuple[int, ...]:
        """The number of public values of each instance column (``instance_lengths``, or one
        past the last row a copy constraint binds)."""
        if self.instance_lengths is not None:
            given = _keyed(self.cs, self.instance_lengths, INSTANCE)
            out = tuple(int(given.get(c.kind_index, 0)) for c in self.cs.instance)
        else:
            cp = self.copy_array()
            out = []
            for c in self.cs.instance:
                rows = np.concatenate([cp[cp[:, 0] == c.index, 1], cp[cp[:, 2] == c.index, 3]])
                out.append(int(rows.max()) + 1 if rows.size else 0)
            out = tuple(out)
        u = self.domain.usable
        if any(not 0 <= n <= u for n in out):
            raise EzkError(f"an instance column cannot hold {max(out)} public values in {u} usable rows.")
        return out

    @property
    def num_copies(self) -> int:
        return 0 if self.copies is None else len(self.copies)

    def copy_array(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """The copies (``start`` … ``stop`` − 1 of them: all by default) as an (m, 4) int64 array,
        validated against the permutation and rows. The circuit may hold them in a narrower
        integer dtype; a range converts only its part (for checks a chunk at a time)."""
        if self.copies is None:
            return np.zeros((0, 4), dtype=np.int64)
        c = np.asarray(self.copies)
        if c.size == 0:
            return np.zeros((0, 4), dtype=np.int64)
        if c.ndim != 2 or c.shape[1] != 4 or not np.issubdtype(c.dtype, np.integer):
            raise EzkError(f"copies must be an (m, 4) integer array, got shape {c.shape} of {c.dtype}.")
        c = c[start:stop].astype(np.int64, copy=False)
        if c.size == 0:
            return np.zeros((0, 4), dtype=np.int64)
        in_perm = np.zeros(len(self.cs.columns), dtype=bool)
        in_perm[[col.index for col in self.cs.permutation_columns]] = True
        cols = c[:, [0, 2]]
        if cols.min() < 0 or cols.max() >= len(self.cs.columns) or not in_perm[cols].all():
            bad = cols[(cols < 0) | (cols >= len(self.cs.columns))]
            bad = bad if bad.size else cols[~in_perm[np.clip(cols, 0, len(self.cs.columns) - 1)]]
            raise EzkError(f"a copy constraint names column {int(bad.flat[0])}, which is not equality-enabled.")
        rows = c[:, [1, 3]]
        u = self.domain.usable
        if rows.min() < 0 or rows.max() >= u:
            raise EzkError(f"a copy constraint names a row outside the {u} usable rows.")
        return c


@dataclass
class Witness:
    """The prover's values. ``advice``: the phase-0 advice columns (missing columns are zero);
    ``instance``: the public values; ``later(phase, challenges)``: for circuits with advice in
    phases ≥ 1, returns that phase's advice columns given every challenge drawn so far
    (``{Challenge: int}``, the challenges of phases < ``phase``). It is called once per later
    phase, in order, by the prover (with the transcript's challenges) and by the mock (with
    random ones)."""

    advice: Mapping[Column, ColumnValues] = field(default_factory=dict)
    instance: Mapping[Column, ColumnValues] = field(default_factory=dict)
    later: LaterAdvice | None = None

    def phase_advice(self, cs: ConstraintSystem, domain: Domain, phase: int,
                     challenges: Mapping[Challenge, int]) -> list:
        """The advice columns of ``phase`` (``cs.advice_in_phase``) as given (FrVec or int
        array, ≤ u rows; checked): phase 0 from ``advice``, later phases from ``later``."""
        columns = cs.advice_in_phase(phase)
        if phase == 0:
            given = _keyed(cs, self.advice, ADVICE)
            for c in cs.advice:
                if c.kind_index in given and c.phase:
                    raise WitnessError(f"advice column {c.name} belongs to phase {c.phase}: "
                                       f"give its values through Witness.later, not Witness.advice.")
        elif not columns:
            given = {}
        elif self.later is None:
            raise WitnessError(f"the circuit has phase-{phase} advice columns but the witness has no "
                               f"Witness.later to compute them.")
        else:
            given = _keyed(cs, self.later(phase, dict(challenges)) or {}, ADVICE)
            wrong = [cs.advice[i].name for i in given if cs.advice[i].phase != phase]
            if wrong:
                raise WitnessError(f"Witness.later({phase}, …) returned advice column {wrong[0]}, "
                                   f"which is not in phase {phase}.")
        out = []
        for c in columns:
            v = given.get(c.kind_index)
            if v is None:
                out.append(np.zeros(0, dtype=np.int64))
                continue
            if len(v) > domain.usable:
                raise WitnessError(f"advice column {c.name} has {len(v)} values but only {domain.usable} rows are usable; raise k.")
            out.append(v)
        return out

    def instance_list(self, cs: ConstraintSystem, domain: Domain) -> list["_native.FrVec"]:
        """The public instances, one unpadded FrVec per instance column."""
        given = _keyed(cs, self.instance, INSTANCE)
        out = []
        for c in cs.instance:
            v = to_frvec(given.get(c.kind_index, np.zeros(0, dtype=np.int64)), f"instance column {c.name}")
            if len(v) > domain.usable:
                raise WitnessError(f"instance column {c.name} has more values than usable rows.")
            out.append(v)
        return out
