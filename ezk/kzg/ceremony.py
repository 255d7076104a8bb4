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
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from ezk import _native
from ezk.errors import ArtifactError
from ezk.kzg.srs_format import MAX_K, SrsPoints

PTAU_MAGIC = b"ptau"
_PTAU_MAX_SECTIONS = 64
_PTAU_HEADER, _PTAU_TAU_G1, _PTAU_TAU_G2 = 1, 2, 3
G1_RAW = 64
G2_RAW = 128


def _why(e: Exception) -> str:
    return str(e).rstrip(".")


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
            if power > MAX_K:
                raise ArtifactError(f"{path} claims power {power}; the largest supported is {MAX_K}.")
            k_load = _check_k(path, k, power)
            g1_pos, g1_len = sections[_PTAU_TAU_G1]
            g2_pos, g2_len = sections[_PTAU_TAU_G2]
            if g1_len != G1_RAW * ((2 << power) - 1) or g2_len != G2_RAW * (1 << power):
                raise ArtifactError(f"{path} has tauG1/tauG2 sections whose sizes do not match power {power}.")
            f.seek(g1_pos)
            g1_raw = f.read(G1_RAW << k_load)
            f.seek(g2_pos)
            g2_raw = f.read(2 * G2_RAW) if power >= 1 else b""
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
    return SrsPoints(k=k_load, g1=g1, g2=g2, tau_g2=tau_g2)


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
    return k <= MAX_K and size in (halo2_file_size(k), _halo2_processed_size(k))


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
            if k_file > MAX_K:
                raise ArtifactError(f"{path} claims k = {k_file}; the largest supported is {MAX_K}.")
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
    return SrsPoints(k=k_load, g1=g1, g2=g2, tau_g2=tau_g2), lagrange
