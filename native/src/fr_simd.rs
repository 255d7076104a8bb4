//! Element-wise field kernels over slices of Fr, the inner loops of the NTT and the quotient
//! program: products, fused multiply-adds, the DIT butterfly, sums and differences. Each has one
//! definition of its result (the scalar loop in [`scalar`], arkworks' arithmetic); faster paths
//! must agree with it bit for bit.
//!
//! On x86-64 CPUs with AVX-512 IFMA (detected once at run time) the kernels take eight elements
//! at a time through [`ifma`]; a tail of fewer than eight, and every other CPU, uses the scalar
//! loop.
//!
//! All slices of one call have equal length (checked with `debug_assert` only: callers own
//! the lengths); any length, including 0, is allowed. Kernels are single-threaded and never
//! allocate: callers parallelise over chunks.
use ark_bn254::Fr;

/// Runs `$simd` on the IFMA path when the CPU has it, else `$scalar`.
macro_rules! dispatch {
    ($name:ident ( $($arg:expr),* )) => {{
        #[cfg(target_arch = "x86_64")]
        if ifma::available() {
            return ifma::$name($($arg),*);
        }
        scalar::$name($($arg),*)
    }};
}

/// out[i] = a[i]·b[i]
pub fn mul_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
    debug_assert!(out.len() == a.len() && a.len() == b.len());
    dispatch!(mul_into(out, a, b))
}

/// a[i] ·= b[i]
pub fn mul_assign(a: &mut [Fr], b: &[Fr]) {
    debug_assert!(a.len() == b.len());
    dispatch!(mul_assign(a, b))
}

/// out[i] = a[i]·c
pub fn mul_scalar_into(out: &mut [Fr], a: &[Fr], c: Fr) {
    debug_assert!(out.len() == a.len());
    dispatch!(mul_scalar_into(out, a, c))
}

/// a[i] ·= c
pub fn mul_scalar_assign(a: &mut [Fr], c: Fr) {
    dispatch!(mul_scalar_assign(a, c))
}

/// acc[i] += a[i]·b[i]
pub fn mul_add_assign(acc: &mut [Fr], a: &[Fr], b: &[Fr]) {
    debug_assert!(acc.len() == a.len() && a.len() == b.len());
    dispatch!(mul_add_assign(acc, a, b))
}

/// acc[i] += a[i]·c
pub fn mul_scalar_add_assign(acc: &mut [Fr], a: &[Fr], c: Fr) {
    debug_assert!(acc.len() == a.len());
    dispatch!(mul_scalar_add_assign(acc, a, c))
}

/// The radix-2 DIT butterflies: t = hi[j]·tw[j]; (lo[j], hi[j]) ← (lo[j] + t, lo[j] − t).
pub fn butterflies(lo: &mut [Fr], hi: &mut [Fr], tw: &[Fr]) {
    debug_assert!(lo.len() == hi.len() && hi.len() == tw.len());
    dispatch!(butterflies(lo, hi, tw))
}

/// out[i] = a[i] + b[i]
pub fn add_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
    debug_assert!(out.len() == a.len() && a.len() == b.len());
    dispatch!(add_into(out, a, b))
}

/// out[i] = a[i] − b[i]
pub fn sub_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
    debug_assert!(out.len() == a.len() && a.len() == b.len());
    dispatch!(sub_into(out, a, b))
}

/// a[i] += b[i]
pub fn add_assign(a: &mut [Fr], b: &[Fr]) {
    debug_assert!(a.len() == b.len());
    dispatch!(add_assign(a, b))
}

/// The definitions: arkworks' scalar arithmetic, one element at a time. The fallback on CPUs
/// without IFMA, the tail of the SIMD path, and the tests' oracle.
mod scalar {
    use ark_bn254::Fr;

    pub(super) fn mul_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
        out.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o = *x * y);
    }

    pub(super) fn mul_assign(a: &mut [Fr], b: &[Fr]) {
        a.iter_mut().zip(b).for_each(|(x, y)| *x *= y);
    }

    pub(super) fn mul_scalar_into(out: &mut [Fr], a: &[Fr], c: Fr) {
        out.iter_mut().zip(a).for_each(|(o, x)| *o = *x * c);
    }

    pub(super) fn mul_scalar_assign(a: &mut [Fr], c: Fr) {
        a.iter_mut().for_each(|x| *x *= c);
    }

    pub(super) fn mul_add_assign(acc: &mut [Fr], a: &[Fr], b: &[Fr]) {
        acc.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o += *x * y);
    }

    pub(super) fn mul_scalar_add_assign(acc: &mut [Fr], a: &[Fr], c: Fr) {
        acc.iter_mut().zip(a).for_each(|(o, x)| *o += *x * c);
    }

    pub(super) fn butterflies(lo: &mut [Fr], hi: &mut [Fr], tw: &[Fr]) {
        lo.iter_mut().zip(hi.iter_mut().zip(tw)).for_each(|(a, (b, w))| {
            let t = *b * w;
            *b = *a - t;
            *a += t;
        });
    }

    pub(super) fn add_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
        out.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o = *x + y);
    }

    pub(super) fn sub_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
        out.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o = *x - y);
    }

    pub(super) fn add_assign(a: &mut [Fr], b: &[Fr]) {
        a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
    }
}

/// Eight elements at a time with AVX-512 IFMA (`vpmadd52luq`/`vpmadd52huq`: eight 52×52-bit
/// products per instruction).
///
/// This is the crate's only `unsafe` code: the kernels are `#[target_feature]` functions (callable
/// only once the CPU is known to have avx512f, avx512ifma and avx512vbmi2: [`available`] checks
/// it once at run time, and every entry point asserts it), and they read and write the slices through raw-pointer vector loads
/// and stores (in bounds: runs of eight below the common length; `Fr` is four `u64`s, checked
/// at compile time below). Products go two runs at a time ([`mont_mul2`]).
///
/// Representation. Eight elements sit limb-major in five registers of 52-bit limbs (radix 2^52,
/// 260 bits). An element's value is its Montgomery form X = x·2^256 mod r, canonical (< r).
/// The product uses Montgomery reduction by 2^260 (five 52-bit rounds) with the second operand
/// split as 16·Y (a 4-bit shift, not reduced: < 2^258): (X·16Y)·2^-260 = X·Y·2^-256, which is
/// exactly arkworks' product. Bound: X·16Y < 2^512 and M·r < 2^260·r, so the reduced value is
/// < 2^252 + r < 2r, and one conditional subtraction of r makes it canonical; the limbs are
/// then rejoined to four 64-bit words. Sums and differences (alone, in the butterflies and in
/// the multiply-adds) work on the limb-major 64-bit words directly, carries and borrows
/// rippling through the four words as lane masks, with one conditional correction by r.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod ifma {
    use super::scalar;
    use ark_bn254::Fr;
    use ark_ff::PrimeField;
    use core::arch::x86_64::*;
    use std::sync::OnceLock;

    // The kernels treat a slice of Fr as a slice of [u64; 4] (ark-ff's Fp is a BigInt<4> plus a
    // PhantomData; BigInt<4> is a [u64; 4]).
    const _: () = assert!(core::mem::size_of::<Fr>() == 32);
    const _: () = assert!(core::mem::align_of::<Fr>() == 8);
    const _: () = assert!(core::mem::offset_of!(Fr, 0) == 0);
    const _: () = assert!(core::mem::offset_of!(ark_ff::BigInt<4>, 0) == 0);

    const MASK: u64 = (1 << 52) - 1;
    const R64: [u64; 4] = <Fr as PrimeField>::MODULUS.0;

    const fn split52(x: [u64; 4]) -> [u64; 5] {
        [
            x[0] & MASK,
            ((x[0] >> 52) | (x[1] << 12)) & MASK,
            ((x[1] >> 40) | (x[2] << 24)) & MASK,
            ((x[2] >> 28) | (x[3] << 36)) & MASK,
            x[3] >> 16,
        ]
    }

    /// r in radix 2^52.
    const R52: [u64; 5] = split52(R64);

    /// −r^-1 mod 2^52 (Newton's iteration for the inverse mod 2^64).
    const RINV: u64 = {
        let mut inv: u64 = 1;
        let mut i = 0;
        while i < 6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(R64[0].wrapping_mul(inv)));
            i += 1;
        }
        inv.wrapping_neg() & MASK
    };
    const _: () = assert!(R64[0].wrapping_mul(RINV) & MASK == MASK);

    static AVAILABLE: OnceLock<bool> = OnceLock::new();

    pub(super) fn available() -> bool {
        *AVAILABLE.get_or_init(|| {
            std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512ifma")
                && std::arch::is_x86_feature_detected!("avx512vbmi2")
        })
    }

    type V = __m512i;
    /// Eight elements in radix 2^52, limb-major.
    type L5 = [V; 5];
    /// Eight elements in 64-bit words, limb-major.
    type L4 = [V; 4];

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    fn idx(i: [i64; 8]) -> V {
        _mm512_set_epi64(i[7], i[6], i[5], i[4], i[3], i[2], i[1], i[0])
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    fn splat(x: u64) -> V {
        _mm512_set1_epi64(x as i64)
    }

    /// One round of a transpose: with x's registers paired as (x_i, x_j), (x_k, x_l), each pair
    /// permuted by the index vectors p and q.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    fn pass(x: L4, (p, q): (V, V), [i, j, k, l]: [usize; 4]) -> L4 {
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
    fn rounds() -> ((V, V), (V, V)) {
        (
            (idx([0, 4, 8, 12, 1, 5, 9, 13]), idx([2, 6, 10, 14, 3, 7, 11, 15])),
            (idx([0, 1, 2, 3, 8, 9, 10, 11]), idx([4, 5, 6, 7, 12, 13, 14, 15])),
        )
    }

    /// Element-major (e0 w0..w3, e1 w0..w3 | …) → limb-major, for words in four registers.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    fn transpose_in(z: L4) -> L4 {
        let (words, halves) = rounds();
        pass(pass(z, words, [0, 1, 2, 3]), halves, [0, 2, 1, 3])
    }

    /// The inverse of [`transpose_in`].
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    fn transpose_out(l: L4) -> L4 {
        let (words, halves) = rounds();
        pass(pass(l, halves, [0, 1, 2, 3]), words, [0, 2, 1, 3])
    }

    /// Loads eight elements from `p`, limb-major.
    ///
    /// Safety: `p` points at eight readable `Fr`s.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    unsafe fn load(p: *const Fr) -> L4 {
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
    unsafe fn store(p: *mut Fr, l: L4) {
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
    fn split(w: L4) -> L5 {
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
    fn split16(w: L4) -> L5 {
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
    fn join(t: L5) -> L4 {
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
    fn normalize(mut t: L5) -> L5 {
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
    fn reduce_once(t: L5) -> L5 {
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
    fn mont_mul2(a: &L5, b16: &L5, c: &L5, d16: &L5) -> (L5, L5) {
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

    /// Runs `block(i, j)` on the runs of eight elements below `n`, two runs (i, j = i + 8) at a
    /// time; an odd last run goes as (i, i), the same run twice (every block reads all its input
    /// before it writes, so the run is computed twice from the same values). Returns
    /// `n - n % 8`, where the caller's scalar tail starts.
    #[inline(always)]
    fn blocks(n: usize, mut block: impl FnMut(usize, usize)) -> usize {
        assert!(available(), "fr_simd: the IFMA path needs avx512f, avx512ifma and avx512vbmi2");
        let full = n - n % 8;
        let mut i = 0;
        while i + 16 <= full {
            block(i, i + 8);
            i += 16;
        }
        if i < full {
            block(i, i);
        }
        full
    }

    // Each block below takes two runs of eight (at offsets i and j of every slice; j may equal
    // i) and loads all its input before its first store.
    //
    // SAFETY (all kernels): `blocks` asserts the CPU features before any block runs; i + 8 and
    // j + 8 are ≤ n ≤ every slice's length; distinct `&mut` slices do not overlap, and in-place
    // kernels read a run before writing it.

    pub(super) fn mul_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
        let n = out.len().min(a.len()).min(b.len());
        let (po, pa, pb) = (out.as_mut_ptr(), a.as_ptr(), b.as_ptr());
        let v = blocks(n, |i, j| unsafe { mul_block(po, pa, pb, i, j) });
        scalar::mul_into(&mut out[v..n], &a[v..n], &b[v..n]);
    }

    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    unsafe fn mul_block(o: *mut Fr, a: *const Fr, b: *const Fr, i: usize, j: usize) {
        unsafe {
            let (x, y) = mont_mul2(
                &split(load(a.add(i))),
                &split16(load(b.add(i))),
                &split(load(a.add(j))),
                &split16(load(b.add(j))),
            );
            store(o.add(i), join(x));
            store(o.add(j), join(y));
        }
    }

    pub(super) fn mul_assign(a: &mut [Fr], b: &[Fr]) {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_mut_ptr(), b.as_ptr());
        let v = blocks(n, |i, j| unsafe { mul_block(pa, pa, pb, i, j) });
        scalar::mul_assign(&mut a[v..n], &b[v..n]);
    }

    /// The constant's radix-2^52 limbs of 16·c, broadcast.
    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    fn splat16(c: Fr) -> L5 {
        let w = c.0 .0;
        split16([splat(w[0]), splat(w[1]), splat(w[2]), splat(w[3])])
    }

    pub(super) fn mul_scalar_into(out: &mut [Fr], a: &[Fr], c: Fr) {
        let n = out.len().min(a.len());
        let (po, pa) = (out.as_mut_ptr(), a.as_ptr());
        // `splat16` runs inside a block: after `blocks` checked the features.
        let mut c16 = None;
        let v = blocks(n, |i, j| unsafe {
            let c16 = *c16.get_or_insert_with(|| splat16(c));
            mul_scalar_block(po, pa, &c16, i, j)
        });
        scalar::mul_scalar_into(&mut out[v..n], &a[v..n], c);
    }

    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    unsafe fn mul_scalar_block(o: *mut Fr, a: *const Fr, c16: &L5, i: usize, j: usize) {
        unsafe {
            let (x, y) = mont_mul2(&split(load(a.add(i))), c16, &split(load(a.add(j))), c16);
            store(o.add(i), join(x));
            store(o.add(j), join(y));
        }
    }

    pub(super) fn mul_scalar_assign(a: &mut [Fr], c: Fr) {
        let n = a.len();
        let pa = a.as_mut_ptr();
        let mut c16 = None;
        let v = blocks(n, |i, j| unsafe {
            let c16 = *c16.get_or_insert_with(|| splat16(c));
            mul_scalar_block(pa, pa, &c16, i, j)
        });
        scalar::mul_scalar_assign(&mut a[v..n], c);
    }

    pub(super) fn mul_add_assign(acc: &mut [Fr], a: &[Fr], b: &[Fr]) {
        let n = acc.len().min(a.len()).min(b.len());
        let (po, pa, pb) = (acc.as_mut_ptr(), a.as_ptr(), b.as_ptr());
        let v = blocks(n, |i, j| unsafe { mul_add_block(po, pa, pb, i, j) });
        scalar::mul_add_assign(&mut acc[v..n], &a[v..n], &b[v..n]);
    }

    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    unsafe fn mul_add_block(o: *mut Fr, a: *const Fr, b: *const Fr, i: usize, j: usize) {
        unsafe {
            let (x, y) = mont_mul2(
                &split(load(a.add(i))),
                &split16(load(b.add(i))),
                &split(load(a.add(j))),
                &split16(load(b.add(j))),
            );
            let (oi, oj) = (load(o.add(i)), load(o.add(j)));
            store(o.add(i), add64(&oi, &join(x)));
            store(o.add(j), add64(&oj, &join(y)));
        }
    }

    pub(super) fn mul_scalar_add_assign(acc: &mut [Fr], a: &[Fr], c: Fr) {
        let n = acc.len().min(a.len());
        let (po, pa) = (acc.as_mut_ptr(), a.as_ptr());
        let mut c16 = None;
        let v = blocks(n, |i, j| unsafe {
            let c16 = *c16.get_or_insert_with(|| splat16(c));
            mul_scalar_add_block(po, pa, &c16, i, j)
        });
        scalar::mul_scalar_add_assign(&mut acc[v..n], &a[v..n], c);
    }

    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    unsafe fn mul_scalar_add_block(o: *mut Fr, a: *const Fr, c16: &L5, i: usize, j: usize) {
        unsafe {
            let (x, y) = mont_mul2(&split(load(a.add(i))), c16, &split(load(a.add(j))), c16);
            let (oi, oj) = (load(o.add(i)), load(o.add(j)));
            store(o.add(i), add64(&oi, &join(x)));
            store(o.add(j), add64(&oj, &join(y)));
        }
    }

    pub(super) fn butterflies(lo: &mut [Fr], hi: &mut [Fr], tw: &[Fr]) {
        let n = lo.len().min(hi.len()).min(tw.len());
        let (pl, ph, pw) = (lo.as_mut_ptr(), hi.as_mut_ptr(), tw.as_ptr());
        let v = blocks(n, |i, j| unsafe { butterfly_block(pl, ph, pw, i, j) });
        scalar::butterflies(&mut lo[v..n], &mut hi[v..n], &tw[v..n]);
    }

    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    unsafe fn butterfly_block(lo: *mut Fr, hi: *mut Fr, tw: *const Fr, i: usize, j: usize) {
        unsafe {
            let (x, y) = mont_mul2(
                &split(load(hi.add(i))),
                &split16(load(tw.add(i))),
                &split(load(hi.add(j))),
                &split16(load(tw.add(j))),
            );
            let (ti, tj) = (join(x), join(y));
            let (li, lj) = (load(lo.add(i)), load(lo.add(j)));
            store(lo.add(i), add64(&li, &ti));
            store(hi.add(i), sub64(&li, &ti));
            store(lo.add(j), add64(&lj, &tj));
            store(hi.add(j), sub64(&lj, &tj));
        }
    }

    pub(super) fn add_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
        let n = out.len().min(a.len()).min(b.len());
        let (po, pa, pb) = (out.as_mut_ptr(), a.as_ptr(), b.as_ptr());
        let v = blocks(n, |i, j| unsafe { add_block(po, pa, pb, i, j) });
        scalar::add_into(&mut out[v..n], &a[v..n], &b[v..n]);
    }

    /// Limb-major 64-bit words: a + b mod 2^256 (carries ripple through the four words as lane
    /// masks).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    fn add_words(a: &L4, b: &L4) -> L4 {
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
    fn add64(a: &L4, b: &L4) -> L4 {
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
    fn sub_words(a: &L4, b: &L4) -> (L4, u8) {
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
    fn sub64(a: &L4, b: &L4) -> L4 {
        let (d, neg) = sub_words(a, b);
        // Lanes that borrowed out add r back (the carry out of 256 bits is dropped); the others
        // add 0.
        let r = [0, 1, 2, 3].map(|j| _mm512_maskz_mov_epi64(neg, splat(R64[j])));
        add_words(&d, &r)
    }

    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    unsafe fn add_block(o: *mut Fr, a: *const Fr, b: *const Fr, i: usize, j: usize) {
        unsafe {
            let (x, y) = (add64(&load(a.add(i)), &load(b.add(i))), add64(&load(a.add(j)), &load(b.add(j))));
            store(o.add(i), x);
            store(o.add(j), y);
        }
    }

    pub(super) fn add_assign(a: &mut [Fr], b: &[Fr]) {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_mut_ptr(), b.as_ptr());
        let v = blocks(n, |i, j| unsafe { add_block(pa, pa, pb, i, j) });
        scalar::add_assign(&mut a[v..n], &b[v..n]);
    }

    pub(super) fn sub_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
        let n = out.len().min(a.len()).min(b.len());
        let (po, pa, pb) = (out.as_mut_ptr(), a.as_ptr(), b.as_ptr());
        let v = blocks(n, |i, j| unsafe { sub_block(po, pa, pb, i, j) });
        scalar::sub_into(&mut out[v..n], &a[v..n], &b[v..n]);
    }

    #[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
    unsafe fn sub_block(o: *mut Fr, a: *const Fr, b: *const Fr, i: usize, j: usize) {
        unsafe {
            let (x, y) = (sub64(&load(a.add(i)), &load(b.add(i))), sub64(&load(a.add(j)), &load(b.add(j))));
            store(o.add(i), x);
            store(o.add(j), y);
        }
    }
}

#[cfg(test)]
mod tests {
    use ark_bn254::Fr;
    use ark_ff::{BigInt, One, PrimeField, UniformRand, Zero};
    use ark_std::test_rng;

    /// One implementation of every kernel.
    #[derive(Clone, Copy)]
    struct Kernels {
        mul_into: fn(&mut [Fr], &[Fr], &[Fr]),
        mul_assign: fn(&mut [Fr], &[Fr]),
        mul_scalar_into: fn(&mut [Fr], &[Fr], Fr),
        mul_scalar_assign: fn(&mut [Fr], Fr),
        mul_add_assign: fn(&mut [Fr], &[Fr], &[Fr]),
        mul_scalar_add_assign: fn(&mut [Fr], &[Fr], Fr),
        butterflies: fn(&mut [Fr], &mut [Fr], &[Fr]),
        add_into: fn(&mut [Fr], &[Fr], &[Fr]),
        sub_into: fn(&mut [Fr], &[Fr], &[Fr]),
        add_assign: fn(&mut [Fr], &[Fr]),
    }

    macro_rules! kernels {
        ($($m:ident)::+) => {
            Kernels {
                mul_into: $($m)::+::mul_into,
                mul_assign: $($m)::+::mul_assign,
                mul_scalar_into: $($m)::+::mul_scalar_into,
                mul_scalar_assign: $($m)::+::mul_scalar_assign,
                mul_add_assign: $($m)::+::mul_add_assign,
                mul_scalar_add_assign: $($m)::+::mul_scalar_add_assign,
                butterflies: $($m)::+::butterflies,
                add_into: $($m)::+::add_into,
                sub_into: $($m)::+::sub_into,
                add_assign: $($m)::+::add_assign,
            }
        };
    }

    /// Whether this CPU takes the IFMA path.
    fn simd_available() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            super::ifma::available()
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    fn definition() -> Kernels {
        kernels!(super::scalar)
    }

    /// The implementations checked against the definition: the public (dispatching) functions,
    /// and the IFMA path itself where this CPU has it.
    fn candidates() -> Vec<(&'static str, Kernels)> {
        #[allow(unused_mut)]
        let mut c = vec![("dispatch", kernels!(super))];
        #[cfg(target_arch = "x86_64")]
        if simd_available() {
            c.push(("ifma", kernels!(super::ifma)));
        }
        c
    }

    /// Runs every kernel of `k` on (a, b, w, s) and returns all outputs, in order.
    fn outputs(k: &Kernels, a: &[Fr], b: &[Fr], w: &[Fr], s: Fr) -> Vec<Vec<Fr>> {
        let n = a.len();
        let mut res = Vec::new();
        let mut out = vec![Fr::zero(); n];
        (k.mul_into)(&mut out, a, b);
        res.push(out.clone());
        let mut x = a.to_vec();
        (k.mul_assign)(&mut x, b);
        res.push(x);
        (k.mul_scalar_into)(&mut out, a, s);
        res.push(out.clone());
        let mut x = a.to_vec();
        (k.mul_scalar_assign)(&mut x, s);
        res.push(x);
        let mut x = w.to_vec();
        (k.mul_add_assign)(&mut x, a, b);
        res.push(x);
        let mut x = w.to_vec();
        (k.mul_scalar_add_assign)(&mut x, a, s);
        res.push(x);
        let (mut lo, mut hi) = (w.to_vec(), a.to_vec());
        (k.butterflies)(&mut lo, &mut hi, b);
        res.push(lo);
        res.push(hi);
        (k.add_into)(&mut out, a, b);
        res.push(out.clone());
        (k.sub_into)(&mut out, a, b);
        res.push(out.clone());
        let mut x = a.to_vec();
        (k.add_assign)(&mut x, b);
        res.push(x);
        res
    }

    const NAMES: [&str; 11] = [
        "mul_into",
        "mul_assign",
        "mul_scalar_into",
        "mul_scalar_assign",
        "mul_add_assign",
        "mul_scalar_add_assign",
        "butterflies.lo",
        "butterflies.hi",
        "add_into",
        "sub_into",
        "add_assign",
    ];

    fn check_all(a: &[Fr], b: &[Fr], w: &[Fr], s: Fr, what: &str) {
        let want = outputs(&definition(), a, b, w, s);
        for (name, k) in candidates() {
            let got = outputs(&k, a, b, w, s);
            for (i, (g, e)) in got.iter().zip(&want).enumerate() {
                assert_eq!(g.len(), a.len());
                if let Some(j) = (0..g.len()).find(|&j| g[j] != e[j]) {
                    panic!(
                        "{name}::{} differs from the scalar definition at {j} ({what}, n = {}):\
                         a={:?} b={:?} w={:?} s={:?}: got {:?}, want {:?}",
                        NAMES[i],
                        a.len(),
                        a[j].0,
                        b[j].0,
                        w[j].0,
                        s.0,
                        g[j].0,
                        e[j].0
                    );
                }
            }
        }
    }

    fn random(n: usize, rng: &mut impl ark_std::rand::Rng) -> Vec<Fr> {
        (0..n).map(|_| Fr::rand(rng)).collect()
    }

    #[test]
    fn fr_simd_random_lengths_match_the_scalar_definition() {
        let mut rng = test_rng();
        for n in (0..=20).chain([1000, 4099]) {
            let (a, b, w) = (random(n, &mut rng), random(n, &mut rng), random(n, &mut rng));
            check_all(&a, &b, &w, Fr::rand(&mut rng), "random");
        }
    }

    /// Elements by their Montgomery limbs: the extremes of the field, and limb patterns at the
    /// 52-bit and 64-bit boundaries.
    fn edges() -> Vec<Fr> {
        let r = Fr::MODULUS.0;
        let raw = |l: [u64; 4]| Fr::new_unchecked(BigInt(l));
        let mut e = vec![
            Fr::zero(),
            Fr::one(),
            -Fr::one(),
            -Fr::one() - Fr::one(),
            Fr::from(2u64),
            Fr::from(u64::MAX),
            raw([r[0] - 1, r[1], r[2], r[3]]),
            raw([r[0] - 2, r[1], r[2], r[3]]),
            raw([1, 0, 0, 0]),
            raw([0, 0, 0, 1]),
            raw([0, 0, 0, r[3]]),
            raw([u64::MAX, u64::MAX, u64::MAX, r[3] - 1]),
            raw([u64::MAX, 0, u64::MAX, 0]),
            raw([0, u64::MAX, 0, 1]),
            raw([(1 << 52) - 1, 0, (1 << 52) - 1, 0]),
            raw([u64::MAX, u64::MAX, u64::MAX, (1 << 16) - 1]),
            raw([u64::MAX, u64::MAX, u64::MAX, (1 << 61) - 1]),
            raw([0, 0, 0, 1 << 61]),
            raw([1 << 63, 1 << 63, 1 << 63, 1 << 61]),
            raw([0xfffffffffffff000, 0xfff, 0xffffff0000000000, 0x3000000000000000]),
        ];
        e.push(e[2].inverse_or_zero());
        for x in &e {
            assert!(x.0 < Fr::MODULUS, "edge values must be canonical");
        }
        e
    }

    trait InverseOrZero {
        fn inverse_or_zero(&self) -> Fr;
    }
    impl InverseOrZero for Fr {
        fn inverse_or_zero(&self) -> Fr {
            ark_ff::Field::inverse(self).unwrap_or_default()
        }
    }

    #[test]
    fn fr_simd_edge_values_all_pairs_match_the_scalar_definition() {
        let e = edges();
        let m = e.len();
        let (mut a, mut b, mut w) = (vec![], vec![], vec![]);
        for i in 0..m {
            for j in 0..m {
                a.push(e[i]);
                b.push(e[j]);
                w.push(e[(i * 7 + j * 3) % m]);
            }
        }
        for (k, s) in e.iter().enumerate() {
            check_all(&a, &b, &w, *s, &format!("edge pairs, scalar #{k}"));
            // The accumulator takes every edge value against every product too.
            w.rotate_left(1);
        }
    }

    /// Sub-slices at every offset (unaligned for the vector loads), in place and out of place
    /// on distinct buffers.
    #[test]
    fn fr_simd_offsets_and_in_place_match_out_of_place() {
        let mut rng = test_rng();
        let (a, b, w) = (random(77, &mut rng), random(77, &mut rng), random(77, &mut rng));
        for off in 0..9 {
            for end in [off, off + 8, off + 17, 77] {
                let (a, b, w) = (&a[off..end], &b[off..end], &w[off..end]);
                check_all(a, b, w, Fr::rand(&mut rng), &format!("offset {off}..{end}"));
                let mut out = vec![Fr::zero(); a.len()];
                super::mul_into(&mut out, a, b);
                let mut x = a.to_vec();
                super::mul_assign(&mut x, b);
                assert_eq!(x, out);
                super::add_into(&mut out, a, b);
                let mut x = a.to_vec();
                super::add_assign(&mut x, b);
                assert_eq!(x, out);
            }
        }
    }

    /// The scalar path (the fallback on CPUs without IFMA, taken here only for tails) against
    /// arkworks' operators written out element by element.
    #[test]
    fn fr_simd_scalar_path_is_arkworks_arithmetic() {
        let mut rng = test_rng();
        let n = 37;
        let (a, b, w) = (random(n, &mut rng), random(n, &mut rng), random(n, &mut rng));
        let s = Fr::rand(&mut rng);
        let got = outputs(&definition(), &a, &b, &w, s);
        let each = |f: &dyn Fn(usize) -> Fr| (0..n).map(f).collect::<Vec<Fr>>();
        let want = vec![
            each(&|i| a[i] * b[i]),
            each(&|i| a[i] * b[i]),
            each(&|i| a[i] * s),
            each(&|i| a[i] * s),
            each(&|i| w[i] + a[i] * b[i]),
            each(&|i| w[i] + a[i] * s),
            each(&|i| w[i] + a[i] * b[i]),
            each(&|i| w[i] - a[i] * b[i]),
            each(&|i| a[i] + b[i]),
            each(&|i| a[i] - b[i]),
            each(&|i| a[i] + b[i]),
        ];
        for (i, (g, e)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, e, "scalar {}", NAMES[i]);
        }
    }

    /// ns per element of every kernel, SIMD (dispatch) and scalar, single thread:
    /// `cargo test --release --lib fr_simd_timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn fr_simd_timing() {
        use std::hint::black_box;
        use std::time::Instant;
        let mut rng = test_rng();
        println!("fr_simd: IFMA path taken: {}", simd_available());
        println!("{:<22} {:>8} {:>10} {:>10} {:>7}", "kernel", "n", "simd ns", "scalar ns", "speedup");
        for n in [1024usize, 1 << 16] {
            let (a, b) = (random(n, &mut rng), random(n, &mut rng));
            let mut x = random(n, &mut rng);
            let mut y = random(n, &mut rng);
            let s = Fr::rand(&mut rng);
            // The best of 7 trials of ~2^19 elements each (the machine is shared: the minimum
            // is the figure least disturbed by other work).
            let reps = ((1 << 19) / n).max(1);
            let time = |f: &mut dyn FnMut()| {
                f();
                (0..7)
                    .map(|_| {
                        let t = Instant::now();
                        for _ in 0..reps {
                            f();
                        }
                        t.elapsed().as_secs_f64() * 1e9 / (reps * n) as f64
                    })
                    .fold(f64::MAX, f64::min)
            };
            for (i, name) in NAMES.iter().enumerate() {
                if *name == "butterflies.hi" {
                    continue;
                }
                let mut ns = [0.0; 2];
                for (p, k) in [kernels!(super), definition()].iter().enumerate() {
                    ns[p] = time(&mut || match i {
                        0 => (k.mul_into)(&mut x, &a, &b),
                        1 => (k.mul_assign)(&mut x, &b),
                        2 => (k.mul_scalar_into)(&mut x, &a, s),
                        3 => (k.mul_scalar_assign)(&mut x, s),
                        4 => (k.mul_add_assign)(&mut x, &a, &b),
                        5 => (k.mul_scalar_add_assign)(&mut x, &a, s),
                        6 => (k.butterflies)(&mut x, &mut y, &b),
                        8 => (k.add_into)(&mut x, &a, &b),
                        9 => (k.sub_into)(&mut x, &a, &b),
                        _ => (k.add_assign)(&mut x, &b),
                    });
                    black_box(&x);
                }
                let name = name.trim_end_matches(".lo");
                println!("{name:<22} {n:>8} {:>10.2} {:>10.2} {:>6.1}x", ns[0], ns[1], ns[1] / ns[0]);
            }
        }
    }
}
