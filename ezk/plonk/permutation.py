"""The permutation (copy-constraint) argument, halo2-style.

Cells of the P equality-enabled columns are identified with field elements
id(j, i) = δʲ·ωⁱ (δ = g^(2^S) generates cosets δʲH that never meet). Copy constraints group cells
into cycles; σ maps each cell to the next cell of its cycle, σ_j(ωⁱ) = id(σ(j, i)).

Keygen: cycles are connected components of the copy graph, found with vectorised
hook-and-compress (no Python loop per copy); each component is ordered by cell id and σ sends a
cell to its successor in that order (wrapping), so the same *set* of copies in any order gives
the same σ — and byte-identical keys.

Prover: columns are split into chunks of D − 2; for chunk c the grand product
    z_c(ω^{i+1}) = z_c(ωⁱ) · Π_j (v_j + β·δʲωⁱ + γ) / (v_j + β·σ_j(ωⁱ) + γ),   i < u
starts at z_0(1) = 1 and z_c(1) = z_{c−1}(ω^u); blinding rows are random.
Constraints (each must vanish on H):
    l_0·(1 − z_0)                                   l_0·(z_c − z_{c−1}(ω^u X))  (c > 0)
    active·(z_c(ωX)·Π(v_j + βσ_j + γ) − z_c(X)·Π(v_j + βδʲX + γ))
    l_last·(z_last − 1)
"""

from __future__ import annotations

import numpy as np

from ezk import _native
from ezk.plonk.expression import Column, _vec_add, _vec_mul, _vec_sub

R = _native.MODULUS


def delta() -> int:
    """δ = g^(2^28): an element of odd order T, so δʲ·H are distinct cosets for j < T."""
    return pow(_native.coset_generator(), 1 << _native.TWO_ADICITY, R)


def connected_components(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    """Label nodes 0..size−1 of the graph with edges (a[i], b[i]) by the smallest node of their
    component. Hook every root onto the smaller root across each edge, then pointer-jump until
    flat; repeat until every edge joins equal labels (O(log) rounds in practice)."""
    label = np.arange(size, dtype=np.int64)
    while True:
        la, lb = label[a], label[b]
        differ = la != lb
        if not differ.any():
            return label
        lo, hi = np.minimum(la[differ], lb[differ]), np.maximum(la[differ], lb[differ])
        np.minimum.at(label, hi, lo)
        while True:
            nxt = label[label]
            if np.array_equal(nxt, label):
                break
            label = nxt


def build_sigma(copies: np.ndarray, perm_columns: list[Column], n: int) -> np.ndarray:
    """σ as a (P, n) uint32 array of cell numbers j·n + i (identity for uncopied cells).

    ``copies`` is a validated (m, 4) array (global column, row, global column, row)."""
    p = len(perm_columns)
    if p * n >= 2**32:
        raise ValueError("too many permutation cells for a 32-bit σ")
    sigma = np.arange(p * n, dtype=np.int64)
    if len(copies):
        pos = np.full(max(c.index for c in perm_columns) + 1, -1, dtype=np.int64)
        pos[[c.index for c in perm_columns]] = np.arange(p)
        cell_a = pos[copies[:, 0]] * n + copies[:, 1]
        cell_b = pos[copies[:, 2]] * n + copies[:, 3]
        cells, inverse = np.unique(np.concatenate([cell_a, cell_b]), return_inverse=True)
        m = len(cell_a)
        label = connected_components(inverse[:m], inverse[m:], len(cells))
        # cells are sorted; a stable sort by label keeps them sorted inside each component
        order = np.argsort(label, kind="stable")
        lab_sorted = label[order]
        start = np.ones(len(order), dtype=bool)
        start[1:] = lab_sorted[1:] != lab_sorted[:-1]
        first = np.maximum.accumulate(np.where(start, np.arange(len(order)), 0))
        nxt = np.arange(1, len(order) + 1)
        end = np.append(start[1:], True)
        nxt[end] = first[end]
        sigma[cells[order]] = cells[order[nxt]]
    return sigma.reshape(p, n).astype(np.uint32)


def identity_values(p: int, n: int) -> "_native.FrVec":
    """The concatenation over j < P of [δʲ·ωⁱ]_{i<n}: id of every cell, indexable by cell number."""
    w, d = _native.root_of_unity(n), delta()
    return _native.FrVec.concat([_native.FrVec.powers(w, n, pow(d, j, R)) for j in range(p)])


def sigma_column(sigma: np.ndarray, j: int, n: int, omega_powers: "_native.FrVec | None" = None) -> "_native.FrVec":
    """σ_j on H: cell number c = j'·n + i ↦ δ^{j'}·ωⁱ, built from ONE size-n vector of ω powers
    (not the P·n identity table): gather ω^{c mod n}, times δ^{⌊c/n⌋} gathered from P scalars."""
    cells = sigma[j].astype(np.int64)
    w = omega_powers if omega_powers is not None else _native.FrVec.powers(_native.root_of_unity(n), n)
    out = w.gather(cells % n)
    owner = cells // n
    if owner.min() != owner.max() or int(owner[0]) != 0:
        d = delta()
        deltas = _native.FrVec.from_ints([pow(d, c, R) for c in range(sigma.shape[0])])
        out.mul_assign(deltas.gather(owner))
    return out


def sigma_values(sigma: np.ndarray, n: int) -> list["_native.FrVec"]:
    """σ_j evaluated on H, one FrVec per permutation column."""
    w = _native.FrVec.powers(_native.root_of_unity(n), n)
    return [sigma_column(sigma, j, n, w) for j in range(sigma.shape[0])]


def chunks(p: int, chunk_size: int) -> list[range]:
    return [range(s, min(s + chunk_size, p)) for s in range(0, p, chunk_size)]


def grand_products(values, sigmas, beta: int, gamma: int, chunk_size: int, usable: int, n: int,
                   blinding=None) -> list["_native.FrVec"]:
    """The z_c polynomials on H (rows 0 .. u hold the running product, later rows are random).

    ``values`` and ``sigmas`` are sequences (``len``, ``[j]``) of the permuted columns (blinded
    advice, fixed, instance) and σ_j on H; they may build each column on access
    (``ezk.plonk.polys.LazyColumns``), then only one column and the chunk's running numerator
    and denominator are alive at a time. ``blinding(c)``, if given,
    returns z_c's n − u − 1 random rows (default: fresh randomness)."""
    p = len(values)
    w, d = _native.root_of_unity(n), delta()
    zs = []
    start = 1
    for c, ch in enumerate(chunks(p, chunk_size)):
        num = den = None
        for j in ch:
            ident = _native.FrVec.powers(w, usable, pow(d, j, R) * beta % R)
            v = values[j].slice(0, usable)
            nj = v.add(ident).add_scalar(gamma)
            del ident
            dj = sigmas[j].slice(0, usable)
            dj.scale_assign(beta)
            dj.add_assign(v)
            del v
            dj = dj.add_scalar(gamma)
            if num is None:
                num, den = nj, dj
            else:
                num.mul_assign(nj)
                den.mul_assign(dj)
            del nj, dj
        ratio = num.mul(den.batch_inverse()).cumprod().scale(start)
        del num, den
        blind = blinding(c) if blinding is not None else _native.FrVec.random(n - usable - 1)
        z = _native.FrVec.concat([_native.FrVec.constant(start, 1), ratio, blind])
        start = ratio[usable - 1]
        del ratio
        zs.append(z)
    return zs


def constraints(env, columns: list[Column], chunk_size: int):
    """Yield the permutation constraint values (see the module docstring) through ``env``."""
    if not columns:
        return
    beta, gamma, u = env.beta, env.gamma, env.domain.last_row
    d = delta()
    parts = chunks(len(columns), chunk_size)
    for c, ch in enumerate(parts):
        z = env.get(("z", c), 0)
        if c == 0:
            yield _vec_mul(env.l0, _vec_sub(1, z))
        else:
            yield _vec_mul(env.l0, _vec_sub(z, env.get(("z", c - 1), u)))
        left, right = env.get(("z", c), 1), z
        for j in ch:
            v = env.query(columns[j].cur())
            left = _vec_mul(left, _vec_add(_vec_add(v, _vec_mul(beta, env.get(("sigma", j), 0))), gamma))
            ident = _vec_mul(_vec_mul(beta, pow(d, j, R)), env.X)  # β·δʲ·X (β may be symbolic)
            right = _vec_mul(right, _vec_add(_vec_add(v, ident), gamma))
        yield _vec_mul(env.active, _vec_sub(left, right))
    yield _vec_mul(env.l_last, _vec_sub(env.get(("z", len(parts) - 1), 0), 1))
