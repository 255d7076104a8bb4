//! Multi-scalar multiplication Σ sᵢ·Pᵢ over BN254 G1: our own Pippenger.
//!
//! * **Signed magnitudes.** Every scalar s ∈ Fr is read as a signed integer in (−r/2, r/2]:
//!   s = ±|s| with |s| < 2^253. Small negative values (r − x) thus cost as little as x.
//! * **Signed-digit windows.** |s| is cut into W windows of c bits. Adding the constant
//!   K = Σ_{w<W−1} 2^(c−1)·2^(cw) to |s| and subtracting 2^(c−1) from every extracted window
//!   but the top one gives digits d_w ∈ [−2^(c−1), 2^(c−1)) (top: d ∈ [0, 2^t], t = the top
//!   window's width), with |s| = Σ d_w·2^(cw). A digit −d adds −P to bucket d, so a window
//!   needs only 2^(c−1) buckets.
//! * **Batch-affine buckets.** Per window the points are counting-sorted by bucket, then each
//!   bucket is reduced by a pairwise tree of *affine* additions; all additions of one tree
//!   level (over every bucket) share ONE field inversion (Montgomery's trick), so an addition
//!   costs ~5M+1S instead of the ~7M+4S of a mixed Jacobian addition.
//! * **Bucket sum.** Σ_b b·B_b by the running-sum trick (2 additions per bucket), run in 64
//!   lockstep lanes so that these additions are batch-affine too; then the windows are
//!   combined by Horner's rule with c doublings per window.
//! * **Small-scalar split.** The scalars are split by bit-length of |s| into a small class
//!   (≤ t bits, needing only ⌈t/c⌉ windows) and a large class; t minimises a cost model. So
//!   a column of 16-bit values with a few random blinding rows costs ~⌈16/c⌉ windows, not
//!   ⌈253/c⌉. Zero scalars and identity bases are dropped up front.
//! * **Few points.** Up to `STRAUS_MAX_POINTS` points (a verifier's MSMs) use Straus'
//!   interleaved wNAF method on one thread instead (`straus`).
//! * **Parallelism.** rayon over (window, chunk of points) tasks; chunks are added when there
//!   are fewer windows than 2·threads.
//!
//! The recoding is in `signed_digits`, the batch-affine arithmetic in `batch_affine`.
//!
//! Memory: one task holds ~8 bytes per point of its chunk (digit codes, bucket-sorted indices)
//! plus one cache block of points and inverses; the call holds 45 bytes per scalar.
use crate::batch_affine::{bucket_sum, reduce_buckets, Pt, Seg};
use crate::signed_digits::{Recoding, Signed};
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField, Zero};
use rayon::prelude::*;

/// The window-w sum Σ_i d_w(sᵢ)·Pᵢ over the points `items`.
fn window_sum(bases: &[G1Affine], scalars: &[Signed], items: &[u32], rec: &Recoding, w: usize) -> G1Projective {
    let h = rec.buckets(w);
    let mut counts = vec![0u32; h + 1];
    let codes: Vec<u32> = items
        .iter()
        .map(|&i| {
            let s = &scalars[i as usize];
            let d = rec.digit(&s.mag, w);
            let (b, neg) = if d < 0 { ((-d) as u32, !s.neg) } else { (d as u32, s.neg) };
            counts[b as usize] += 1;
            (b << 1) | neg as u32
        })
        .collect();
    counts[0] = 0;
    let mut starts = vec![0u32; h + 1];
    let mut total = 0u32;
    let mut segs = Vec::new();
    for b in 1..=h {
        starts[b] = total;
        if counts[b] > 0 {
            segs.push(Seg { bucket: b as u32, start: total, len: counts[b] });
        }
        total += counts[b];
    }
    // Bucket-sorted (index << 1 | negate) codes; the points themselves are gathered block by
    // block inside the reduction (random reads, cache-resident writes).
    let mut order = vec![0u32; total as usize];
    for (&i, &code) in items.iter().zip(&codes) {
        let b = (code >> 1) as usize;
        if b == 0 {
            continue;
        }
        order[starts[b] as usize] = (i << 1) | (code & 1);
        starts[b] += 1;
    }
    drop(codes);
    let mut out = vec![Pt::ZERO; h + 1];
    reduce_buckets(&segs, &mut out, |lo, hi, buf| {
        buf.extend(order[lo..hi].iter().map(|&o| Pt::from_affine(&bases[(o >> 1) as usize], o & 1 == 1)))
    });
    bucket_sum(&out)
}

/// Relative costs of the model: one batch-affine addition per point and window, two additions
/// per bucket (batch-affine lanes or Jacobian), a fixed cost per task.
const POINT_COST: f64 = 1.0;
const BUCKET_COST: f64 = 3.0;
const TASK_COST: f64 = 300.0;

/// (window size c, chunks, estimated parallel cost) for m points of ≤ bits bits.
fn plan(m: usize, bits: usize, threads: usize) -> (usize, usize, f64) {
    let mut best = (2, 1, f64::INFINITY);
    for c in 2..=16usize {
        let rec = Recoding::new(c, bits);
        let wn = rec.windows;
        let chunks = if wn >= 2 * threads || m < 1 << 12 { 1 } else { (2 * threads).div_ceil(wn) };
        let hsum: usize = (0..wn).map(|w| rec.buckets(w)).sum();
        let work = wn as f64 * m as f64 * POINT_COST
            + (chunks * hsum) as f64 * BUCKET_COST
            + (wn * chunks) as f64 * TASK_COST;
        let cost = work / threads.min(wn * chunks) as f64;
        if cost < best.2 {
            best = (c, chunks, cost);
        }
    }
    best
}

/// Pippenger over the points `items` whose magnitudes have at most `bits` bits.
fn pippenger(bases: &[G1Affine], scalars: &[Signed], items: &[u32], bits: usize) -> G1Projective {
    if items.is_empty() {
        return G1Projective::zero();
    }
    let threads = rayon::current_num_threads().max(1);
    let (c, chunks, _) = plan(items.len(), bits, threads);
    let rec = Recoding::new(c, bits);
    let chunk_len = items.len().div_ceil(chunks);
    let tasks: Vec<(usize, usize)> =
        (0..rec.windows).flat_map(|w| (0..chunks).map(move |k| (w, k))).collect();
    let sums: Vec<G1Projective> = tasks
        .par_iter()
        .map(|&(w, k)| {
            let lo = (k * chunk_len).min(items.len());
            let hi = ((k + 1) * chunk_len).min(items.len());
            window_sum(bases, scalars, &items[lo..hi], &rec, w)
        })
        .collect();
    let mut total = G1Projective::zero();
    for w in (0..rec.windows).rev() {
        for _ in 0..c {
            total.double_in_place();
        }
        for k in 0..chunks {
            total += sums[w * chunks + k];
        }
    }
    total
}

/// Below this many points `msm` runs Straus' interleaved wNAF method on one thread: the
/// bucket method's per-window bucket sums and tasks cost more than its additions save (a
/// verifier's MSMs of a few dozen points: ~4× faster).
pub const STRAUS_MAX_POINTS: usize = 64;

/// wNAF width of `straus`: digits ±1, ±3, …, ±(2^(W−1) − 1), a table of 2^(W−2) odd multiples.
const STRAUS_WINDOW: usize = 4;

/// Σ sᵢ·Pᵢ by Straus' method: one shared chain of ~254 doublings, and per point a mixed
/// addition of a precomputed odd multiple for each non-zero wNAF digit (~254/(W+1) of them).
pub fn straus(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    let n = scalars.len().min(bases.len());
    let per = 1usize << (STRAUS_WINDOW - 2);
    let nafs: Vec<Vec<i64>> = scalars[..n]
        .iter()
        .map(|s| s.into_bigint().find_wnaf(STRAUS_WINDOW).expect("the wNAF width is in 2..64"))
        .collect();
    let mut odd: Vec<G1Projective> = Vec::with_capacity(n * per);
    for p in &bases[..n] {
        let p = p.into_group();
        let twice = p.double();
        let mut m = p;
        odd.push(m);
        for _ in 1..per {
            m += twice;
            odd.push(m);
        }
    }
    let table = G1Projective::normalize_batch(&odd); // table[i·per + j] = (2j + 1)·Pᵢ
    let len = nafs.iter().map(Vec::len).max().unwrap_or(0);
    let mut acc = G1Projective::zero();
    for bit in (0..len).rev() {
        acc.double_in_place();
        for (i, naf) in nafs.iter().enumerate() {
            match naf.get(bit).copied().unwrap_or(0) {
                0 => {}
                d if d > 0 => acc += &table[i * per + (d as usize) / 2],
                d => acc -= &table[i * per + (d.unsigned_abs() as usize) / 2],
            }
        }
    }
    acc
}

/// Σ sᵢ·Pᵢ (len(bases) ≥ len(scalars); the extra bases are ignored).
pub fn msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    let n = scalars.len().min(bases.len());
    assert!(n < 1 << 31, "msm: at most 2^31 - 1 points (indices are packed into 31 bits)");
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    if n <= STRAUS_MAX_POINTS {
        return straus(bases, scalars);
    }
    let signed: Vec<Signed> = scalars.par_iter().with_min_len(1 << 12).map(Signed::from_fr).collect();
    // Bit-length of each usable term (0 = skipped: zero scalar or identity base).
    let bits: Vec<u8> = signed
        .par_iter()
        .zip(bases.par_iter())
        .with_min_len(1 << 12)
        .map(|(s, p)| if p.infinity { 0 } else { s.bits() as u8 })
        .collect();
    let mut hist = [0usize; 257];
    for &b in &bits {
        hist[b as usize] += 1;
    }
    let max_bits = (0..257).rev().find(|&b| hist[b] > 0).unwrap_or(0);
    if max_bits == 0 {
        return G1Projective::zero();
    }
    // Split at the threshold t minimising cost(small ≤ t bits) + cost(large, max_bits).
    let threads = rayon::current_num_threads().max(1);
    let total: usize = hist[1..].iter().sum();
    let (mut best_t, mut best_cost) = (max_bits, plan(total, max_bits, threads).2);
    let mut small = 0usize;
    for (t, &count) in hist.iter().enumerate().take(max_bits).skip(1) {
        small += count;
        if count == 0 || small == 0 {
            continue;
        }
        let cost = plan(small, t, threads).2 + plan(total - small, max_bits, threads).2;
        if cost < best_cost {
            best_t = t;
            best_cost = cost;
        }
    }
    let (small_items, large_items): (Vec<u32>, Vec<u32>) = {
        let idx = |pred: &(dyn Fn(u8) -> bool + Sync)| -> Vec<u32> {
            bits.par_iter()
                .enumerate()
                .with_min_len(1 << 12)
                .filter(|(_, &b)| pred(b))
                .map(|(i, _)| i as u32)
                .collect()
        };
        let t = best_t as u8;
        (idx(&|b| b > 0 && b <= t), idx(&|b| b > t))
    };
    drop(bits);
    let (a, b) = rayon::join(
        || pippenger(bases, &signed, &small_items, best_t),
        || pippenger(bases, &signed, &large_items, max_bits),
    );
    a + b
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::UniformRand;
    use ark_std::test_rng;

    #[test]
    fn msm_matches_arkworks() {
        let mut rng = test_rng();
        for n in [0usize, 1, 2, 3, 17, 64, 65, 100, 1000] {
            let bases: Vec<G1Affine> = (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
            let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            assert_eq!(msm(&bases, &scalars), G1Projective::msm_unchecked(&bases, &scalars));
            let small: Vec<Fr> = (0..n).map(|i| Fr::from(i as i64 - 40)).collect();
            assert_eq!(msm(&bases, &small), G1Projective::msm_unchecked(&bases, &small));
        }
    }

    #[test]
    fn straus_matches_arkworks_with_identities_zeros_and_repeats() {
        let mut rng = test_rng();
        let p = G1Projective::rand(&mut rng).into_affine();
        let bases = [p, G1Affine::identity(), p, G1Projective::rand(&mut rng).into_affine(), p];
        let scalars = [Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::zero(), -Fr::from(1u64), Fr::from(7u64)];
        for k in 0..=bases.len() {
            assert_eq!(straus(&bases[..k], &scalars[..k]), G1Projective::msm_unchecked(&bases[..k], &scalars[..k]));
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::UniformRand;
    use ark_std::test_rng;
    use std::time::Instant;

    /// `cargo test --release --lib msm_timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn msm_timing() {
        let mut rng = test_rng();
        let kmax = 20;
        let g = G1Projective::rand(&mut rng);
        let scalars: Vec<Fr> = (0..1 << kmax).map(|_| Fr::rand(&mut rng)).collect();
        let bases = crate::fixed_base::fixed_base_mul(&g.into_affine(), &scalars);
        for k in [16, 18, 20] {
            let n = 1 << k;
            let (b, s) = (&bases[..n], &scalars[..n]);
            let t = Instant::now();
            let ours = msm(b, s);
            let t_ours = t.elapsed().as_nanos() as f64 / n as f64;
            let t = Instant::now();
            let ark = G1Projective::msm_unchecked(b, s);
            let t_ark = t.elapsed().as_nanos() as f64 / n as f64;
            assert_eq!(ours, ark);
            println!("2^{k}: ours {t_ours:.0} ns/pt, arkworks {t_ark:.0} ns/pt, x{:.2} plan {:?}", t_ark / t_ours, plan(n, 253, 2));
        }
    }
}
