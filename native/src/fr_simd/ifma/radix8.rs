//! The NTT's first three DIT stages (half-sizes 1, 2, 4: a radix-8 transform of each run of
//! eight consecutive elements, after the bit reversal) on eight runs at a time, every lane
//! useful.
//!
//! A block is 64 elements, runs 0..8 of positions 0..8. Its 32 registers of 64-bit words
//! (register k: elements 2k and 2k + 1, four words each) go through four 8×8 transposes of
//! words (registers 4·run + q, q < 4: positions 2q and 2q + 1 of each run), which leave one
//! register per (position, word) with lane = run. The three stages are then butterflies between
//! whole registers, [`add64`]/[`sub64`] on the limb-major words, products by the twiddles
//! (broadcast constants) through [`mont_mul2`], two blocks at a time so that each block's fifth
//! product pairs with the other's; the same transposes put the block back.
use super::super::scalar;
use super::registers::*;
use ark_bn254::Fr;
use core::arch::x86_64::*;

/// Stages h = 1, 2, 4 on each run of eight of `a` (a.len() a multiple of 8); `w` = [ω₈, ω₈²,
/// ω₈³]. Blocks of 64 go through the registers, a tail of fewer than 64 through the scalar
/// definition.
pub(in crate::fr_simd) fn dit8(a: &mut [Fr], w: &[Fr; 3]) {
    assert!(super::available(), "fr_simd: the IFMA path needs avx512f, avx512ifma and avx512vbmi2");
    let n = a.len();
    let full = n - n % 64;
    if full > 0 {
        // SAFETY: the CPU features are checked above.
        let tw = unsafe { [splat16(w[0]), splat16(w[1]), splat16(w[2])] };
        let p = a.as_mut_ptr();
        let mut i = 0;
        while i < full {
            let j = if i + 128 <= full { i + 64 } else { i };
            // SAFETY: the features as above; blocks i and j (equal or disjoint) lie within a
            // (j + 64 ≤ full ≤ n).
            unsafe { dit8_blocks(p.add(i), p.add(j), &tw) }
            i = j + 64;
        }
    }
    scalar::dit8(&mut a[full..], w);
}

/// An 8×8 transpose of 64-bit words: out[c] lane r = m[r] lane c. Three rounds, each swapping
/// one bit of the register index with the same bit of the lane index (4: 256-bit halves, 2:
/// 128-bit quarters, 1: words); its own inverse.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
fn transpose8(m: [V; 8]) -> [V; 8] {
    let mut x = m;
    let mut y = m;
    for r in 0..4 {
        y[r] = _mm512_shuffle_i64x2::<0x44>(x[r], x[r + 4]);
        y[r + 4] = _mm512_shuffle_i64x2::<0xEE>(x[r], x[r + 4]);
    }
    let (p, q) = (idx([0, 1, 8, 9, 4, 5, 12, 13]), idx([2, 3, 10, 11, 6, 7, 14, 15]));
    for r in [0, 1, 4, 5] {
        x[r] = _mm512_permutex2var_epi64(y[r], p, y[r + 2]);
        x[r + 2] = _mm512_permutex2var_epi64(y[r], q, y[r + 2]);
    }
    for r in [0, 2, 4, 6] {
        y[r] = _mm512_unpacklo_epi64(x[r], x[r + 1]);
        y[r + 1] = _mm512_unpackhi_epi64(x[r], x[r + 1]);
    }
    y
}

/// x[i], x[j] ← x[i] + t, x[i] − t.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
fn butterfly(x: &mut [L4; 8], i: usize, j: usize, t: &L4) {
    let (s, d) = (add64(&x[i], t), sub64(&x[i], t));
    x[i] = s;
    x[j] = d;
}

/// (a·w, b·v) for limb-major words a, b and the split16 constants w, v.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
fn mul2(a: &L4, w: &L5, b: &L4, v: &L5) -> (L4, L4) {
    let (x, y) = mont_mul2(&split(*a), w, &split(*b), v);
    (join(x), join(y))
}

/// The block of 64 elements at `p`: x[pos][word] is word `word` of position `pos` of its
/// eight runs, lane = run.
///
/// Safety: `p` points at 64 readable `Fr`s; the CPU has the features.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
unsafe fn load_block(p: *const Fr) -> [L4; 8] {
    let p = p.cast::<V>();
    let mut x = [[_mm512_setzero_si512(); 4]; 8];
    for q in 0..4 {
        let mut m = [_mm512_setzero_si512(); 8];
        for (r, v) in m.iter_mut().enumerate() {
            // SAFETY: register 4r + q < 32 of the block's 256 words.
            *v = unsafe { _mm512_loadu_si512(p.add(4 * r + q)) };
        }
        let t = transpose8(m);
        x[2 * q] = [t[0], t[1], t[2], t[3]];
        x[2 * q + 1] = [t[4], t[5], t[6], t[7]];
    }
    x
}

/// The inverse of [`load_block`].
///
/// Safety: `p` points at 64 writable `Fr`s; the CPU has the features.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
unsafe fn store_block(p: *mut Fr, x: &[L4; 8]) {
    let p = p.cast::<V>();
    for q in 0..4 {
        let (a, b) = (x[2 * q], x[2 * q + 1]);
        let t = transpose8([a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]]);
        for (r, v) in t.iter().enumerate() {
            // SAFETY: as in `load_block`.
            unsafe { _mm512_storeu_si512(p.add(4 * r + q), *v) };
        }
    }
}

/// Stages h = 1 (twiddle 1) and h = 2 (1, ω₄ = ω₈²) on a block's registers.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
fn stages_1_2(x: &mut [L4; 8], w4: &L5) {
    for i in [0, 2, 4, 6] {
        let t = x[i + 1];
        butterfly(x, i, i + 1, &t);
    }
    let (t3, t7) = mul2(&x[3], w4, &x[7], w4);
    butterfly(x, 1, 3, &t3);
    butterfly(x, 5, 7, &t7);
    for i in [0, 4] {
        let t = x[i + 2];
        butterfly(x, i, i + 2, &t);
    }
}

/// Stage h = 4 on a block's registers: (0, 4) with 1, and (1, 5), (2, 6), (3, 7) with the
/// products t = [x5·ω₈, x6·ω₈², x7·ω₈³].
#[inline]
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
fn stage_4(x: &mut [L4; 8], t: [&L4; 3]) {
    let t4 = x[4];
    butterfly(x, 0, 4, &t4);
    for i in 1..4 {
        butterfly(x, i, i + 4, t[i - 1]);
    }
}

/// Two blocks of 64 elements at `p` and `q` (`q` may equal `p`: the block is then computed
/// twice from the same input, which both copies read before either is stored); `tw` =
/// split16 of [ω₈, ω₈², ω₈³]. A block takes five products of eight: its fifth goes paired with
/// the other block's.
///
/// Safety: `p` and `q` point at 64 readable and writable `Fr`s each, equal or disjoint; the
/// CPU has the features.
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
unsafe fn dit8_blocks(p: *mut Fr, q: *mut Fr, tw: &[L5; 3]) {
    let [w8, w4, w83] = tw;
    // SAFETY: the caller's.
    let (mut x, mut y) = unsafe { (load_block(p), load_block(q)) };
    stages_1_2(&mut x, w4);
    stages_1_2(&mut y, w4);
    let (x5, x6) = mul2(&x[5], w8, &x[6], w4);
    let (y5, y6) = mul2(&y[5], w8, &y[6], w4);
    let (x7, y7) = mul2(&x[7], w83, &y[7], w83);
    stage_4(&mut x, [&x5, &x6, &x7]);
    stage_4(&mut y, [&y5, &y6, &y7]);
    // SAFETY: the caller's.
    unsafe {
        store_block(p, &x);
        store_block(q, &y);
    }
}
