"""Fiat–Shamir transcript over Blake2b, shared by the KZG openings and the PLONK prover.

The transcript keeps a running Blake2b-512 state. Every message is absorbed with a
domain-separation tag and its length, so that no two different sequences of messages hash
alike; a challenge is squeezed by hashing the state with its own tag and reducing the 512-bit
digest mod r (bias < 2^-256), after which the challenge itself is absorbed so that the next
challenge depends on it.

    t = Transcript(b"ezk-plonk-v1")
    t.absorb_bytes(b"vk", vk_digest)
    t.absorb_point(b"a0", commitment)
    beta = t.squeeze_challenge(b"beta")

Prover and verifier must make exactly the same calls in the same order.
"""

from __future__ import annotations

import hashlib
from typing import Iterable

from ezk import _native

R = _native.MODULUS

# One-byte message kinds, so a scalar can never be confused with a point or raw bytes.
_KIND_BYTES = b"\x01"
_KIND_SCALAR = b"\x02"
_KIND_POINT = b"\x03"
_KIND_CHALLENGE = b"\x04"


class Transcript:
    """A Blake2b Fiat–Shamir transcript with domain separation."""

    def __init__(self, protocol_label: bytes) -> None:
        self._state = hashlib.blake2b(digest_size=64, person=b"ezk-transcript")
        self._absorb(_KIND_BYTES, b"protocol", protocol_label)

    def _absorb(self, kind: bytes, label: bytes, data: bytes) -> None:
        h = self._state
        h.update(kind)
        h.update(len(label).to_bytes(4, "little"))
        h.update(label)
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)

    def absorb_bytes(self, label: bytes, data: bytes) -> None:
        self._absorb(_KIND_BYTES, label, bytes(data))

    def absorb_scalar(self, label: bytes, value: int) -> None:
        """Absorb a field element (reduced mod r, 32 bytes little-endian)."""
        self._absorb(_KIND_SCALAR, label, (value % R).to_bytes(32, "little"))

    def absorb_scalars(self, label: bytes, values: Iterable[int]) -> None:
        data = b"".join((v % R).to_bytes(32, "little") for v in values)
        self._absorb(_KIND_SCALAR, label, data)

    def absorb_point(self, label: bytes, point: "_native.G1") -> None:
        """Absorb a G1 point through its 32-byte compressed encoding."""
        self._absorb(_KIND_POINT, label, point.to_bytes())

    def absorb_points(self, label: bytes, points: Iterable["_native.G1"]) -> None:
        self._absorb(_KIND_POINT, label, b"".join(p.to_bytes() for p in points))

    def squeeze_challenge(self, label: bytes) -> int:
        """A challenge in Fr derived from everything absorbed so far (then absorbed itself)."""
        h = self._state.copy()
        h.update(_KIND_CHALLENGE)
        h.update(len(label).to_bytes(4, "little"))
        h.update(label)
        challenge = int.from_bytes(h.digest(), "little") % R
        self._absorb(_KIND_CHALLENGE, label, challenge.to_bytes(32, "little"))
        return challenge

    def fork(self) -> "Transcript":
        """An independent copy (for tests and speculative verification)."""
        other = Transcript.__new__(Transcript)
        other._state = self._state.copy()
        return other
