"""Every polynomial of one proof, held compactly and materialised only when a round needs it.

A PLONK proof at k = 22 touches ~160 polynomials of n = 2^k field elements (134 MB each); holding
all of them in coefficient form, next to their values on H, is what made nanoGPT tiny's prover
too big. ``ProofPolynomials`` keeps each polynomial in the smallest form it has:

    ("col", advice)   the witness's values (int64 usable rows, as laid out) + n − u random
                      blinding values drawn once per proof
    ("col", fixed)    the proving key's compact column (int64 or FrVec, trailing zeros trimmed)
    ("col", instance) the public values (a few)
    ("sigma", j)      the key's uint32 cell numbers → δ^{j'}·ω^{i} (one gather)
    ("m", t)          int64 multiplicity counts + n − u random blinding values
    ("z", c), ("phi", p), ("random",)   only exist as full field vectors: held as coefficients

``values(key)`` rebuilds p on H (no NTT); ``coeffs(key)`` returns p's coefficients — from the
coefficient cache when held, else by one iNTT of ``values(key)``. The cache keeps coefficient
vectors while its byte budget lasts and never evicts (the quotient reads the polynomials in the
same order on every sub-coset, for which keeping the first ones is optimal, and LRU would
thrash); beyond the budget a polynomial is recomputed on each use — an iNTT (~n·log n
multiplications) traded for n·32 bytes. The ``held`` entries (z, φ, r, h) do not count against
the budget: they have no smaller form.

Values on H are kept too, within the same budget, from the advice round until the lookup sums
are built (``drop_row_values``): the rounds before the quotient read a column's values once per
lookup table and once for the permutation, and rebuilding them (an int64 → field conversion per
row) cost seconds per proof. σ values (read once) are not kept.
"""

from __future__ import annotations

from typing import Callable, Hashable

import numpy as np

from ezk import _native
from ezk.plonk.circuit import padded
from ezk.plonk.domain import Domain

R = _native.MODULUS
ELEMENT_BYTES = 32


def with_blinding(values, blind: "_native.FrVec", d: Domain, what: str = "advice column") -> "_native.FrVec":
    """Rows 0 .. u−1 from ``values`` (an FrVec or int array of at most u rows, zero-padded),
    rows u .. n−1 from ``blind``."""
    return _native.FrVec.concat([padded(values, d.usable, d.usable, what), blind])


class LazyColumns:
    """A read-only sequence whose item j is built by ``make(j)`` on every access (never cached)."""

    def __init__(self, count: int, make: Callable[[int], "_native.FrVec"]) -> None:
        self._count, self._make = count, make

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, j: int) -> "_native.FrVec":
        if not 0 <= j < self._count:
            raise IndexError(j)
        return self._make(j)


class RowColumns:
    """Column values on H by global column index, built on first access and kept until this
    object is dropped (one lookup table's worth of columns at a time)."""

    def __init__(self, polys: "ProofPolynomials") -> None:
        self._polys = polys
        self._cache: dict = {}

    def __getitem__(self, index: int) -> "_native.FrVec":
        v = self._cache.get(index)
        if v is None:
            v = self._cache[index] = self._polys.values(("col", index))
        return v


class ProofPolynomials:
    """The compact sources of one proof's polynomials and a bounded coefficient cache."""

    def __init__(self, pk, domain: Domain, cache_bytes: int, stored=None) -> None:
        self.pk, self.domain = pk, domain
        self.stored = stored  # a fixed_cosets.FixedCosets (fixed coefficients read, not iNTT'd) or None
        self.cs = pk.vk.cs
        self.cache_bytes = int(cache_bytes)
        self._sources: dict[Hashable, Callable[[], "_native.FrVec"]] = {}
        self._cache: dict = {}
        self._cached_bytes = 0
        self._held: dict = {}
        self._values: dict = {}  # values on H kept until drop_row_values (same budget)
        self._keep_values = True
        self.intts = 0  # coefficient vectors computed (for tests and profiling)
        self._omega_powers = None
        for c in self.cs.fixed:
            self._sources[("col", c.index)] = (lambda i=c.kind_index: pk.fixed_column(i))
        for j in range(len(self.cs.permutation_columns)):
            self._sources[("sigma", j)] = (lambda j=j: self._sigma(j))

    # ----------------------------------------------------------------- registration
    def _register(self, key: Hashable, source: Callable[[], "_native.FrVec"]) -> None:
        for stale in (self._values, self._cache):  # what an earlier source of key gave
            kept = stale.pop(key, None)
            if kept is not None:
                self._cached_bytes -= len(kept) * ELEMENT_BYTES
        self._sources[key] = source

    def add_advice(self, column_index: int, values, blind: "_native.FrVec") -> None:
        d = self.domain
        self._register(("col", column_index), lambda: with_blinding(values, blind, d))

    def add_instance(self, column_index: int, values: "_native.FrVec") -> None:
        n = self.domain.n
        self._register(("col", column_index), lambda: values.resize(n))

    def add_counts(self, key: Hashable, counts: np.ndarray, blind: "_native.FrVec") -> None:
        self._register(key, lambda: _native.FrVec.concat([_native.FrVec.from_i64(counts), blind]))

    def hold(self, key: Hashable, coeffs: "_native.FrVec") -> None:
        """Keep ``coeffs`` as the polynomial ``key`` (no compact form exists)."""
        self._held[key] = coeffs

    # ----------------------------------------------------------------------- access
    def _sigma(self, j: int) -> "_native.FrVec":
        from ezk.plonk import permutation

        n = self.domain.n
        if self._omega_powers is None:
            self._omega_powers = _native.FrVec.powers(self.domain.omega, n)
        return permutation.sigma_column(self.pk.sigma, j, n, self._omega_powers)

    def values(self, key: Hashable) -> "_native.FrVec":
        """p on H (n values), rebuilt from its compact form (or kept from an earlier call until
        ``drop_row_values``). Callers must not modify it in place."""
        v = self._values.get(key)
        if v is None:
            v = self._sources[key]()
            if key[0] != "sigma":
                self._keep(key, v)
        return v

    def _keep(self, key: Hashable, values: "_native.FrVec") -> None:
        size = len(values) * ELEMENT_BYTES
        if self._keep_values and key not in self._values and self._cached_bytes + size <= self.cache_bytes:
            self._values[key] = values
            self._cached_bytes += size

    def drop_row_values(self) -> None:
        """Release the kept values on H (and the σ table) and keep no more: the rounds from the
        quotient on read coefficients only."""
        self._cached_bytes -= sum(len(v) * ELEMENT_BYTES for v in self._values.values())
        self._values.clear()
        self._keep_values = False
        self._omega_powers = None

    def coeffs(self, key: Hashable) -> "_native.FrVec":
        """p's n coefficients (cached within the budget, else recomputed)."""
        held = self._held.get(key)
        if held is not None:
            return held
        c = self._cache.get(key)
        if c is not None:
            return c
        c = self.stored.get(key, -1) if self.stored is not None else None
        if c is None:
            kept = self._values.get(key)  # computing coefficients keeps no values
            c = _native.intt(kept if kept is not None else self._sources[key]())
            self.intts += 1
        size = len(c) * ELEMENT_BYTES
        if self._cached_bytes + size <= self.cache_bytes:
            self._cache[key] = c
            self._cached_bytes += size
        return c

    def __getitem__(self, key: Hashable) -> "_native.FrVec":
        return self.coeffs(key)

    def cache_values_and_coeffs(self, key: Hashable, values: "_native.FrVec") -> None:
        """Offer coefficients for ``key`` computed from ``values`` already in hand (no rebuild),
        and the values themselves (coefficients first while the budget lasts)."""
        size = len(values) * ELEMENT_BYTES
        if key not in self._cache and self._cached_bytes + size <= self.cache_bytes:
            self._cache[key] = _native.intt(values)
            self.intts += 1
            self._cached_bytes += size
        self._keep(key, values)

    @property
    def cached_bytes(self) -> int:
        return self._cached_bytes

    def clear(self) -> None:
        self._cache.clear()
        self._values.clear()
        self._held.clear()
        self._cached_bytes = 0
        self._omega_powers = None
