"""Field elements as EZKL writes them in its JSON files and Python bindings.

* **little-endian hex** (witness ``inputs``/``outputs``, proof ``instances``, the return value
  of ``float_to_felt``): the 32 bytes of the canonical element, least significant first, as 64
  lowercase hex digits without prefix — ``1`` is ``"0100…00"``.
* **big-endian hex** (``pretty_elements.inputs``/``outputs``, ``felt_to_big_endian``): ``"0x"``
  and the 64 hex digits of the element, most significant first — ``1`` is ``"0x00…01"``.

A fixed-point value v at scale s is the element ``round(v·2^s) mod r``: negative integers are
``r − |x|``. Vectors go through ``_native.FrVec`` (one bytes round trip), never a Python loop
over big integers. Decoding is strict: exactly 64 lowercase hex digits of a value below r, so
one element has one encoding (a proof file cannot be rewritten into many that verify alike).
"""

from __future__ import annotations

from itertools import repeat
from typing import Iterable, Sequence

import numpy as np

from ezk import _native
from ezk.errors import ArtifactError

R = _native.MODULUS
_HEX = frozenset("0123456789abcdef")


def _chunks(hexstr: str) -> list[str]:
    return [hexstr[i:i + 64] for i in range(0, len(hexstr), 64)]


def i64_to_le_hex(values) -> list[str]:
    """Signed integers (int64) → little-endian hex elements."""
    arr = np.ascontiguousarray(np.asarray(values, dtype=np.int64).reshape(-1))
    return _chunks(_native.FrVec.from_i64(arr).to_bytes().hex())


def ints_to_le_hex(values: Iterable[int]) -> list[str]:
    """Python ints of any size (reduced mod r) → little-endian hex elements."""
    return _chunks(_native.FrVec.from_ints([int(v) for v in values]).to_bytes().hex())


def le_hex_to_frvec(strings: Sequence[str], what: str = "the list") -> "_native.FrVec":
    """Little-endian hex elements → one FrVec (strict, see module doc)."""
    if not isinstance(strings, (list, tuple)):
        raise ArtifactError(f"{what} is not a list of field elements.")
    if not all(map(isinstance, strings, repeat(str))) or any(n != 64 for n in map(len, strings)):
        raise ArtifactError(f"{what} holds a value that is not 64 hex digits (a field element as EZKL writes it).")
    joined = "".join(strings)
    try:  # lowercase hex exactly: fromhex takes either case and spaces, so compare the re-encoding
        raw = bytes.fromhex(joined)
    except ValueError:
        raw = None
    if raw is None or raw.hex() != joined:
        raise ArtifactError(f"{what} holds a value that is not lowercase hex.")
    try:
        return _native.FrVec.from_bytes(raw)
    except ValueError:
        raise ArtifactError(f"{what} holds a value that is not below the field modulus.") from None


def le_hex_to_ints(strings: Sequence[str], what: str = "the list") -> list[int]:
    """Little-endian hex elements → their canonical values in [0, r) (strict, see module doc)."""
    return le_hex_to_frvec(strings, what).to_ints()


def le_hex_to_i64(strings: Sequence[str], what: str = "the list") -> np.ndarray:
    """Little-endian hex elements → signed int64 (x > (r−1)/2 read as x − r)."""
    fr = le_hex_to_frvec(strings, what)
    try:
        return fr.to_i64()
    except ValueError:
        raise ArtifactError(f"{what} holds a field element too large to be a fixed-point value.") from None


def signed(v: int) -> int:
    """The signed representative of a field element: x − r when x > (r−1)/2."""
    v %= R
    return v - R if v > R // 2 else v


def to_be_hex(v: int) -> str:
    """``"0x"`` + 64 big-endian hex digits of v mod r (EZKL's ``{:?}`` of a field element)."""
    return "0x" + format(int(v) % R, "064x")


def i64_to_be_hex(values) -> list[str]:
    """Signed integers → big-endian ``0x`` elements (one hex conversion for the whole vector)."""
    le = _native.FrVec.from_i64(np.ascontiguousarray(np.asarray(values, dtype=np.int64).reshape(-1))).to_bytes()
    rows = np.frombuffer(le, dtype=np.uint8).reshape(-1, 32)[:, ::-1]
    return ["0x" + h for h in _chunks(rows.tobytes().hex())]


def parse_felt(text) -> int:
    """A field element as EZKL's bindings take it: 64 little-endian hex digits. Returns x in
    [0, r). A ``0x`` string is refused rather than guessed at: it is the big-endian display
    form, and reading it as little-endian would silently give another number."""
    if not isinstance(text, str):
        raise ArtifactError(f"a field element must be a hex string, got {type(text).__name__}.")
    if text[:2] in ("0x", "0X"):
        raise ArtifactError(f"{text!r} is a big-endian 0x display string; pass the 64-digit little-endian form "
                            "(as in witness.json inputs/outputs and proof.json instances).")
    body = text
    if len(body) != 64 or not _HEX.issuperset(body.lower()):
        raise ArtifactError(f"{text!r} is not a field element (64 hex digits, little-endian, as EZKL writes them).")
    v = int.from_bytes(bytes.fromhex(body), "little")
    if v >= R:
        raise ArtifactError(f"{text!r} is not below the field modulus.")
    return v


def float_text(x: float) -> str:
    """A float as EZKL's Rust ``to_string`` prints it: shortest round-trip digits, no exponent
    (``1`` for 1.0, ``0.0078125``, ``-3.5``)."""
    return np.format_float_positional(float(x), trim="-")


def floats_text(values) -> list[str]:
    return [float_text(v) for v in np.asarray(values, dtype=np.float64).reshape(-1)]
