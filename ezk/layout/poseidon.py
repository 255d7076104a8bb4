"""The Poseidon gadget: EZKL's sponge (``ezk.poseidon``) over a hashed tensor, proven in lanes
of five advice columns P₀ … P₄ beside the region, one round (full) or two rounds (partial) per
row, with the digest copied to the instance column.

A *chain* hashes one tensor m₀ … m_{n−1}: state (m₀, 2^64), then per element the 64-round
permutation, s₀ += m_{p+1} between permutations, digest s₀. Its rows, each holding the input
of its round(s):

  full row (round r):           P₀ = s₀, P₁ = s₁, P₂ = (s₀ + c₀)², P₃ = (s₁ + c₁)², P₄ = m (absorb rows)
  partial pair (rounds r, r+1): P₀ = s₀, P₁ = s₁, P₂ = (s₀ + c₀)², P₃ = s₀ after round r,
                                P₄ = (P₃ + c′₀)²
  output row:                   P₀ = digest, P₁ = s₁

so a permutation is 4 + 28 + 4 = 36 rows and a chain 36·n + 1. The gates sit on the row that
receives a round's output and read the round's input row at rotation −1 (as the region's
chains do), with the transition's constants R₀ … R₃ and selectors on the receiving row:

  full  QF:  P₂′ = x₀², P₃′ = x₁², with xᵢ = Pᵢ′ + Rᵢ                        (′: previous row)
             P₀ = M₀₀·P₂′²·x₀ + M₀₁·P₃′²·x₁ + AB·P₄,  P₁ = M₁₀·P₂′²·x₀ + M₁₁·P₃′²·x₁
  partial QP: P₂′ = x₀², P₃′ = M₀₀·y + M₀₁·x₁ (y = P₂′²·x₀, x₁ = P₁′ + R₁), P₄′ = x_b² with
             x_b = P₃′ + R₂; s₁ᵦ = M₁₀·y + M₁₁·x₁ + R₃;
             P₀ = M₀₀·P₄′²·x_b + M₀₁·s₁ᵦ,  P₁ = M₁₀·P₄′²·x_b + M₁₁·s₁ᵦ
  init  IN:  P₁ = 2^64   (P₀ = m₀ is a copy of the tensor's first cell)

x⁵ is written (x²)²·x with the square in an advice cell, so every gate has degree 4 with its
selector (≤ the lookups' 5: the prover's extended domain does not grow). AB marks the first
row of permutation p ≥ 1, whose P₄ is a copy of m_p. Copies bind P₀ of the init row and P₄ of
absorb rows to the tensor's cells, and the output row's P₀ to the instance column.

A lane holds u rows; a chain that runs past it continues in the next lane: a *carry row* at
row 0 repeats the last row's state (copies of P₀, P₁) and recomputes its helpers, and the row
left at the end of the old lane keeps only its state. Only cells some gate or copy reads are
assigned. Values come from ``ezk.poseidon.sponge_trace`` (native) and whole-vector FrVec ops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ezk import _native
from ezk.layout.cells import Cells
from ezk.plonk.expression import Column
from ezk.poseidon.spec import PoseidonSpec, ezkl_spec
from ezk.poseidon.sponge import sponge_trace

FULL, PARTIAL, OUT = 0, 1, 2
COLS = 5
EQUAL_COLS = (0, 1, 4)  # columns that take part in copies


def _permutation_pattern(spec: PoseidonSpec) -> tuple[np.ndarray, np.ndarray]:
    """Row kinds and first rounds of one permutation: full rows, partial pairs, full rows."""
    half = spec.full_rounds // 2
    if spec.partial_rounds % 2:
        raise ValueError("the gadget pairs partial rounds: R_P must be even")
    rounds = np.concatenate([np.arange(half), np.arange(half, half + spec.partial_rounds, 2),
                             np.arange(spec.rounds - half, spec.rounds)])
    kinds = np.concatenate([np.full(half, FULL), np.full(spec.partial_rounds // 2, PARTIAL), np.full(half, FULL)])
    return kinds.astype(np.int8), rounds.astype(np.int64)


def rows_per_element(spec: PoseidonSpec | None = None) -> int:
    return len(_permutation_pattern(spec or ezkl_spec())[0])


def chain_rows(sizes, spec: PoseidonSpec | None = None) -> int:
    """Rows of the chains hashing tensors of these sizes in one lane (empty tensors: none)."""
    per = rows_per_element(spec)
    return int(sum(per * n + 1 for n in sizes if n > 0))


@dataclass
class Chain:
    """One hashed tensor: its cells in the region (flat, no constants) and, when assigning,
    its values."""

    cells: Cells
    values: np.ndarray | None
    label: str


@dataclass
class Lanes:
    """The gadget's columns, placement and the cells it assigned (built by ``place``)."""

    u: int
    count: int  # lanes
    advice: list[list[Column]] = field(default_factory=list)  # [lane][P_j]
    fixed: dict = field(default_factory=dict)  # Column -> values
    assigned: np.ndarray | None = None  # (rows used, 5) bool; row g = lane·u + row
    chain_of_row: np.ndarray | None = None  # (rows used,) chain index, −1 free
    digest_rows: np.ndarray | None = None  # per chain: global row of its output row
    labels: list[str] = field(default_factory=list)
    gate_lane: dict = field(default_factory=dict)  # gate name -> lane

    def cell(self, g: np.ndarray, j) -> tuple[np.ndarray, np.ndarray]:
        """(column index, row) of P_j at global gadget rows g."""
        idx = np.array([[c.index for c in lane] for lane in self.advice], dtype=np.int64)
        g = np.asarray(g, dtype=np.int64)
        return idx[g // self.u, j], g % self.u


class Gadget:
    """Places chains (``place``), creates the lanes' columns and gates (``build``), and gives
    the copies and, when assigning, the advice values (``copies``, ``witness``)."""

    def __init__(self, chains: list[Chain], u: int, spec: PoseidonSpec | None = None) -> None:
        self.spec = spec or ezkl_spec()
        self.chains = [c for c in chains if c.cells.size > 0]
        self.u = u
        self._plan()

    # ---------------------------------------------------------------- logical rows
    def _plan(self) -> None:
        spec = self.spec
        kinds36, rounds36 = _permutation_pattern(spec)
        per = len(kinds36)
        kind, rnd, perm, chain, state, msg = [], [], [], [], [], []
        s_off = m_off = 0
        for ci, ch in enumerate(self.chains):
            n = ch.cells.size
            kind += [np.tile(kinds36, n), [OUT]]
            rnd += [np.tile(rounds36, n), [0]]
            p = np.repeat(np.arange(n), per)
            perm += [p, [n]]
            chain.append(np.full(per * n + 1, ci))
            state += [s_off + spec.rounds * p + np.tile(rounds36, n), [s_off + spec.rounds * n]]
            msg.append(m_off + np.concatenate([p, [n - 1]]))
            s_off += spec.rounds * n + 1
            m_off += n
        cat = (lambda parts, dt: np.concatenate([np.asarray(x, dt) for x in parts]) if parts else np.zeros(0, dt))
        self.kind, self.round = cat(kind, np.int8), cat(rnd, np.int64)
        self.perm, self.chain = cat(perm, np.int64), cat(chain, np.int64)
        self.state, self.msg = cat(state, np.int64), cat(msg, np.int64)
        L = len(self.kind)
        first = np.zeros(L, dtype=bool)
        if L:
            first[np.flatnonzero(np.diff(self.chain, prepend=-1) != 0)] = True
        self.init = first
        self.absorb = (self.kind != OUT) & (self.round == 0) & (self.perm > 0)
        self.rows = L

    # ---------------------------------------------------------------- placement
    def place(self) -> Lanes:
        """Global gadget rows (lane·u + row) for every logical row, carry rows at lane starts."""
        L, u = self.rows, self.u
        pos = np.empty(L, dtype=np.int64)
        carries: list[tuple[int, int]] = []
        chained = ~self.init
        i = g = 0
        while i < L:  # one iteration per lane boundary crossed
            if i > 0 and g % u == 0 and chained[i]:
                carries.append((g, i - 1))
                g += 1
            take = min(u - g % u, L - i)
            pos[i:i + take] = g + np.arange(take)
            g += take
            i += take
        count = -(-g // u)  # no chains: no lanes
        G = self.G = g  # rows used (the last lane's tail stays free and is not stored)
        self.pos = pos
        self.carry_g = np.array([c[0] for c in carries], dtype=np.int64)
        self.carry_src = np.array([c[1] for c in carries], dtype=np.int64)
        succ_carried = np.zeros(L, dtype=bool)
        succ_carried[self.carry_src] = True

        src = np.full(G, -1, dtype=np.int64)
        src[pos] = np.arange(L)
        src[self.carry_g] = self.carry_src
        asg = np.zeros((G, COLS), dtype=bool)
        k = self.kind
        helpers = (k != OUT) & ~succ_carried
        asg[pos, 0] = asg[pos, 1] = True
        asg[pos, 2] = asg[pos, 3] = helpers
        asg[pos, 4] = (helpers & (k == PARTIAL)) | self.absorb
        asg[self.carry_g, :4] = True
        asg[self.carry_g, 4] = k[self.carry_src] == PARTIAL
        self.src = src

        lanes = Lanes(u=u, count=count, assigned=asg, labels=[c.label for c in self.chains])
        cor = np.full(G, -1, dtype=np.int64)
        cor[src >= 0] = self.chain[src[src >= 0]]
        lanes.chain_of_row = cor
        lanes.digest_rows = pos[self.kind == OUT]
        self.lanes = lanes
        return lanes

    # ---------------------------------------------------------------- columns and gates
    def build(self, cs) -> None:
        """The lanes' advice and fixed columns and gates, added to ``cs``."""
        lanes, spec, u, G = self.lanes, self.spec, self.u, self.G
        (m00, m01), (m10, m11) = spec.mds
        # transitions: a non-carry logical row i (not a chain start) receives the round(s) of i − 1
        recv = np.flatnonzero(~self.init)
        g_recv, prev = self.pos[recv], recv - 1
        qf, qp, ab, ini = (np.zeros(G, dtype=np.int64) for _ in range(4))
        qf[g_recv] = self.kind[prev] == FULL
        qp[g_recv] = self.kind[prev] == PARTIAL
        ab[self.pos[self.absorb]] = 1
        ini[self.pos[self.init]] = 1
        # round constants: index 1 + 2·round + word into [0, rc...]; 0 where unused
        rcz = _native.FrVec.concat([_native.FrVec.zeros(1), spec.native_args()[0]])
        rci = np.zeros((G, 4), dtype=np.int64)
        r = self.round[prev]
        rci[g_recv, 0] = 1 + 2 * r
        rci[g_recv, 1] = 1 + 2 * r + 1
        part = self.kind[prev] == PARTIAL
        rci[g_recv[part], 2] = 1 + 2 * (r[part] + 1)
        rci[g_recv[part], 3] = 1 + 2 * (r[part] + 1) + 1
        for ln in range(lanes.count):
            sl = slice(ln * u, min((ln + 1) * u, G))
            P = [cs.advice_column(f"p{ln}_{j}") for j in range(COLS)]
            lanes.advice.append(P)

            def col(name, values):
                c = cs.fixed_column(f"p{ln}_{name}")
                lanes.fixed[c] = values
                return c

            QF, QP = col("qf", qf[sl].copy()), col("qp", qp[sl].copy())
            AB, IN = col("ab", ab[sl].copy()), col("in", ini[sl].copy())
            Rc = [col(f"rc{w}", rcz.gather(np.ascontiguousarray(rci[sl, w]))) for w in range(4)]
            p0, p1, p2, p3, p4 = (c.prev() for c in P)
            x0, x1 = p0 + Rc[0].cur(), p1 + Rc[1].cur()
            y0, y1 = p2 * p2 * x0, p3 * p3 * x1
            full = [QF.cur() * (p2 - x0 * x0), QF.cur() * (p3 - x1 * x1),
                    QF.cur() * (P[0].cur() - AB.cur() * P[4].cur() - m00 * y0 - m01 * y1),
                    QF.cur() * (P[1].cur() - m10 * y0 - m11 * y1)]
            xb = p3 + Rc[2].cur()
            s1b = m10 * y0 + m11 * x1 + Rc[3].cur()
            yb = p4 * p4 * xb
            partial = [QP.cur() * (p2 - x0 * x0), QP.cur() * (p3 - m00 * y0 - m01 * x1),
                       QP.cur() * (p4 - xb * xb),
                       QP.cur() * (P[0].cur() - m00 * yb - m01 * s1b),
                       QP.cur() * (P[1].cur() - m10 * yb - m11 * s1b)]
            for name, polys in ((f"poseidon.full.l{ln}", full), (f"poseidon.partial.l{ln}", partial),
                                (f"poseidon.init.l{ln}", [IN.cur() * (P[1].cur() - spec.capacity)])):
                cs.create_gate(name, polys)
                lanes.gate_lane[name] = ln
            for j in EQUAL_COLS:
                cs.enable_equality(P[j])

    # ---------------------------------------------------------------- copies
    def copies(self, region_cell, instance: Column | None, digest_offset: int) -> np.ndarray:
        """(m, 4) copies: carries, the tensors' cells into the init and absorb rows, and (when
        ``instance`` is given) each digest into instance rows digest_offset, digest_offset + 1 …
        ``region_cell(g, c)`` maps region cells to (column index, row)."""
        lanes = self.lanes
        if not self.chains:
            return np.zeros((0, 4), np.int64)
        parts = []
        for j in (0, 1):
            a = lanes.cell(self.pos[self.carry_src], j)
            b = lanes.cell(self.carry_g, j)
            parts.append(np.stack([a[0], a[1], b[0], b[1]], axis=1))
        msg_cells = Cells.concat([c.cells for c in self.chains]) if self.chains else None
        for flag, j in ((self.init, 0), (self.absorb, 4)):
            rows = np.flatnonzero(flag)
            if rows.size:
                m = self.msg[rows]
                ca, ra = region_cell(msg_cells.g[m], msg_cells.c[m])
                cb, rb = lanes.cell(self.pos[rows], j)
                parts.append(np.stack([ca, ra, cb, rb], axis=1))
        if instance is not None and len(lanes.digest_rows):
            cb, rb = lanes.cell(lanes.digest_rows, 0)
            n = len(lanes.digest_rows)
            parts.append(np.stack([np.full(n, instance.index), digest_offset + np.arange(n), cb, rb], axis=1))
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros((0, 4), np.int64)

    # ---------------------------------------------------------------- values
    def witness(self) -> tuple[dict, list[int]]:
        """({advice column: FrVec}, digests) from the chains' values."""
        lanes, spec, u = self.lanes, self.spec, self.u
        traces = [sponge_trace(np.asarray(c.values, np.int64).reshape(-1), spec) for c in self.chains]
        S = _native.FrVec.concat(traces) if traces else _native.FrVec.zeros(0)
        msg = _native.FrVec.from_i64(np.concatenate([np.asarray(c.values, np.int64).reshape(-1) for c in self.chains])
                                     if self.chains else np.zeros(0, np.int64))
        L = self.rows
        k, r = self.kind, np.clip(self.round, 0, spec.rounds - 1)
        part = k == PARTIAL
        rc = spec.native_args()[0]
        s0, s1 = S.gather(2 * self.state), S.gather(2 * self.state + 1)
        s0b = S.gather(np.where(part, 2 * (self.state + 1), 2 * self.state))
        x0, x1 = s0 + rc.gather(2 * r), s1 + rc.gather(2 * r + 1)
        xb = s0b + rc.gather(2 * np.clip(r + 1, 0, spec.rounds - 1))
        t0, t1, tb = x0 * x0, x1 * x1, xb * xb
        m = msg.gather(np.where(self.absorb, self.msg, 0)) if len(msg) else _native.FrVec.zeros(L)
        i = np.arange(L)
        pick = np.where(part, L + i, i)
        V = [s0, s1, t0, _native.FrVec.concat([t1, s0b]).gather(pick), _native.FrVec.concat([m, tb]).gather(pick)]
        advice = {}
        zero = _native.FrVec.zeros(1)
        for j in range(COLS):
            idx = np.where(lanes.assigned[:, j], 1 + self.src, 0)
            col = _native.FrVec.concat([zero, V[j]]).gather(idx)
            for ln in range(lanes.count):
                advice[lanes.advice[ln][j]] = col.slice(ln * u, min((ln + 1) * u, self.G))
        digests = [t[len(t) - 2] for t in traces]
        return advice, digests
