"""The quotient's constraints compiled once per circuit into a flat program (a DAG).

The constraints are written once, in ``vanishing.all_constraints``. Running it with
``SymbolicEnv`` — whose values are ``Node`` handles offering the FrVec methods the constraint
code calls (add, sub, mul, neg, scale, add_scalar) — records every operation as a node of a
DAG instead of computing it. Nodes are hash-consed (an operation on the same operands is the
same node, commutative operands sorted), so a subexpression shared by several gates, lookups or
permutation chunks is computed once per point; operations on constants fold at compile time.

Leaves are constants, challenges (θ, β, γ, then the circuit's own ``cs.challenges``, by index:
their values arrive at evaluation) and polynomial reads ``(key, rotation)``; the frame of a
sub-coset is three more "polynomials":
("X",), ("L0",) — l_last is L₀ at rotation −u — and ("l_blind",). A node whose leaves are all
constants and challenges is *uniform*: one value for every point (the native prelude computes
it once). ``Program.lower(constraints)`` turns the constraints of one evaluation group into the
native ``QuotientProgram``: the prelude, then straight-line vector instructions over a small
register file (linear-scan allocation), each constraint Cₖ ending in ``acc += y^{N−1−k}·Cₖ``
— the fold by y of ``quotient_pieces``, whatever order the groups run in. Constraints f·E that
share a polynomial factor f (a selector, l₀, active …) fold as f·Σ y^{N−1−k}·E_k: one
multiplication by f per group instead of one per constraint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk import _native
from ezk.plonk.constraint_system import ConstraintSystem
from ezk.plonk.domain import Domain
from ezk.plonk.expression import Challenge, Query

R = _native.MODULUS

# op codes and operand kinds shared with native/src/program.rs
CONST, CHALLENGE, ADD, SUB, MUL, NEG, SQUARE, FOLD, FOLD_REG, FOLD_MUL = range(10)
POLY = -1  # a leaf reading a polynomial (an operand, never an instruction)
KIND_REG, KIND_POLY, KIND_SCALAR = range(3)
THETA, BETA, GAMMA, USER = range(4)  # native challenge order: θ, β, γ, then cs.challenges
FRAME_KEYS = (("X",), ("L0",), ("l_blind",))


class Node:
    """A handle on one DAG node, standing in for an FrVec inside ``all_constraints``."""

    __slots__ = ("builder", "id")

    def __init__(self, builder: "ProgramBuilder", node_id: int) -> None:
        self.builder, self.id = builder, node_id

    def add(self, other: "Node") -> "Node":
        return self.builder.binary(ADD, self, other)

    def sub(self, other: "Node") -> "Node":
        return self.builder.binary(SUB, self, other)

    def mul(self, other: "Node") -> "Node":
        return self.builder.binary(MUL, self, other)

    def neg(self) -> "Node":
        return self.builder.negate(self)

    def scale(self, c: int) -> "Node":
        return self.builder.binary(MUL, self, self.builder.const(c))

    def add_scalar(self, c: int) -> "Node":
        return self.builder.binary(ADD, self, self.builder.const(c))


class ProgramBuilder:
    """The hash-consed node table: ``nodes[i] = (op, a, b)`` with children before parents."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.nodes: list[tuple[int, int, int]] = []
        self.uniform: list[bool] = []
        self._index: dict[tuple[int, int, int], int] = {}
        self.keys: list = []  # slot -> polynomial key
        self._slot: dict = {}

    def _node(self, op: int, a: int, b: int = 0, uniform: bool = False) -> Node:
        key = (op, a, b)
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.nodes)
            self.nodes.append(key)
            self.uniform.append(uniform)
        return Node(self, i)

    def const(self, value: int) -> Node:
        return self._node(CONST, int(value) % R, uniform=True)

    def challenge(self, index: int) -> Node:
        return self._node(CHALLENGE, index, uniform=True)

    def poly(self, key, rotation: int) -> Node:
        slot = self._slot.get(key)
        if slot is None:
            slot = self._slot[key] = len(self.keys)
            self.keys.append(key)
        return self._node(POLY, slot, int(rotation) % self.n)

    def _const_value(self, node: Node) -> int | None:
        op, a, _ = self.nodes[node.id]
        return a if op == CONST else None

    def negate(self, x: Node) -> Node:
        op, a, _ = self.nodes[x.id]
        if op == CONST:
            return self.const(-a)
        if op == NEG:
            return Node(self, a)
        return self._node(NEG, x.id, uniform=self.uniform[x.id])

    def binary(self, op: int, x: Node, y: Node) -> Node:
        """x op y, simplified only where the value is exactly the same (constants folded,
        +0, ·1, ·0, x − x, x + (−z) → x − z), commutative operands in id order."""
        cx, cy = self._const_value(x), self._const_value(y)
        if cx is not None and cy is not None:
            return self.const({ADD: cx + cy, SUB: cx - cy, MUL: cx * cy}[op])
        if op == ADD and (cx == 0 or cy == 0):
            return y if cx == 0 else x
        if op in (ADD, SUB):  # x + (−z) = x − z, x − (−z) = x + z: no negation computed
            oy, zy, _ = self.nodes[y.id]
            if oy == NEG:
                return self.binary(SUB if op == ADD else ADD, x, Node(self, zy))
            ox, zx, _ = self.nodes[x.id]
            if op == ADD and ox == NEG:
                return self.binary(SUB, y, Node(self, zx))
        if op == SUB:
            if cy == 0:
                return x
            if x.id == y.id:
                return self.const(0)
        if op == MUL:
            if cx == 0 or cy == 0:
                return self.const(0)
            if cx == 1 or cy == 1:
                return y if cx == 1 else x
            if x.id == y.id:
                return self._node(SQUARE, x.id, uniform=self.uniform[x.id])
        a, b = x.id, y.id
        if op in (ADD, MUL) and a > b:
            a, b = b, a
        return self._node(op, a, b, uniform=self.uniform[a] and self.uniform[b])


class SymbolicEnv:
    """The environment ``all_constraints`` reads (as ``SubCosetEnv`` and ``PointEnv`` offer it),
    with DAG nodes for values."""

    def __init__(self, builder: ProgramBuilder, domain: Domain) -> None:
        self.domain = domain
        self.theta, self.beta, self.gamma = (builder.challenge(i) for i in (THETA, BETA, GAMMA))
        self._b = builder
        self.X = builder.poly(("X",), 0)
        self.l0 = builder.poly(("L0",), 0)
        self.l_last = builder.poly(("L0",), -domain.last_row)
        self.l_blind = builder.poly(("l_blind",), 0)
        self.active = self.l_last.add(self.l_blind).neg().add_scalar(1)

    def query(self, q: Query) -> Node:
        return self._b.poly(("col", q.column.index), q.rotation)

    def challenge(self, ch: Challenge) -> Node:
        """A circuit challenge: native challenge USER + its index (after θ, β, γ)."""
        return self._b.challenge(USER + ch.index)

    def get(self, key: tuple, rotation: int) -> Node:
        return self._b.poly(key, rotation)


@dataclass
class Program:
    """The constraint DAG of one circuit: ``roots[k]`` is constraint Cₖ's node."""

    builder: ProgramBuilder
    roots: list[int]
    challenges: int  # θ, β, γ and the circuit's challenges
    reads: list[frozenset] = field(default_factory=list)  # slots each constraint reads
    # each constraint's degree in units of n: a polynomial leaf (degree < n, X and the frame
    # included) counts 1, a product adds, a sum takes the larger; Cₖ has degree ≤ degrees[k]·(n−1)
    degrees: list[int] = field(default_factory=list)

    @property
    def keys(self) -> list:
        return self.builder.keys

    def _children(self, i: int) -> tuple[int, ...]:
        op, a, b = self.builder.nodes[i]
        if op in (ADD, SUB, MUL):
            return (a, b)
        if op in (NEG, SQUARE):
            return (a,)
        return ()

    def _reachable(self, roots) -> list[int]:
        seen, stack = set(), list(roots)
        while stack:
            i = stack.pop()
            if i not in seen:
                seen.add(i)
                stack.extend(self._children(i))
        return sorted(seen)

    def _factored(self, constraints: list[int]) -> dict[int, tuple[int, int]]:
        """{k: (f, E)} for the constraints Cₖ = f·E whose factor f — a polynomial leaf such as
        a selector, l₀ or active — at least one other constraint of the group shares: their
        fold becomes f·Σ y^e·E, one multiplication by f instead of one per constraint."""
        nodes = self.builder.nodes
        leaves: dict[int, list[int]] = {}
        count: dict[int, int] = {}
        for k in constraints:
            op, a, b = nodes[self.roots[k]]
            if op == MUL:
                leaves[k] = [x for x in dict.fromkeys((a, b)) if nodes[x][0] == POLY]
                for x in leaves[k]:
                    count[x] = count.get(x, 0) + 1
        chosen = {k: max(ls, key=lambda x: (count[x], -x)) for k, ls in leaves.items() if ls}
        members: dict[int, int] = {}
        for f in chosen.values():
            members[f] = members.get(f, 0) + 1
        out = {}
        for k, f in chosen.items():
            if members[f] >= 2:
                _, a, b = nodes[self.roots[k]]
                out[k] = (f, b if a == f else a)
        return out

    def lower(self, constraints: list[int]) -> "_native.QuotientProgram":
        """The native program adding y^{N−1−k}·Cₖ for each k in ``constraints``."""
        nodes, uniform = self.builder.nodes, self.builder.uniform
        total = len(self.roots)
        factored = self._factored(constraints)
        plain = [k for k in constraints if k not in factored]
        live = self._reachable([self.roots[k] for k in plain] + [x for fe in factored.values() for x in fe])
        # the prelude: every uniform node, constants and challenges first-come
        consts, scalar_rows, scalar_slot = [], [], {}
        for i in live:
            if not uniform[i]:
                continue
            op, a, b = nodes[i]
            if op == CONST:
                scalar_rows.append((CONST, len(consts), 0))
                consts.append(a)
            elif op == CHALLENGE:
                scalar_rows.append((CHALLENGE, a, 0))
            else:
                scalar_rows.append((op, scalar_slot[a], scalar_slot[b] if op in (ADD, SUB, MUL) else 0))
            scalar_slot[i] = len(scalar_rows) - 1

        # the vector program over virtual registers: node ids, and −1 − f for the sum of factor
        # f's cofactors; each fold right after the value it folds
        folds_of: dict[int, list[tuple]] = {}
        for k in plain:
            folds_of.setdefault(self.roots[k], []).append((FOLD, None, (self.roots[k],), total - 1 - k))
        started: set = set()
        for k in sorted(factored, key=lambda k: factored[k][1]):
            f, e_node = factored[k]
            first = f not in started
            started.add(f)
            folds_of.setdefault(e_node, []).append((FOLD_REG, -1 - f, (e_node,), (total - 1 - k, first)))
        seq = []  # (op, output virtual register or None, read virtual registers, extra)
        for i in live:
            if not uniform[i] and nodes[i][0] != POLY:
                seq.append((nodes[i][0], i, self._children(i), None))
            seq.extend(folds_of.get(i, ()))
        seq.extend((FOLD_MUL, None, (f, -1 - f), None) for f in sorted(started))
        last_use: dict[int, int] = {}
        for t, (_, _, reads, _) in enumerate(seq):
            for o in reads:
                last_use[o] = t
        reg_of: dict[int, int] = {}
        free: list[int] = []
        registers = 0
        rows = []

        def operand(o: int) -> tuple[int, int, int]:
            if o < 0:
                return KIND_REG, reg_of[o], 0
            if uniform[o]:
                return KIND_SCALAR, scalar_slot[o], 0
            op, slot, rot = nodes[o]
            if op == POLY:
                return KIND_POLY, slot, rot
            return KIND_REG, reg_of[o], 0

        for t, (op, out, reads, extra) in enumerate(seq):
            ops = [operand(o) for o in reads] + [(0, 0, 0)] * (2 - len(reads))
            if out is not None and out not in reg_of:  # a new value: a free register
                if free:
                    reg_of[out] = free.pop()
                else:
                    reg_of[out], registers = registers, registers + 1
            if op == FOLD:
                rows.append((FOLD, extra, *ops[0], 0, 0, 0))
            elif op == FOLD_REG:
                exp, first = extra
                rows.append((FOLD_REG, reg_of[out], *ops[0], int(first), exp, 0))
            elif op == FOLD_MUL:
                rows.append((FOLD_MUL, 0, *ops[0], *ops[1]))
            else:
                rows.append((op, reg_of[out], *ops[0], *ops[1]))
            for o in set(reads):
                if last_use.get(o) == t and o in reg_of:
                    free.append(reg_of.pop(o))
        scalars = np.array(scalar_rows, dtype=np.int64).reshape(-1, 3)
        instrs = np.array(rows, dtype=np.int64).reshape(-1, 8)
        return _native.QuotientProgram(consts, scalars, instrs, registers, len(self.keys), self.challenges)


def compile_constraints(cs: ConstraintSystem, domain: Domain) -> Program:
    """The DAG of ``all_constraints(·, cs)`` over ``domain``, and the slots each constraint reads."""
    from ezk.plonk.vanishing import all_constraints

    b = ProgramBuilder(domain.n)
    env = SymbolicEnv(b, domain)
    roots = [(c if isinstance(c, Node) else b.const(c)).id for c in all_constraints(env, cs)]
    reads: list[frozenset] = []
    degree: list[int] = []
    for op, a, c in b.nodes:  # children first: each node's slots and degree from its children's
        if op == POLY:
            reads.append(frozenset((a,)))
            degree.append(1)
        elif op in (ADD, SUB, MUL):
            reads.append(reads[a] | reads[c])
            degree.append(degree[a] + degree[c] if op == MUL else max(degree[a], degree[c]))
        elif op in (NEG, SQUARE):
            reads.append(reads[a])
            degree.append(2 * degree[a] if op == SQUARE else degree[a])
        else:
            reads.append(frozenset())
            degree.append(0)
    return Program(b, roots, USER + len(cs.challenges), reads=[reads[r] for r in roots],
                   degrees=[degree[r] for r in roots])


@dataclass
class PointDag:
    """The constraint DAG evaluated at ONE point (the verifier's h(x)): ``native`` computes every
    node once and folds the constraints by y; ``reads[i]`` is the (polynomial key, rotation mod n)
    value slot i holds (the frame's keys included: ("X",), ("L0",) at 0 and at −u, ("l_blind",))."""

    native: "_native.ConstraintDag"
    reads: list
    challenges: int


def point_dag(cs: ConstraintSystem, domain: Domain) -> PointDag:
    """``compile_constraints``'s DAG as a ``PointDag``, kept in the constraint system's memo (dropped
    on any change) per domain: compiled on a key's first verification, reused by later ones."""
    memo = cs._memo.setdefault("point_dag", {})
    key = (domain.n, domain.last_row)
    if key not in memo:
        prog = compile_constraints(cs, domain)
        consts, reads, rows = [], [], []
        for op, a, b in prog.builder.nodes:
            if op == CONST:
                rows.append((CONST, len(consts), 0))
                consts.append(a)
            elif op == POLY:  # hash-consed: each (polynomial, rotation) is one node, one value slot
                rows.append((POLY, len(reads), 0))
                reads.append((prog.builder.keys[a], b))
            else:
                rows.append((op, a, b))
        native = _native.ConstraintDag(consts, np.array(rows, dtype=np.int64).reshape(-1, 3),
                                       np.array(prog.roots, dtype=np.int64), len(reads), prog.challenges)
        memo[key] = PointDag(native, reads, prog.challenges)
    return memo[key]
