"""ezk's own SRS file format (``.srs``): versioned, checksummed, loadable in part.

Layout (all integers little-endian)::

    offset  size            field
    0       8               magic  b"\\x89EZKSRS\\n"
    8       16              format name b"ezk.srs.bn254", zero-padded
    24      4   u32         version (1)
    28      4   u32         k  (the file holds n = 2^k G1 powers)
    32      8   u64         n_g1 = 2^k
    40      4   u32         n_g2 = 2  ([1]₂ and [τ]₂)
    44      4   u32         point encoding: 0 = arkworks uncompressed affine
    48      16              reserved, zero
    64      32·(k+1)        prefix checksums d_0 … d_k
    …       128·n_g2        G2 points, uncompressed (128 bytes each)
    …       64·n_g1         G1 points [τ^i]₁, uncompressed (64 bytes each)

Points are stored **uncompressed**: decoding then needs no square root, only the on-curve
check (G1 of BN254 has cofactor 1), which makes loading several times faster than compressed
points at twice the size.

Checksums: ``d_j = blake2b-256(header ‖ G2 block ‖ G1[0 : 2^j])`` (personalised
``ezk-srs-v1``). Loading the first 2^j powers reads and hashes only the header, the G2 block and
those 2^j points, and compares ``d_0 … d_j`` (a full load compares them all). Computing all
prefixes costs one pass (the hash state is copied at every power of two).

Every failure (wrong magic, unknown version, truncated file, bad checksum, invalid point) is an
:class:`~ezk.errors.ArtifactError` with one sentence. Sizes from the header are capped
(k ≤ 28) and checked against the file size before anything is allocated.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from ezk import _native
from ezk.errors import ArtifactError

MAGIC = b"\x89EZKSRS\n"
FORMAT_NAME = b"ezk.srs.bn254".ljust(16, b"\x00")
VERSION = 1
MAX_K = 28  # TWO_ADICITY of BN254's Fr: no NTT domain is larger
HEADER_SIZE = 64
DIGEST_SIZE = 32
G1_SIZE = 64
G2_SIZE = 128
N_G2 = 2
ENCODING_UNCOMPRESSED = 0
_HEADER = struct.Struct("<8s16sIIQII16s")
assert _HEADER.size == HEADER_SIZE


@dataclass(frozen=True)
class SrsPoints:
    """The raw content of an SRS file: G1 powers and the two G2 points."""

    k: int  # log2 of the number of G1 points in the file
    g1: "_native.G1Vec"  # [τ^i]₁ for the loaded prefix
    g2: "_native.G2"  # [1]₂
    tau_g2: "_native.G2"  # [τ]₂


def _hasher() -> "hashlib._Hash":
    return hashlib.blake2b(digest_size=DIGEST_SIZE, person=b"ezk-srs-v1")


def _prefix_digests(header: bytes, g2_block: bytes, g1_block: bytes, k: int) -> bytes:
    """d_0 ‖ d_1 ‖ … ‖ d_k in one pass over the G1 block (the state is copied at each 2^j)."""
    h = _hasher()
    h.update(header)
    h.update(g2_block)
    view = memoryview(g1_block)
    digests = []
    done = 0
    for j in range(k + 1):  # k + 1 ≤ 29 iterations: one per power of two, not per point
        end = G1_SIZE << j
        h.update(view[done:end])
        done = end
        digests.append(h.copy().digest())
    return b"".join(digests)


def _header_bytes(k: int) -> bytes:
    return _HEADER.pack(
        MAGIC, FORMAT_NAME, VERSION, k, 1 << k, N_G2, ENCODING_UNCOMPRESSED, b"\x00" * 16
    )


def _file_size(k: int) -> int:
    return HEADER_SIZE + DIGEST_SIZE * (k + 1) + G2_SIZE * N_G2 + G1_SIZE * (1 << k)


def write_srs_file(path: str | os.PathLike, g1: "_native.G1Vec", g2: "_native.G2",
                   tau_g2: "_native.G2") -> None:
    """Write ``g1`` (length 2^k), ``[1]₂`` and ``[τ]₂`` to ``path`` in the format above.

    The file is written to a temporary name and renamed, so a crash never leaves a truncated
    SRS under the final name."""
    n = len(g1)
    if n < 1 or n & (n - 1):
        raise ArtifactError(f"cannot save an SRS of {n} G1 points: the count must be a power of two.")
    k = n.bit_length() - 1
    if k > MAX_K:
        raise ArtifactError(f"cannot save an SRS with k = {k}: the largest supported k is {MAX_K}.")
    header = _header_bytes(k)
    g2_block = g2.to_bytes_uncompressed() + tau_g2.to_bytes_uncompressed()
    g1_block = g1.to_bytes(compressed=False)
    digests = _prefix_digests(header, g2_block, g1_block, k)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(header)
            f.write(digests)
            f.write(g2_block)
            f.write(g1_block)
        os.replace(tmp, path)
    except OSError as e:
        raise ArtifactError(f"cannot write the SRS file {path}: {e.strerror or e}.") from None


def is_ezk_srs(prefix: bytes) -> bool:
    """Whether a file starting with ``prefix`` is in ezk's SRS format (by its magic)."""
    return prefix[: len(MAGIC)] == MAGIC


def read_srs_file(path: str | os.PathLike, k: int | None = None) -> SrsPoints:
    """Read the first 2^k G1 points (all when ``k`` is None) and the G2 points of an ezk SRS
    file, verifying the prefix checksum ``d_k`` and every point."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            header = f.read(HEADER_SIZE)
            return _read_body(f, path, header, size, k)
    except OSError as e:
        raise ArtifactError(f"cannot read the SRS file {path}: {e.strerror or e}.") from None


def _read_body(f, path: Path, header: bytes, size: int, k: int | None) -> SrsPoints:
    if len(header) < HEADER_SIZE:
        raise ArtifactError(f"{path} is too short to be an ezk SRS file ({size} bytes).")
    magic, name, version, k_file, n_g1, n_g2, encoding, _reserved = _HEADER.unpack(header)
    if magic != MAGIC or name != FORMAT_NAME:
        raise ArtifactError(f"{path} is not an ezk SRS file (wrong magic or format name).")
    if version != VERSION:
        raise ArtifactError(f"{path} is an ezk SRS file of version {version}; this ezk reads version {VERSION}.")
    if k_file > MAX_K or n_g1 != 1 << k_file or n_g2 != N_G2 or encoding != ENCODING_UNCOMPRESSED:
        raise ArtifactError(f"{path} has an invalid SRS header (k={k_file}, n_g1={n_g1}, n_g2={n_g2}).")
    if size != _file_size(k_file):
        raise ArtifactError(
            f"{path} is truncated or padded: {size} bytes where an SRS with k={k_file} has "
            f"{_file_size(k_file)}."
        )
    k_load = k_file if k is None else k
    if not 0 <= k_load <= k_file:
        raise ArtifactError(f"{path} holds 2^{k_file} powers of tau, fewer than the 2^{k_load} requested.")
    digests = f.read(DIGEST_SIZE * (k_file + 1))
    g2_block = f.read(G2_SIZE * N_G2)
    g1_block = f.read(G1_SIZE << k_load)
    if len(g1_block) != G1_SIZE << k_load:
        raise ArtifactError(f"{path} is truncated.")
    if _prefix_digests(header, g2_block, g1_block, k_load) != digests[: DIGEST_SIZE * (k_load + 1)]:
        raise ArtifactError(f"{path} is corrupt: the checksum of its first 2^{k_load} powers does not match.")
    try:
        g2 = _native.G2.from_bytes(g2_block[:G2_SIZE])
        tau_g2 = _native.G2.from_bytes(g2_block[G2_SIZE:])
        g1 = _native.G1Vec.from_bytes(g1_block, compressed=False)
    except ValueError as e:
        raise ArtifactError(f"{path} holds an invalid curve point: {str(e).rstrip('.')}.") from None
    return SrsPoints(k=k_load, g1=g1, g2=g2, tau_g2=tau_g2)
