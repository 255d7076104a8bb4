"""Lookup tables: one tag per distinct table, packed into banks of fixed columns.

Every table is a set of (x, y) rows under a tag t ≥ 1; a bank is a triple of fixed columns
(TT, TX, TY) holding several tagged tables one after another (raw x and y), followed by at least
one all-zero row. A lookup slot of a row feeds (L, x, y) to a bank with weight L
(ezk.plonk.lookup's weighted lookups), where L = t on rows that look up table t (0 elsewhere;
range tables have TY = 0, so y must be 0). A disabled slot (L = 0) looks nothing up, and an
enabled one can only match rows of its own tag, since the tuple carries L and real rows have
t ≥ 1.

Kinds of tables:
* function tables (x, T(x)) for x in the node's ``attrs["range"]`` (ezk.ops.lookup.table_values),
  shared by every lookup node with the same function, parameters, scales and range;
* range tables (v, 0), v ∈ [0, 2^m), for m ≤ ``limb_bits``: comparison slacks are split into
  ⌈bits/limb_bits⌉ limbs of (nearly) equal width;
* signed range tables (v, 0), v ∈ [−2^(m−1), 2^(m−1)), for m ≤ ``limb_bits``: a rescale's
  remainder and quotient (ezk.layout.ops.rescale) are checked in place, their top limbs too. ``limb_bits`` is LIMB_BITS
  unless the circuit surely has more rows than a wider table (``limb_bits_for``): then fewer,
  wider limbs cost fewer lookups and never raise the circuit's k;
* gather tables (j, data[j, col]) for a private-index gather over a fixed tensor.

Banks: each fixed gather's tables fill banks of their own in tag order (its lookups are placed
bank by bank, ezk.layout.ops.nonlinear.bank_order), then every other table first-fit in
decreasing size (ties by tag): deterministic, a function of the graph and the bank capacity only.
"""

from __future__ import annotations

import json

import numpy as np

from ezk.errors import EzkError
from ezk.ops.lookup import table_values

LIMB_BITS = 12
MAX_LIMB_BITS = 18


def limb_bits_for(graph, slots: int, lanes: int) -> int:
    """Widest limb m ≤ MAX_LIMB_BITS whose range table (2^m rows) is smaller than a lower bound
    of the circuit's rows, so it can never raise min_k. The bound counts rows every layout
    makes: a function lookup takes a slot of a row (at most ``slots`` per row), a rescale a LIN
    lane (at most ``lanes`` per row, its range checks in place, ezk.layout.ops.rescale)."""
    looked = rescaled = 0
    for n in graph.nodes:
        size = int(np.prod(n.shape, dtype=np.int64))
        if n.op == "lookup":
            looked += size
        elif n.op == "rescale":
            rescaled += size
    lower = looked // max(slots, 1) + rescaled // max(lanes, 1)
    m = LIMB_BITS
    while m < MAX_LIMB_BITS and (1 << (m + 1)) < lower:
        m += 1
    return m


class Tables:
    def __init__(self, limb_bits: int = LIMB_BITS) -> None:
        self.limb_bits = limb_bits
        self.keys: dict[str, int] = {}
        self.sizes: list[int] = []
        self._build: list = []  # callables giving (xs, ys)
        self.names: list[str] = []

    def _tag(self, key: str, size: int, build, name: str) -> int:
        tag = self.keys.get(key)
        if tag is None:
            tag = len(self.sizes) + 1
            self.keys[key] = tag
            self.sizes.append(int(size))
            self._build.append(build)
            self.names.append(name)
        return tag

    def function(self, attrs: dict) -> int:
        lo, hi = (int(v) for v in attrs["range"])
        spec = {k: attrs.get(k) for k in ("fn", "params", "in_scale", "out_scale", "pre_mul", "pre_add")}
        key = "fn:" + json.dumps(spec, sort_keys=True) + f":{lo}:{hi}"

        def build():
            xs = np.arange(lo, hi + 1, dtype=np.int64)
            return xs, table_values(attrs, xs)

        return self._tag(key, hi - lo + 1, build, f"{attrs['fn']}[{lo},{hi}]")

    def range(self, bits: int) -> int:
        if not 1 <= bits <= self.limb_bits:
            raise AssertionError(f"range table of {bits} bits")

        def build():
            xs = np.arange(1 << bits, dtype=np.int64)
            return xs, np.zeros_like(xs)

        return self._tag(f"range:{bits}", 1 << bits, build, f"range[0,2^{bits})")

    def srange(self, bits: int) -> int:
        if not 1 <= bits <= self.limb_bits:
            raise AssertionError(f"signed range table of {bits} bits")

        def build():
            xs = np.arange(-(1 << (bits - 1)), 1 << (bits - 1), dtype=np.int64)
            return xs, np.zeros_like(xs)

        return self._tag(f"srange:{bits}", 1 << bits, build, f"range[-2^{bits - 1},2^{bits - 1})")

    def gather(self, key: str, xs: np.ndarray, ys: np.ndarray) -> int:
        xs, ys = np.asarray(xs, np.int64), np.asarray(ys, np.int64)
        return self._tag(key, len(xs), lambda: (xs, ys), key)

    def range_widths(self) -> list[int]:
        """The bit widths of the range tables made so far."""
        return [int(k.split(":")[1]) for k in self.keys if k.startswith("range:")]

    @property
    def count(self) -> int:
        return len(self.sizes)

    def largest(self) -> int:
        return max(self.sizes, default=0)

    def pack(self, capacity: int) -> list[list[int]]:
        """Tags per bank; every bank keeps one zero row free. A fixed gather's tables (one per
        column, all one size) fill banks of their own in tag order, ⌊capacity/size⌋ each — the
        grouping ``layout.ops.nonlinear.bank_order`` placed their lookups by, so each bank is
        read from one slot; then every other table first fit, decreasing size (ties by tag), in
        the gaps those banks leave and in new ones."""
        if self.largest() > capacity:
            raise EzkError(f"a lookup table of {self.largest()} rows does not fit in {capacity} rows")
        banks: list[list[int]] = []
        free: list[int] = []
        gathers: dict[str, list[int]] = {}
        for key, tag in self.keys.items():
            if key.startswith("gather:"):
                gathers.setdefault(key.split(":")[1], []).append(tag)
        for tags in gathers.values():
            tags = sorted(tags)
            per = capacity // self.sizes[tags[0] - 1]
            for i in range(0, len(tags), per):
                banks.append(tags[i:i + per])
                free.append(capacity - sum(self.sizes[t - 1] for t in banks[-1]))
        grouped = {t for tags in gathers.values() for t in tags}
        for tag in sorted(set(range(1, self.count + 1)) - grouped, key=lambda t: (-self.sizes[t - 1], t)):
            s = self.sizes[tag - 1]
            for i, f in enumerate(free):
                if s <= f:
                    banks[i].append(tag)
                    free[i] -= s
                    break
            else:
                banks.append([tag])
                free.append(capacity - s)
        return banks

    def bank_columns(self, tags: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(TT, TX, TY) of one bank."""
        parts = [(t,) + self._build[t - 1]() for t in tags]
        tt = np.concatenate([np.full(len(x), t, dtype=np.int64) for t, x, _ in parts])
        tx = np.concatenate([x for _, x, _ in parts])
        ty = np.concatenate([y for _, _, y in parts])
        return tt, tx, ty
