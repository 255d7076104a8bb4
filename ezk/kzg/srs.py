"""The structured reference string (powers of tau) and what a verifier keeps of it.

An SRS of size n = 2^k is ``([τ⁰]₁, [τ¹]₁, …, [τ^(n-1)]₁; [1]₂, [τ]₂)`` for a secret τ nobody
knows. It commits to polynomials of degree < n: ``[p(τ)]₁ = Σ cᵢ·[τ^i]₁``. For columns given as
evaluations on the size-m subgroup H = ⟨ω⟩ (m ≤ n), the Lagrange basis ``[L_i(τ)]₁`` gives
``[p(τ)]₁ = Σ p(ωⁱ)·[L_i(τ)]₁``: one MSM over the evaluations themselves, which for circuit
columns are small integers and mostly zero (the native MSM's fast case).

Where a basis comes from, cheapest first:

* the object's cache;
* a *source* that produces it without a group iNTT: a Lagrange section of the SRS file (ezk's
  ``.srs`` stores every size, halo2 ParamsKZG its own size, a prepared snarkjs ``.ptau`` every
  size), read and checked on first use; or, for :meth:`SRS.generate`, ``lagrange_from_tau``
  from the known τ;
* only in :meth:`SRS.lagrange`: the group iNTT of the powers, n log n G1 scalar
  multiplications (~15 s at 2^16, minutes at 2^20).

A verifier needs only ``[1]₁, [1]₂, [τ]₂``: :class:`VerifierSRS`, 168 bytes serialised. Its
``digest`` is recorded in every verifying key, so the verifier is handed the SRS the keys were
made with. A *degenerate* SRS — τ ∈ {0, ±1}, seen as [τ]₁ ∈ {O, [1]₁} or [τ]₂ ∈ {O, ±[1]₂},
or an identity generator — makes every commitment computable without τ being secret, so
every load refuses it (``degeneracy``).
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ezk import _native
from ezk.errors import ArtifactError, EzkError
from ezk.kzg import ceremony, srs_format
from ezk.kzg.srs_format import MAX_SRS_K, SrsPoints

_VSRS_TAG = b"ezkvsrs1"  # format name + version of VerifierSRS.to_bytes
_VSRS_SIZE = len(_VSRS_TAG) + 32 + 64 + 64


@dataclass(frozen=True)
class VerifierSRS:
    """``[1]₁, [1]₂, [τ]₂``: everything a KZG verifier needs (independent of the degree)."""

    g1: "_native.G1"
    g2: "_native.G2"
    tau_g2: "_native.G2"

    def to_bytes(self) -> bytes:
        """``b"ezkvsrs1" ‖ [1]₁ (32, compressed) ‖ [1]₂ (64) ‖ [τ]₂ (64)``: 168 bytes."""
        return _VSRS_TAG + self.g1.to_bytes() + self.g2.to_bytes() + self.tau_g2.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "VerifierSRS":
        data = bytes(data)
        if len(data) != _VSRS_SIZE or data[: len(_VSRS_TAG)] != _VSRS_TAG:
            raise ArtifactError("the bytes are not a serialised ezk verifier SRS (wrong tag or length).")
        o = len(_VSRS_TAG)
        try:
            g1 = _native.G1.from_bytes(data[o: o + 32])
            g2 = _native.G2.from_bytes(data[o + 32: o + 96])
            tau_g2 = _native.G2.from_bytes(data[o + 96: o + 160])
        except ValueError as e:
            raise ArtifactError(f"the verifier SRS holds an invalid point: {str(e).rstrip('.')}.") from None
        why = degeneracy(g1, None, g2, tau_g2)
        if why:
            raise ArtifactError(f"the verifier SRS is degenerate ({why}).")
        return cls(g1=g1, g2=g2, tau_g2=tau_g2)

    def digest(self) -> bytes:
        """blake2b-256 of :meth:`to_bytes`, for a verifying key that references the SRS."""
        return hashlib.blake2b(self.to_bytes(), digest_size=32).digest()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VerifierSRS) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())


class SRS:
    """Powers of tau in G1 (n = 2^k of them), ``[1]₂`` and ``[τ]₂``."""

    def __init__(self, g1: "_native.G1Vec", g2: "_native.G2", tau_g2: "_native.G2") -> None:
        n = len(g1)
        if n < 1 or n & (n - 1) or n > 1 << MAX_SRS_K:
            raise EzkError(f"an SRS needs a power-of-two number of G1 points (≤ 2^{MAX_SRS_K}), got {n}.")
        self.g1 = g1
        self.g2 = g2
        self.tau_g2 = tau_g2
        self.n = n
        self.k = n.bit_length() - 1
        self._lagrange: dict[int, "_native.G1Vec"] = {}
        # size m -> a producer of [L^{(m)}_i(τ)]₁ that needs no group iNTT (file section, known τ)
        self._lagrange_sources: dict[int, Callable[[], "_native.G1Vec"]] = {}

    def __repr__(self) -> str:
        return f"SRS(k={self.k}, n={self.n})"

    # ---------------------------------------------------------------- construction

    @classmethod
    def generate(cls, k: int, seed: bytes | None = None) -> "SRS":
        """An SRS from a random τ (or one derived from ``seed``). INSECURE, testing only:
        whoever runs this knows τ and can forge proofs."""
        if not 0 <= k <= MAX_SRS_K:
            raise EzkError(f"k must be between 0 and {MAX_SRS_K}, got {k}.")
        print(f"ezk: generating an SRS with k={k} from a locally known tau: insecure, testing only.",
              file=sys.stderr)
        tau = _native.FrVec.random(1, seed)[0]
        g1 = _native.G1Vec.powers_of_tau(tau, 1 << k)
        g2 = _native.G2.generator()
        srs = cls(g1, g2, g2.mul(tau))
        # every Lagrange basis from the known τ (fixed-base, as fast as the powers), on demand
        srs._lagrange_sources = {1 << j: _basis_from_tau(tau, 1 << j) for j in range(k + 1)}
        return srs

    @classmethod
    def _from_points(cls, points: SrsPoints) -> "SRS":
        srs = cls(points.g1, points.g2, points.tau_g2)
        srs._lagrange_sources = {m: f for m, f in points.lagrange.items() if m <= srs.n}
        return srs

    def truncated(self, k: int) -> "SRS":
        """The SRS of the first 2^k powers (it shares the cached Lagrange bases of size ≤ 2^k)."""
        if not 0 <= k <= self.k:
            raise EzkError(f"cannot truncate an SRS with k={self.k} to k={k}.")
        if k == self.k:
            return self
        out = SRS(self.g1.slice(0, 1 << k), self.g2, self.tau_g2)
        out._lagrange = {m: v for m, v in self._lagrange.items() if m <= out.n}
        out._lagrange_sources = {m: f for m, f in self._lagrange_sources.items() if m <= out.n}
        return out

    # ----------------------------------------------------------------------- use

    def has_lagrange(self, n: int) -> bool:
        """Whether the size-n basis is cached or has a source (no group iNTT needed)."""
        return n in self._lagrange or n in self._lagrange_sources

    def lagrange_sizes(self) -> list[int]:
        """The sizes whose basis is available without a group iNTT, ascending."""
        return sorted(set(self._lagrange) | set(self._lagrange_sources))

    def cached_lagrange(self, n: int) -> "_native.G1Vec | None":
        """The size-n Lagrange basis if it is cached or has a source (read from the SRS file or
        computed from a known τ on first use, then cached), else None: never a group iNTT."""
        basis = self._lagrange.get(n)
        if basis is None and n in self._lagrange_sources:
            basis = self._lagrange_sources[n]()
            if len(basis) != n:
                raise ArtifactError(f"the stored Lagrange basis of size {n} has {len(basis)} points.")
            self._lagrange[n] = basis
        return basis

    def lagrange(self, n: int) -> "_native.G1Vec":
        """``[L_i(τ)]₁`` for the size-n subgroup ⟨ω_n⟩ (arkworks' ω), i < n; cached per n.

        From the cache or a source when there is one, otherwise by a group iNTT of the first n
        powers: n log n G1 scalar multiplications (tens of seconds at n = 2^16)."""
        if n < 1 or n & (n - 1) or n > self.n:
            raise EzkError(f"a Lagrange basis needs a power-of-two size ≤ {self.n}, got {n}.")
        basis = self.cached_lagrange(n)
        if basis is None:
            basis = self.g1.slice(0, n).ifft()
            self._lagrange[n] = basis
        return basis

    def verifier(self) -> VerifierSRS:
        return VerifierSRS(g1=self.g1[0], g2=self.g2, tau_g2=self.tau_g2)

    def check_pairing(self) -> bool:
        """e([τ]₁, [1]₂) = e([1]₁, [τ]₂), and [1]₁, [1]₂ are not the identity: one
        multi-pairing (a cheap sanity check that g1 and tau_g2 share the same τ)."""
        if self.g1[0].is_identity() or self.g2.is_identity():
            return False
        if self.n == 1:
            return True
        return _native.pairing_check([self.g1[1], -self.g1[0]], [self.g2, self.tau_g2])

    def check_powers(self, seed: bytes | None = None) -> bool:
        """All n powers are consistent: with random ρ_i,
        e(Σ ρ_i [τ^(i+1)]₁, [1]₂) = e(Σ ρ_i [τ^i]₁, [τ]₂). Two MSMs of size n - 1 and one
        pairing; sound except with probability ≈ 1/r."""
        if not self.check_pairing():
            return False
        if self.n <= 2:
            return True
        rho = _native.FrVec.random(self.n - 1, seed)
        lhs = self.g1.slice(1, self.n).msm(rho)
        rhs = self.g1.msm(rho)
        return _native.pairing_check([lhs, -rhs], [self.g2, self.tau_g2])

    def save(self, path: str | os.PathLike, lagrange: bool = True) -> None:
        """Write the SRS in ezk's format (see :mod:`ezk.kzg.srs_format`), with every Lagrange
        basis available without a group iNTT (all sizes for a generated SRS) unless
        ``lagrange`` is false. Bases that are not cached are produced one at a time and not kept."""
        sizes = [m.bit_length() - 1 for m in self.lagrange_sizes()] if lagrange else []

        def basis(j: int) -> "_native.G1Vec":
            m = 1 << j
            return self._lagrange[m] if m in self._lagrange else self._lagrange_sources[m]()

        srs_format.write_srs_file(path, self.g1, self.g2, self.tau_g2, sizes, basis)


def degeneracy(g1: "_native.G1", tau_g1: "_native.G1 | None", g2: "_native.G2", tau_g2: "_native.G2") -> str:
    """Why an SRS with these elements is degenerate ('' if it is not): τ = 0, 1 or −1 (anyone
    could then open any commitment anywhere), or an identity generator."""
    if g1.is_identity() or g2.is_identity():
        return "[1]₁ or [1]₂ is the identity"
    if tau_g2.is_identity() or (tau_g1 is not None and tau_g1.is_identity()):
        return "τ = 0 ([τ] is the identity)"
    if tau_g2 == g2 or (tau_g1 is not None and tau_g1 == g1):
        return "τ = 1 ([τ] = [1])"
    if tau_g2 == g2.neg() or (tau_g1 is not None and tau_g1 == -g1):
        return "τ = −1 ([τ] = −[1])"
    return ""


def _basis_from_tau(tau: int, m: int) -> Callable[[], "_native.G1Vec"]:
    return lambda: _native.G1Vec.lagrange_from_tau(tau, m)


def load_srs(path: str | os.PathLike, k: int | None = None) -> SRS:
    """Load an SRS, detecting the format: ezk's own, snarkjs ``.ptau`` or halo2/EZKL
    ``ParamsKZG``. With ``k``, only the first 2^k powers are read (the file must hold at least
    that many). The result passes :meth:`SRS.check_pairing`, or an ArtifactError is raised."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            prefix = f.read(16)
    except OSError as e:
        raise ArtifactError(f"cannot read the SRS file {path}: {e.strerror or e}.") from None
    if k is not None and not 0 <= k <= MAX_SRS_K:
        raise ArtifactError(f"cannot load 2^{k} powers of tau: k must be between 0 and {MAX_SRS_K}.")
    if srs_format.is_ezk_srs(prefix):
        points = srs_format.read_srs_file(path, k)
    elif ceremony.is_ptau(prefix):
        points = ceremony.read_ptau(path, k)
    elif ceremony.looks_like_halo2(prefix, size):
        points, _ = ceremony.read_halo2_params(path, k)
    else:
        raise ArtifactError(
            f"{path} is not an SRS file ezk recognises (ezk .srs, snarkjs .ptau or halo2 ParamsKZG)."
        )
    srs = SRS._from_points(points)
    why = degeneracy(srs.g1[0], srs.g1[1] if srs.n > 1 else None, srs.g2, srs.tau_g2)
    if why:
        raise ArtifactError(f"{path} is a degenerate SRS ({why}): its τ is no secret, so proofs made with it can be forged.")
    if not srs.check_pairing():
        raise ArtifactError(f"{path} is not a valid SRS: e([τ]₁, [1]₂) ≠ e([1]₁, [τ]₂).")
    return srs
