//! Element-wise field kernels over slices of Fr, the inner loops of the NTT and the quotient
//! program: products, fused multiply-adds, and the DIT butterfly. Each has one definition of
//! its result (the scalar loop, arkworks' arithmetic); faster paths must agree with it bit for bit.
//!
//! All slices of one call have equal length (checked with `debug_assert` only: callers own
//! the lengths); any length, including 0, is allowed.
use ark_bn254::Fr;

/// out[i] = a[i]·b[i]
pub fn mul_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
    debug_assert!(out.len() == a.len() && a.len() == b.len());
    out.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o = *x * y);
}

/// a[i] ·= b[i]
pub fn mul_assign(a: &mut [Fr], b: &[Fr]) {
    debug_assert!(a.len() == b.len());
    a.iter_mut().zip(b).for_each(|(x, y)| *x *= y);
}

/// out[i] = a[i]·c
pub fn mul_scalar_into(out: &mut [Fr], a: &[Fr], c: Fr) {
    debug_assert!(out.len() == a.len());
    out.iter_mut().zip(a).for_each(|(o, x)| *o = *x * c);
}

/// a[i] ·= c
pub fn mul_scalar_assign(a: &mut [Fr], c: Fr) {
    a.iter_mut().for_each(|x| *x *= c);
}

/// acc[i] += a[i]·b[i]
pub fn mul_add_assign(acc: &mut [Fr], a: &[Fr], b: &[Fr]) {
    debug_assert!(acc.len() == a.len() && a.len() == b.len());
    acc.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o += *x * y);
}

/// acc[i] += a[i]·c
pub fn mul_scalar_add_assign(acc: &mut [Fr], a: &[Fr], c: Fr) {
    debug_assert!(acc.len() == a.len());
    acc.iter_mut().zip(a).for_each(|(o, x)| *o += *x * c);
}

/// The radix-2 DIT butterflies: t = hi[j]·tw[j]; (lo[j], hi[j]) ← (lo[j] + t, lo[j] − t).
pub fn butterflies(lo: &mut [Fr], hi: &mut [Fr], tw: &[Fr]) {
    debug_assert!(lo.len() == hi.len() && hi.len() == tw.len());
    lo.iter_mut().zip(hi.iter_mut().zip(tw)).for_each(|(a, (b, w))| {
        let t = *b * w;
        *b = *a - t;
        *a += t;
    });
}

/// out[i] = a[i] + b[i]
pub fn add_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
    debug_assert!(out.len() == a.len() && a.len() == b.len());
    out.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o = *x + y);
}

/// out[i] = a[i] − b[i]
pub fn sub_into(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
    debug_assert!(out.len() == a.len() && a.len() == b.len());
    out.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o = *x - y);
}

/// a[i] += b[i]
pub fn add_assign(a: &mut [Fr], b: &[Fr]) {
    debug_assert!(a.len() == b.len());
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
}
