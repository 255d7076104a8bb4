//! The kernels with one scalar operand that need no product: a + c, a − c, c − b, −a. The
//! constant is broadcast once into limb-major 64-bit words; sums and differences mod r as in
//! the other kernels ([`add64`], [`sub64`]).
use super::registers::*;
use super::{blocks, scalar};
use ark_bn254::Fr;

/// The constant's four 64-bit words, broadcast (limb-major: eight copies of c).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
pub(super) fn splat64(c: Fr) -> L4 {
    let w = c.0 .0;
    [splat(w[0]), splat(w[1]), splat(w[2]), splat(w[3])]
}

/// Which of the four element-wise operations a block computes.
#[derive(Clone, Copy)]
enum Op {
    /// a + c
    Add,
    /// a − c
    Sub,
    /// c − a
    Rsub,
}

// SAFETY (all kernels): as for the parent's kernels: `blocks` asserts the CPU features before
// any block runs, and i + 8, j + 8 ≤ n ≤ both slices' lengths.

#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
unsafe fn block(o: *mut Fr, a: *const Fr, c: &L4, op: Op, i: usize, j: usize) {
    unsafe {
        let (x, y) = (load(a.add(i)), load(a.add(j)));
        let (x, y) = match op {
            Op::Add => (add64(&x, c), add64(&y, c)),
            Op::Sub => (sub64(&x, c), sub64(&y, c)),
            Op::Rsub => (sub64(c, &x), sub64(c, &y)),
        };
        store(o.add(i), x);
        store(o.add(j), y);
    }
}

fn run(out: &mut [Fr], a: &[Fr], c: Fr, op: Op) -> usize {
    let n = out.len().min(a.len());
    let (po, pa) = (out.as_mut_ptr(), a.as_ptr());
    // `splat64` runs inside a block: after `blocks` checked the features.
    let mut c64 = None;
    blocks(n, |i, j| unsafe {
        let c64 = *c64.get_or_insert_with(|| splat64(c));
        block(po, pa, &c64, op, i, j)
    })
}

pub(in crate::fr_simd) fn add_scalar_into(out: &mut [Fr], a: &[Fr], c: Fr) {
    let n = out.len().min(a.len());
    let v = run(out, a, c, Op::Add);
    scalar::add_scalar_into(&mut out[v..n], &a[v..n], c);
}

pub(in crate::fr_simd) fn sub_scalar_into(out: &mut [Fr], a: &[Fr], c: Fr) {
    let n = out.len().min(a.len());
    let v = run(out, a, c, Op::Sub);
    scalar::sub_scalar_into(&mut out[v..n], &a[v..n], c);
}

pub(in crate::fr_simd) fn scalar_sub_into(out: &mut [Fr], c: Fr, b: &[Fr]) {
    let n = out.len().min(b.len());
    let v = run(out, b, c, Op::Rsub);
    scalar::scalar_sub_into(&mut out[v..n], c, &b[v..n]);
}

/// −a = 0 − a mod r (0 stays 0).
pub(in crate::fr_simd) fn neg_into(out: &mut [Fr], a: &[Fr]) {
    let n = out.len().min(a.len());
    let v = run(out, a, Fr::from(0u64), Op::Rsub);
    scalar::neg_into(&mut out[v..n], &a[v..n]);
}
