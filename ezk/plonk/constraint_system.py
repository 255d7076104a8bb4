"""The ConstraintSystem: columns, named gates, lookups and the permutation — the circuit's shape.

Shape only: no values. Everything the verifier must know about a circuit besides commitments
lives here and is serialised into the verifying key (``to_bytes``/``from_bytes``).

Derived quantities (see ``degree``):

* D, the *degree* of the system: the largest degree of any constraint polynomial the quotient
  argument divides by Z_H — gate polynomials, logUp chunk constraints (2 + Σ deg fᵢ [+ deg t],
  or 1 + deg w + … for a weighted input, see ``chunk_degree``), and the permutation (2 + columns
  per chunk). At least 3, and rounded up to 1 + 2^⌈log₂(D−1)⌉: the quotient is computed on
  n·2^⌈log₂(D−1)⌉ points either way, so the spare degree is free — lookup and permutation
  chunks grow into it and fewer φ and z polynomials are committed.
* the quotient h = Σ yⁱ·Cᵢ / Z_H has degree < (D − 1)·n, so it is committed as D − 1 pieces
  of n coefficients, and computed on the coset of size n·2^⌈log₂(D−1)⌉.
* blinding rows b = max(3, most distinct rotations of any advice column) + 2 (halo2's rule);
  rows ≥ n − b are random, row n − b − 1 is ``l_last``; usable rows are 0 .. n − b − 2.

Phases (halo2's): every advice column belongs to a phase p (default 0) and every challenge to
the phase after whose advice commitments the transcript draws it. Phase-p advice may depend on
the challenges of phases < p; gates and lookups may use any challenge (they are checked after
all phases). ``num_phases`` = 1 + the largest phase of any advice column or challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ezk.errors import ArtifactError, EzkError
from ezk.plonk.expression import (
    ADVICE, FIXED, INSTANCE, KINDS, Challenge, Column, Expression, ExprLike, Query, as_expression,
    expression_to_text,
)

MAX_PHASE = 7  # phases 0 .. 7: more rounds than any circuit here needs, small enough to bound a key
from ezk.plonk.serial import Reader, Writer, decode_expression, encode_expression


@dataclass(frozen=True)
class Gate:
    """Named polynomials that must vanish on every row. ``poly_names[i]`` names ``polys[i]``
    (``"0"``, ``"1"`` … unless the circuit named them)."""

    name: str
    polys: tuple[Expression, ...]
    poly_names: tuple[str, ...] = ()

    def poly_label(self, i: int) -> str:
        """How reports name polynomial i: the gate's name alone for a single unnamed
        polynomial, else ``gate[poly name]``."""
        names = self.poly_names or tuple(str(j) for j in range(len(self.polys)))
        if len(self.polys) == 1 and names[0] == "0":
            return self.name
        return f"{self.name}[{names[i]}]"


@dataclass(frozen=True)
class Lookup:
    """``inputs`` (a tuple of expressions, one row's key) must appear among the rows of ``table``
    on every usable row where ``weight`` (an expression over fixed columns, None = 1) is not 0."""

    name: str
    inputs: tuple[Expression, ...]
    table: tuple[Expression, ...]
    weight: Expression | None = None

    def input_degree(self) -> int:
        return max(e.degree() for e in self.inputs)

    def table_degree(self) -> int:
        return max(e.degree() for e in self.table)

    def weight_degree(self) -> int:
        return 0 if self.weight is None else self.weight.degree()


@dataclass(frozen=True)
class LookupChunk:
    """Input tuples folded into one logUp running sum φ. Chunk 0 of a table also carries the
    table's multiplicity term m/(β + t)."""

    lookups: tuple[int, ...]  # indices into cs.lookups
    with_table: bool


@dataclass(frozen=True)
class LookupTable:
    """All lookups that share one table (same table expressions): one multiplicity column m,
    one or more running sums φ (one per chunk) whose totals must add up to zero."""

    table: tuple[Expression, ...]
    lookups: tuple[int, ...]
    chunks: tuple[LookupChunk, ...]


class ConstraintSystem:
    """Columns, gates, lookups and the permutation of a PLONKish circuit."""

    def __init__(self) -> None:
        self.columns: list[Column] = []
        self.challenges: list[Challenge] = []
        self.gates: list[Gate] = []
        self.lookups: list[Lookup] = []
        self._equality: set[int] = set()
        self._memo: dict = {}  # derived shape (degree, tables, queries), dropped on every change

    # ------------------------------------------------------------------ columns
    def _changed(self) -> None:
        self._memo.clear()

    def _new_column(self, kind: str, name: str | None, phase: int = 0) -> Column:
        self._changed()
        kind_index = sum(1 for c in self.columns if c.kind == kind)
        col = Column(len(self.columns), kind, kind_index, name or f"{kind}{kind_index}", phase)
        self.columns.append(col)
        return col

    @staticmethod
    def _check_phase(phase, what: str) -> int:
        if not isinstance(phase, int) or not 0 <= phase <= MAX_PHASE:
            raise EzkError(f"{what} has phase {phase!r}; phases are integers 0 … {MAX_PHASE}.")
        return phase

    def advice_column(self, name: str | None = None, phase: int = 0) -> Column:
        """An advice column committed in round ``phase``: its values may depend on the
        challenges of phases < ``phase`` (the prover asks ``Witness.later`` for them)."""
        return self._new_column(ADVICE, name, self._check_phase(phase, f"advice column {name!r}"))

    def challenge(self, phase: int = 0, name: str | None = None) -> Challenge:
        """A challenge drawn after the advice of ``phase`` is committed: an expression of degree
        0 for gates and lookups, and a value later-phase advice may be computed from."""
        self._check_phase(phase, f"challenge {name!r}")
        ch = Challenge(len(self.challenges), phase, name or f"challenge{len(self.challenges)}")
        self._changed()
        self.challenges.append(ch)
        return ch

    def fixed_column(self, name: str | None = None) -> Column:
        return self._new_column(FIXED, name)

    def instance_column(self, name: str | None = None) -> Column:
        return self._new_column(INSTANCE, name)

    def selector(self, name: str | None = None) -> Column:
        """A selector is a fixed column holding 0/1 (zero outside the usable rows)."""
        return self._new_column(FIXED, name or f"selector{len(self.columns)}")

    def columns_of(self, kind: str) -> list[Column]:
        key = ("columns", kind)  # a verifier asks for these several times per proof
        if key not in self._memo:
            self._memo[key] = [c for c in self.columns if c.kind == kind]
        return list(self._memo[key])

    @property
    def advice(self) -> list[Column]:
        return self.columns_of(ADVICE)

    @property
    def fixed(self) -> list[Column]:
        return self.columns_of(FIXED)

    @property
    def instance(self) -> list[Column]:
        return self.columns_of(INSTANCE)

    # ------------------------------------------------------------------ phases
    @property
    def num_phases(self) -> int:
        """1 + the largest phase of any advice column or challenge."""
        return 1 + max([c.phase for c in self.advice] + [ch.phase for ch in self.challenges], default=0)

    def advice_in_phase(self, phase: int) -> list[Column]:
        """The advice columns committed in round ``phase``, in column order."""
        return [c for c in self.advice if c.phase == phase]

    def challenges_in_phase(self, phase: int) -> list[Challenge]:
        """The challenges drawn after round ``phase``'s advice, in declaration order."""
        return [ch for ch in self.challenges if ch.phase == phase]

    def advice_by_phase(self) -> list[Column]:
        """Every advice column in commitment order: phase by phase, column order within."""
        return [c for p in range(self.num_phases) for c in self.advice_in_phase(p)]

    # ------------------------------------------------------------------ constraints
    def _check_queries(self, exprs, what: str) -> None:
        for e in exprs:
            for q in e.queries():
                c = q.column
                if c.index >= len(self.columns) or self.columns[c.index] != c:
                    raise EzkError(f"{what} queries column {c.name}, which is not in this constraint system.")
            for ch in e.challenges():
                if ch.index >= len(self.challenges) or self.challenges[ch.index] != ch:
                    raise EzkError(f"{what} uses challenge {ch.name}, which is not in this constraint system.")

    def create_gate(self, name: str, polys: "list[ExprLike] | Mapping[str, ExprLike]") -> Gate:
        """Constrain every poly to vanish on every row (use a selector to choose rows).
        ``polys`` is a list, or a mapping {polynomial name: expression} whose names the mock's
        failures report."""
        if isinstance(polys, Mapping):
            names, polys = tuple(str(k) for k in polys), list(polys.values())
        else:
            polys = list(polys)
            names = tuple(str(i) for i in range(len(polys)))
        exprs = tuple(as_expression(p) for p in polys)
        if not exprs:
            raise EzkError(f"gate {name!r} has no polynomials.")
        if len(set(names)) != len(names):
            raise EzkError(f"gate {name!r} names two polynomials alike.")
        self._check_queries(exprs, f"gate {name!r}")
        gate = Gate(name, exprs, names)
        self._changed()
        self.gates.append(gate)
        return gate

    def lookup(self, name: str, inputs: list[ExprLike], table: list[ExprLike],
               weight: ExprLike | None = None) -> Lookup:
        """Constrain the tuple ``inputs`` (on every usable row) to be one of the usable rows of
        ``table``.

        ``weight``, an expression over fixed columns, switches rows on and off: a row whose
        weight is 0 is not looked up, and every other row counts ``weight`` times in the logUp
        sums (ezk.plonk.lookup: the weights must be integers in [0, 2^32) on the usable rows,
        which keygen and the mock check). No weight = weight 1 on every row.

        Table expressions may query fixed columns (any rotation) and advice columns at rotation
        0 — a *dynamic* table, committed with the witness (ezk.plonk.lookup explains why that
        is sound: every advice column is committed before θ and β, and only usable rows count);
        a rotated advice query could read a blinding row into a usable one, so it is refused."""
        ins = tuple(as_expression(e) for e in inputs)
        tab = tuple(as_expression(e) for e in table)
        if not ins or len(ins) != len(tab):
            raise EzkError(f"lookup {name!r} needs as many input expressions as table expressions (≥ 1).")
        wt = None if weight is None else as_expression(weight)
        self._check_queries(ins + tab + ((wt,) if wt is not None else ()), f"lookup {name!r}")
        if wt is not None and (wt.challenges() or any(q.column.kind != FIXED for q in wt.queries())):
            raise EzkError(f"lookup {name!r}: a weight may query fixed columns only (no advice, instance "
                           f"or challenge), not {expression_to_text(wt)}.")
        for e in tab:
            for q in e.queries():
                if q.column.kind == INSTANCE or (q.column.kind == ADVICE and q.rotation != 0):
                    raise EzkError(f"lookup {name!r}: table expressions may query fixed columns and advice "
                                   f"columns at rotation 0, not {q!r}.")
        lk = Lookup(name, ins, tab, wt)
        self._changed()
        self.lookups.append(lk)
        return lk

    def enable_equality(self, column: Column) -> None:
        """Let ``column`` take part in copy constraints (the permutation argument)."""
        self._check_queries([column.cur()], "enable_equality")
        self._changed()
        self._equality.add(column.index)

    @property
    def permutation_columns(self) -> list[Column]:
        """Columns in the permutation, in global-index order (deterministic)."""
        return [self.columns[i] for i in sorted(self._equality)]

    # ------------------------------------------------------------------ derived shape
    def gate_degree(self) -> int:
        return max((p.degree() for g in self.gates for p in g.polys), default=0)

    @staticmethod
    def chunk_degree(lookups: "list[Lookup]", table_degree: int | None) -> int:
        """The degree of a logUp chunk constraint over ``lookups`` (chunk 0 of a table also
        carries the table term, ``table_degree`` = deg t; None for the other chunks):

            active·((Δφ)·P·T − S_w·T + m·P)   or   active·((Δφ)·P − S_w)

        with P = Π(β+fᵢ) of degree Σ deg fᵢ and S_w = Σ wᵢ·Π_{j≠i}(β+fⱼ) of degree
        maxᵢ(deg wᵢ + Σ_{j≠i} deg fⱼ); active, Δφ and m have degree 1."""
        dfs = [lk.input_degree() for lk in lookups]
        p = sum(dfs)
        s = max(lk.weight_degree() + p - df for lk, df in zip(lookups, dfs))
        if table_degree is None:
            return 1 + max(1 + p, s)
        return 1 + max(1 + p + table_degree, s + table_degree, 1 + p)

    def degree(self) -> int:
        """D: the maximum degree of any constraint polynomial (≥ 3)."""
        if "degree" in self._memo:
            return self._memo["degree"]
        self._memo["degree"] = d = self._degree()
        return d

    def _degree(self) -> int:
        d = max(3, self.gate_degree())
        for lk in self.lookups:
            d = max(d, self.chunk_degree([lk], lk.table_degree()))
        return 1 + (1 << (d - 2).bit_length())  # 1 + 2^⌈log₂(D−1)⌉: the quotient's coset size anyway

    def permutation_chunk_size(self) -> int:
        """Columns per grand-product polynomial: (D − 2), so that 2 + chunk ≤ D."""
        return self.degree() - 2

    def lookup_tables(self) -> list[LookupTable]:
        """Lookups grouped by identical table, inputs chunked greedily so each φ constraint has
        degree ≤ D (``chunk_degree``: chunk 0 2 + deg t + Σ deg fᵢ, others 2 + Σ deg fᵢ, for
        weights of degree ≤ the inputs')."""
        if "tables" not in self._memo:
            self._memo["tables"] = self._lookup_tables()
        return list(self._memo["tables"])

    def _lookup_tables(self) -> list[LookupTable]:
        d = self.degree()
        groups: dict[bytes, list[int]] = {}
        for i, lk in enumerate(self.lookups):
            w = Writer()
            for e in lk.table:
                encode_expression(w, e)
            groups.setdefault(w.getvalue(), []).append(i)
        tables = []
        for members in groups.values():
            table, dt = self.lookups[members[0]].table, self.lookups[members[0]].table_degree()
            chunks: list[LookupChunk] = []
            cur: list[int] = []
            for i in members:
                grown = [self.lookups[j] for j in cur + [i]]
                if cur and self.chunk_degree(grown, None if chunks else dt) > d:
                    chunks.append(LookupChunk(tuple(cur), not chunks))
                    cur = []
                cur.append(i)
            chunks.append(LookupChunk(tuple(cur), not chunks))
            tables.append(LookupTable(table, tuple(members), tuple(chunks)))
        return tables

    def advice_rotations(self) -> dict[int, set[int]]:
        """Rotations at which each advice column (by global index) is queried (0 if permuted)."""
        rots: dict[int, set[int]] = {c.index: set() for c in self.advice}
        for q in self.all_queries():
            if q.column.kind == ADVICE:
                rots[q.column.index].add(q.rotation)
        for c in self.permutation_columns:
            if c.kind == ADVICE:
                rots[c.index].add(0)
        return rots

    def blinding_rows(self) -> int:
        most = max((len(r) for r in self.advice_rotations().values()), default=1)
        return self.blinding_rows_for(most)

    @staticmethod
    def blinding_rows_for(rotations: int) -> int:
        """b for a system whose advice columns are queried at most at ``rotations`` distinct
        rotations (halo2's rule), for a layout that must know its usable rows before it
        builds the system."""
        return max(3, rotations) + 2

    def all_queries(self) -> list[Query]:
        """Every column query of every gate and lookup, sorted (column index, rotation)."""
        if "queries" not in self._memo:
            self._memo["queries"] = self._all_queries()
        return list(self._memo["queries"])

    def _all_queries(self) -> list[Query]:
        qs: set[Query] = set()
        for g in self.gates:
            for p in g.polys:
                qs |= p.queries()
        for lk in self.lookups:
            for e in lk.inputs + lk.table + ((lk.weight,) if lk.weight is not None else ()):
                qs |= e.queries()
        return sorted(qs, key=lambda q: (q.column.index, q.rotation))

    def describe(self) -> str:
        """A text dump of the shape (for snapshots and debugging)."""
        lines = [f"columns: " + ", ".join(f"{c.name}:{c.kind}" + (f"@phase{c.phase}" if c.phase else "")
                                          for c in self.columns)]
        if self.challenges:
            lines.append("challenges: " + ", ".join(f"{ch.name}@phase{ch.phase}" for ch in self.challenges))
        for g in self.gates:
            for i, p in enumerate(g.polys):
                lines.append(f"gate {g.poly_label(i)}: {expression_to_text(p)} = 0")
        for lk in self.lookups:
            ins = ", ".join(expression_to_text(e) for e in lk.inputs)
            tab = ", ".join(expression_to_text(e) for e in lk.table)
            weight = "" if lk.weight is None else f" weight {expression_to_text(lk.weight)}"
            lines.append(f"lookup {lk.name}: ({ins}) ∈ ({tab}){weight}")
        lines.append("permutation: " + ", ".join(c.name for c in self.permutation_columns))
        return "\n".join(lines)

    # ------------------------------------------------------------------ serialisation
    def write(self, w: Writer) -> None:
        if "encoding" not in self._memo:
            sub = Writer()
            self._write(sub)
            self._memo["encoding"] = sub.getvalue()
        w.raw(self._memo["encoding"])

    def _write(self, w: Writer) -> None:
        w.u32(len(self.columns))
        for c in self.columns:
            w.u8(KINDS.index(c.kind))
            w.u8(c.phase)
            w.text(c.name)
        w.u32(len(self.challenges))
        for ch in self.challenges:
            w.u8(ch.phase)
            w.text(ch.name)
        w.u32(len(self.gates))
        for g in self.gates:
            w.text(g.name)
            w.u32(len(g.polys))
            for name, p in zip(g.poly_names, g.polys):
                w.text(name)
                encode_expression(w, p)
        w.u32(len(self.lookups))
        for lk in self.lookups:
            w.text(lk.name)
            w.u32(len(lk.inputs))
            for e in lk.inputs + lk.table:
                encode_expression(w, e)
            w.u8(int(lk.weight is not None))
            if lk.weight is not None:
                encode_expression(w, lk.weight)
        perm = sorted(self._equality)
        w.u32(len(perm))
        for i in perm:
            w.u32(i)

    @classmethod
    def read(cls, r: Reader) -> "ConstraintSystem":
        cs = cls()
        for _ in range(r.count()):
            kind, phase = r.u8(), r.u8()
            if kind >= len(KINDS):
                raise ArtifactError("the constraint system names an unknown column kind.")
            if phase > MAX_PHASE or (phase and KINDS[kind] != ADVICE):
                raise r.fail("a column has an impossible phase")
            cs._new_column(KINDS[kind], r.text(), phase)
        for _ in range(r.count()):
            phase = r.u8()
            if phase > MAX_PHASE:
                raise r.fail("a challenge has an impossible phase")
            cs.challenge(phase, r.text())
        cols, chs = cs.columns, cs.challenges
        for _ in range(r.count()):
            name = r.text()
            polys = {}
            for _ in range(r.count()):
                poly_name = r.text()
                if poly_name in polys:
                    raise r.fail("a gate names two polynomials alike")
                polys[poly_name] = decode_expression(r, cols, chs)
            cs.create_gate(name, polys)
        for _ in range(r.count()):
            name = r.text()
            arity = r.count()
            exprs = [decode_expression(r, cols, chs) for _ in range(2 * arity)]
            weighted = r.u8()
            if weighted > 1:
                raise r.fail("a lookup's weight flag is neither 0 nor 1")
            cs.lookup(name, exprs[:arity], exprs[arity:], decode_expression(r, cols, chs) if weighted else None)
        last = -1
        for _ in range(r.count()):
            i = r.u32()
            if i >= len(cols):
                raise ArtifactError("the permutation names a column that does not exist.")
            if i <= last:  # written sorted and distinct: one encoding per constraint system
                raise r.fail("the permutation's columns are not in increasing order")
            last = i
            cs._equality.add(i)
        cs._changed()
        return cs
