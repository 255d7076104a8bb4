"""Small example circuits for the PLONK tests: (circuit, witness, instances) builders."""

from __future__ import annotations

import dataclasses

import numpy as np

from ezk import _native
from ezk.plonk import Circuit, ConstraintSystem, Witness

R = _native.MODULUS


def fibonacci(k: int = 5, steps: int = 10):
    """Columns a, b, c with s·(a + b − c); copies b[i] → a[i+1], c[i] → b[i+1] across columns,
    and the public instance (1, 1, F_out) copied into a[0], b[0], c[steps−1]."""
    cs = ConstraintSystem()
    a, b, c = cs.advice_column("a"), cs.advice_column("b"), cs.advice_column("c")
    s = cs.selector("s")
    inst = cs.instance_column("out")
    cs.create_gate("fib", [s.cur() * (a.cur() + b.cur() - c.cur())])
    for col in (a, b, c, inst):
        cs.enable_equality(col)
    fib = [1, 1]
    while len(fib) < steps + 2:
        fib.append(fib[-1] + fib[-2])
    av, bv, cv = np.array(fib[:steps]), np.array(fib[1:steps + 1]), np.array(fib[2:steps + 2])
    rows = np.arange(steps - 1)
    copies = np.concatenate([
        np.stack([np.full(steps - 1, b.index), rows, np.full(steps - 1, a.index), rows + 1], axis=1),
        np.stack([np.full(steps - 1, c.index), rows, np.full(steps - 1, b.index), rows + 1], axis=1),
        np.array([[inst.index, 0, a.index, 0], [inst.index, 1, b.index, 0], [inst.index, 2, c.index, steps - 1]]),
    ])
    circuit = Circuit(cs=cs, k=k, fixed={s: np.ones(steps, dtype=np.int64)}, copies=copies)
    instances = [np.array([1, 1, fib[steps + 1]])]
    witness = Witness(advice={a: av, b: bv, c: cv}, instance={inst: instances[0]})
    return circuit, witness, instances


def multiply_accumulate(k: int = 5, rows: int = 12, width: int = 3, seed: int = 1):
    """acc(ωX) = acc(X) + Σ_j x_j(X)·w_j(X) on selected rows (rotation +1), with the final
    accumulator public (acc[rows] copied to the instance)."""
    cs = ConstraintSystem()
    xs = [cs.advice_column(f"x{j}") for j in range(width)]
    ws = [cs.advice_column(f"w{j}") for j in range(width)]
    acc = cs.advice_column("acc")
    s = cs.selector("s_mac")
    out = cs.instance_column("out")
    dot = xs[0].cur() * ws[0].cur()
    for x, w in zip(xs[1:], ws[1:]):
        dot = dot + x.cur() * w.cur()
    cs.create_gate("mac", [s.cur() * (acc.next() - acc.cur() - dot)])
    cs.create_gate("acc_starts_at_zero", [s.cur() * (1 - s.prev()) * acc.cur()])
    cs.enable_equality(acc)
    cs.enable_equality(out)
    rng = np.random.default_rng(seed)
    xv = rng.integers(-1000, 1000, size=(width, rows))
    wv = rng.integers(-1000, 1000, size=(width, rows))
    accv = np.concatenate([[0], np.cumsum((xv * wv).sum(axis=0))])
    sel = np.ones(rows, dtype=np.int64)
    circuit = Circuit(cs=cs, k=k, fixed={s: sel}, copies=np.array([[out.index, 0, acc.index, rows]]))
    instances = [np.array([accv[-1]])]
    advice = {acc: accv}
    advice.update({x: xv[j] for j, x in enumerate(xs)})
    advice.update({w: wv[j] for j, w in enumerate(ws)})
    return circuit, Witness(advice=advice, instance={out: instances[0]}), instances


def lookups(k: int = 9, rows: int = 40, seed: int = 2):
    """A range check v ∈ [0, 256) (two lookups sharing the table, one behind a selector) and a
    2-input table (p, p² mod 17) for p < 16."""
    cs = ConstraintSystem()
    v, w = cs.advice_column("v"), cs.advice_column("w")
    p, sq = cs.advice_column("p"), cs.advice_column("sq")
    q = cs.selector("q_range")
    q2 = cs.selector("q_sq")
    t = cs.fixed_column("range8")
    t1, t2 = cs.fixed_column("t_p"), cs.fixed_column("t_sq")
    cs.lookup("range8_v", inputs=[q.cur() * v.cur()], table=[t.cur()])
    cs.lookup("range8_w", inputs=[w.cur()], table=[t.cur()])
    cs.lookup("square_mod17", inputs=[q2.cur() * p.cur(), q2.cur() * sq.cur()], table=[t1.cur(), t2.cur()])
    rng = np.random.default_rng(seed)
    pv = rng.integers(0, 16, size=rows)
    tp = np.arange(16)
    circuit = Circuit(cs=cs, k=k, fixed={
        q: np.ones(rows, dtype=np.int64), q2: np.ones(rows, dtype=np.int64),
        t: np.arange(256), t1: tp, t2: tp * tp % 17,
    })
    witness = Witness(advice={
        v: rng.integers(0, 256, size=rows), w: rng.integers(0, 256, size=rows),
        p: pv, sq: pv * pv % 17,
    })
    return circuit, witness, []


def weighted_lookups(k: int = 6, rows: int = 30, seed: int = 6, tag_changes: dict | None = None):
    """Weighted lookups (ezk.plonk.lookup) into one tagged table (tt, tx, ty): tag 1 rows
    (1, j, j² mod 97) for j < 16, tag 2 rows (2, j, j + 100) for j < 8, then empty rows (0, 0, 0).

    tagged: (L, a, b) ∈ (tt, tx, ty) with weight L, the fixed tag of row i cycling 1, 2, 0 on the
            first ``rows`` rows: rows of tag 0 are not looked up, and hold garbage (a, b) outside
            the table; rows of tag 2 count twice in m;
    plain:  (1, c, d) ∈ (tt, tx, ty), no weight (= 1 on every usable row; c = d = 0 matches the
            tag-1 row j = 0 past the given rows).
    ``tag_changes`` {row: tag} overrides tags (a negative or huge weight, a garbage row switched on).

    Returns (circuit, witness, instances, columns by name)."""
    cs = ConstraintSystem()
    a, b, c, d = (cs.advice_column(name) for name in "abcd")
    tt, tx, ty, tag = (cs.fixed_column(name) for name in ("tt", "tx", "ty", "tag"))
    cs.lookup("tagged", [tag.cur(), a.cur(), b.cur()], [tt.cur(), tx.cur(), ty.cur()], weight=tag.cur())
    cs.lookup("plain", [1, c.cur(), d.cur()], [tt.cur(), tx.cur(), ty.cur()])
    j1, j2 = np.arange(16), np.arange(8)
    ttv = np.concatenate([np.ones(16, np.int64), np.full(8, 2)])
    txv = np.concatenate([j1, j2])
    tyv = np.concatenate([j1 * j1 % 97, j2 + 100])
    tags = np.arange(rows) % 3 + 1
    tags[tags == 3] = 0
    for row, value in (tag_changes or {}).items():
        tags[row] = value
    rng = np.random.default_rng(seed)
    av = np.where(tags == 1, rng.integers(0, 16, rows), rng.integers(0, 8, rows))
    bv = np.where(tags == 1, av * av % 97, av + 100)
    garbage = np.arange(rows) % 3 == 2  # the tag-0 rows of the cycle: values in no table row
    av = np.where(garbage, 1000 + np.arange(rows), av)
    bv = np.where(garbage, -7, bv)
    cv = rng.integers(0, 16, rows)
    circuit = Circuit(cs=cs, k=k, fixed={tt: ttv, tx: txv, ty: tyv, tag: tags})
    witness = Witness(advice={a: av, b: bv, c: cv, d: cv * cv % 97})
    return circuit, witness, [], {col.name: col for col in cs.columns}


def multiset_two_phase(k: int = 6, rows: int = 20, seed: int = 3, permuted: bool = True, wrong_u: int | None = None):
    """A two-phase circuit: y is a rearrangement of x, shown by a running product over a
    challenge u drawn after x and y are committed (phase 0), and a masked lookup over a second
    challenge v.

    phase 0: x, y, r (r ∈ [0, 16))            challenges u, v (drawn after phase 0)
    phase 1: z — z[0] = 1, z[i+1] = z[i]·(x_i + u)/(y_i + u), z[rows] = 1 (copied to the instance)
             w — w_i = v·x_i + r_i, and the lookup s·(w − v·x) ∈ [0, 16) (a challenge in a lookup input)

    ``permuted=False`` makes y not a rearrangement of x (a false statement); ``wrong_u`` makes
    the prover compute z with that value instead of the drawn u."""
    cs = ConstraintSystem()
    x, y, r = cs.advice_column("x"), cs.advice_column("y"), cs.advice_column("r")
    u, v = cs.challenge(0, "u"), cs.challenge(0, "v")
    z = cs.advice_column("z", phase=1)
    w = cs.advice_column("w", phase=1)
    s, first = cs.selector("s"), cs.selector("first")
    table = cs.fixed_column("range4")
    inst = cs.instance_column("one")
    cs.create_gate("multiset", {
        "step": s.cur() * (z.next() * (y.cur() + u) - z.cur() * (x.cur() + u)),
        "start": first.cur() * (z.cur() - 1),
    })
    cs.lookup("masked", inputs=[s.cur() * (w.cur() - v * x.cur())], table=[table.cur()])
    cs.enable_equality(z)
    cs.enable_equality(inst)
    rng = np.random.default_rng(seed)
    xv = rng.integers(-1000, 1000, size=rows)
    yv = rng.permutation(xv)
    if not permuted:
        yv[0] += 1
    rv = rng.integers(0, 16, size=rows)
    circuit = Circuit(cs=cs, k=k, fixed={
        s: np.ones(rows, dtype=np.int64), first: np.array([1]), table: np.arange(16),
    }, copies=np.array([[inst.index, 0, z.index, rows]]))
    instances = [np.array([1])]

    def later(phase, challenges):
        assert phase == 1 and set(challenges) == {u, v}
        uv = challenges[u] if wrong_u is None else wrong_u
        num = _native.FrVec.from_i64(xv).add_scalar(uv)
        den = _native.FrVec.from_i64(yv).add_scalar(uv)
        zv = _native.FrVec.concat([_native.FrVec.constant(1, 1), num.mul(den.batch_inverse()).cumprod()])
        wv = _native.FrVec.from_i64(xv).scale(challenges[v]).add(_native.FrVec.from_i64(rv))
        return {z: zv, w: wv}

    witness = Witness(advice={x: xv, y: yv, r: rv}, instance={inst: instances[0]}, later=later)
    return circuit, witness, instances


def dynamic_gather(k: int = 6, size: int = 12, rows: int = 20, pairs: int = 6, seed: int = 4):
    """Lookups into tables of advice columns (dynamic tables):

    gather: data d (advice) is the table {(j, d_j) : j < size}, keyed by the fixed tx = j and
            switched on by the fixed tag tt (1 on rows < size, 0 elsewhere, so the other rows
            are (0, 0, 0)); on rows < ``rows`` the input (q, q·idx, q·out) must be a row of
            (tt, tx, tt·d), i.e. out = d[idx];
    pairs:  (q·a, q·b) ∈ (ka, kb) with ka, kb advice and no tag (their unused usable rows are
            the pair (0, 0) that unselected rows look up).

    Returns (circuit, witness, instances, columns by name)."""
    cs = ConstraintSystem()
    d, idx, out = cs.advice_column("d"), cs.advice_column("idx"), cs.advice_column("out")
    a, b = cs.advice_column("a"), cs.advice_column("b")
    ka, kb = cs.advice_column("ka"), cs.advice_column("kb")
    tt, tx, q = cs.fixed_column("tt"), cs.fixed_column("tx"), cs.selector("q")
    cs.lookup("gather", [q.cur(), q.cur() * idx.cur(), q.cur() * out.cur()], [tt.cur(), tx.cur(), tt.cur() * d.cur()])
    cs.lookup("pairs", [q.cur() * a.cur(), q.cur() * b.cur()], [ka.cur(), kb.cur()])
    rng = np.random.default_rng(seed)
    dv = rng.integers(-1000, 1000, size=size)
    iv = rng.integers(0, size, size=rows)
    kav, kbv = rng.integers(1, 1000, size=pairs), rng.integers(-1000, 1000, size=pairs)
    pick = rng.integers(0, pairs, size=rows)
    circuit = Circuit(cs=cs, k=k, fixed={tt: np.ones(size, dtype=np.int64), tx: np.arange(size),
                                         q: np.ones(rows, dtype=np.int64)})
    witness = Witness(advice={d: dv, idx: iv, out: dv[iv], a: kav[pick], b: kbv[pick], ka: kav, kb: kbv})
    cols = {c.name: c for c in cs.columns}
    return circuit, witness, [], cols


def dynamic_two_phase(k: int = 6, pairs: int = 8, rows: int = 20, seed: int = 5, forged_row: int | None = None):
    """A dynamic table in a later phase: the pairs (a_j, b_j) (phase 0) compressed by a challenge
    u drawn after phase 0 into the phase-1 table column t = a + u·b, looked up by the phase-1
    column f = c + u·e, so each (c_i, e_i) must be one of the pairs.

    phase 0: a, b (tt = 1 on rows < pairs), c, e (q = 1 on rows < rows)     challenge u
    phase 1: t (gate tt·(t − a − u·b) = 0), f (gate q·(f − c − u·e) = 0)
    lookup:  q·f ∈ tt·t  (unselected rows look up 0, the table's switched-off rows)

    ``forged_row`` makes input row ``forged_row`` the pair (c, e) + (1, 0), which is not a pair
    (a false statement); the witness still computes t and f honestly from the drawn u.

    Returns (circuit, witness, instances, columns by name)."""
    cs = ConstraintSystem()
    a, b, c, e = (cs.advice_column(n) for n in "abce")
    u = cs.challenge(0, "u")
    t, f = cs.advice_column("t", phase=1), cs.advice_column("f", phase=1)
    tt, q = cs.fixed_column("tt"), cs.selector("q")
    cs.create_gate("compress", {
        "table": tt.cur() * (t.cur() - a.cur() - u * b.cur()),
        "input": q.cur() * (f.cur() - c.cur() - u * e.cur()),
    })
    cs.lookup("pairs", [q.cur() * f.cur()], [tt.cur() * t.cur()])
    rng = np.random.default_rng(seed)
    av, bv = rng.integers(-1000, 1000, size=pairs), rng.integers(-1000, 1000, size=pairs)
    pick = rng.integers(0, pairs, size=rows)
    cv, ev = av[pick].copy(), bv[pick].copy()
    if forged_row is not None:
        cv[forged_row] += 1
    circuit = Circuit(cs=cs, k=k, fixed={tt: np.ones(pairs, dtype=np.int64), q: np.ones(rows, dtype=np.int64)})

    def later(phase, challenges):
        uv = challenges[u]
        tv = _native.FrVec.from_i64(bv).scale(uv).add(_native.FrVec.from_i64(av))
        fv = _native.FrVec.from_i64(ev).scale(uv).add(_native.FrVec.from_i64(cv))
        return {t: tv, f: fv}

    witness = Witness(advice={a: av, b: bv, c: cv, e: ev}, later=later)
    return circuit, witness, [], {col.name: col for col in cs.columns}


def with_cells(witness: Witness, **changes) -> Witness:
    """``witness`` with advice cells changed: ``column_name=(row, value)`` (a row past the
    column's end extends it with zeros)."""
    advice = dict(witness.advice)
    cols = {c.name: c for c in advice}
    for name, (row, value) in changes.items():
        v = np.array(advice[cols[name]]).copy()
        if row >= len(v):
            v = np.concatenate([v, np.zeros(row + 1 - len(v), dtype=v.dtype)])
        v[row] = value
        advice[cols[name]] = v
    return dataclasses.replace(witness, advice=advice)
