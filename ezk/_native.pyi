"""Type stubs and contract of ``ezk._native`` — the "numpy of BN254".

Everything here is a whole-vector operation implemented in Rust (arkworks 0.5, rayon).
Python never loops over field elements; it calls these.

Conventions
-----------
* ``r`` is the BN254 scalar-field modulus
  21888242871839275222246405745257275088548364400416459466956435494008501 (Fr),
  ``q`` the base-field modulus (Fq).
* A *scalar* argument is any Python ``int``; it is reduced mod r (negatives allowed:
  -1 means r - 1). Scalars returned to Python are canonical ints in [0, r).
* Field-element bytes are 32-byte little-endian canonical encodings; decoding a value ≥ r
  is a ``ValueError``.
* Vectors combined element-wise must have equal lengths (``ValueError`` otherwise).
* Heavy calls release the GIL.
* All errors are ``ValueError`` with one clear sentence, never a panic. Two standard Python
  exceptions remain: ``IndexError`` from ``__getitem__`` out of range (so iteration works), and
  ``TypeError`` when an argument is not of the declared type (e.g. a list where an FrVec is due).
"""

from typing import Sequence

import numpy as np

MODULUS: int  # r, the scalar-field order
BASE_MODULUS: int  # q, the base-field order
TWO_ADICITY: int  # 28: the largest k with 2^k | r - 1

def build_info() -> dict:
    """{"profile": "release"|"debug", "threads": rayon threads, "version": crate version}."""

def kernel_timers() -> dict:
    """Cumulative time spent inside native MSM and NTT calls since the last reset:
    {"msm": {"calls": int, "ns": int}, "ntt": {"calls": int, "ns": int}}. Counts every
    msm / ntt / intt / coset_ntt / coset_intt / G1Vec.ifft call, and every subcoset_ntt(_many) /
    subcoset_interpolate call (one count per call)."""

def reset_kernel_timers() -> None: ...

# --------------------------------------------------------------------------- Fr vectors

class FrVec:
    """A vector of BN254 scalar-field elements held in Rust (Vec<Fr>). Mutable only through
    the explicit ``*_assign`` methods; every other method returns a new vector."""

    # construction
    @staticmethod
    def zeros(n: int) -> "FrVec": ...
    @staticmethod
    def constant(value: int, n: int) -> "FrVec": ...
    @staticmethod
    def from_i64(values: np.ndarray) -> "FrVec":
        """From a 1-D int64 numpy array; a negative x maps to r - |x|. Other signed/unsigned
        integer dtypes (except uint64) are cast to int64; anything else is a ValueError."""
    @staticmethod
    def from_ints(values: Sequence[int]) -> "FrVec":
        """From Python ints of any size (reduced mod r); for values beyond int64."""
    @staticmethod
    def from_bytes(data: bytes) -> "FrVec":
        """From len(data)/32 canonical 32-byte little-endian elements (len must divide by 32)."""
    @staticmethod
    def random(n: int, seed: bytes | None = None) -> "FrVec":
        """Uniform elements: from the OS CSPRNG, or from ChaCha20 seeded by ``seed``
        (any length; hashed to 32 bytes) for reproducible tests."""
    @staticmethod
    def powers(base: int, n: int, start: int = 1) -> "FrVec":
        """[start, start·base, start·base², …, start·base^(n-1)]."""
    @staticmethod
    def concat(parts: Sequence["FrVec"]) -> "FrVec": ...

    # conversion
    def __len__(self) -> int: ...
    def to_i64(self) -> np.ndarray:
        """Signed view: x ≤ (r-1)/2 → x, otherwise x - r; a ValueError if any value does not
        fit int64."""
    def to_ints(self) -> list[int]: ...
    def to_bytes(self) -> bytes: ...
    def __getitem__(self, i: int) -> int: ...  # one element as int (negative i counts from the end; IndexError out of range)
    def copy(self) -> "FrVec": ...
    def __eq__(self, other: object) -> bool: ...

    # element-wise arithmetic (new vectors)
    def add(self, other: "FrVec") -> "FrVec": ...
    def sub(self, other: "FrVec") -> "FrVec": ...
    def mul(self, other: "FrVec") -> "FrVec": ...
    def neg(self) -> "FrVec": ...
    def scale(self, c: int) -> "FrVec": ...  # c·v
    def add_scalar(self, c: int) -> "FrVec": ...  # v + c
    def pow(self, e: int) -> "FrVec": ...  # v^e element-wise, e ≥ 0
    def max_bits(self) -> int:
        """Signed bit-length of the largest |x|, each x read as a signed integer in
        (−r/2, r/2] (so r − 5 counts as −5, 3 bits); 0 for an empty or all-zero vector."""
    def batch_inverse(self) -> "FrVec":
        """1/v element-wise (Montgomery's trick); a zero element is a ValueError naming its index."""
    def __add__(self, other: "FrVec") -> "FrVec": ...
    def __sub__(self, other: "FrVec") -> "FrVec": ...
    def __mul__(self, other: "FrVec") -> "FrVec": ...
    def __neg__(self) -> "FrVec": ...

    # in place (for memory on the extended domain)
    def add_assign(self, other: "FrVec") -> None: ...
    def sub_assign(self, other: "FrVec") -> None: ...
    def mul_assign(self, other: "FrVec") -> None: ...
    def scale_assign(self, c: int) -> None: ...
    def axpy_assign(self, c: int, other: "FrVec") -> None:
        """self += c·other."""
    def set_slice(self, start: int, values: "FrVec") -> None:
        """self[start : start+len(values)] = values (must fit)."""

    # reductions
    def sum(self) -> int: ...
    def inner(self, other: "FrVec") -> int: ...  # Σ aᵢ·bᵢ
    def cumsum(self) -> "FrVec": ...  # inclusive: out[i] = Σ_{j≤i} v[j]
    def cumprod(self) -> "FrVec": ...  # inclusive: out[i] = Π_{j≤i} v[j]

    # index maps
    def rotate(self, k: int) -> "FrVec":
        """Cyclic shift: out[i] = v[(i + k) mod n] (so rotate(1) is the 'next row' view); any
        int k, negative included."""
    def gather(self, index: np.ndarray) -> "FrVec":
        """out[i] = v[index[i]]; index is a 1-D int64 array, every entry in [0, n)."""
    def slice(self, start: int, stop: int) -> "FrVec": ...
    def resize(self, n: int) -> "FrVec":
        """Truncate, or pad with zeros, to length n."""

# ----------------------------------------------------------------------- polynomials

def root_of_unity(n: int) -> int:
    """ω with ω^n = 1 primitive, n a power of two ≤ 2^28 (arkworks' choice of root)."""

def coset_generator() -> int:
    """g, the multiplicative generator of Fr used as the shift of every coset domain
    (arkworks' ``Fr::GENERATOR``, which is 5 for BN254; halo2 uses 7)."""

def ntt(coeffs: FrVec) -> FrVec:
    """Evaluations of the polynomial at ω^0..ω^(n-1), n = len(coeffs) a power of two."""

def intt(evals: FrVec) -> FrVec:
    """Coefficients from the evaluations on the size-n subgroup (inverse of ntt)."""

def coset_ntt(coeffs: FrVec, n_ext: int) -> FrVec:
    """Evaluations at g·ω_ext^i, i < n_ext, where ω_ext = root_of_unity(n_ext); the
    coefficients are zero-padded to n_ext (len(coeffs) ≤ n_ext, n_ext a power of two)."""

def coset_intt(evals: FrVec) -> FrVec:
    """Coefficients (length n_ext) from evaluations on the coset g·H_ext (inverse of coset_ntt)."""

def poly_eval(coeffs: FrVec, z: int) -> int:
    """p(z) = Σ cᵢ zⁱ."""

def poly_eval_many(polys: Sequence[FrVec], z: int) -> list[int]:
    """[p(z) for p in polys], in parallel."""

def poly_divide_linear(coeffs: FrVec, z: int) -> FrVec:
    """The quotient q of p(X) = q(X)·(X - z) + p(z); len(q) = len(p) - 1 (≥ 1, so len(p) ≥ 2
    is required: a ValueError otherwise). O(n) synthetic division."""

def linear_combination(vecs: Sequence[FrVec], scalars: Sequence[int]) -> FrVec:
    """Σ cᵢ·vᵢ; vectors of different lengths are zero-extended to the longest."""

# ------------------------------------------------------------- the quotient, natively

def subcoset_ntt(coeffs: FrVec, n: int, n_ext: int, j: int) -> FrVec:
    """The polynomial's values at s_j·ωⁱ (i < n), s_j = g·ω_extʲ, j < n_ext/n: sub-coset j of
    the extended coset g·H_ext (point e·i + j of it). len(coeffs) ≤ n; one size-n NTT."""

def subcoset_ntt_many(coeffs: Sequence[FrVec], n: int, n_ext: int, j: int) -> list[FrVec]:
    """[subcoset_ntt(c, n, n_ext, j) for c in coeffs], each transform on one thread, side by side
    (no barrier between NTT stages; one coefficient vector alone is split across the threads)."""

def subcoset_frame(n: int, n_ext: int, j: int, usable: int) -> tuple[FrVec, FrVec, FrVec]:
    """(X, L₀, l_blind) on sub-coset j, in closed form (no NTT): X = s_j·ωⁱ,
    L₀ = (s_jⁿ − 1)/(n·(X − 1)), l_blind = Σ_{r=usable+1}^{n−1} L₀ rotated by −r (L_r(X) = L₀(ω⁻ʳX))."""

def subcoset_interpolate(parts: Sequence[FrVec], pieces: int) -> list[FrVec]:
    """h's first ``pieces`` blocks of n coefficients from the constraint sums on the e sub-cosets:
    part j divided by s_jⁿ − 1, interleaved into g·H_ext order, one coset iNTT of size n·e.
    The parts are emptied (their memory is reused)."""

def read_montgomery_vectors(path: str, offsets: Sequence[int], n: int) -> list[FrVec]:
    """The ``n``-element vectors stored in Montgomery form (``FrVec.to_montgomery_bytes``) at each
    byte offset of the file, read in parallel chunks straight into the vectors. OSError if the
    file cannot be read or ends early; ValueError for a value ≥ r."""

def lookup_multiplicities(table: FrVec, inputs: Sequence[FrVec], usable: int) -> tuple[np.ndarray, int]:
    """(counts, missing): counts[j] (int64, ``usable`` of them) is how many rows < usable of the
    inputs equal table row j, each value credited to the first table row < usable holding it;
    ``missing`` counts the input rows whose value no such table row holds. By hashing."""

class QuotientProgram:
    """A compiled constraint program (``ezk/plonk/program.py`` builds it; every index is
    checked here, a bad one is a ValueError).

    ``consts``: field constants. ``scalars`` (m, 3) int64 rows [op, a, b] — op CONST (a indexes
    consts), CHALLENGE (a < challenges), ADD/SUB/MUL/NEG/SQUARE of earlier rows: values shared by
    every point, computed once per call. ``instrs`` (t, 8) int64 rows [op, dst, a_kind, a_index,
    a_rot, b_kind, b_index, b_rot]: op ADD/SUB/MUL/NEG/SQUARE write register dst (never one
    they read); FOLD adds y^dst·a to the accumulator; FOLD_REG [op, reg, a…, first, e, 0] sets
    (first = 1) or adds y^e·a to register reg; FOLD_MUL [op, 0, a…, b…] adds a·b to the
    accumulator (a shared factor times its constraints' folded cofactors). Operand kinds: 0
    register, 1 polynomial slot read at rotation rot (index (i + rot) mod n, cyclic), 2 scalar
    row. Op codes: CONST 0, CHALLENGE 1, ADD 2, SUB 3, MUL 4, NEG 5, SQUARE 6, FOLD 7,
    FOLD_REG 8, FOLD_MUL 9."""

    def __init__(self, consts: Sequence[int], scalars: np.ndarray, instrs: np.ndarray, registers: int,
                 slots: int, challenges: int) -> None: ...
    @property
    def instructions(self) -> int: ...
    @property
    def registers(self) -> int: ...
    def evaluate(self, values: Sequence[FrVec | None], challenges: Sequence[int], y: int, acc: FrVec) -> None:
        """acc[i] += Σ_FOLD y^e·a(i) for every point i (n = len(acc)); ``values[slot]`` holds n
        values for every slot the program reads (None elsewhere). Over blocks of points in
        parallel, a small register file per task."""

class ConstraintDag:
    """The constraints' hash-consed DAG for evaluation at ONE point (``program.point_dag``; the
    verifier's h(x)). ``nodes`` (m, 3) int64 rows [op, a, b], children before parents: CONST
    (a indexes consts), CHALLENGE (a < challenges: θ, β, γ, then the circuit's), POLY −1 (a <
    values: one opened value), ADD/SUB/MUL a, b and NEG/SQUARE a (earlier rows). ``roots``: the
    constraints' nodes in order. Every index is checked here (ValueError)."""

    def __init__(self, consts: Sequence[int], nodes: np.ndarray, roots: np.ndarray, values: int,
                 challenges: int) -> None: ...
    @property
    def nodes(self) -> int: ...
    def evaluate(self, values: FrVec, challenges: Sequence[int], y: int) -> int:
        """Σₖ y^{N−1−k}·Cₖ, every node computed once from ``values`` (len = the DAG's values)."""

# ------------------------------------------------------------------------------- G1

class G1:
    """A point of BN254 G1 (affine storage)."""

    @staticmethod
    def generator() -> "G1": ...
    @staticmethod
    def identity() -> "G1": ...
    @staticmethod
    def from_bytes(data: bytes) -> "G1":
        """32-byte compressed or 64-byte uncompressed arkworks encoding (by length), with
        on-curve and subgroup checks; anything else is a ValueError."""
    @staticmethod
    def from_xy(x: int, y: int) -> "G1":
        """From affine coordinates in Fq; checks on-curve (and subgroup). (0, 0) is identity."""
    def to_bytes(self) -> bytes: ...  # 32-byte compressed
    def to_bytes_uncompressed(self) -> bytes:
        """64 bytes x ‖ y, little-endian, with arkworks' flag bits in the top two bits of the
        last byte (from_bytes also accepts them cleared)."""
    def to_xy(self) -> tuple[int, int] | None: ...  # None for the identity
    def is_identity(self) -> bool: ...
    def add(self, other: "G1") -> "G1": ...
    def sub(self, other: "G1") -> "G1": ...
    def neg(self) -> "G1": ...
    def mul(self, scalar: int) -> "G1": ...
    def __add__(self, other: "G1") -> "G1": ...
    def __sub__(self, other: "G1") -> "G1": ...
    def __neg__(self) -> "G1": ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class G1Vec:
    """A vector of affine G1 points, used as MSM bases (SRS powers, Lagrange bases)."""

    @staticmethod
    def from_points(points: Sequence[G1]) -> "G1Vec": ...
    @staticmethod
    def from_bytes(data: bytes, compressed: bool) -> "G1Vec":
        """Concatenated arkworks encodings (32 bytes each compressed, 64 uncompressed),
        each checked on-curve and in the subgroup (in parallel)."""
    @staticmethod
    def from_coordinates(data: bytes, montgomery: bool, big_endian: bool = False) -> "G1Vec":
        """n × 64 bytes, each point x ‖ y as 32-byte Fq integers (little-endian unless
        big_endian), in Montgomery form (x·2^256 mod q, as halo2 'raw' and snarkjs .ptau store
        them) when montgomery is true. All-zero x and y is the identity. Checked on-curve and
        in the subgroup; a bad point is a ValueError naming its index."""
    @staticmethod
    def powers_of_tau(tau: int, n: int) -> "G1Vec":
        """[τ⁰]₁, [τ¹]₁, …, [τ^(n-1)]₁. Fixed-base: a table of d·2^(cw)·G for signed
        c-bit digits d (c ≈ 13 at n = 2^16), then ⌈253/c⌉ table additions per point in affine
        coordinates with one shared inversion per block (parallel)."""
    @staticmethod
    def lagrange_from_tau(tau: int, n: int) -> "G1Vec":
        """The Lagrange basis [Lᵢ(τ)]₁ (i < n) of the size-n subgroup H = <ω> from a KNOWN τ
        (test SRS generation): Lᵢ(τ) = (τⁿ − 1)·ωⁱ / (n·(τ − ωⁱ)) by one batch inversion, then
        the fixed-base multiplication of ``powers_of_tau``. Equals
        ``powers_of_tau(tau, n).ifft()`` without the group iNTT, so
        ``lagrange_from_tau(τ, n).msm(evals) == powers_of_tau(τ, n).msm(intt(evals))``.
        n must be a power of two; τ ∈ H (τⁿ = 1) is a ValueError."""
    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> G1: ...  # negative i counts from the end; IndexError out of range
    def slice(self, start: int, stop: int) -> "G1Vec": ...
    def to_bytes(self, compressed: bool) -> bytes: ...
    def msm(self, scalars: FrVec) -> G1:
        """Σ sᵢ·Pᵢ over the first len(scalars) bases (len(scalars) ≤ len(self)); parallel.
        Empty scalars give the identity.

        Our own Pippenger: each sᵢ is read as a signed integer ±|sᵢ| in (−r/2, r/2]; |sᵢ| is
        cut into signed c-bit digits (2^(c−1) buckets per window); each window's points are
        sorted by bucket and summed by tree levels of affine additions sharing one inversion
        per level (Montgomery's trick); buckets are combined by running sums and the windows
        by Horner's rule. Zero scalars and identity bases are skipped, and the scalars are
        split at the bit-length t minimising a cost model into a small class (only ⌈t/c⌉
        windows — e.g. 1–2 windows for 16-bit advice values, negatives included) and a large
        class (e.g. the random blinding rows). ~1.7–2× faster than arkworks on full-size
        scalars, ~10× on 16-bit ones. Working memory ~45 bytes per scalar plus ~8 bytes per
        point per parallel task (points are gathered per cache block)."""
    def msm_arkworks(self, scalars: FrVec) -> G1:
        """The same sum by arkworks' ``VariableBaseMSM`` — the reference for tests and
        benchmarks (slower; same argument rules)."""
    def ifft(self) -> "G1Vec":
        """The inverse NTT over the group: from [τⁱ]₁ (i < n, n a power of two) to the
        Lagrange basis [Lᵢ(τ)]₁ of the size-n subgroup, so that commit(evals) =
        Σ evalᵢ·[Lᵢ(τ)]₁ equals commit(intt(evals)). Costs ~(n/2)·log₂n G1 scalar
        multiplications (parallel): ~0.8 s at n = 2^12 on 2 cores, ~15 s at 2^16 — cache it.
        When τ is known (a test SRS), ``lagrange_from_tau`` gives the same basis ~50× faster."""

def msm(bases: G1Vec, scalars: FrVec) -> G1:
    """Same as bases.msm(scalars)."""

def msm_merged(bases: Sequence[G1], scalars: FrVec) -> G1:
    """Σ sᵢ·Pᵢ with equal points merged first (their scalars summed), then ``msm``
    (len(bases) must equal len(scalars); ValueError otherwise)."""

# ------------------------------------------------------------------------------- G2

class G2:
    """A point of BN254 G2."""

    @staticmethod
    def generator() -> "G2": ...
    @staticmethod
    def identity() -> "G2": ...
    @staticmethod
    def from_bytes(data: bytes) -> "G2":
        """64-byte compressed or 128-byte uncompressed arkworks encoding, with checks."""
    @staticmethod
    def from_coordinates(data: bytes, montgomery: bool, big_endian: bool = False) -> "G2":
        """128 bytes: x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, each a 32-byte Fq integer, as for G1Vec."""
    @staticmethod
    def from_xy(x: tuple[int, int], y: tuple[int, int]) -> "G2":
        """From Fq2 coordinates (c0, c1) each; checks on-curve and subgroup."""
    def to_xy(self) -> tuple[tuple[int, int], tuple[int, int]] | None: ...
    def to_bytes(self) -> bytes: ...  # 64-byte compressed
    def to_bytes_uncompressed(self) -> bytes: ...  # 128 bytes
    def add(self, other: "G2") -> "G2": ...
    def neg(self) -> "G2": ...
    def mul(self, scalar: int) -> "G2": ...
    def is_identity(self) -> bool: ...
    def __eq__(self, other: object) -> bool: ...

def pairing_check(g1: Sequence[G1], g2: Sequence[G2]) -> bool:
    """True iff Π e(g1ᵢ, g2ᵢ) = 1 in GT, with one multi-Miller loop and one final
    exponentiation."""
