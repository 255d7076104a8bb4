//! A cache-blocked, rayon-parallel radix-2 NTT (decimation in time, natural order in and out),
//! generic over the coefficient type: Fr itself, or G1 points (the group NTT that turns
//! [τⁱ]₁ into the Lagrange basis), anything with + and − and multiplication by Fr.
//!
//! For n = 2^k and a primitive n-th root ω, `ntt_in_place(a, ω)` replaces a with
//! â_i = Σ_j a_j ω^(ij). After the bit-reversal permutation, the stages with half-size
//! h < BLOCK/2 only touch one block of BLOCK consecutive elements, so they run block by block
//! (in cache, blocks in parallel); the remaining stages sweep the whole vector, two per sweep.
//! Every stage reads its twiddles ω^(j·n/2h), j < h, in order from its own table (`Twiddles`,
//! cached per (n, ω)); Fr's butterflies run through the `fr_simd` kernels, its first three
//! stages (h = 1, 2, 4) together as a radix-8 transform of each run of eight (`fr_simd::dit8`).
use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use rayon::prelude::*;
use std::ops::{AddAssign, MulAssign, Sub};

/// What an NTT can transform: a Z-module with scalar multiplication by Fr. `butterflies` runs
/// a run of DIT butterflies (`fr_simd::butterflies`) where the type has a vector kernel and
/// returns false where it has none (the caller then runs them one by one).
pub trait Coeff: Copy + Send + Sync + AddAssign + Sub<Output = Self> + MulAssign<Fr> {
    fn butterflies(_lo: &mut [Self], _hi: &mut [Self], _tw: &[Fr]) -> bool {
        false
    }
    /// The stages h = 1, 2, 4 on each run of eight of `a` (a.len() a multiple of 8) with
    /// w = [ω₈, ω₈², ω₈³], by the type's kernel (`fr_simd::dit8`); false where it has none.
    fn first_three_stages(_a: &mut [Self], _w: &[Fr; 3]) -> bool {
        false
    }
    /// a[i] ·= c.
    fn scale_run(a: &mut [Self], c: Fr) {
        a.iter_mut().for_each(|x| *x *= c);
    }
}

impl Coeff for Fr {
    fn butterflies(lo: &mut [Fr], hi: &mut [Fr], tw: &[Fr]) -> bool {
        crate::fr_simd::butterflies(lo, hi, tw);
        true
    }
    fn first_three_stages(a: &mut [Fr], w: &[Fr; 3]) -> bool {
        crate::fr_simd::dit8(a, w);
        true
    }
    fn scale_run(a: &mut [Fr], c: Fr) {
        crate::fr_simd::mul_scalar_assign(a, c);
    }
}

impl Coeff for ark_bn254::G1Projective {}

const LOG_BLOCK: u32 = 11;

/// How one transform uses the threads: `Parallel` splits it across rayon's pool; `Serial` runs
/// it on the calling thread — for many independent transforms side by side (`*_many`), which
/// needs no barrier between stages and keeps each core in its own cache.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Threads {
    Parallel,
    Serial,
}

impl Threads {
    /// The `with_min_len` that keeps a parallel iterator on the calling thread when serial.
    fn min_len(self, parallel: usize) -> usize {
        match self {
            Threads::Parallel => parallel,
            Threads::Serial => usize::MAX,
        }
    }
}

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

/// [1, w, w², …, w^(m-1)] (in parallel chunks unless serial).
fn powers(w: Fr, m: usize, t: Threads) -> Vec<Fr> {
    if t == Threads::Parallel {
        return crate::fr_kernels::powers(w, m, Fr::one());
    }
    let mut out = Vec::with_capacity(m);
    let mut cur = Fr::one();
    for _ in 0..m {
        out.push(cur);
        cur *= w;
    }
    out
}

/// Runs the DIT stages with half-size h = 1 .. block/2 on one block (already bit-reversed).
/// The first three go together through the type's radix-8 kernel where it has one.
fn small_stages<T: Coeff>(block: &mut [T], stage_tw: &[&[Fr]]) {
    let len = block.len();
    let mut first = 0;
    if len >= 8 && stage_tw.len() >= 3 {
        let w8 = stage_tw[2]; // [1, ω₈, ω₈², ω₈³]
        if T::first_three_stages(block, &[w8[1], w8[2], w8[3]]) {
            first = 3;
        }
    }
    for (s, tw) in stage_tw.iter().enumerate().skip(first) {
        let h = 1usize << s;
        if 2 * h > len {
            break;
        }
        for group in block.chunks_exact_mut(2 * h) {
            let (lo, hi) = group.split_at_mut(h);
            // the vector kernels pay off from runs of 8; below, j = 0's twiddle 1 is skipped
            if h < 8 || !T::butterflies(lo, hi, tw) {
                butterfly_one(&mut lo[0], &mut hi[0]);
                for j in 1..h {
                    butterfly(&mut lo[j], &mut hi[j], &tw[j]);
                }
            }
        }
    }
}

/// Every stage's twiddles for one (n, ω): `stage(s)[j]` = ω_{2h}^j = ω^(j·n/2h), j < h = 2^s,
/// contiguous, so each stage reads its twiddles in order (the kernels take them as slices).
/// Built once per (n, ω) and shared (`twiddles`): the stage tables hold n − 1 elements in all.
pub struct Twiddles {
    tables: Vec<Vec<Fr>>,
}

impl Twiddles {
    fn new(n: usize, omega: Fr, t: Threads) -> Self {
        let log_n = n.trailing_zeros() as usize;
        if log_n == 0 {
            return Twiddles { tables: Vec::new() };
        }
        // the last stage's table is ω^j, j < n/2; stage s takes every 2^(log n − 1 − s)-th of it
        let last = powers(omega, n / 2, t);
        let mut tables: Vec<Vec<Fr>> = (0..log_n - 1).map(|s| last.iter().step_by(1 << (log_n - 1 - s)).copied().collect()).collect();
        tables.push(last);
        Twiddles { tables }
    }

    fn stage(&self, s: usize) -> &[Fr] {
        &self.tables[s]
    }
}

/// The twiddle tables kept between calls, in elements (64 MiB): the prover's few (n, ω) —
/// the domain's ω and ω⁻¹, the extension's ω⁻¹ — up to 2^20 rows; larger tables are built per
/// call, as before the cache, so no circuit holds more memory than that for them.
const CACHE_ELEMENTS: usize = 1 << 21;

type TwiddleCache = std::sync::Mutex<Vec<(usize, Fr, std::sync::Arc<Twiddles>)>>;
static TWIDDLE_CACHE: TwiddleCache = std::sync::Mutex::new(Vec::new());

/// The stage twiddles of (n, ω), from the cache when it holds them (most recent first; the
/// least recent are dropped while the cache holds more than `CACHE_ELEMENTS`).
fn twiddles(n: usize, omega: Fr, t: Threads) -> std::sync::Arc<Twiddles> {
    if n > CACHE_ELEMENTS {
        return std::sync::Arc::new(Twiddles::new(n, omega, t));
    }
    {
        let mut cache = TWIDDLE_CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = cache.iter().position(|(m, w, _)| *m == n && *w == omega) {
            let hit = cache.remove(i);
            let tw = hit.2.clone();
            cache.insert(0, hit);
            return tw;
        }
    }
    let tw = std::sync::Arc::new(Twiddles::new(n, omega, t));
    let mut cache = TWIDDLE_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache.insert(0, (n, omega, tw.clone()));
    while cache.iter().map(|(m, _, _)| m).sum::<usize>() > CACHE_ELEMENTS {
        cache.pop();
    }
    tw
}

/// In-place NTT of a (len a power of two) with respect to the primitive root `omega`.
pub fn ntt_in_place<T: Coeff>(a: &mut [T], omega: Fr) {
    ntt_in_place_with(a, omega, Threads::Parallel)
}

/// `ntt_in_place`, split across the pool or on the calling thread.
pub fn ntt_in_place_with<T: Coeff>(a: &mut [T], omega: Fr, t: Threads) {
    let n = a.len();
    if n <= 1 {
        return;
    }
    let log_n = n.trailing_zeros();
    // Group elements are ~100x costlier than field elements: smaller blocks keep both cores busy.
    let log_block = if std::mem::size_of::<T>() > std::mem::size_of::<Fr>() { 4 } else { LOG_BLOCK };
    bit_reverse_permute(a);

    // Stages inside blocks, then the large stages, two per sweep over the vector (radix-2²
    // fusion: the same butterflies, half the passes over memory).
    let tw = twiddles(n, omega, t);
    let log_block = log_block.min(log_n);
    let stage_tw: Vec<&[Fr]> = (0..log_block as usize).map(|s| tw.stage(s)).collect();
    a.par_chunks_mut(1 << log_block).with_min_len(t.min_len(1)).for_each(|blk| small_stages(blk, &stage_tw));
    let mut s = log_block as usize;
    while s < log_n as usize {
        if s + 1 < log_n as usize {
            two_stages(a, tw.stage(s), tw.stage(s + 1), t);
            s += 2;
        } else {
            one_stage(a, tw.stage(s), t);
            s += 1;
        }
    }
}

/// Elements per parallel task when one group's butterflies are split across threads: few for
/// the wide coefficient types (much work per element), 2^10 for field elements.
fn piece_len<T: Coeff>() -> usize {
    if std::mem::size_of::<T>() > std::mem::size_of::<Fr>() {
        4
    } else {
        1 << 10
    }
}

/// Butterflies (lo[j], hi[j]) with twiddles w[j], by the type's kernel or one by one.
#[inline]
fn bf_run<T: Coeff>(lo: &mut [T], hi: &mut [T], w: &[Fr]) {
    if !T::butterflies(lo, hi, w) {
        for j in 0..lo.len() {
            butterfly(&mut lo[j], &mut hi[j], &w[j]);
        }
    }
}

/// DIT stage with half-size h = tw.len() over the whole vector (twiddle j: tw[j]).
fn one_stage<T: Coeff>(a: &mut [T], tw: &[Fr], t: Threads) {
    let h = tw.len();
    let groups = a.len() / (2 * h);
    if t == Threads::Serial || groups >= 2 * rayon::current_num_threads() {
        a.par_chunks_mut(2 * h).with_min_len(t.min_len(1)).for_each(|group| {
            let (lo, hi) = group.split_at_mut(h);
            bf_run(lo, hi, tw);
        });
    } else {
        let piece = piece_len::<T>();
        for group in a.chunks_mut(2 * h) {
            let (lo, hi) = group.split_at_mut(h);
            lo.par_chunks_mut(piece)
                .zip(hi.par_chunks_mut(piece))
                .zip(tw.par_chunks(piece))
                .for_each(|((l, r), w)| bf_run(l, r, w));
        }
    }
}

/// The DIT stages with half-sizes h and 2h on quarters (q0, q1, q2, q3) of a group of 4h, the
/// elements at offset `base` of each: stage h's butterflies (q0, q1) and (q2, q3) with
/// ω_{2h}^j = tw_h[j], then stage 2h's (q0, q2) with ω_{4h}^j = tw_2h[j] and (q1, q3) with
/// ω_{4h}^(j+h) = tw_2h[j + h].
fn quad_run<T: Coeff>(q: [&mut [T]; 4], tw_h: &[Fr], tw_2h: &[Fr], base: usize) {
    let [q0, q1, q2, q3] = q;
    let (len, h) = (q0.len(), tw_h.len());
    let (w2, w1, w3) = (&tw_h[base..base + len], &tw_2h[base..base + len], &tw_2h[h + base..h + base + len]);
    bf_run(q0, q1, w2);
    bf_run(q2, q3, w2);
    bf_run(q0, q2, w1);
    bf_run(q1, q3, w3);
}

/// Elements per kernel call in the fused stages: the four quarters' runs stay in L1 between
/// the two stages.
const RUN: usize = 64;

/// The DIT stages with half-sizes h = tw_h.len() and 2h in one sweep, group by group of 4h,
/// run by run (`quad_run`).
fn two_stages<T: Coeff>(a: &mut [T], tw_h: &[Fr], tw_2h: &[Fr], t: Threads) {
    let h = tw_h.len();
    let groups = a.len() / (4 * h);
    let runs = |q0: &mut [T], q1: &mut [T], q2: &mut [T], q3: &mut [T], base: usize| {
        let quarters = q0.chunks_mut(RUN).zip(q1.chunks_mut(RUN)).zip(q2.chunks_mut(RUN).zip(q3.chunks_mut(RUN)));
        for (c, ((c0, c1), (c2, c3))) in quarters.enumerate() {
            quad_run([c0, c1, c2, c3], tw_h, tw_2h, base + c * RUN);
        }
    };
    if t == Threads::Serial || groups >= 2 * rayon::current_num_threads() {
        a.par_chunks_mut(4 * h).with_min_len(t.min_len(1)).for_each(|group| {
            let (left, right) = group.split_at_mut(2 * h);
            let (q0, q1) = left.split_at_mut(h);
            let (q2, q3) = right.split_at_mut(h);
            runs(q0, q1, q2, q3, 0);
        });
    } else {
        let piece = piece_len::<T>();
        for group in a.chunks_mut(4 * h) {
            let (left, right) = group.split_at_mut(2 * h);
            let (q0, q1) = left.split_at_mut(h);
            let (q2, q3) = right.split_at_mut(h);
            q0.par_chunks_mut(piece)
                .zip(q1.par_chunks_mut(piece))
                .zip(q2.par_chunks_mut(piece).zip(q3.par_chunks_mut(piece)))
                .enumerate()
                .for_each(|(p, ((c0, c1), (c2, c3)))| runs(c0, c1, c2, c3, p * piece));
        }
    }
}

/// Multiplies a[i] by c·g^i in parallel (coset shifts and the 1/n of the inverse).
pub fn scale_by_powers(a: &mut [Fr], g: Fr, c: Fr) {
    scale_by_powers_with(a, g, c, Threads::Parallel)
}

fn scale_by_powers_with(a: &mut [Fr], g: Fr, c: Fr, t: Threads) {
    const CHUNK: usize = crate::fr_kernels::CHUNK;
    let run = powers(g, RUN.min(a.len()), Threads::Serial); // g^j, j < RUN
    let g_run = g.pow([RUN as u64]);
    a.par_chunks_mut(CHUNK).with_min_len(t.min_len(1)).enumerate().for_each(|(ci, chunk)| {
        let mut cur = c * g.pow([(ci * CHUNK) as u64]); // c·g^(start of the run)
        let mut pw = [Fr::zero(); RUN];
        for xs in chunk.chunks_mut(RUN) {
            let pw = &mut pw[..xs.len()];
            crate::fr_simd::mul_scalar_into(pw, &run[..xs.len()], cur);
            crate::fr_simd::mul_assign(xs, pw);
            cur *= g_run;
        }
    });
}

/// Multiplies every element by c (in parallel unless serial).
fn scale_with<T: Coeff>(a: &mut [T], c: Fr, t: Threads) {
    let run = if std::mem::size_of::<T>() > std::mem::size_of::<Fr>() { 1 } else { 1 << 10 };
    a.par_chunks_mut(run).with_min_len(t.min_len(1)).for_each(|xs| T::scale_run(xs, c));
}

/// Inverse NTT: a ← (1/n)·NTT_{ω⁻¹}(a).
pub fn intt_in_place<T: Coeff>(a: &mut [T], omega: Fr) {
    intt_in_place_with(a, omega, Threads::Parallel)
}

/// `intt_in_place`, split across the pool or on the calling thread.
pub fn intt_in_place_with<T: Coeff>(a: &mut [T], omega: Fr, t: Threads) {
    let n = a.len();
    if n == 0 {
        return;
    }
    ntt_in_place_with(a, omega.inverse().expect("root of unity is invertible"), t);
    scale_with(a, Fr::from(n as u64).inverse().expect("n < r"), t);
}

/// Evaluations at g·ω^i: NTT of (a_i·g^i).
pub fn coset_ntt_in_place(a: &mut [Fr], omega: Fr, g: Fr) {
    coset_ntt_in_place_with(a, omega, g, Threads::Parallel)
}

/// `coset_ntt_in_place`, split across the pool or on the calling thread.
pub fn coset_ntt_in_place_with(a: &mut [Fr], omega: Fr, g: Fr, t: Threads) {
    scale_by_powers_with(a, g, Fr::one(), t);
    ntt_in_place_with(a, omega, t);
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

#[cfg(test)]
mod tests;

#[cfg(test)]
mod bench;
