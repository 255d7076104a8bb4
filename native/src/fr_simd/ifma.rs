//! The kernels of the IFMA path: each runs its block on two runs of eight elements at a time
//! and leaves the tail to the scalar loop.
mod radix8;
mod registers;

pub(super) use radix8::dit8;

use super::scalar;
use ark_bn254::Fr;
use registers::*;
use std::sync::OnceLock;

static AVAILABLE: OnceLock<bool> = OnceLock::new();

pub(super) fn available() -> bool {
    *AVAILABLE.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512ifma")
            && std::arch::is_x86_feature_detected!("avx512vbmi2")
    })
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

pub mod lanes;
mod scalar_operand;
pub(super) use scalar_operand::{add_scalar_into, neg_into, scalar_sub_into, sub_scalar_into};
