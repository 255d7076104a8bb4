"""ezk's own SRS file format (``.srs``): versioned, checksummed, loadable in part.

Layout of version 2 (all integers little-endian)::

    offset  size            field
    0       8               magic  b"\\x89EZKSRS\\n"
    8       16              format name b"ezk.srs.bn254", zero-padded
    24      4   u32         version (2; version 1 files are still read)
    28      4   u32         k  (the file holds n = 2^k G1 powers)
    32      8   u64         n_g1 = 2^k
    40      4   u32         n_g2 = 2  ([1]₂ and [τ]₂)
    44      4   u32         point encoding: 0 = arkworks uncompressed affine
    48      4   u32         Lagrange mask M: bit j set ⇔ the basis of size 2^j is stored (j ≤ k)
    52      12              reserved, zero
    64      32·(k+1)        prefix checksums d_0 … d_k
    …       32·popcount(M)  Lagrange checksums e_j, j ∈ M ascending
    …       128·n_g2        G2 points, uncompressed (128 bytes each)
    …       64·n_g1         G1 points [τ^i]₁, uncompressed (64 bytes each)
    …       64·2^j          for each j ∈ M ascending: [L^{(2^j)}_i(τ)]₁, i < 2^j

Version 1 is the same without the mask (bytes 48–63 reserved) and without Lagrange sections.

``L^{(m)}_i`` is the Lagrange polynomial of the size-m subgroup ⟨ω_m⟩ (``_native.root_of_unity(m)``):
``L^{(m)}_i(ω_m^j) = δ_ij``, degree < m, so ``Σ e_i·[L^{(m)}_i(τ)]₁ = [p(τ)]₁`` for the p of degree
< m with ``p(ω_m^i) = e_i`` — a commitment to a column given by its evaluations costs one MSM over
the evaluations themselves (small integers, mostly zero) instead of over iNTT(e) (random-looking
full-size scalars). Every size is stored separately because a smaller basis does not follow
cheaply from a larger one: ``L^{(n)}_i(X) + L^{(n)}_{i+n/2}(X) = L^{(n/2)}_i(X²)``, so the
pair sums give the half-size basis at τ², not at τ (see tests/unit/test_srs_lagrange.py); the
true ``L^{(n/2)}_i(τ)`` is a dense combination of all ``L^{(n)}_j(τ)``. Storing all sizes
2^0 … 2^k costs 2·2^k points, twice the powers.

Points are stored **uncompressed**: decoding then needs no square root, only the on-curve
check (G1 of BN254 has cofactor 1), which makes loading several times faster than compressed
points at twice the size.

Checksums: ``d_j = blake2b-256(header ‖ G2 block ‖ G1[0 : 2^j])`` (personalised
``ezk-srs-v1``) and ``e_j = blake2b-256(header ‖ G2 block ‖ u32 j ‖ Lagrange block j)``
(personalised ``ezk-srs-lagr``). Loading the first 2^j powers reads and hashes only the header,
the G2 block and those 2^j points, and compares ``d_0 … d_j``; a Lagrange basis is read on
demand (:func:`read_lagrange_block`), hashed with the header and G2 block captured at the first
load (so a file swapped in between cannot mix two SRSs) and compared with ``e_j``.

Every failure (wrong magic, unknown version, truncated file, bad checksum, invalid point) is an
:class:`~ezk.errors.ArtifactError` with one sentence. Sizes from the header are capped
(k ≤ 28) and checked against the file size before anything is allocated.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ezk import _native
from ezk.errors import ArtifactError

MAGIC = b"\x89EZKSRS\n"
FORMAT_NAME = b"ezk.srs.bn254".ljust(16, b"\x00")
VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_SRS_K = _native.TWO_ADICITY  # 28 for BN254's Fr: an SRS of 2^28 powers; a circuit stops at plonk.domain.MAX_K (26)
HEADER_SIZE = 64
DIGEST_SIZE = 32
G1_SIZE = 64
G2_SIZE = 128
N_G2 = 2
ENCODING_UNCOMPRESSED = 0
_HEADER = struct.Struct("<8s16sIIQIII12s")
assert _HEADER.size == HEADER_SIZE


@dataclass(frozen=True)
class SrsPoints:
    """The raw content of an SRS file: G1 powers, the two G2 points, and loaders of the
    Lagrange bases the file stores (``{size m: () -> [L^{(m)}_i(τ)]₁}``, read on demand)."""

    k: int  # log2 of the number of G1 points in the file
    g1: "_native.G1Vec"  # [τ^i]₁ for the loaded prefix
    g2: "_native.G2"  # [1]₂
    tau_g2: "_native.G2"  # [τ]₂
    lagrange: dict[int, Callable[[], "_native.G1Vec"]] = field(default_factory=dict)


def _hasher(person: bytes = b"ezk-srs-v1") -> "hashlib._Hash":
    return hashlib.blake2b(digest_size=DIGEST_SIZE, person=person)


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


def _lagrange_digest(header: bytes, g2_block: bytes, j: int, block: bytes) -> bytes:
    h = _hasher(b"ezk-srs-lagr")
    h.update(header)
    h.update(g2_block)
    h.update(struct.pack("<I", j))
    h.update(block)
    return h.digest()


def _mask_sizes(mask: int) -> list[int]:
    """The j with bit j of ``mask`` set, ascending."""
    return [j for j in range(MAX_SRS_K + 1) if mask >> j & 1]


def _header_bytes(k: int, lagrange_mask: int = 0) -> bytes:
    return _HEADER.pack(
        MAGIC, FORMAT_NAME, VERSION, k, 1 << k, N_G2, ENCODING_UNCOMPRESSED, lagrange_mask, b"\x00" * 12
    )


def _file_size(k: int, mask: int = 0) -> int:
    js = _mask_sizes(mask)
    return (HEADER_SIZE + DIGEST_SIZE * (k + 1 + len(js)) + G2_SIZE * N_G2 + G1_SIZE * (1 << k)
            + sum(G1_SIZE << j for j in js))


def _lagrange_offset(k: int, mask: int, j: int) -> int:
    """Byte offset of the size-2^j Lagrange block in a file with this k and mask."""
    before = sum(G1_SIZE << i for i in _mask_sizes(mask) if i < j)
    return (HEADER_SIZE + DIGEST_SIZE * (k + 1 + len(_mask_sizes(mask))) + G2_SIZE * N_G2
            + G1_SIZE * (1 << k) + before)


def write_srs_file(path: str | os.PathLike, g1: "_native.G1Vec", g2: "_native.G2",
                   tau_g2: "_native.G2", lagrange_sizes: Iterable[int] = (),
                   lagrange: Callable[[int], "_native.G1Vec"] | None = None) -> None:
    """Write ``g1`` (length 2^k), ``[1]₂``, ``[τ]₂`` and the Lagrange bases of sizes
    ``2^j, j ∈ lagrange_sizes`` (``lagrange(j)`` produces each, called once, in ascending order,
    so a generator need not hold them all at once) to ``path`` in the format above.

    The file is written to a temporary name and renamed, so a crash never leaves a truncated
    SRS under the final name."""
    n = len(g1)
    if n < 1 or n & (n - 1):
        raise ArtifactError(f"cannot save an SRS of {n} G1 points: the count must be a power of two.")
    k = n.bit_length() - 1
    if k > MAX_SRS_K:
        raise ArtifactError(f"cannot save an SRS with k = {k}: the largest supported k is {MAX_SRS_K}.")
    js = sorted(set(lagrange_sizes))
    if js and (lagrange is None or js[0] < 0 or js[-1] > k):
        raise ArtifactError(f"cannot save Lagrange bases of sizes 2^{js}: each must be between 2^0 and 2^{k}.")
    mask = sum(1 << j for j in js)
    header = _header_bytes(k, mask)
    g2_block = g2.to_bytes_uncompressed() + tau_g2.to_bytes_uncompressed()
    g1_block = g1.to_bytes(compressed=False)
    digests = _prefix_digests(header, g2_block, g1_block, k)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(header)
            f.write(digests)
            lag_digest_pos = f.tell()
            f.write(b"\x00" * (DIGEST_SIZE * len(js)))
            f.write(g2_block)
            f.write(g1_block)
            del g1_block
            lag_digests = []
            for j in js:
                basis = lagrange(j)
                if len(basis) != 1 << j:
                    raise ArtifactError(f"the Lagrange basis of size 2^{j} has {len(basis)} points.")
                block = basis.to_bytes(compressed=False)
                del basis
                lag_digests.append(_lagrange_digest(header, g2_block, j, block))
                f.write(block)
                del block
            f.seek(lag_digest_pos)
            f.write(b"".join(lag_digests))
        os.replace(tmp, path)
    except OSError as e:
        raise ArtifactError(f"cannot write the SRS file {path}: {e.strerror or e}.") from None


def is_ezk_srs(prefix: bytes) -> bool:
    """Whether a file starting with ``prefix`` is in ezk's SRS format (by its magic)."""
    return prefix[: len(MAGIC)] == MAGIC


def read_srs_file(path: str | os.PathLike, k: int | None = None) -> SrsPoints:
    """Read the first 2^k G1 points (all when ``k`` is None) and the G2 points of an ezk SRS
    file, verifying the prefix checksum ``d_k`` and every point. The Lagrange bases of size
    ≤ 2^k the file stores come back as loaders (read and checked when called)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            header = f.read(HEADER_SIZE)
            return _read_body(f, path, header, size, k)
    except OSError as e:
        raise ArtifactError(f"cannot read the SRS file {path}: {e.strerror or e}.") from None


def _parse_header(path: Path, header: bytes, size: int) -> tuple[int, int]:
    """(k_file, Lagrange mask) of a valid header whose file has the right size."""
    if len(header) < HEADER_SIZE:
        raise ArtifactError(f"{path} is too short to be an ezk SRS file ({size} bytes).")
    magic, name, version, k_file, n_g1, n_g2, encoding, mask, _reserved = _HEADER.unpack(header)
    if magic != MAGIC or name != FORMAT_NAME:
        raise ArtifactError(f"{path} is not an ezk SRS file (wrong magic or format name).")
    if version not in READABLE_VERSIONS:
        raise ArtifactError(
            f"{path} is an ezk SRS file of version {version}; this ezk reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}."
        )
    if version == 1:
        mask = 0  # bytes 48-63 were reserved in version 1
    if k_file > MAX_SRS_K or n_g1 != 1 << k_file or n_g2 != N_G2 or encoding != ENCODING_UNCOMPRESSED \
            or mask >> (k_file + 1):
        raise ArtifactError(f"{path} has an invalid SRS header (k={k_file}, n_g1={n_g1}, n_g2={n_g2}, "
                            f"Lagrange mask={mask:#x}).")
    if size != _file_size(k_file, mask):
        raise ArtifactError(
            f"{path} is truncated or padded: {size} bytes where an SRS with k={k_file} and its "
            f"Lagrange sections has {_file_size(k_file, mask)}."
        )
    return k_file, mask


def _read_body(f, path: Path, header: bytes, size: int, k: int | None) -> SrsPoints:
    k_file, mask = _parse_header(path, header, size)
    k_load = k_file if k is None else k
    if not 0 <= k_load <= k_file:
        raise ArtifactError(f"{path} holds 2^{k_file} powers of tau, fewer than the 2^{k_load} requested.")
    js = _mask_sizes(mask)
    digests = f.read(DIGEST_SIZE * (k_file + 1))
    lag_digests = f.read(DIGEST_SIZE * len(js))
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
    del g1_block
    loaders = {}
    for pos, j in enumerate(js):
        if j <= k_load:
            expected = lag_digests[DIGEST_SIZE * pos: DIGEST_SIZE * (pos + 1)]
            loaders[1 << j] = _loader(path, header, g2_block, j, expected)
    return SrsPoints(k=k_load, g1=g1, g2=g2, tau_g2=tau_g2, lagrange=loaders)


def _loader(path: Path, header: bytes, g2_block: bytes, j: int,
            expected: bytes) -> Callable[[], "_native.G1Vec"]:
    return lambda: read_lagrange_block(path, header, g2_block, j, expected)


def read_lagrange_block(path: str | os.PathLike, header: bytes, g2_block: bytes, j: int,
                        expected: bytes) -> "_native.G1Vec":
    """The stored basis ``[L^{(2^j)}_i(τ)]₁`` of the file whose header and G2 block were read
    earlier: its checksum must equal ``expected`` (= e_j as read then), computed over that
    earlier header and G2 block, so a file changed since fails here."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            now = f.read(HEADER_SIZE)
            if now != header:
                raise ArtifactError(f"{path} changed since it was loaded (its header differs).")
            k_file, mask = _parse_header(path, header, size)
            f.seek(_lagrange_offset(k_file, mask, j))
            block = f.read(G1_SIZE << j)
    except OSError as e:
        raise ArtifactError(f"cannot read the SRS file {path}: {e.strerror or e}.") from None
    if len(block) != G1_SIZE << j or _lagrange_digest(header, g2_block, j, block) != expected:
        raise ArtifactError(f"{path} is corrupt: the checksum of its Lagrange basis of size 2^{j} does not match.")
    try:
        return _native.G1Vec.from_bytes(block, compressed=False)
    except ValueError as e:
        raise ArtifactError(f"{path} holds an invalid curve point in its Lagrange basis of size 2^{j}: "
                            f"{str(e).rstrip('.')}.") from None
