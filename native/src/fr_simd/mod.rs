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

/// The radix-2 DIT stages with half-sizes 1, 2 and 4 on each run of eight consecutive elements
/// of `a` (the NTT's first three stages after its bit reversal): `w` = [ω₈, ω₈², ω₈³] for the
/// transform's 8th root of unity ω₈ = ω^(n/8). a.len() must be a multiple of 8.
pub fn dit8(a: &mut [Fr], w: &[Fr; 3]) {
    assert!(a.len().is_multiple_of(8), "fr_simd::dit8: {} elements are not runs of eight", a.len());
    dispatch!(dit8(a, w))
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

/// out[i] = a[i] + c
pub fn add_scalar_into(out: &mut [Fr], a: &[Fr], c: Fr) {
    debug_assert!(out.len() == a.len());
    dispatch!(add_scalar_into(out, a, c))
}

/// out[i] = a[i] − c
pub fn sub_scalar_into(out: &mut [Fr], a: &[Fr], c: Fr) {
    debug_assert!(out.len() == a.len());
    dispatch!(sub_scalar_into(out, a, c))
}

/// out[i] = c − b[i]
pub fn scalar_sub_into(out: &mut [Fr], c: Fr, b: &[Fr]) {
    debug_assert!(out.len() == b.len());
    dispatch!(scalar_sub_into(out, c, b))
}

/// out[i] = −a[i]
pub fn neg_into(out: &mut [Fr], a: &[Fr]) {
    debug_assert!(out.len() == a.len());
    dispatch!(neg_into(out, a))
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

    /// x[i], x[j] ← x[i] + t, x[i] − t
    fn butterfly(x: &mut [Fr], i: usize, j: usize, t: Fr) {
        x[j] = x[i] - t;
        x[i] += t;
    }

    pub(super) fn dit8(a: &mut [Fr], w: &[Fr; 3]) {
        for x in a.chunks_exact_mut(8) {
            for i in [0, 2, 4, 6] {
                butterfly(x, i, i + 1, x[i + 1]);
            }
            for i in [0, 4] {
                butterfly(x, i, i + 2, x[i + 2]);
                butterfly(x, i + 1, i + 3, x[i + 3] * w[1]);
            }
            butterfly(x, 0, 4, x[4]);
            for i in 1..4 {
                butterfly(x, i, i + 4, x[i + 4] * w[i - 1]);
            }
        }
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

    pub(super) fn add_scalar_into(out: &mut [Fr], a: &[Fr], c: Fr) {
        out.iter_mut().zip(a).for_each(|(o, x)| *o = *x + c);
    }

    pub(super) fn sub_scalar_into(out: &mut [Fr], a: &[Fr], c: Fr) {
        out.iter_mut().zip(a).for_each(|(o, x)| *o = *x - c);
    }

    pub(super) fn scalar_sub_into(out: &mut [Fr], c: Fr, b: &[Fr]) {
        out.iter_mut().zip(b).for_each(|(o, y)| *o = c - y);
    }

    pub(super) fn neg_into(out: &mut [Fr], a: &[Fr]) {
        out.iter_mut().zip(a).for_each(|(o, x)| *o = -*x);
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
mod ifma;

/// Limb-major blocks and their kernels (IFMA CPUs only): see [`ifma::lanes`].
#[cfg(target_arch = "x86_64")]
pub use ifma::lanes;

#[cfg(test)]
mod tests;
