"""Expressions over column queries: the language gates and lookups are written in.

An expression is a polynomial in cell queries ``Query(column, rotation)`` — the value of
``column`` at row ``i + rotation`` (cyclically, on the 2^k domain) —, field constants and
verifier challenges ``Challenge`` (a field element drawn by the transcript after the advice of
its phase is committed; see ``ConstraintSystem.challenge``):

    s.cur() * (a.cur() * b.cur() - c.next())      # s(X)·(a(X)·b(X) − c(ωX))
    s.cur() * (acc.next() - acc.cur() * u - v.cur())   # u a challenge: acc' = acc·u + v

Each expression has a *degree* (every query counts 1, constants and challenges 0) which fixes
the size of the extended domain the quotient is computed on. Expressions evaluate in three ways,
all sharing one recursive walk:

* ``evaluate_vec``: whole-vector evaluation over ``FrVec`` columns (the prover on the
  extended coset, the mock on the 2^k rows) — one native call per node, never a loop over rows;
* ``evaluate_scalar``: at one point with Python ints mod r (the verifier at x);
* ``walk`` with custom callbacks (serialisation, query collection, a symbolic compiler). A
  challenge reaches the walk's ``challenge`` callback; every evaluation takes a ``challenge``
  function (Challenge → int) next to its query function, and fails with a clear error when an
  expression holding a challenge is evaluated without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

from ezk import _native
from ezk.errors import EzkError

R = _native.MODULUS

ADVICE = "advice"
FIXED = "fixed"
INSTANCE = "instance"
KINDS = (ADVICE, FIXED, INSTANCE)


class Expression:
    """Base class of expression nodes; arithmetic operators build new nodes."""

    __slots__ = ()

    # ----------------------------------------------------------------- construction
    def __add__(self, other: "ExprLike") -> "Expression":
        return Sum(self, as_expression(other))

    def __radd__(self, other: "ExprLike") -> "Expression":
        return Sum(as_expression(other), self)

    def __sub__(self, other: "ExprLike") -> "Expression":
        return Sum(self, Negated(as_expression(other)))

    def __rsub__(self, other: "ExprLike") -> "Expression":
        return Sum(as_expression(other), Negated(self))

    def __mul__(self, other: "ExprLike") -> "Expression":
        if isinstance(other, int):
            return Scaled(self, other % R)
        return Product(self, as_expression(other))

    def __rmul__(self, other: "ExprLike") -> "Expression":
        if isinstance(other, int):
            return Scaled(self, other % R)
        return Product(as_expression(other), self)

    def __neg__(self) -> "Expression":
        return Negated(self)

    def __pow__(self, exponent: int) -> "Expression":
        """self^e by repeated squaring (e ≥ 0; the tree holds O(e) nodes once serialised, so
        keep e small — for long vectors of challenge powers, constrain a running product)."""
        if not isinstance(exponent, int) or exponent < 0:
            raise TypeError("an expression can only be raised to a non-negative integer power")
        result: Expression = Constant(1)
        base: Expression = self
        first = True
        while exponent:
            if exponent & 1:
                result = base if first else Product(result, base)
                first = False
            exponent >>= 1
            if exponent:
                base = Product(base, base)
        return result

    # ----------------------------------------------------------------- analysis
    def degree(self) -> int:
        return self.walk(
            constant=lambda c: 0,
            query=lambda q: 1,
            neg=lambda a: a,
            add=max,
            mul=lambda a, b: a + b,
            scale=lambda a, c: a,
            challenge=lambda ch: 0,
        )

    def queries(self) -> set["Query"]:
        return self.walk(
            constant=lambda c: set(),
            query=lambda q: {q},
            neg=lambda a: a,
            add=lambda a, b: a | b,
            mul=lambda a, b: a | b,
            scale=lambda a, c: a,
            challenge=lambda ch: set(),
        )

    def challenges(self) -> set["Challenge"]:
        """The challenges this expression uses."""
        return self.walk(
            constant=lambda c: set(),
            query=lambda q: set(),
            neg=lambda a: a,
            add=lambda a, b: a | b,
            mul=lambda a, b: a | b,
            scale=lambda a, c: a,
            challenge=lambda ch: {ch},
        )

    def walk(self, *, constant, query, neg, add, mul, scale, challenge=None):
        """Fold the tree bottom-up with one callback per node kind. ``challenge`` may be left
        out for expressions without challenges (a ``Challenge`` node then raises)."""
        raise NotImplementedError  # every concrete node overrides this

    # ----------------------------------------------------------------- evaluation
    def evaluate_vec(self, lookup: Callable[["Query"], "_native.FrVec"], n: int,
                     challenge: ChallengeValues | None = None) -> "_native.FrVec":
        """The expression on every point of a domain of size n, as one FrVec.

        ``lookup(query)`` returns the length-n vector of the queried column, already rotated;
        ``challenge(ch)`` a challenge's value. Constant sub-expressions (constants,
        challenges) stay Python ints until they meet a vector (add_scalar/scale).
        """
        out = self.evaluate(lookup, challenge)
        if isinstance(out, int):
            return _native.FrVec.constant(out, n)
        return out

    def evaluate(self, lookup: Callable[["Query"], "int | _native.FrVec"],
                 challenge: ChallengeValues | None = None) -> "int | _native.FrVec":
        """Generic evaluation: queries give FrVecs (whole domains) or ints (one point),
        ``challenge(ch)`` gives a challenge's value; the result is an int when the expression is
        constant or evaluated at a point."""
        return self.walk(
            constant=lambda c: c,
            query=lookup,
            neg=_vec_neg,
            add=_vec_add,
            mul=_vec_mul,
            scale=lambda a, c: (a * c) % R if isinstance(a, int) else a.scale(c),
            challenge=None if challenge is None else (lambda ch: _reduced(challenge(ch))),
        )

    def evaluate_scalar(self, lookup: Callable[["Query"], int], challenge: ChallengeValues | None = None) -> int:
        """The expression at one point, from the queried values (ints mod r)."""
        return self.walk(
            constant=lambda c: c,
            query=lambda q: lookup(q) % R,
            neg=lambda a: (-a) % R,
            add=lambda a, b: (a + b) % R,
            mul=lambda a, b: (a * b) % R,
            scale=lambda a, c: (a * c) % R,
            challenge=None if challenge is None else (lambda ch: challenge(ch) % R),
        )


ExprLike = Union[Expression, int]
ChallengeValues = Callable[["Challenge"], int]


def as_expression(value: ExprLike) -> Expression:
    if isinstance(value, Expression):
        return value
    if isinstance(value, int):
        return Constant(value % R)
    raise TypeError(f"cannot use {type(value).__name__} in an expression")


def _reduced(v):
    """An int challenge value mod r; anything else (a vector, a symbolic node) as it is."""
    return v % R if isinstance(v, int) else v


def _vec_neg(a):
    return (-a) % R if isinstance(a, int) else a.neg()


def _vec_add(a, b):
    if isinstance(a, int):
        return (a + b) % R if isinstance(b, int) else b.add_scalar(a)
    if isinstance(b, int):
        return a.add_scalar(b)
    return a.add(b)


def _vec_sub(a, b):
    if isinstance(a, int):
        return (a - b) % R if isinstance(b, int) else b.neg().add_scalar(a)
    if isinstance(b, int):
        return a.add_scalar(-b)
    return a.sub(b)


def _vec_mul(a, b):
    if isinstance(a, int):
        return (a * b) % R if isinstance(b, int) else b.scale(a)
    if isinstance(b, int):
        return a.scale(b)
    return a.mul(b)


@dataclass(frozen=True, eq=False)
class Constant(Expression):
    value: int

    def walk(self, *, constant, query, neg, add, mul, scale, challenge=None):
        return constant(self.value)


@dataclass(frozen=True, eq=False)
class Negated(Expression):
    inner: Expression

    def walk(self, **f):
        return f["neg"](self.inner.walk(**f))


@dataclass(frozen=True, eq=False)
class Sum(Expression):
    left: Expression
    right: Expression

    def walk(self, **f):
        return f["add"](self.left.walk(**f), self.right.walk(**f))


@dataclass(frozen=True, eq=False)
class Product(Expression):
    left: Expression
    right: Expression

    def walk(self, **f):
        return f["mul"](self.left.walk(**f), self.right.walk(**f))


@dataclass(frozen=True, eq=False)
class Scaled(Expression):
    inner: Expression
    factor: int

    def walk(self, **f):
        return f["scale"](self.inner.walk(**f), self.factor)


@dataclass(frozen=True)
class Challenge(Expression):
    """A verifier challenge: a field element the transcript draws after every advice column of
    ``phase`` is committed (``ConstraintSystem.challenge``). Degree 0 — a constant per proof —
    it may appear in gates and lookups; advice of a later phase may depend on its value.
    ``index`` is its position in ``ConstraintSystem.challenges``."""

    index: int
    phase: int
    name: str

    def walk(self, *, constant, query, neg, add, mul, scale, challenge=None):
        if challenge is None:
            raise EzkError(f"the expression uses challenge {self.name!r} but was evaluated without challenge values.")
        return challenge(self)

    def __repr__(self) -> str:
        return f"<{self.name}>"


@dataclass(frozen=True)
class Column:
    """A column of the table. ``index`` is the column's global index in its constraint system
    (creation order over all kinds): copy constraints name columns by it. ``kind_index`` is its
    position among the columns of its kind. ``phase`` (advice only) is the round in which the
    prover commits it: phase-p advice may depend on the challenges of phases < p."""

    index: int
    kind: str
    kind_index: int
    name: str
    phase: int = 0

    def rot(self, rotation: int) -> "Query":
        return Query(self, int(rotation))

    def cur(self) -> "Query":
        return Query(self, 0)

    def next(self) -> "Query":
        return Query(self, 1)

    def prev(self) -> "Query":
        return Query(self, -1)


@dataclass(frozen=True)
class Query(Expression):
    """The value of ``column`` at row ``i + rotation``: the polynomial column(ω^rotation · X)."""

    column: Column
    rotation: int

    def walk(self, *, constant, query, neg, add, mul, scale, challenge=None):
        return query(self)

    def __repr__(self) -> str:
        return f"{self.column.name}@{self.rotation}"


def expression_to_text(expr: Expression) -> str:
    """A readable rendering (used in snapshots and error messages)."""
    return expr.walk(
        constant=lambda c: str(c if c <= R // 2 else c - R),
        query=repr,
        neg=lambda a: f"-({a})",
        add=lambda a, b: f"({a} + {b})",
        mul=lambda a, b: f"{a}·{b}",
        scale=lambda a, c: f"{c if c <= R // 2 else c - R}·{a}",
        challenge=repr,
    )
