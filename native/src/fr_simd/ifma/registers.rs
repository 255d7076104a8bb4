//! The IFMA path's register arithmetic: eight elements at a time, limb-major, in 64-bit words
//! ([`L4`]) or radix 2^52 ([`L5`]); transposes, loads and stores, the radix conversions,
//! Montgomery products, and sums and differences mod r. The representation and its bounds are
//! described on the parent module. Every function here needs avx512f, avx512ifma and
//! avx512vbmi2: callers check [`super::available`] first.
use ark_bn254::Fr;
use ark_ff::PrimeField;
use core::arch::x86_64::*;

// The kernels treat a slice of Fr as a slice of [u64; 4] (ark-ff's Fp is a BigInt<4> plus a
// PhantomData; BigInt<4> is a [u64; 4]).
const _: () = assert!(core::mem::size_of::<Fr>() == 32);
const _: () = assert!(core::mem::align_of::<Fr>() == 8);
const _: () = assert!(core::mem::offset_of!(Fr, 0) == 0);
const _: () = assert!(core::mem::offset_of!(ark_ff::BigInt<4>, 0) == 0);

pub(super) const MASK: u64 = (1 << 52) - 1;
pub(super) const R64: [u64; 4] = <Fr as PrimeField>::MODULUS.0;

pub(super) const fn split52(x: [u64; 4]) -> [u64; 5] {
    [
        x[0] & MASK,
        ((x[0] >> 52) | (x[1] << 12)) & MASK,
        ((x[1] >> 40) | (x[2] << 24)) & MASK,
        ((x[2] >> 28) | (x[3] << 36)) & MASK,
        x[3] >> 16,
    ]
}

/// r in radix 2^52.
pub(super) const R52: [u64; 5] = split52(R64);

/// −r^-1 mod 2^52 (Newton's iteration for the inverse mod 2^64).
pub(super) const RINV: u64 = {
    let mut inv: u64 = 1;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(R64[0].wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg() & MASK
};
const _: () = assert!(R64[0].wrapping_mul(RINV) & MASK == MASK);

pub(super) type V = __m512i;
/// Eight elements in radix 2^52, limb-major.
pub(super) type L5 = [V; 5];
/// Eight elements in 64-bit words, limb-major.
pub(super) type L4 = [V; 4];

#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn idx(i: [i64; 8]) -> V {
    _mm512_set_epi64(i[7], i[6], i[5], i[4], i[3], i[2], i[1], i[0])
}

#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn splat(x: u64) -> V {
    _mm512_set1_epi64(x as i64)
}

/// One round of a transpose: with x's registers paired as (x_i, x_j), (x_k, x_l), each pair
/// permuted by the index vectors p and q.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn pass(x: L4, (p, q): (V, V), [i, j, k, l]: [usize; 4]) -> L4 {
    [
        _mm512_permutex2var_epi64(x[i], p, x[j]),
        _mm512_permutex2var_epi64(x[i], q, x[j]),
        _mm512_permutex2var_epi64(x[k], p, x[l]),
        _mm512_permutex2var_epi64(x[k], q, x[l]),
    ]
}

/// The index vectors of the transposes' two rounds: words of the same limb together,
/// then the halves of those words' registers.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn rounds() -> ((V, V), (V, V)) {
    (
        (idx([0, 4, 8, 12, 1, 5, 9, 13]), idx([2, 6, 10, 14, 3, 7, 11, 15])),
        (idx([0, 1, 2, 3, 8, 9, 10, 11]), idx([4, 5, 6, 7, 12, 13, 14, 15])),
    )
}

/// Element-major (e0 w0..w3, e1 w0..w3 | …) → limb-major, for words in four registers.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn transpose_in(z: L4) -> L4 {
    let (words, halves) = rounds();
    pass(pass(z, words, [0, 1, 2, 3]), halves, [0, 2, 1, 3])
}

/// The inverse of [`transpose_in`].
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn transpose_out(l: L4) -> L4 {
    let (words, halves) = rounds();
    pass(pass(l, halves, [0, 1, 2, 3]), words, [0, 2, 1, 3])
}

/// Loads eight elements from `p`, limb-major.
///
/// Safety: `p` points at eight readable `Fr`s.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) unsafe fn load(p: *const Fr) -> L4 {
    let p = p.cast::<V>();
    // SAFETY: eight Fr are 256 bytes = four unaligned 64-byte loads.
    let z = unsafe {
        [
            _mm512_loadu_si512(p),
            _mm512_loadu_si512(p.add(1)),
            _mm512_loadu_si512(p.add(2)),
            _mm512_loadu_si512(p.add(3)),
        ]
    };
    transpose_in(z)
}

/// Stores eight limb-major elements at `p`.
///
/// Safety: `p` points at eight writable `Fr`s.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) unsafe fn store(p: *mut Fr, l: L4) {
    let z = transpose_out(l);
    let p = p.cast::<V>();
    // SAFETY: as in `load`.
    unsafe {
        _mm512_storeu_si512(p, z[0]);
        _mm512_storeu_si512(p.add(1), z[1]);
        _mm512_storeu_si512(p.add(2), z[2]);
        _mm512_storeu_si512(p.add(3), z[3]);
    }
}

/// 64-bit words → radix 2^52 (the value itself). `shrdi::<k>(lo, hi)` is the 64 bits of
/// hi:lo from bit k (VBMI2's double shift).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn split(w: L4) -> L5 {
    let m = splat(MASK);
    [
        _mm512_and_si512(w[0], m),
        _mm512_and_si512(_mm512_shrdi_epi64::<52>(w[0], w[1]), m),
        _mm512_and_si512(_mm512_shrdi_epi64::<40>(w[1], w[2]), m),
        _mm512_and_si512(_mm512_shrdi_epi64::<28>(w[2], w[3]), m),
        _mm512_srli_epi64::<16>(w[3]),
    ]
}

/// 64-bit words → radix 2^52 of 16 times the value (not reduced; < 2^258 for a value < r):
/// the second operand of [`mont_mul`].
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn split16(w: L4) -> L5 {
    let m = splat(MASK);
    [
        _mm512_and_si512(_mm512_slli_epi64::<4>(w[0]), m),
        _mm512_and_si512(_mm512_shrdi_epi64::<48>(w[0], w[1]), m),
        _mm512_and_si512(_mm512_shrdi_epi64::<36>(w[1], w[2]), m),
        _mm512_and_si512(_mm512_shrdi_epi64::<24>(w[2], w[3]), m),
        _mm512_srli_epi64::<12>(w[3]),
    ]
}

/// Radix 2^52 with normalised limbs (each < 2^52, value < 2^256) → 64-bit words (the
/// shifts of a pair sum to 52, not 64: no double shift here).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn join(t: L5) -> L4 {
    [
        _mm512_or_si512(t[0], _mm512_slli_epi64::<52>(t[1])),
        _mm512_or_si512(_mm512_srli_epi64::<12>(t[1]), _mm512_slli_epi64::<40>(t[2])),
        _mm512_or_si512(_mm512_srli_epi64::<24>(t[2]), _mm512_slli_epi64::<28>(t[3])),
        _mm512_or_si512(_mm512_srli_epi64::<36>(t[3]), _mm512_slli_epi64::<16>(t[4])),
    ]
}

/// Propagates carries so limbs 0..4 are < 2^52 (limb 4 keeps the rest).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn normalize(mut t: L5) -> L5 {
    let m = splat(MASK);
    for j in 0..4 {
        t[j + 1] = _mm512_add_epi64(t[j + 1], _mm512_srli_epi64::<52>(t[j]));
        t[j] = _mm512_and_si512(t[j], m);
    }
    t
}

/// Normalised t < 2r → t mod r.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn reduce_once(t: L5) -> L5 {
    let m = splat(MASK);
    let mut d = t;
    let mut borrow = _mm512_setzero_si512();
    for j in 0..5 {
        let x = _mm512_add_epi64(_mm512_sub_epi64(t[j], splat(R52[j])), borrow);
        borrow = _mm512_srai_epi64::<52>(x);
        d[j] = if j < 4 { _mm512_and_si512(x, m) } else { x };
    }
    // Lanes where t − r went negative keep t.
    let neg = _mm512_cmplt_epi64_mask(d[4], _mm512_setzero_si512());
    let mut out = d;
    for j in 0..5 {
        out[j] = _mm512_mask_blend_epi64(neg, d[j], t[j]);
    }
    out
}

/// Two Montgomery products in radix 2^52, their rounds interleaved (two independent chains
/// in flight for the IFMA latency: ~20% faster than one at a time): canonical `a`, and `b16`
/// from [`split16`] → a·b·2^-256 mod r, canonical and normalised; likewise c, d16. Five
/// operand-scanning rounds; limbs accumulate lazily (each round adds < 2^54 to a limb, far
/// below 2^64).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn mont_mul2(a: &L5, b16: &L5, c: &L5, d16: &L5) -> (L5, L5) {
    let z = _mm512_setzero_si512();
    let r = [splat(R52[0]), splat(R52[1]), splat(R52[2]), splat(R52[3]), splat(R52[4])];
    let rinv = splat(RINV);
    let (mut t, mut u) = ([z; 6], [z; 6]);
    for i in 0..5 {
        let (ai, ci) = (a[i], c[i]);
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], ai, b16[j]);
            u[j] = _mm512_madd52lo_epu64(u[j], ci, d16[j]);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], ai, b16[j]);
            u[j + 1] = _mm512_madd52hi_epu64(u[j + 1], ci, d16[j]);
        }
        let qt = _mm512_madd52lo_epu64(z, t[0], rinv);
        let qu = _mm512_madd52lo_epu64(z, u[0], rinv);
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], qt, r[j]);
            u[j] = _mm512_madd52lo_epu64(u[j], qu, r[j]);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], qt, r[j]);
            u[j + 1] = _mm512_madd52hi_epu64(u[j + 1], qu, r[j]);
        }
        // t[0] ≡ 0 mod 2^52 now: shift down one limb, keeping its carry.
        let (ct, cu) = (_mm512_srli_epi64::<52>(t[0]), _mm512_srli_epi64::<52>(u[0]));
        t = [_mm512_add_epi64(t[1], ct), t[2], t[3], t[4], t[5], z];
        u = [_mm512_add_epi64(u[1], cu), u[2], u[3], u[4], u[5], z];
    }
    (
        reduce_once(normalize([t[0], t[1], t[2], t[3], t[4]])),
        reduce_once(normalize([u[0], u[1], u[2], u[3], u[4]])),
    )
}

/// The constant's radix-2^52 limbs of 16·c, broadcast.
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn splat16(c: Fr) -> L5 {
    let w = c.0 .0;
    split16([splat(w[0]), splat(w[1]), splat(w[2]), splat(w[3])])
}

/// Limb-major 64-bit words: a + b mod 2^256 (carries ripple through the four words as lane
/// masks).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn add_words(a: &L4, b: &L4) -> L4 {
    let (z, one) = (_mm512_setzero_si512(), _mm512_set1_epi64(1));
    let mut s = *a;
    let mut carry: u8 = 0;
    for j in 0..4 {
        let t = _mm512_add_epi64(a[j], b[j]);
        let k = _mm512_cmplt_epu64_mask(t, a[j]);
        s[j] = _mm512_mask_add_epi64(t, carry, t, one);
        // t + 1 carries only where it wrapped to 0.
        carry = k | _mm512_mask_cmpeq_epi64_mask(carry, s[j], z);
    }
    s
}

/// Limb-major 64-bit words, canonical a, b → a + b mod r. Sums and differences skip the
/// radix-2^52 split.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn add64(a: &L4, b: &L4) -> L4 {
    // a + b < 2r < 2^256: no carry out. Subtract r; lanes that borrow out keep s.
    let s = add_words(a, b);
    let r = [splat(R64[0]), splat(R64[1]), splat(R64[2]), splat(R64[3])];
    let (d, below) = sub_words(&s, &r);
    let mut out = d;
    for j in 0..4 {
        out[j] = _mm512_mask_blend_epi64(below, d[j], s[j]);
    }
    out
}

/// Limb-major 64-bit words: a − b mod 2^256 and the lanes that borrowed out (a < b).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn sub_words(a: &L4, b: &L4) -> (L4, u8) {
    let (z, one) = (_mm512_setzero_si512(), _mm512_set1_epi64(1));
    let mut d = *a;
    let mut borrow: u8 = 0;
    for j in 0..4 {
        let t = _mm512_sub_epi64(a[j], b[j]);
        let k = _mm512_cmplt_epu64_mask(a[j], b[j]);
        d[j] = _mm512_mask_sub_epi64(t, borrow, t, one);
        // t − 1 borrows only where t was 0.
        borrow = k | _mm512_mask_cmpeq_epi64_mask(borrow, t, z);
    }
    (d, borrow)
}

/// Limb-major 64-bit words, canonical a, b → a − b mod r.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn sub64(a: &L4, b: &L4) -> L4 {
    let (d, neg) = sub_words(a, b);
    // Lanes that borrowed out add r back (the carry out of 256 bits is dropped); the others
    // add 0.
    let r = [0, 1, 2, 3].map(|j| _mm512_maskz_mov_epi64(neg, splat(R64[j])));
    add_words(&d, &r)
}
