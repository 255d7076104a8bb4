"""Explicit little-endian binary encoding for keys and proofs (never pickle).

A ``Reader`` raises ``ArtifactError`` on any truncation, non-canonical scalar (≥ r), invalid or
non-canonically encoded point, or impossible count, so decoding garbage always fails with one
clear sentence, and whatever decodes encodes back to the same bytes.
"""

from __future__ import annotations

import struct

from ezk import _native
from ezk.errors import ArtifactError
from ezk.plonk.expression import (
    Challenge, Column, Constant, Expression, Negated, Product, Query, Scaled, Sum,
)

R = _native.MODULUS

_CONST, _QUERY, _NEG, _SUM, _PROD, _SCALE, _CHALLENGE = range(7)


class Writer:
    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def raw(self, data: bytes) -> None:
        self._parts.append(bytes(data))

    def u8(self, v: int) -> None:
        self._parts.append(struct.pack("<B", v))

    def u32(self, v: int) -> None:
        self._parts.append(struct.pack("<I", v))

    def i32(self, v: int) -> None:
        self._parts.append(struct.pack("<i", v))

    def u64(self, v: int) -> None:
        self._parts.append(struct.pack("<Q", v))

    def text(self, s: str) -> None:
        b = s.encode("utf-8")
        self.u32(len(b))
        self._parts.append(b)

    def blob(self, b: bytes) -> None:
        self.u64(len(b))
        self._parts.append(bytes(b))

    def scalar(self, v: int) -> None:
        self._parts.append((v % R).to_bytes(32, "little"))

    def point(self, p: "_native.G1") -> None:
        self._parts.append(p.to_bytes())

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class Reader:
    def __init__(self, data: bytes, what: str) -> None:
        self._data = memoryview(bytes(data))
        self._pos = 0
        self.what = what

    def fail(self, why: str) -> ArtifactError:
        return ArtifactError(f"the {self.what} is corrupt: {why}.")

    def take(self, n: int) -> bytes:
        if n < 0 or self._pos + n > len(self._data):
            raise self.fail("it ends too early")
        out = bytes(self._data[self._pos:self._pos + n])
        self._pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def i32(self) -> int:
        return struct.unpack("<i", self.take(4))[0]

    def u64(self) -> int:
        return struct.unpack("<Q", self.take(8))[0]

    def count(self) -> int:
        """A u32 element count, which cannot exceed the bytes left (each element ≥ 1 byte)."""
        n = self.u32()
        if n > len(self._data) - self._pos:
            raise self.fail("a count is larger than the data")
        return n

    def text(self) -> str:
        try:
            return self.take(self.count()).decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("a name is not UTF-8") from None

    def blob(self) -> bytes:
        return self.take(self.u64())

    def scalar(self) -> int:
        v = int.from_bytes(self.take(32), "little")
        if v >= R:
            raise self.fail("a scalar is not canonical")
        return v

    def point(self) -> "_native.G1":
        """A G1 point in its canonical compressed encoding only (the native decoder re-encodes
        and compares: an identity with a junk x, stray flag bits or x ≥ p are refused), so one
        proof has one byte string."""
        data = self.take(32)
        try:
            return _native.G1.from_bytes(data)
        except ValueError:
            raise self.fail("a point is not the canonical encoding of a curve point") from None

    def scalars(self, count: int) -> list[int]:
        """``count`` scalars (``scalar``'s check: each canonical, below r), in one native call."""
        data = self.take(32 * count)
        try:
            return _native.FrVec.from_bytes(data).to_ints()
        except ValueError:
            raise self.fail("a scalar is not canonical") from None

    def points(self, data: bytes) -> list["_native.G1"]:
        """The points of ``data`` (32-byte compressed encodings, already taken from this reader),
        decoded as ``point`` decodes one (canonical encodings only), in one native batch."""
        try:
            vec = _native.G1Vec.from_bytes(data, True)
        except ValueError:
            raise self.fail("a point is not the canonical encoding of a curve point") from None
        return [vec[i] for i in range(len(vec))]

    def done(self) -> None:
        if self._pos != len(self._data):
            raise self.fail("there are trailing bytes")


def read_tag(r: Reader, tag: bytes, version: int, what: str, remedy: str) -> None:
    """Check a ``tag ‖ version (u8)`` header: wrong tag → "not <what>"; another version → one
    sentence naming both versions and the ``remedy``."""
    head = r.take(len(tag) + 1) if len(r._data) - r._pos >= len(tag) + 1 else b""
    if head[:len(tag)] != tag:
        raise ArtifactError(f"the bytes are not {what} (wrong format tag).")
    if head[-1] != version:
        raise ArtifactError(f"the {r.what} has format version {head[-1]} but this ezk reads version {version}: {remedy}.")


def encode_expression(w: Writer, e: Expression) -> None:
    if isinstance(e, Query):
        w.u8(_QUERY)
        w.u32(e.column.index)
        w.i32(e.rotation)
    elif isinstance(e, Constant):
        w.u8(_CONST)
        w.scalar(e.value)
    elif isinstance(e, Negated):
        w.u8(_NEG)
        encode_expression(w, e.inner)
    elif isinstance(e, Sum):
        w.u8(_SUM)
        encode_expression(w, e.left)
        encode_expression(w, e.right)
    elif isinstance(e, Product):
        w.u8(_PROD)
        encode_expression(w, e.left)
        encode_expression(w, e.right)
    elif isinstance(e, Scaled):
        w.u8(_SCALE)
        w.scalar(e.factor)
        encode_expression(w, e.inner)
    elif isinstance(e, Challenge):
        w.u8(_CHALLENGE)
        w.u32(e.index)
    else:
        raise TypeError(f"cannot encode expression node {type(e).__name__}")


def decode_expression(r: Reader, columns: list[Column], challenges: list[Challenge] = ()) -> Expression:
    try:
        return _decode(r, columns, challenges)
    except RecursionError:
        raise r.fail("an expression is nested too deeply") from None


def _decode(r: Reader, columns: list[Column], challenges) -> Expression:
    tag = r.u8()
    if tag == _QUERY:
        i = r.u32()
        if i >= len(columns):
            raise r.fail("an expression queries a column that does not exist")
        return Query(columns[i], r.i32())
    if tag == _CONST:
        return Constant(r.scalar())
    if tag == _NEG:
        return Negated(_decode(r, columns, challenges))
    if tag == _SUM:
        return Sum(_decode(r, columns, challenges), _decode(r, columns, challenges))
    if tag == _PROD:
        return Product(_decode(r, columns, challenges), _decode(r, columns, challenges))
    if tag == _SCALE:
        c = r.scalar()
        return Scaled(_decode(r, columns, challenges), c)
    if tag == _CHALLENGE:
        i = r.u32()
        if i >= len(challenges):
            raise r.fail("an expression uses a challenge that does not exist")
        return challenges[i]
    raise r.fail(f"unknown expression tag {tag}")
