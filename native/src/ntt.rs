//! A cache-blocked, rayon-parallel radix-2 NTT (decimation in time, natural order in and out),
//! generic over the coefficient type: Fr itself, or G1 points (the group NTT that turns
//! [τⁱ]₁ into the Lagrange basis), anything with + and − and multiplication by Fr.
//!
//! For n = 2^k and a primitive n-th root ω, `ntt_in_place(a, ω)` replaces a with
//! â_i = Σ_j a_j ω^(ij). After the bit-reversal permutation, the stages with half-size
//! h < BLOCK/2 only touch one block of BLOCK consecutive elements, so they run block by block
//! (in cache, blocks in parallel) with small contiguous per-stage twiddle tables; the remaining
//! stages sweep the whole vector with twiddles ω^(j·n/2h) read from a table of ω^i, i < n/2.
use ark_bn254::Fr;
use ark_ff::{Field, One};
use rayon::prelude::*;
use std::ops::{AddAssign, MulAssign, Sub};

/// What an NTT can transform: a Z-module with scalar multiplication by Fr.
pub trait Coeff: Copy + Send + Sync + AddAssign + Sub<Output = Self> + MulAssign<Fr> {}
impl<T: Copy + Send + Sync + AddAssign + Sub<Output = T> + MulAssign<Fr>> Coeff for T {}

const LOG_BLOCK: u32 = 11;

#[inline(always)]
fn butterfly<T: Coeff>(a: &mut T, b: &mut T, w: &Fr) {
    let mut t = *b;
    t *= *w;
    *b = *a - t;
    *a += t;
}

#[inline(always)]
fn butterfly_one<T: Coeff>(a: &mut T, b: &mut T) {
    let t = *b;
    *b = *a - t;
    *a += t;
}

fn bit_reverse_permute<T>(a: &mut [T]) {
    let n = a.len();
    let log_n = n.trailing_zeros();
    if log_n == 0 {
        return;
    }
    let shift = usize::BITS - log_n;
    for i in 0..n {
        let j = i.reverse_bits() >> shift;
        if i < j {
            a.swap(i, j);
        }
    }
}

/// [1, w, w², …, w^(m-1)] in parallel chunks.
fn powers(w: Fr, m: usize) -> Vec<Fr> {
    crate::fr_kernels::powers(w, m, Fr::one())
}

/// Runs the DIT stages with half-size h = 1 .. block/2 on one block (already bit-reversed).
fn small_stages<T: Coeff>(block: &mut [T], stage_tw: &[Vec<Fr>]) {
    let len = block.len();
    for (s, tw) in stage_tw.iter().enumerate() {
        let h = 1usize << s;
        if 2 * h > len {
            break;
        }
        for group in block.chunks_exact_mut(2 * h) {
            let (lo, hi) = group.split_at_mut(h);
            butterfly_one(&mut lo[0], &mut hi[0]);
            for j in 1..h {
                butterfly(&mut lo[j], &mut hi[j], &tw[j]);
            }
        }
    }
}

/// In-place NTT of a (len a power of two) with respect to the primitive root `omega`.
pub fn ntt_in_place<T: Coeff>(a: &mut [T], omega: Fr) {
    let n = a.len();
    if n <= 1 {
        return;
    }
    let log_n = n.trailing_zeros();
    // Group elements are ~100x costlier than field elements: smaller blocks keep both cores busy.
    let log_block = if std::mem::size_of::<T>() > std::mem::size_of::<Fr>() { 4 } else { LOG_BLOCK };
    bit_reverse_permute(a);

    // Stages inside blocks: per-stage contiguous twiddles ω_{2h}^j = ω^(j·n/2h), j < h.
    let log_block = log_block.min(log_n);
    let stage_tw: Vec<Vec<Fr>> = (0..log_block)
        .map(|s| {
            let h = 1usize << s;
            powers(omega.pow([(n / (2 * h)) as u64]), h)
        })
        .collect();
    a.par_chunks_mut(1 << log_block).for_each(|blk| small_stages(blk, &stage_tw));
    if log_block == log_n {
        return;
    }

    // Large stages: twiddle for (h, j) is ω^(j·n/2h), read from roots[i] = ω^i, i < n/2.
    let roots = powers(omega, n / 2);
    for s in log_block..log_n {
        let h = 1usize << s;
        let stride = n / (2 * h);
        let groups = n / (2 * h);
        if groups >= 2 * rayon::current_num_threads() {
            a.par_chunks_mut(2 * h).for_each(|group| {
                let (lo, hi) = group.split_at_mut(h);
                for j in 0..h {
                    butterfly(&mut lo[j], &mut hi[j], &roots[j * stride]);
                }
            });
        } else {
            let piece: usize = if std::mem::size_of::<T>() > std::mem::size_of::<Fr>() { 4 } else { 1 << 10 };
            for group in a.chunks_mut(2 * h) {
                let (lo, hi) = group.split_at_mut(h);
                lo.par_chunks_mut(piece).zip(hi.par_chunks_mut(piece)).enumerate().for_each(
                    |(p, (l, r))| {
                        let base = p * piece;
                        for j in 0..l.len() {
                            butterfly(&mut l[j], &mut r[j], &roots[(base + j) * stride]);
                        }
                    },
                );
            }
        }
    }
}

/// Multiplies a[i] by c·g^i in parallel (coset shifts and the 1/n of the inverse).
pub fn scale_by_powers(a: &mut [Fr], g: Fr, c: Fr) {
    const CHUNK: usize = crate::fr_kernels::CHUNK;
    a.par_chunks_mut(CHUNK).enumerate().for_each(|(ci, chunk)| {
        let mut cur = c * g.pow([(ci * CHUNK) as u64]);
        for x in chunk.iter_mut() {
            *x *= cur;
            cur *= g;
        }
    });
}

/// Multiplies every element by c in parallel.
pub fn scale<T: Coeff>(a: &mut [T], c: Fr) {
    let min_len = if std::mem::size_of::<T>() > std::mem::size_of::<Fr>() { 1 } else { 1 << 10 };
    a.par_iter_mut().with_min_len(min_len).for_each(|x| *x *= c);
}

/// Inverse NTT: a ← (1/n)·NTT_{ω⁻¹}(a).
pub fn intt_in_place<T: Coeff>(a: &mut [T], omega: Fr) {
    let n = a.len();
    if n == 0 {
        return;
    }
    ntt_in_place(a, omega.inverse().expect("root of unity is invertible"));
    scale(a, Fr::from(n as u64).inverse().expect("n < r"));
}

/// Evaluations at g·ω^i: NTT of (a_i·g^i).
pub fn coset_ntt_in_place(a: &mut [Fr], omega: Fr, g: Fr) {
    scale_by_powers(a, g, Fr::one());
    ntt_in_place(a, omega);
}

/// Coefficients from evaluations at g·ω^i: a_i = g^(-i)·INTT(a)_i.
pub fn coset_intt_in_place(a: &mut [Fr], omega: Fr, g: Fr) {
    let n = a.len();
    if n == 0 {
        return;
    }
    ntt_in_place(a, omega.inverse().expect("root of unity is invertible"));
    let n_inv = Fr::from(n as u64).inverse().expect("n < r");
    scale_by_powers(a, g.inverse().expect("generator is non-zero"), n_inv);
}
