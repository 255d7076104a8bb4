//! The NTT's first three DIT stages (half-sizes 1, 2, 4: a radix-8 transform of each run of
//! eight consecutive elements, after the bit reversal) on eight runs at a time, every lane
//! useful.
//!
//! A block is 64 elements, runs 0..8 of positions 0..8. Its 32 registers of 64-bit words
//! (register k: elements 2k and 2k + 1, four words each) go through four 8×8 transposes of
//! words (registers 4·run + q, q < 4: positions 2q and 2q + 1 of each run), which leave one
//! register per (position, word) with lane = run. The three stages are then butterflies between
//! whole registers, [`add64`]/[`sub64`] on the limb-major words, products by the twiddles
//! (broadcast constants) through [`mont_mul2`]; the same transposes put the block back.
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
        for i in (0..full).step_by(64) {
            // SAFETY: the features as above; elements i..i + 64 lie within a (i + 64 ≤ full ≤ n).
            unsafe { dit8_block(p.add(i), &tw) }
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

/// One block of 64 elements at `p`; `tw` = split16 of [ω₈, ω₈², ω₈³].
///
/// Safety: `p` points at 64 readable and writable `Fr`s; the CPU has the features.
#[target_feature(enable = "avx512f,avx512ifma,avx512vbmi2")]
unsafe fn dit8_block(p: *mut Fr, tw: &[L5; 3]) {
    let p = p.cast::<V>();
    // x[pos][word]: word `word` of position `pos` of the eight runs, lane = run.
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
    let [w8, w4, w83] = tw;
    // h = 1: (0, 1), (2, 3), (4, 5), (6, 7), twiddle 1.
    for i in [0, 2, 4, 6] {
        let t = x[i + 1];
        butterfly(&mut x, i, i + 1, &t);
    }
    // h = 2: (0, 2), (4, 6) with 1; (1, 3), (5, 7) with ω₄ = ω₈².
    let (t3, t7) = mul2(&x[3], w4, &x[7], w4);
    butterfly(&mut x, 1, 3, &t3);
    butterfly(&mut x, 5, 7, &t7);
    for i in [0, 4] {
        let t = x[i + 2];
        butterfly(&mut x, i, i + 2, &t);
    }
    // h = 4: (0, 4) with 1, (1, 5), (2, 6), (3, 7) with ω₈, ω₈², ω₈³.
    let (t5, t6) = mul2(&x[5], w8, &x[6], w4);
    // the fifth product alone (both halves of the pair the same: one chain's work)
    let (t7, _) = mul2(&x[7], w83, &x[7], w83);
    let t4 = x[4];
    butterfly(&mut x, 0, 4, &t4);
    butterfly(&mut x, 1, 5, &t5);
    butterfly(&mut x, 2, 6, &t6);
    butterfly(&mut x, 3, 7, &t7);
    for q in 0..4 {
        let (a, b) = (x[2 * q], x[2 * q + 1]);
        let t = transpose8([a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]]);
        for (r, v) in t.iter().enumerate() {
            // SAFETY: as for the loads.
            unsafe { _mm512_storeu_si512(p.add(4 * r + q), *v) };
        }
    }
}
