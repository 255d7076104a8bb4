"""EZKL's ``PoseidonSpec``: Poseidon over BN254's scalar field Fr, width t = 2, rate 1,
R_F = 8 full and R_P = 56 partial rounds, S-box x⁵, used in halo2_gadgets' ``VariableLength``
domain (initial capacity element 2^64).

The round constants and the MDS matrix are generated, not stored, as the Poseidon reference
script ``generate_parameters_grain.sage 1 0 254 2 8 56 r`` does (and halo2_gadgets'
``generate_constants``):

* a Grain LFSR of 80 bits seeded with (field type 1: prime, 2 bits; S-box 0: xᵅ, 4 bits;
  n = 254, 12 bits; t, 12 bits; R_F, 10 bits; R_P, 10 bits; then 30 ones), MSB first; the new
  bit is b₆₂ ⊕ b₅₁ ⊕ b₃₈ ⊕ b₂₃ ⊕ b₁₃ ⊕ b₀; the first 160 bits are discarded;
* output bits are self-shrunk: of each pair (b, b'), b' is kept when b = 1;
* a field element is n kept bits read MSB first; round constants reject values ≥ r
  (t·(R_F + R_P) of them, round by round), the MDS draws 2t values reduced mod r (redrawn
  while they are not distinct) and is the Cauchy matrix M[i][j] = 1/(xᵢ + yⱼ).

EZKL's hard-coded ``poseidon_params.rs`` holds exactly these values; the test vector of EZKL's
``test_poseidon_hash`` checks them end to end (tests/native/test_poseidon.py). ``ezkl_spec()``
reads them from ``ezk.poseidon.constants`` (the Grain LFSR in Python costs ~1 s per process, on
every prove and verify); a test regenerates them with ``generate()`` and compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ezk import _native

R = _native.MODULUS
FIELD_BITS = 254  # ⌈log₂ r⌉
WIDTH = 2
RATE = 1
FULL_ROUNDS = 8
PARTIAL_ROUNDS = 56
ALPHA = 5
CAPACITY = 1 << 64  # VariableLength: 2^64 + (outputs − 1), one output


@dataclass(frozen=True)
class PoseidonSpec:
    width: int
    full_rounds: int
    partial_rounds: int
    round_constants: tuple[tuple[int, ...], ...]  # [round][word]
    mds: tuple[tuple[int, ...], ...]
    capacity: int

    @property
    def rounds(self) -> int:
        return self.full_rounds + self.partial_rounds

    def is_full(self, r: int) -> bool:
        half = self.full_rounds // 2
        return r < half or r >= self.rounds - half

    def native_args(self) -> tuple:
        """(round constants, MDS) as FrVecs, the capacity and R_F: the native kernels' spec."""
        return _native_args(self)


class _Grain:
    """The Grain LFSR in self-shrinking mode, bit by bit as the reference script runs it."""

    def __init__(self, t: int, r_f: int, r_p: int, field_bits: int) -> None:
        seed = ""
        for value, width in ((1, 2), (0, 4), (field_bits, 12), (t, 12), (r_f, 10), (r_p, 10)):
            seed += format(value, f"0{width}b")
        self.bits = [int(b) for b in seed] + [1] * 30
        self.pos = 0
        for _ in range(160):
            self._step()

    def _step(self) -> int:
        b, i = self.bits, self.pos
        new = b[i + 62] ^ b[i + 51] ^ b[i + 38] ^ b[i + 23] ^ b[i + 13] ^ b[i]
        b.append(new)
        self.pos += 1
        if self.pos > 4096:  # keep the list short: drop consumed bits
            del b[: self.pos]
            self.pos = 0
        return new

    def bit(self) -> int:
        while not self._step():
            self._step()
        return self._step()

    def integer(self, n: int) -> int:
        v = 0
        for _ in range(n):
            v = (v << 1) | self.bit()
        return v

    def field_element(self, n: int) -> int:
        """Rejection sampling: the next n-bit integer below r."""
        while True:
            v = self.integer(n)
            if v < R:
                return v


def generate(t: int = WIDTH, r_f: int = FULL_ROUNDS, r_p: int = PARTIAL_ROUNDS, capacity: int = CAPACITY) -> PoseidonSpec:
    g = _Grain(t, r_f, r_p, FIELD_BITS)
    rc = tuple(tuple(g.field_element(FIELD_BITS) for _ in range(t)) for _ in range(r_f + r_p))
    while True:
        vals = [g.integer(FIELD_BITS) % R for _ in range(2 * t)]
        if len(set(vals)) == len(vals):
            break
    xs, ys = vals[:t], vals[t:]
    mds = tuple(tuple(pow((x + y) % R, -1, R) for y in ys) for x in xs)
    return PoseidonSpec(t, r_f, r_p, rc, mds, capacity)


@lru_cache(maxsize=1)
def ezkl_spec() -> PoseidonSpec:
    """EZKL's PoseidonSpec: ``generate()``'s constants, read from their stored table."""
    from ezk.poseidon import constants

    return PoseidonSpec(WIDTH, FULL_ROUNDS, PARTIAL_ROUNDS, constants.ROUND_CONSTANTS, constants.MDS, CAPACITY)


@lru_cache(maxsize=4)
def _native_args(spec: PoseidonSpec) -> tuple:
    rc = _native.FrVec.from_ints([c for row in spec.round_constants for c in row])
    mds = _native.FrVec.from_ints([c for row in spec.mds for c in row])
    return rc, mds, spec.capacity, spec.full_rounds
