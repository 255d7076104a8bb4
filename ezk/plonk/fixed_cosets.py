"""The fixed polynomials' quotient inputs, computed once at setup and stored beside the proving key.

A fixed column and a permutation σ_j are the same in every proof, yet the quotient round
rebuilt each one per proof: one iNTT for its coefficients and one NTT per sub-coset it is read
on (``ezk.plonk.quotient``) — on nanoGPT tiny (K 18) 119 such polynomials, ~500 of the ~760
transforms of the round. ``write`` stores, per fixed polynomial, its n coefficients and its n
values on each sub-coset the quotient reads it on (as halo2's proving key keeps its
``fixed_cosets``); the prover reads a vector when it would have computed it (``FixedCosets``).

The file is a cache, not part of the protocol: the verifier never sees it, and the prover uses
each vector exactly where it would have used the one it computes, so a proof made with it is
byte for byte the proof made without it. A wrong stored value makes a wrong quotient (or
opening), so the proof does not verify; a file of another key (its ``tag``, the proving key
file's checksum, differs), of another shape, or truncated is not used (one line on stderr) and
the prover computes as before.

Format (little-endian): b"EZKFXCOS", u32 version, u32 header length H, H bytes of JSON
{"tag": hex, "n": n, "ext": e, "entries": [[key, j], …]} (key as a list, j = −1 for the
coefficients, else the sub-coset), then one vector of n elements per entry, 32 bytes each in
the in-memory Montgomery form (``FrVec.to_montgomery_bytes``: no conversion on read).
"""

from __future__ import annotations

import json
import os
import struct
import sys
from pathlib import Path

from ezk import _native
from ezk.plonk.budget import env_int
from ezk.plonk.domain import Domain
from ezk.plonk.polys import ProofPolynomials

MAGIC = b"EZKFXCOS"
VERSION = 1
_PREFIX = struct.Struct("<8sII")
ELEMENT_BYTES = 32
DEFAULT_LIMIT_MB = 6144  # larger files are not written (EZK_FIXED_COSETS_MB; 0: never)
COEFFS = -1


def _fixed_keys(pk) -> list:
    cs = pk.vk.cs
    return [("col", c.index) for c in cs.fixed] + [("sigma", j) for j in range(len(cs.permutation_columns))]


def entries(pk) -> list[tuple[tuple, int]]:
    """(key, j) for every fixed polynomial: its coefficients (j = −1), then each sub-coset on
    which the prover's quotient evaluator loads it (``QuotientEvaluator.loaded``)."""
    from ezk.plonk.quotient import QuotientEvaluator

    d = pk.vk.domain
    q = QuotientEvaluator(pk.vk.cs, d)
    out = []
    for key in _fixed_keys(pk):
        out.append((key, COEFFS))
        out.extend((key, j) for j in range(d.ext_factor) if key in q.loaded(j))
    return out


def limit_bytes() -> int:
    return env_int("EZK_FIXED_COSETS_MB", DEFAULT_LIMIT_MB) << 20


def write(pk, path, tag: bytes, limit: int | None = None) -> int:
    """Write the file for ``pk`` at ``path`` (bytes written), or remove any old one and write
    nothing (0) when it would exceed ``limit`` bytes (default ``limit_bytes()``)."""
    d = pk.vk.domain
    todo = entries(pk)
    path = Path(path)
    limit = limit_bytes() if limit is None else limit
    if not todo or len(todo) * d.n * ELEMENT_BYTES > limit:
        path.unlink(missing_ok=True)
        return 0
    header = json.dumps({"tag": tag.hex(), "n": d.n, "ext": d.ext_factor,
                         "entries": [[list(k), j] for k, j in todo]}).encode()
    tmp = path.with_name(path.name + ".tmp")
    written = 0
    with open(tmp, "wb") as f:
        for part in (_PREFIX.pack(MAGIC, VERSION, len(header)), header):
            written += f.write(part)
        polys = ProofPolynomials(pk, d, 0)  # the prover's own sources of the fixed polynomials
        for key, j in todo:  # grouped by key, coefficients first (``entries``)
            if j == COEFFS:
                coeffs = _native.intt(polys.values(key))
                written += f.write(coeffs.to_montgomery_bytes())
            else:
                written += f.write(_native.subcoset_ntt(coeffs, d.n, d.n_ext, j).to_montgomery_bytes())
    os.replace(tmp, path)
    return written


class FixedCosets:
    """An open sidecar file: ``get(key, j)`` reads one stored vector (None if not stored)."""

    def __init__(self, path: Path, offsets: dict, n: int) -> None:
        self.path, self.offsets, self.n = path, offsets, n
        self.reads = 0  # vectors read (profiling and tests)

    @classmethod
    def open(cls, path, tag: bytes, domain: Domain) -> "FixedCosets | None":
        """The file at ``path`` if it belongs to the key ``tag`` and to ``domain``; None when
        there is no file, and None with one line on stderr when it is not usable."""
        path = Path(path)
        if not path.is_file():
            return None
        try:
            with open(path, "rb") as f:
                magic, version, hlen = _PREFIX.unpack(f.read(_PREFIX.size))
                if magic != MAGIC or version != VERSION or hlen > 64 << 20:
                    raise ValueError("not a fixed-cosets file of this version")
                header = json.loads(f.read(hlen).decode())
            if header["tag"] != tag.hex():
                raise ValueError("it belongs to another proving key")
            if header["n"] != domain.n or header["ext"] != domain.ext_factor:
                raise ValueError("it has another domain")
            start, size = _PREFIX.size + hlen, domain.n * ELEMENT_BYTES
            offsets = {(tuple(k), j): start + i * size for i, (k, j) in enumerate(header["entries"])}
            if path.stat().st_size != start + len(offsets) * size or len(offsets) != len(header["entries"]):
                raise ValueError("it is truncated")
        except (OSError, ValueError, KeyError, TypeError, struct.error) as e:
            print(f"ezk: not using {str(path)!r} (stored fixed polynomials): {e}; computing them instead.",
                  file=sys.stderr)
            return None
        return cls(path, offsets, domain.n)

    def get(self, key, j: int) -> "_native.FrVec | None":
        return self.get_many([key], j)[0]

    def get_many(self, keys, j: int) -> list["_native.FrVec | None"]:
        """The stored vectors of ``keys`` on sub-coset j (None where one is not stored), read
        natively: chunks in parallel straight into the vectors."""
        offsets = [self.offsets.get((tuple(key), j)) for key in keys]
        found = [off for off in offsets if off is not None]
        read = iter(_native.read_montgomery_vectors(str(self.path), found, self.n) if found else ())
        self.reads += len(found)
        return [None if off is None else next(read) for off in offsets]


def sidecar_path(pk_path) -> Path:
    """Where the file for the proving key at ``pk_path`` lives."""
    p = Path(pk_path)
    return p.with_name(p.name + ".cosets")
