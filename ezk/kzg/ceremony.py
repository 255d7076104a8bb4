"""Import of the SRS files that real trusted-setup ceremonies ship.

snarkjs ``.ptau`` (powers of tau, phase 1)
    A "binfile": magic ``b"ptau"``, version u32, section count u32, then sections, each
    ``type u32 ‖ size u64 ‖ data``. Section 1 (header): ``n8 u32`` (32 for BN254), the base-field
    modulus q (n8 bytes LE), ``power u32`` and ``ceremonyPower u32``. Section 2 (tauG1) holds
    2^(power+1) − 1 G1 points [τ^i]₁; section 3 (tauG2) holds 2^power G2 points [τ^i]₂. Points
    are affine x ‖ y with every Fq element in Montgomery form (x·2^256 mod q), n8 bytes LE; an
    Fq2 element is c0 ‖ c1; the all-zero point is the identity.

halo2 ``ParamsKZG`` (EZKL's ``kzg{k}.srs``), as written by ``write_custom(.., RawBytes)``
    ``k u32 LE`` then g (2^k G1 points [τ^i]₁), g_lagrange (2^k G1 points [L_i(τ)]₁ over halo2's
    subgroup), g2 = [1]₂, s_g2 = [τ]₂ — every point in halo2curves' raw format: affine x ‖ y,
    Montgomery limbs LE (Fq2 as c0 ‖ c1). There is no n field: the file is exactly
    4 + 2·64·2^k + 2·128 bytes. halo2's compressed "Processed" variant is recognised and
    refused with a clear message.

Both readers load only the first 2^k G1 powers when asked to, and check every point (on the
curve, in the subgroup) in the native decoder.

Lagrange bases. Both formats may carry ``[L_i(τ)]₁`` bases, which :mod:`ezk.kzg.srs` serves (read
on first use) so that committing to evaluations needs no group iNTT:

* halo2's g_lagrange is the basis of the size-2^k_file subgroup, indexed by halo2curves' root of
  unity ω_h = 7^((r−1)/2^28) (raised to 2^(28−k)), while ezk (arkworks) uses ω = 5^((r−1)/2^28).
  Both generate the same cyclic subgroup: ω_h = ω^M with M = :data:`HALO2_OMEGA_LOG` (odd), so
  halo2's ``L'_i`` (1 at ω_h^i = ω^(M·i)) is our ``L_(M·i mod n)``, and ours is
  ``L_j = L'_(j·M⁻¹ mod n)``: a permutation of the file's points (numpy, on the raw bytes).
  It is offered only when the whole file is loaded (a smaller subgroup's basis does not follow
  from it).
* a snarkjs ``.ptau`` prepared for phase 2 has section 12 (lagrangeG1): for p = 0 … power the
  basis of size 2^p, concatenated (2^(power+1) − 1 points), indexed by ffjavascript's ω =
  5^((r−1)/2^28) (its first quadratic non-residue is 5, as arkworks' generator), so in our order.
  Files without section 12 (not prepared) carry none.

An imported basis is checked when it is read: ``Σ_i [L_i(τ)]₁ = [1]₁`` (Σ L_i = 1; an MSM with
all-one scalars, the cheap case) and ``Σ_i ω^i·[L_i(τ)]₁ = [τ]₁`` (Σ ω^i L_i(X) = X; catches a
wrong order), else an ArtifactError.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Callable

import numpy as np

from ezk import _native
from ezk.errors import ArtifactError
from ezk.kzg.srs_format import MAX_SRS_K, SrsPoints

PTAU_MAGIC = b"ptau"
_PTAU_MAX_SECTIONS = 64
_PTAU_HEADER, _PTAU_TAU_G1, _PTAU_TAU_G2, _PTAU_LAGRANGE_G1 = 1, 2, 3, 12
HALO2_OMEGA_LOG = 52831969  # M with 7^((r-1)/2^28) = (5^((r-1)/2^28))^M, both 2^28-th roots of 1
G1_RAW = 64
G2_RAW = 128


def _why(e: Exception) -> str:
    return str(e).rstrip(".")


def check_imported_basis(path: Path, basis: "_native.G1Vec", g1: "_native.G1Vec") -> "_native.G1Vec":
    """``basis`` if Σ [L_i] = [1]₁ and Σ ω^i [L_i] = [τ]₁ (ω of its size; ``g1`` the powers),
    else an ArtifactError naming the file."""
    n = len(basis)
    ok = basis.msm(_native.FrVec.constant(1, n)) == g1[0]
    if ok and n > 1:
        ok = basis.msm(_native.FrVec.powers(_native.root_of_unity(n), n, start=1)) == g1[1]
    if not ok:
        raise ArtifactError(f"{path} holds a Lagrange basis of size {n} that does not match its powers of tau.")
    return basis


def _permuted_points(raw: bytes, order: np.ndarray) -> bytes:
    """The 64-byte records of ``raw`` taken in ``order``."""
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, G1_RAW)[order].tobytes()


def _check_k(path: Path, k: int | None, k_file: int) -> int:
    k_load = k_file if k is None else k
    if not 0 <= k_load <= k_file:
        raise ArtifactError(f"{path} holds 2^{k_file} powers of tau, fewer than the 2^{k_load} requested.")
    return k_load


# ------------------------------------------------------------------------------- snarkjs


def is_ptau(prefix: bytes) -> bool:
    return prefix[:4] == PTAU_MAGIC


def _ptau_sections(f, path: Path, size: int) -> dict[int, tuple[int, int]]:
    """{section type: (data offset, data size)} of a ptau binfile (first occurrence)."""
    head = f.read(12)
    if len(head) < 12 or head[:4] != PTAU_MAGIC:
        raise ArtifactError(f"{path} is not a snarkjs .ptau file.")
    version, n_sections = struct.unpack("<II", head[4:])
    if version != 1:
        raise ArtifactError(f"{path} is a .ptau file of version {version}; only version 1 is supported.")
    if n_sections > _PTAU_MAX_SECTIONS:
        raise ArtifactError(f"{path} claims {n_sections} sections, more than a .ptau file has.")
    sections: dict[int, tuple[int, int]] = {}
    pos = 12
    for _ in range(n_sections):
        f.seek(pos)
        raw = f.read(12)
        if len(raw) < 12:
            raise ArtifactError(f"{path} is truncated inside its section table.")
        kind, length = struct.unpack("<IQ", raw)
        if pos + 12 + length > size:
            raise ArtifactError(f"{path} is truncated: section {kind} runs past the end of the file.")
        sections.setdefault(kind, (pos + 12, length))
        pos += 12 + length
    for kind in (_PTAU_HEADER, _PTAU_TAU_G1, _PTAU_TAU_G2):
        if kind not in sections:
            raise ArtifactError(f"{path} has no section {kind}, which every .ptau file has.")
    return sections


def read_ptau(path: str | os.PathLike, k: int | None = None) -> SrsPoints:
    """The first 2^k powers [τ^i]₁ and [1]₂, [τ]₂ of a snarkjs .ptau file (BN254 only)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            sections = _ptau_sections(f, path, size)
            hpos, hlen = sections[_PTAU_HEADER]
            f.seek(hpos)
            header = f.read(hlen)
            if hlen < 40:
                raise ArtifactError(f"{path} has a .ptau header of {hlen} bytes, too short.")
            (n8,) = struct.unpack_from("<I", header, 0)
            if n8 != 32:
                raise ArtifactError(f"{path} uses {n8}-byte field elements; only BN254 (32) is supported.")
            q = int.from_bytes(header[4:36], "little")
            if q != _native.BASE_MODULUS:
                raise ArtifactError(f"{path} is a .ptau file for another curve than BN254.")
            (power,) = struct.unpack_from("<I", header, 36)
            if power > MAX_SRS_K:
                raise ArtifactError(f"{path} claims power {power}; the largest supported is {MAX_SRS_K}.")
            k_load = _check_k(path, k, power)
            g1_pos, g1_len = sections[_PTAU_TAU_G1]
            g2_pos, g2_len = sections[_PTAU_TAU_G2]
            if g1_len != G1_RAW * ((2 << power) - 1) or g2_len != G2_RAW * (1 << power):
                raise ArtifactError(f"{path} has tauG1/tauG2 sections whose sizes do not match power {power}.")
            f.seek(g1_pos)
            g1_raw = f.read(G1_RAW << k_load)
            f.seek(g2_pos)
            g2_raw = f.read(2 * G2_RAW) if power >= 1 else b""
            lagrange_at = None
            if _PTAU_LAGRANGE_G1 in sections:
                lag_pos, lag_len = sections[_PTAU_LAGRANGE_G1]
                if lag_len != G1_RAW * ((2 << power) - 1):
                    raise ArtifactError(f"{path} has a lagrangeG1 section whose size does not match power {power}.")
                lagrange_at = lag_pos
    except OSError as e:
        raise ArtifactError(f"cannot read the .ptau file {path}: {e.strerror or e}.") from None
    if power < 1:
        raise ArtifactError(f"{path} has power 0, so it holds no [τ]₂.")
    try:
        g1 = _native.G1Vec.from_coordinates(g1_raw, montgomery=True)
        g2 = _native.G2.from_coordinates(g2_raw[:G2_RAW], montgomery=True)
        tau_g2 = _native.G2.from_coordinates(g2_raw[G2_RAW:], montgomery=True)
    except ValueError as e:
        raise ArtifactError(f"{path} holds an invalid curve point: {_why(e)}.") from None
    loaders = {}
    if lagrange_at is not None:  # size 2^p starts after the 2^p − 1 points of the smaller ones
        loaders = {1 << p: _basis_loader(path, lagrange_at + G1_RAW * ((1 << p) - 1), 1 << p, None, g1)
                   for p in range(k_load + 1)}
    return SrsPoints(k=k_load, g1=g1, g2=g2, tau_g2=tau_g2, lagrange=loaders)


def _basis_loader(path: Path, offset: int, n: int, order: "np.ndarray | None",
                  g1: "_native.G1Vec") -> Callable[[], "_native.G1Vec"]:
    """A reader of the n raw points at ``offset`` (permuted by ``order`` into ezk's indexing),
    checked against the powers ``g1`` by :func:`check_imported_basis`."""
    def load() -> "_native.G1Vec":
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                raw = f.read(G1_RAW * n)
        except OSError as e:
            raise ArtifactError(f"cannot read the SRS file {path}: {e.strerror or e}.") from None
        if len(raw) != G1_RAW * n:
            raise ArtifactError(f"{path} is truncated inside its Lagrange basis of size {n}.")
        if order is not None:
            raw = _permuted_points(raw, order)
        try:
            basis = _native.G1Vec.from_coordinates(raw, montgomery=True)
        except ValueError as e:
            raise ArtifactError(f"{path} holds an invalid curve point in its Lagrange basis: {_why(e)}.") from None
        return check_imported_basis(path, basis, g1)
    return load


def halo2_to_ezk_order(n: int) -> "np.ndarray":
    """``order`` with ours[j] = halo2's[order[j]]: L_j = L'_(j·M⁻¹ mod n) (module docstring)."""
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    return np.arange(n, dtype=np.int64) * pow(HALO2_OMEGA_LOG, -1, n) % n


# --------------------------------------------------------------------------------- halo2


def halo2_file_size(k: int) -> int:
    """Size of a RawBytes ParamsKZG file for 2^k powers."""
    return 4 + 2 * G1_RAW * (1 << k) + 2 * G2_RAW


def _halo2_processed_size(k: int) -> int:
    return 4 + 2 * 32 * (1 << k) + 2 * 64


def looks_like_halo2(prefix: bytes, size: int) -> bool:
    """Whether a file of ``size`` bytes starting with ``prefix`` has a ParamsKZG layout."""
    if len(prefix) < 4:
        return False
    (k,) = struct.unpack_from("<I", prefix, 0)
    return k <= MAX_SRS_K and size in (halo2_file_size(k), _halo2_processed_size(k))


def read_halo2_params(path: str | os.PathLike, k: int | None = None,
                      with_lagrange: bool = False) -> tuple[SrsPoints, "_native.G1Vec | None"]:
    """The first 2^k powers of a halo2/EZKL ParamsKZG file, [1]₂ and [τ]₂; with
    ``with_lagrange`` also the file's own g_lagrange (all 2^k_file points, halo2's ordering)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4:
                raise ArtifactError(f"{path} is too short to be a halo2 ParamsKZG file.")
            (k_file,) = struct.unpack("<I", head)
            if k_file > MAX_SRS_K:
                raise ArtifactError(f"{path} claims k = {k_file}; the largest supported is {MAX_SRS_K}.")
            n_file = 1 << k_file
            if size == _halo2_processed_size(k_file) and size != halo2_file_size(k_file):
                raise ArtifactError(
                    f"{path} is a halo2 ParamsKZG file in the compressed 'Processed' format; "
                    "re-export it in the 'RawBytes' format (the halo2/EZKL default)."
                )
            if size != halo2_file_size(k_file):
                raise ArtifactError(
                    f"{path} is truncated or not a halo2 ParamsKZG file: {size} bytes where "
                    f"k={k_file} needs {halo2_file_size(k_file)}."
                )
            k_load = _check_k(path, k, k_file)
            g1_raw = f.read(G1_RAW << k_load)
            lagrange_raw = b""
            if with_lagrange:
                f.seek(4 + G1_RAW * n_file)
                lagrange_raw = f.read(G1_RAW * n_file)
            f.seek(4 + 2 * G1_RAW * n_file)
            g2_raw = f.read(2 * G2_RAW)
    except OSError as e:
        raise ArtifactError(f"cannot read the halo2 params file {path}: {e.strerror or e}.") from None
    try:
        g1 = _native.G1Vec.from_coordinates(g1_raw, montgomery=True)
        g2 = _native.G2.from_coordinates(g2_raw[:G2_RAW], montgomery=True)
        tau_g2 = _native.G2.from_coordinates(g2_raw[G2_RAW:], montgomery=True)
        lagrange = (_native.G1Vec.from_coordinates(lagrange_raw, montgomery=True)
                    if with_lagrange else None)
    except ValueError as e:
        raise ArtifactError(f"{path} holds an invalid curve point: {_why(e)}.") from None
    loaders = {}
    if k_load == k_file:  # g_lagrange is the basis of the whole file's subgroup only
        loaders = {n_file: _basis_loader(path, 4 + G1_RAW * n_file, n_file, halo2_to_ezk_order(n_file), g1)}
    return SrsPoints(k=k_load, g1=g1, g2=g2, tau_g2=tau_g2, lagrange=loaders), lagrange
