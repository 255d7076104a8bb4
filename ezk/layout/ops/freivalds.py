"""Freivalds' check for einsums: |A| + |B| + |C| cells instead of one per multiply-accumulate.

Any two-operand einsum (no repeated index) is a batch of matrix products: with g the batch
indices (in both operands and the output), i the output indices of the first operand only,
j those of the second only and k the contracted ones,

    C[g, i, j] = Σ_k A[g, i, k]·B[g, k, j]        (indices only one operand sums: summed first).

The output C is placed as free phase-0 cells (it is needed downstream anyway) and, after every
phase-0 column is committed, checked for each g with the challenges α, β (``phase1.py``):

    Σ_{i,j} α^(I−1−i)·β^(J−1−j)·C[i, j]  =  Σ_k (Σ_i α^(I−1−i)·A[i, k])·(Σ_j β^(J−1−j)·B[k, j])

— uᵀ·C·v = (uᵀ·A)·(B·v) with u = (α^(I−1−i))_i, v = (β^(J−1−j))_j. Rows (W: block width, F: the
LIN coefficients a fixed Horner row folds):

* b̃_k = Σ_j β^(J−1−j)·B[k, j]: K Horner chains of ⌈J/W⌉ rows over copies of B's cells — or,
  when B is a fixed parameter, of ⌈J/F⌉ rows over B as fixed coefficients (|B|/F rows once per
  proof, not once per row of A);
* ã_k = Σ_i α^(I−1−i)·A[i, k]: K chains of ⌈I/W⌉ rows, each followed by one row that adds
  ã_k·b̃_k (b̃_k copied in) to a running sum D;
* C itself: I chains of ⌈J/W⌉ rows (C's cells are placed here, no copy) folding each row of C
  with β, and an outer sum c̃ = Σ_i α^(I−1−i)·(row i folded) beside them;
* one copy constraint c̃ = D.

Soundness. A, B and C are committed before α, β are drawn. If C ≠ A·B in F — the field
equation the direct layout's rows enforce too — the difference E = C − A·B ≠ 0 and the check
reads P(α, β) = Σ_{i,j} E[i, j]·α^(I−1−i)·β^(J−1−j) = 0 for a non-zero polynomial P of total
degree ≤ I + J − 2 (distinct (i, j) give distinct monomials). By Schwartz–Zippel a uniformly
random (α, β) ∈ F² is a root with probability ≤ (I + J − 2)/|F|. Each batch index g is its own
check (its own c̃ = D copy, the same α, β), so a circuit with checks c = 1 … m accepts some
wrong product with probability at most Σ_c (I_c + J_c − 2)/|F| (union bound). As
I + J − 2 < I·J, the cells of that C, this is below (advice cells)/r with r ≈ 2^254: under
2^−200 for any circuit that fits in memory. The transcript draws α, β
by Fiat–Shamir after every phase-0 commitment (halo2's phases), which is what the bound needs.
Everything else the check uses is a gate or a copy: the Horner chains, the zero padding (copies
of a cell fixed to 0), the products and the final copy.

Which layout: per einsum, the one with fewer rows (``rows_direct`` against ``rows_freivalds``,
counted from shapes alone, so both backends choose alike); ``run_args.disable_freivalds``
keeps the direct one (fixed_dot / DOT chains, ops/linear.py). With both operands advice the
check may also run on Cᵀ = Bᵀ·Aᵀ when that needs fewer rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ezk.layout.cells import EMPTY, NEW, Cells
from ezk.layout.phase1 import YCOL, phase1_of


@dataclass
class Plan:
    """An einsum as C[g, i, j] = Σ_k A[g, i, k]·B[g, k, j]: A (G, I, K) cells, B (G, K, J)
    cells or (when fixed) ints, ``order``: C's letters g+i+j, transposed to the output's by
    ``perm``."""

    A: Cells
    B: Cells | np.ndarray
    fixed: bool
    letters: str
    out: str
    dims: dict

    @property
    def G(self) -> int:
        return self.A.shape[0]

    @property
    def I(self) -> int:  # noqa: E743
        return self.A.shape[1]

    @property
    def K(self) -> int:
        return self.A.shape[2]

    @property
    def J(self) -> int:
        return self.B.shape[2]


def _arrange(idx: np.ndarray, letters: str, target: str, dims: dict) -> np.ndarray:
    """Flat indices of a tensor (indexed by ``letters``) arranged in ``target``'s letters
    (letters missing from the tensor are broadcast)."""
    present = [l for l in target if l in letters]
    t = idx.transpose([letters.index(l) for l in present]).reshape([dims[l] if l in letters else 1 for l in target])
    return np.broadcast_to(t, [dims[l] for l in target])


def plan(equation: str, x: Cells, w: Cells) -> Plan | None:
    """The batched-matmul form of ``equation`` over x, w (w the fixed operand if either is),
    or None where the check does not apply (an index only advice sums, an empty dimension)."""
    lhs, out = equation.split("->")
    tx, tw = lhs.split(",")
    if x.all_const() and not w.all_const():
        tx, tw, x, w = tw, tx, w, x
    fixed = w.all_const()
    if x.all_const():
        return None
    dims = {}
    for t, c in ((tx, x), (tw, w)):
        dims.update({l: int(d) for l, d in zip(t, c.shape)})
    if any(dims[l] == 0 for l in dims):
        return None
    if any(l not in tw and l not in out for l in tx):
        return None  # an index only x (advice) sums: no product form without summing it first
    w_only = "".join(l for l in tw if l not in tx and l not in out)
    wv = w.val if fixed else None
    if w_only:
        if not fixed:
            return None
        keep = "".join(l for l in tw if l not in w_only)
        wv = np.einsum(f"{tw}->{keep}", wv)
        tw = keep
    g = "".join(l for l in out if l in tx and l in tw)
    i = "".join(l for l in out if l in tx and l not in tw)
    j = "".join(l for l in out if l in tw and l not in tx)
    k = "".join(l for l in tx if l in tw and l not in out)
    size = lambda s: int(np.prod([dims[l] for l in s], dtype=np.int64))  # noqa: E731
    G, I, J, K = size(g), size(i), size(j), size(k)
    A = x.take(_arrange(np.arange(x.size).reshape(x.shape), tx, g + i + k, dims).reshape(G, I, K))
    if fixed:
        B = np.ascontiguousarray(_arrange(wv, tw, g + k + j, dims)).reshape(G, K, J)
    else:
        B = w.take(_arrange(np.arange(w.size).reshape(w.shape), tw, g + k + j, dims).reshape(G, K, J))
    return Plan(A, B, fixed, g + i + j, out, dims)


def _transposed(p: Plan) -> Plan:
    """Cᵀ = Bᵀ·Aᵀ (both operands advice): the check with the roles of i and j swapped."""
    A = p.B.transpose((0, 2, 1))  # (G, J, K)
    B = p.A.transpose((0, 2, 1))  # (G, K, I)
    return Plan(A, B, False, p.letters, p.out, p.dims)


# ---------------------------------------------------------------------- row counts
def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def rows_direct(rg, p: Plan) -> int:
    """Rows of the direct layout (ops/linear.py): fixed_dot chains, or DOT chains with their
    constants materialised."""
    geo = rg.geo
    if p.fixed:
        cm = p.A.is_const.reshape(p.G * p.I, p.K)
        K = max(int((~cm).sum(axis=1).max()), 1) if cm.any() else p.K
        return p.G * p.I * _ceil(p.J, rg.lanes) * _ceil(K, geo.a)
    lanes = max(1, min(rg.lanes, geo.a))
    n_const = int(p.A.is_const.sum()) * p.J + int(p.B.is_const.sum()) * p.I
    return p.G * p.I * p.J * _ceil(p.K, geo.pairs) + _ceil(n_const, lanes)


def _const_values(p: Plan, W: int) -> np.ndarray:
    """The constants the layout needs cells for: the operands' (advice B only) and 0 where a
    chain is padded (ã chains over I, C and advice b̃ chains over J)."""
    vals = [p.A.val[p.A.is_const]]
    if not p.fixed:
        vals.append(p.B.val[p.B.is_const])
    if p.I % W or p.J % W:
        vals.append(np.zeros(1, np.int64))
    return np.concatenate(vals)


def rows_freivalds(rg, p: Plan) -> int:
    """Rows of the Freivalds layout of ``p`` (module docstring), the shared constant cells it
    still has to make included."""
    W, F = rg.geo.width, phase1_of(rg).fold_fixed
    per = p.K * _ceil(p.J, F if p.fixed else W) + p.K * (_ceil(p.I, W) + 1) + p.I * _ceil(p.J, W)
    lanes = max(1, min(rg.lanes, rg.geo.a))
    return p.G * per + _ceil(phase1_of(rg).new_const_count(_const_values(p, W)), lanes)


# ---------------------------------------------------------------------- layout
def einsum(ctx, node, ins) -> Cells | None:
    """The einsum through a Freivalds check when that takes fewer rows than the direct layout;
    None to lay it out directly."""
    if getattr(ctx.run_args, "disable_freivalds", False):
        return None
    p = plan(node.attrs["equation"], ins[0], ins[1])
    if p is None:
        return None
    rg = ctx.rg
    direct = rows_direct(rg, p)
    best, rows = p, rows_freivalds(rg, p)
    if not p.fixed:
        t = _transposed(p)
        if (rt := rows_freivalds(rg, t)) < rows:
            best, rows = t, rt
    if rows >= direct:
        return None
    C = np.asarray(ctx.value(node), np.int64)
    dims = p.dims
    Cv = np.ascontiguousarray(_arrange(C, p.out, p.letters, dims)).reshape(p.G, p.I, p.J)
    if best is not p:
        Cv = Cv.transpose((0, 2, 1))
    cells = check(ctx, best, Cv)  # (G, I', J')
    if best is not p:
        cells = cells.transpose((0, 2, 1))
    shape = [dims[l] for l in p.letters]
    return cells.reshape(shape).transpose([p.letters.index(l) for l in p.out])


def _bare(ph, cells: Cells) -> Cells:
    """Cells with their constants replaced by shared cells fixed to them. Operands arrive
    materialised (einsum is not in ops.AFFINE_INPUTS, circuit._place): an affine reference here
    would lose its coefficient and offset, so it is refused."""
    if cells.any_affine():
        raise AssertionError("a Freivalds operand must be materialised (not an affine reference) before its chains copy it")
    m = cells.is_const
    if not m.any():
        return cells
    made = ph.const_cells(cells.val[m])
    g, c = cells.g.copy(), cells.c.copy()
    g[m], c[m] = made.g, made.c
    return Cells.at(g, c)


def _chain_slots(n: int, L: int, f: int):
    """n chains of L items, f per row, right-aligned: rows per chain R, and for item (q, p) its
    logical row q·R + (R·f − L + p) // f and position (R·f − L + p) % f."""
    R = _ceil(L, f)
    q, pp = np.divmod(np.arange(n * L), L)
    s = R * f - L + pp
    return R, q * R + s // f, s % f


def _chains_spec(ph, n: int, L: int, W: int, cells: Cells | None, extra: int = 0):
    """The (rows, W) spec of n right-aligned chains of L cells, ``extra`` more rows after each
    chain: existing cells (copied) or, with cells None, NEW ones; zero copies in front."""
    R = _ceil(L, W)
    per = R + extra
    g = np.zeros((n * per, W), np.int64)
    c = np.full((n * per, W), EMPTY, np.int64)
    _, row, col = _chain_slots(n, L, W)
    row = row // R * per + row % R
    pad = R * W - L
    if pad:
        zero = ph.const_cells(np.zeros(1, np.int64))
        zg, zc = zero.g[0], zero.c[0]
        q = np.repeat(np.arange(n), pad)
        s = np.tile(np.arange(pad), n)
        g[q * per + s // W, s % W], c[q * per + s // W, s % W] = zg, zc
    if cells is None:
        c[row, col] = NEW
    else:
        g[row, col], c[row, col] = cells.g.reshape(-1), cells.c.reshape(-1)
    return R, per, row, col, Cells(g, c, np.zeros_like(g))


def _b_chains(ph, p: Plan) -> np.ndarray:
    """b̃[g, k] = Σ_j β^(J−1−j)·B[g, k, j]: global rows of the chain ends, (G·K,)."""
    rg = ph.rg
    n, J, W = p.G * p.K, p.J, rg.geo.width
    if p.fixed:
        F, a = ph.fold_fixed, rg.geo.a
        R, row, pos = _chain_slots(n, J, F)
        lin_f = np.zeros((n * R, rg.geo.b, a), np.int64)
        lin_f[row, pos // a, pos % a] = p.B.reshape(-1)
        spec = Cells(np.zeros((n * R, W), np.int64), np.full((n * R, W), EMPTY, np.int64), np.zeros((n * R, W), np.int64))
        r = np.arange(n * R) % R
        grow = ph.place(spec, spec.val, {"sf": 1, "p": (r > 0).astype(np.int8)}, r > 0, lin_f=lin_f)
        return grow.reshape(n, R)[:, -1]
    R, per, _, _, spec = _chains_spec(ph, n, J, W, _bare(ph, p.B.reshape(n, J)))
    r = np.arange(n * R) % R
    grow = ph.place(spec, spec.val, {"sb": 1, "p": (r > 0).astype(np.int8)}, r > 0)
    return grow.reshape(n, R)[:, -1]


def _a_chains(ph, p: Plan, b_end: np.ndarray) -> np.ndarray:
    """ã[g, k] = Σ_i α^(I−1−i)·A[g, i, k], each chain followed by a row adding ã·b̃ to D_g:
    global rows of D_g, (G,)."""
    rg = ph.rg
    G, K, I, W = p.G, p.K, p.I, rg.geo.width
    n = G * K
    R, per, _, _, spec = _chains_spec(ph, n, I, W, _bare(ph, p.A.transpose((0, 2, 1)).reshape(n, I)), extra=1)
    t = np.arange(n * per)
    q, r = np.divmod(t, per)
    kk = q % K
    horner, prod = r < R, r == R
    fam = {
        "sa": horner.astype(np.int8), "p": (horner & (r > 0)).astype(np.int8),
        "ys": ((horner & (kk > 0)) | prod).astype(np.int8),
        "y1": ((horner & (kk > 0)) | (prod & (kk > 0))).astype(np.int8),
        "q": prod.astype(np.int8),
    }
    chain = ~((kk == 0) & (r == 0))
    grow = ph.place(spec, spec.val, fam, chain, z_new=horner)
    prows = grow[prod]
    ph.copy_z(b_end, prows)
    return prows.reshape(G, K)[:, -1]


def _c_rows(ph, p: Plan, Cv: np.ndarray) -> tuple[Cells, np.ndarray]:
    """C's cells in I chains of ⌈J/W⌉ rows per g (folded with β) and the outer sum over i (with
    α) beside them: (C cells (G, I, J), global rows of c̃_g (G,))."""
    rg = ph.rg
    G, I, J, W = p.G, p.I, p.J, rg.geo.width
    n = G * I
    R, per, row, col, spec = _chains_spec(ph, n, J, W, None)
    vals = np.zeros(spec.shape, np.int64)
    vals[row, col] = Cv.reshape(-1)
    t = np.arange(n * R)
    q, r = np.divmod(t, R)
    ii = q % I
    end = r == R - 1
    fam = {
        "sb": 1, "p": (r > 0).astype(np.int8),
        "ys": (end | (ii > 0)).astype(np.int8), "ye": end.astype(np.int8),
        "ya": (end & (ii > 0)).astype(np.int8), "y1": (~end & (ii > 0)).astype(np.int8),
    }
    chain = ~((ii == 0) & (r == 0))
    grow = ph.place(spec, vals, fam, chain)
    cells = Cells.at(grow[row], col).reshape(G, I, J)
    return cells, grow.reshape(G, I * R)[:, -1]


def check(ctx, p: Plan, Cv: np.ndarray) -> Cells:
    """Lay out C = A·B (values ``Cv``, (G, I, J)) with its Freivalds check; returns C's cells."""
    ph = phase1_of(ctx.rg)
    b_end = _b_chains(ph, p)
    d_end = _a_chains(ph, p, b_end)
    cells, c_end = _c_rows(ph, p, Cv)
    ph.copy(c_end, YCOL, d_end, YCOL)
    ph.checks += p.G
    return cells
