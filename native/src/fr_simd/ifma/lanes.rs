//! Kernels over limb-major blocks: a run of eight elements kept as its four 64-bit words, each
//! word of the eight elements in one 64-byte vector (word 0 of elements 0..8, then word 1, …),
//! so an element-wise pipeline transposes its inputs once on the way in ([`to_lanes`]) and its
//! result once on the way out ([`from_lanes`]) instead of in every kernel. The quotient
//! program's register file keeps this form for a whole block of points.
//!
//! A limb-major slice is a `&[Fr]` of a length divisible by 8 whose memory holds runs in this
//! form (its `Fr` values are meaningless one by one). Every kernel here computes, run by run,
//! exactly what the element-major kernel of the same name in [`crate::fr_simd`] computes
//! (same Montgomery products, sums and differences mod r); the tests compare them bit for bit.
//!
//! Every function asserts the CPU features ([`available`]) and that its slices have equal
//! lengths divisible by 8.
use super::available as ifma_available;
use super::registers::*;
use super::scalar_operand::splat64;
use ark_bn254::Fr;
use core::arch::x86_64::*;

/// Whether this CPU has the IFMA path (the limb-major form exists only there).
pub fn available() -> bool {
    ifma_available()
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    /// o = transpose_in(a)
    In,
    /// o = transpose_out(a)
    Out,
    Add,
    Sub,
    Mul,
    /// o += a·b
    MulAdd,
    /// o = a + c
    AddC,
    /// o = a − c
    SubC,
    /// o = c − a
    CSub,
    /// o = a·c
    MulC,
    /// o += a·c
    MulAddC,
    /// o = c
    Fill,
}

/// Loads one run's four vectors (no transpose).
///
/// Safety: `p + i` points at eight readable `Fr`s.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
unsafe fn ld(p: *const Fr, i: usize) -> L4 {
    let p = unsafe { p.add(i) }.cast::<V>();
    // SAFETY: eight Fr are 256 bytes = four unaligned 64-byte loads.
    unsafe {
        [
            _mm512_loadu_si512(p),
            _mm512_loadu_si512(p.add(1)),
            _mm512_loadu_si512(p.add(2)),
            _mm512_loadu_si512(p.add(3)),
        ]
    }
}

/// Stores one run's four vectors (no transpose).
///
/// Safety: `p + i` points at eight writable `Fr`s.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
unsafe fn st(p: *mut Fr, i: usize, l: L4) {
    let p = unsafe { p.add(i) }.cast::<V>();
    // SAFETY: as in `ld`.
    unsafe {
        _mm512_storeu_si512(p, l[0]);
        _mm512_storeu_si512(p.add(1), l[1]);
        _mm512_storeu_si512(p.add(2), l[2]);
        _mm512_storeu_si512(p.add(3), l[3]);
    }
}

/// Runs `op` on the n elements (n divisible by 8) at o, a, b: runs one at a time, products two
/// at a time (an odd last run goes as (i, i): every pair reads all its input before it writes).
///
/// Safety: the CPU has the features; o, a and (where `op` reads it) b point at n elements;
/// o may equal a or b only where `op` writes a run after reading it (all ops do).
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
unsafe fn exec(op: Op, o: *mut Fr, a: *const Fr, b: *const Fr, c: Fr, n: usize) {
    let (c64, c16) = (splat64(c), splat16(c));
    macro_rules! runs {
        (|$i:ident| $body:expr) => {{
            let mut $i = 0;
            while $i < n {
                $body;
                $i += 8;
            }
        }};
    }
    macro_rules! pairs {
        (|$i:ident, $j:ident| $body:expr) => {{
            let mut $i = 0;
            while $i + 16 <= n {
                let $j = $i + 8;
                $body;
                $i += 16;
            }
            if $i < n {
                let $j = $i;
                $body;
            }
        }};
    }
    // SAFETY: every index below is a run start < n (the caller's bounds).
    unsafe {
        match op {
            Op::In => runs!(|i| st(o, i, load(a.add(i)))),
            Op::Out => runs!(|i| store(o.add(i), ld(a, i))),
            Op::Add => runs!(|i| st(o, i, add64(&ld(a, i), &ld(b, i)))),
            Op::Sub => runs!(|i| st(o, i, sub64(&ld(a, i), &ld(b, i)))),
            Op::AddC => runs!(|i| st(o, i, add64(&ld(a, i), &c64))),
            Op::SubC => runs!(|i| st(o, i, sub64(&ld(a, i), &c64))),
            Op::CSub => runs!(|i| st(o, i, sub64(&c64, &ld(a, i)))),
            Op::Fill => runs!(|i| st(o, i, c64)),
            Op::Mul => pairs!(|i, j| {
                let (x, y) = mont_mul2(&split(ld(a, i)), &split16(ld(b, i)), &split(ld(a, j)), &split16(ld(b, j)));
                st(o, i, join(x));
                st(o, j, join(y));
            }),
            Op::MulAdd => pairs!(|i, j| {
                let (x, y) = mont_mul2(&split(ld(a, i)), &split16(ld(b, i)), &split(ld(a, j)), &split16(ld(b, j)));
                let (oi, oj) = (ld(o, i), ld(o, j));
                st(o, i, add64(&oi, &join(x)));
                st(o, j, add64(&oj, &join(y)));
            }),
            Op::MulC => pairs!(|i, j| {
                let (x, y) = mont_mul2(&split(ld(a, i)), &c16, &split(ld(a, j)), &c16);
                st(o, i, join(x));
                st(o, j, join(y));
            }),
            Op::MulAddC => pairs!(|i, j| {
                let (x, y) = mont_mul2(&split(ld(a, i)), &c16, &split(ld(a, j)), &c16);
                let (oi, oj) = (ld(o, i), ld(o, j));
                st(o, i, add64(&oi, &join(x)));
                st(o, j, add64(&oj, &join(y)));
            }),
        }
    }
}

/// Checks the features and the lengths, then runs `op` (b = a where it reads no b).
fn run(op: Op, o: *mut Fr, n: usize, a: &[Fr], b: &[Fr], c: Fr) {
    assert!(available(), "fr_simd::lanes needs avx512f, avx512ifma and avx512vbmi2");
    assert!(n.is_multiple_of(8) && a.len() == n && b.len() == n, "fr_simd::lanes: lengths must be equal and divisible by 8");
    // SAFETY: features and lengths checked above; `o` comes from a `&mut` of length n.
    unsafe { exec(op, o, a.as_ptr(), b.as_ptr(), c, n) }
}

/// Element-major a → limb-major out.
pub fn to_lanes(out: &mut [Fr], a: &[Fr]) {
    run(Op::In, out.as_mut_ptr(), out.len(), a, a, Fr::from(0u64));
}

/// Limb-major a → element-major out.
pub fn from_lanes(out: &mut [Fr], a: &[Fr]) {
    run(Op::Out, out.as_mut_ptr(), out.len(), a, a, Fr::from(0u64));
}

/// out = a + b
pub fn add(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
    run(Op::Add, out.as_mut_ptr(), out.len(), a, b, Fr::from(0u64));
}

/// out = a − b
pub fn sub(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
    run(Op::Sub, out.as_mut_ptr(), out.len(), a, b, Fr::from(0u64));
}

/// out = a·b
pub fn mul(out: &mut [Fr], a: &[Fr], b: &[Fr]) {
    run(Op::Mul, out.as_mut_ptr(), out.len(), a, b, Fr::from(0u64));
}

/// acc += a·b
pub fn mul_add_assign(acc: &mut [Fr], a: &[Fr], b: &[Fr]) {
    run(Op::MulAdd, acc.as_mut_ptr(), acc.len(), a, b, Fr::from(0u64));
}

/// out = a + c
pub fn add_scalar(out: &mut [Fr], a: &[Fr], c: Fr) {
    run(Op::AddC, out.as_mut_ptr(), out.len(), a, a, c);
}

/// out = a − c
pub fn sub_scalar(out: &mut [Fr], a: &[Fr], c: Fr) {
    run(Op::SubC, out.as_mut_ptr(), out.len(), a, a, c);
}

/// out = c − b
pub fn scalar_sub(out: &mut [Fr], c: Fr, b: &[Fr]) {
    run(Op::CSub, out.as_mut_ptr(), out.len(), b, b, c);
}

/// out = −a
pub fn neg(out: &mut [Fr], a: &[Fr]) {
    run(Op::CSub, out.as_mut_ptr(), out.len(), a, a, Fr::from(0u64));
}

/// out = a·c
pub fn mul_scalar(out: &mut [Fr], a: &[Fr], c: Fr) {
    run(Op::MulC, out.as_mut_ptr(), out.len(), a, a, c);
}

/// acc += a·c
pub fn mul_scalar_add_assign(acc: &mut [Fr], a: &[Fr], c: Fr) {
    run(Op::MulAddC, acc.as_mut_ptr(), acc.len(), a, a, c);
}

/// acc += c
pub fn add_scalar_assign(acc: &mut [Fr], c: Fr) {
    let (p, n) = (acc.as_mut_ptr(), acc.len());
    assert!(available() && n.is_multiple_of(8), "fr_simd::lanes: IFMA and a length divisible by 8");
    // SAFETY: checked above; the kernel reads each run of acc before it writes it.
    unsafe { exec(Op::AddC, p, p, p, c, n) }
}

/// out = c everywhere (the same in either form; limb-major here).
pub fn fill(out: &mut [Fr], c: Fr) {
    let (p, n) = (out.as_mut_ptr(), out.len());
    assert!(available() && n.is_multiple_of(8), "fr_simd::lanes: IFMA and a length divisible by 8");
    // SAFETY: checked above; Fill reads nothing.
    unsafe { exec(Op::Fill, p, p, p, c, n) }
}
