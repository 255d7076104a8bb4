"""Keys: the VerifyingKey (shape + commitments + digest) and the lean ProvingKey.

VerifyingKey = (k, the full ConstraintSystem shape, [fixed_j(τ)]₁, [σ_j(τ)]₁, the number of
public values of each instance column, the digest of the SRS elements verification uses —
[1]₁, [1]₂, [τ]₂ — that keygen committed with); its ``digest`` (Blake2b-256 of its bytes) is the
first thing absorbed into every transcript. A verifier refuses instances of another length and
an SRS of another digest.

ProvingKey = VerifyingKey + the fixed columns' values (trailing zero rows dropped; held and
stored as int64 — held in the narrowest integer dtype — when every value fits, else as 32-byte
field elements) + σ as a (P, n) uint32 array of
cell numbers. Everything else the prover needs (coefficients and coset evaluations of
fixed and σ, the σ field values δʲωⁱ, the Lagrange selectors) is recomputed per proof with a
few NTTs — cheap next to the MSMs, and it keeps the key ≤ 8 (or 32) bytes per used fixed row
plus 4·n bytes per permuted column.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ezk import _native
from ezk.errors import ArtifactError, EzkError
from ezk.kzg import commit_lagrange
from ezk.plonk import lookup, permutation
from ezk.plonk.circuit import Circuit, domain_of
from ezk.plonk.constraint_system import ConstraintSystem
from ezk.plonk.domain import Domain
from ezk.plonk.serial import Reader, Writer, read_tag

VK_TAG, PK_TAG = b"ezk-plonk-vk\x00", b"ezk-plonk-pk\x00"
# 2: advice columns and challenges carry phases, gate polynomials names;
# 3: the verifying key records its instance lengths and the SRS digest
# 4: lookups carry an optional weight (an expression over fixed columns)
KEY_VERSION = 4
VK_MAGIC = VK_TAG + bytes([KEY_VERSION])
PK_MAGIC = PK_TAG + bytes([KEY_VERSION])
_REMEDY = "run setup (keygen) again with this version of ezk"
R = _native.MODULUS


@dataclass(eq=False)
class VerifyingKey:
    k: int
    cs: ConstraintSystem
    fixed_commitments: list
    sigma_commitments: list
    instance_lengths: tuple  # per instance column, its number of public values
    srs_digest: bytes  # VerifierSRS.digest() of the SRS the commitments were made with

    @cached_property
    def domain(self) -> Domain:
        return domain_of(self.cs, self.k)

    def to_bytes(self) -> bytes:
        w = Writer()
        w.raw(VK_MAGIC)
        w.u8(self.k)
        self.cs.write(w)
        w.u32(len(self.fixed_commitments))
        for p in self.fixed_commitments:
            w.point(p)
        w.u32(len(self.sigma_commitments))
        for p in self.sigma_commitments:
            w.point(p)
        w.u32(len(self.instance_lengths))
        for n in self.instance_lengths:
            w.u32(n)
        w.raw(self.srs_digest)
        return w.getvalue()

    @classmethod
    def read(cls, r: Reader) -> "VerifyingKey":
        read_tag(r, VK_TAG, KEY_VERSION, "an ezk PLONK verifying key", _REMEDY)
        k = r.u8()
        try:
            cs = ConstraintSystem.read(r)
        except ArtifactError:
            raise
        except (EzkError, RecursionError):
            raise r.fail("its constraint system is inconsistent") from None
        fixed = [r.point() for _ in range(r.count())]
        sigma = [r.point() for _ in range(r.count())]
        if len(fixed) != len(cs.fixed) or len(sigma) != len(cs.permutation_columns):
            raise r.fail("its commitments do not match its constraint system")
        lengths = tuple(r.u32() for _ in range(r.count()))
        srs_digest = r.take(32)
        if len(lengths) != len(cs.instance):
            raise r.fail("its instance lengths do not match its constraint system")
        vk = cls(k, cs, fixed, sigma, lengths, srs_digest)
        try:
            vk.domain
        except EzkError:
            raise r.fail("its domain is invalid") from None
        if any(n > vk.domain.usable for n in lengths):
            raise r.fail("an instance column is longer than the usable rows")
        return vk

    @classmethod
    def from_bytes(cls, data: bytes) -> "VerifyingKey":
        r = Reader(data, "verifying key")
        vk = cls.read(r)
        r.done()
        return vk

    @cached_property
    def digest(self) -> bytes:
        return hashlib.blake2b(self.to_bytes(), digest_size=32, person=b"ezk-plonk-vk").digest()


@dataclass(eq=False)
class ProvingKey:
    vk: VerifyingKey
    fixed: list  # per fixed column, its used rows: a signed-integer numpy array (narrowest dtype) or FrVec
    sigma: np.ndarray = field(repr=False)  # (P, n) uint32 cell numbers

    def fixed_column(self, i: int) -> "_native.FrVec":
        """Fixed column i on H (n values), built from its compact form."""
        f = self.fixed[i]
        if isinstance(f, np.ndarray):
            f = _native.FrVec.from_i64(f.astype(np.int64, copy=False))
        return f.resize(self.vk.domain.n)

    def fixed_values(self) -> list["_native.FrVec"]:
        return [self.fixed_column(i) for i in range(len(self.fixed))]

    def sigma_values(self) -> list["_native.FrVec"]:
        return permutation.sigma_values(self.sigma, self.vk.domain.n)

    def to_bytes(self) -> bytes:
        w = Writer()
        w.raw(PK_MAGIC)
        w.blob(self.vk.to_bytes())
        w.u32(len(self.fixed))
        for f in self.fixed:
            small = _as_i64(f)
            if small is None:
                w.u8(0)
                w.blob(f.to_bytes())
            else:
                w.u8(1)
                w.blob(small.astype("<i8").tobytes())  # int64 on disk, whatever the width held
        p, n = self.sigma.shape
        w.u32(p)
        w.u32(n)
        w.raw(np.ascontiguousarray(self.sigma, dtype="<u4").tobytes())
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "ProvingKey":
        r = Reader(data, "proving key")
        read_tag(r, PK_TAG, KEY_VERSION, "an ezk PLONK proving key", _REMEDY)
        vk = VerifyingKey.from_bytes(r.blob())
        d = vk.domain
        fixed = []
        for _ in range(r.count()):
            encoding, raw = r.u8(), r.blob()
            if encoding == 1 and len(raw) % 8 == 0:
                fixed.append(_narrow(np.frombuffer(raw, dtype="<i8")))
                continue
            if encoding != 0 or len(raw) % 32:
                raise r.fail("a fixed column has an unknown encoding or a partial element")
            try:
                fixed.append(_native.FrVec.from_bytes(raw))
            except ValueError:
                raise r.fail("a fixed column holds a non-canonical field element") from None
        p, n = r.u32(), r.u32()
        if len(fixed) != len(vk.cs.fixed) or any(len(f) > d.usable for f in fixed):
            raise r.fail("its fixed columns do not match its verifying key")
        if p != len(vk.cs.permutation_columns) or n != d.n:
            raise r.fail("its permutation does not match its verifying key")
        sigma = np.frombuffer(r.take(4 * p * n), dtype="<u4").reshape(p, n).astype(np.uint32)
        r.done()
        if p and int(sigma.max()) >= p * n:
            raise r.fail("its permutation names a cell that does not exist")
        return cls(vk, fixed, sigma)


def keygen(circuit: Circuit, srs) -> tuple[ProvingKey, VerifyingKey]:
    """Commit to the fixed columns and the permutation σ_j (Lagrange-basis MSMs), one column
    at a time: only the column being committed is alive as n field elements; the key keeps
    each fixed column compact (int64 when it fits, trailing zero rows dropped). Lookup weights
    outside [0, 2^32) on a usable row are refused first (ezk.plonk.lookup)."""
    cs, d = circuit.cs, circuit.domain
    if srs.n < d.n:
        raise EzkError(f"the SRS has 2^{srs.k} points but the circuit needs 2^{d.k}; use a larger SRS.")
    lookup.check_weights(cs, lambda q: circuit.fixed_column(q.column.kind_index).rotate(q.rotation), d.usable, d.n)
    fixed, fixed_commitments = [], []
    for i in range(len(cs.fixed)):
        values = circuit.fixed_column(i)
        fixed_commitments.append(commit_lagrange(srs, values))
        fixed.append(_compact(_trim(values)))
        del values
    sigma = permutation.build_sigma(circuit.copy_array(), cs.permutation_columns, d.n)
    omega_powers = _native.FrVec.powers(d.omega, d.n)
    sigma_commitments = [sigma_commitment(srs, sigma, j, omega_powers) for j in range(sigma.shape[0])]
    del omega_powers
    vk = VerifyingKey(circuit.k, cs, fixed_commitments, sigma_commitments, circuit.public_lengths(),
                      srs.verifier().digest())
    pk = ProvingKey(vk, fixed, sigma)
    return pk, vk


def sigma_commitment(srs, sigma: np.ndarray, j: int, omega_powers: "_native.FrVec") -> "_native.G1":
    """[σ_j(τ)]₁ = δʲ·[τ]₁ + Σ_i (σ_j(ωⁱ) − δʲωⁱ)·[L_i(τ)]₁.

    The identity id_j(ωⁱ) = δʲωⁱ interpolates to the polynomial δʲ·X, whose commitment is
    δʲ·[τ]₁; σ_j − id_j is zero on every cell no copy moves, and the MSM skips zero scalars —
    so the cost follows the copied cells, not n."""
    n = len(omega_powers)
    dj = pow(permutation.delta(), j, R)
    moved = permutation.sigma_column(sigma, j, n, omega_powers)
    moved.axpy_assign(-dj, omega_powers)
    return commit_lagrange(srs, moved) + srs.g1[1].mul(dj)


def _as_i64(f) -> np.ndarray | None:
    """The column as int64 values when every element fits (field negatives as negatives), else None."""
    if isinstance(f, np.ndarray):
        return f
    try:
        return f.to_i64()
    except ValueError:
        return None


def _narrow(values: np.ndarray) -> np.ndarray:
    """The smallest signed integer dtype holding every value (selectors and small constants
    take 1–2 bytes per row in memory instead of 8)."""
    if values.size == 0:
        return values.astype(np.int8)
    lo, hi = int(values.min()), int(values.max())
    for dt in (np.int8, np.int16, np.int32):
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return values.astype(dt)
    return values.astype(np.int64)


def _compact(values: "_native.FrVec"):
    small = _as_i64(values)
    return values if small is None else _narrow(small)


def _trim(values: "_native.FrVec") -> "_native.FrVec":
    """The column without its trailing zero rows."""
    used = np.flatnonzero(np.frombuffer(values.to_bytes(), dtype=np.uint8).reshape(-1, 32).any(axis=1))
    return values.slice(0, int(used[-1]) + 1 if used.size else 0)
