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
//! * **Bucket sum.** Σ_b b·B_b by the running-sum trick (2 Jacobian additions per bucket), then
//!   the windows are combined by Horner's rule with c doublings per window.
//! * **Small-scalar split.** The scalars are split by bit-length of |s| into a small class
//!   (≤ t bits, needing only ⌈t/c⌉ windows) and a large class; t minimises a cost model. So
//!   a column of 16-bit values with a few random blinding rows costs ~⌈16/c⌉ windows, not
//!   ⌈253/c⌉. Zero scalars and identity bases are dropped up front.
//! * **Parallelism.** rayon over (window, chunk of points) tasks; chunks are added when there
//!   are fewer windows than 2·threads.
//!
//! Memory: one task holds ~84 bytes per point of its chunk (sorted points + inverses).
use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::AdditiveGroup;
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use rayon::prelude::*;

/// A scalar as a sign and a magnitude: s = (−1)^neg · mag, mag ≤ (r−1)/2 < 2^253.
#[derive(Clone, Copy, Default)]
pub struct Signed {
    pub mag: [u64; 4],
    pub neg: bool,
}

impl Signed {
    pub fn from_fr(s: &Fr) -> Self {
        let b = s.into_bigint();
        if b > Fr::MODULUS_MINUS_ONE_DIV_TWO {
            let mut m = Fr::MODULUS;
            m.sub_with_borrow(&b);
            Signed { mag: m.0, neg: true }
        } else {
            Signed { mag: b.0, neg: false }
        }
    }

    /// The bit-length of the magnitude (0 for s = 0).
    pub fn bits(&self) -> u32 {
        for i in (0..4).rev() {
            if self.mag[i] != 0 {
                return 64 * i as u32 + 64 - self.mag[i].leading_zeros();
            }
        }
        0
    }
}

/// The largest signed bit-length in `scalars` (in parallel).
pub fn max_bits(scalars: &[Fr]) -> u32 {
    scalars.par_iter().with_min_len(1 << 12).map(|s| Signed::from_fr(s).bits()).max().unwrap_or(0)
}

/// The signed-digit recoding of magnitudes of at most `bits` bits into windows of c bits.
#[derive(Clone)]
pub struct Recoding {
    pub c: usize,
    pub windows: usize,
    top_width: usize,
    offset: [u64; 5],
}

impl Recoding {
    pub fn new(c: usize, bits: usize) -> Self {
        assert!((2..=16).contains(&c));
        let windows = bits.div_ceil(c).max(1);
        let top_width = bits.saturating_sub(c * (windows - 1)).max(1);
        let mut offset = [0u64; 5];
        for w in 0..windows - 1 {
            let bit = c * w + c - 1;
            offset[bit / 64] |= 1u64 << (bit % 64);
        }
        Recoding { c, windows, top_width, offset }
    }

    /// Number of buckets of window w: digits there have |d| ≤ this.
    pub fn buckets(&self, w: usize) -> usize {
        if w + 1 == self.windows {
            1 << self.top_width
        } else {
            1 << (self.c - 1)
        }
    }

    /// The digit d_w of `mag` (so that mag = Σ_w d_w·2^(cw)).
    #[inline]
    pub fn digit(&self, mag: &[u64; 4], w: usize) -> i64 {
        // v = mag + offset over 5 limbs (mag < 2^253, offset < 2^(cW) ≤ 2^268: no overflow).
        let mut v = [0u64; 5];
        let mut carry = 0u64;
        for i in 0..5 {
            let m = if i < 4 { mag[i] } else { 0 };
            let (a, c1) = m.overflowing_add(self.offset[i]);
            let (b, c2) = a.overflowing_add(carry);
            v[i] = b;
            carry = (c1 as u64) + (c2 as u64);
        }
        let start = self.c * w;
        let (limb, off) = (start / 64, start % 64);
        let mut x = v[limb] >> off;
        if off > 0 && limb + 1 < 5 {
            x |= v[limb + 1] << (64 - off);
        }
        if w + 1 == self.windows {
            (x & ((1u64 << (self.top_width + 1)) - 1)) as i64
        } else {
            (x & ((1u64 << self.c) - 1)) as i64 - (1i64 << (self.c - 1))
        }
    }
}

/// An affine point with (0, 0) as the identity (no G1 point has y = 0: the group has odd order).
#[derive(Clone, Copy)]
pub(crate) struct Pt {
    x: Fq,
    y: Fq,
}

impl Pt {
    pub(crate) const ZERO: Pt = Pt { x: Fq::ZERO, y: Fq::ZERO };

    #[inline]
    fn is_zero(&self) -> bool {
        self.x.is_zero() && self.y.is_zero()
    }

    #[inline]
    pub(crate) fn from_affine(p: &G1Affine, neg: bool) -> Pt {
        Pt { x: p.x, y: if neg { -p.y } else { p.y } }
    }

    pub(crate) fn to_affine(self) -> G1Affine {
        if self.is_zero() {
            G1Affine::identity()
        } else {
            G1Affine::new_unchecked(self.x, self.y)
        }
    }
}

/// The denominator of the affine addition a + b: x_b − x_a, 2y_a for a doubling, 1 when no
/// inversion is needed (an operand is the identity, or b = −a).
#[inline]
fn denominator(a: &Pt, b: &Pt) -> Fq {
    if a.is_zero() || b.is_zero() {
        Fq::one()
    } else if a.x == b.x {
        if a.y == b.y {
            a.y.double()
        } else {
            Fq::one()
        }
    } else {
        b.x - a.x
    }
}

/// a + b given inv = 1/denominator(a, b) (curve y² = x³ + 3: λ = Δy/Δx or 3x²/2y).
#[inline]
fn add_with_inverse(a: &Pt, b: &Pt, inv: &Fq) -> Pt {
    if a.is_zero() {
        return *b;
    }
    if b.is_zero() {
        return *a;
    }
    let lambda = if a.x == b.x {
        if a.y != b.y {
            return Pt::ZERO;
        }
        let xx = a.x.square();
        (xx.double() + xx) * inv
    } else {
        (b.y - a.y) * inv
    };
    let x3 = lambda.square() - a.x - b.x;
    let y3 = lambda * (a.x - x3) - a.y;
    Pt { x: x3, y: y3 }
}

/// acc[i] += add[i] for every i, with one shared inversion (Montgomery's trick).
pub(crate) fn batch_add_assign(acc: &mut [Pt], add: &[Pt], scratch: &mut Vec<Fq>) {
    scratch.clear();
    let mut prod = Fq::one();
    for (a, b) in acc.iter().zip(add) {
        prod *= denominator(a, b);
        scratch.push(prod);
    }
    let mut inv = prod.inverse().expect("denominators are non-zero");
    for i in (0..scratch.len()).rev() {
        let d = denominator(&acc[i], &add[i]);
        let prev = if i > 0 { scratch[i - 1] } else { Fq::one() };
        scratch[i] = inv * prev;
        inv *= d;
    }
    for ((a, b), inv) in acc.iter_mut().zip(add).zip(scratch.iter()) {
        *a = add_with_inverse(&*a, b, inv);
    }
}

/// A bucket's run of points inside the sorted buffer.
#[derive(Clone, Copy)]
struct Seg {
    bucket: u32,
    start: u32,
    len: u32,
}

/// Points per cache block of the bucket reduction (~1 MiB of points).
const REDUCE_BLOCK: usize = 1 << 14;

/// Reduces every run of `buf` to one point; writes each bucket's total into `out[bucket]`.
/// Consecutive runs are grouped into blocks of ~REDUCE_BLOCK points that stay in cache
/// while all their tree levels run.
fn reduce_buckets(buf: &mut [Pt], segs: Vec<Seg>, out: &mut [Pt]) {
    let mut scratch: Vec<Fq> = Vec::with_capacity(REDUCE_BLOCK.min(buf.len()) / 2);
    let mut i = 0;
    while i < segs.len() {
        let base = segs[i].start as usize;
        let mut j = i;
        let mut end = base;
        while j < segs.len() && (j == i || end + segs[j].len as usize - base <= REDUCE_BLOCK) {
            end += segs[j].len as usize;
            j += 1;
        }
        let group: Vec<Seg> =
            segs[i..j].iter().map(|s| Seg { start: s.start - base as u32, ..*s }).collect();
        reduce_block(&mut buf[base..end], group, out, &mut scratch);
        i = j;
    }
}

/// Reduces every run of `buf` to one point by tree levels of batch-affine additions, one
/// shared inversion per level.
fn reduce_block(buf: &mut [Pt], mut segs: Vec<Seg>, out: &mut [Pt], scratch: &mut Vec<Fq>) {
    loop {
        segs.retain(|s| {
            if s.len == 1 {
                out[s.bucket as usize] = buf[s.start as usize];
                false
            } else {
                true
            }
        });
        if segs.is_empty() {
            return;
        }
        // Prefix products of all the denominators of this level.
        scratch.clear();
        let mut acc = Fq::one();
        for s in &segs {
            let st = s.start as usize;
            for j in 0..(s.len / 2) as usize {
                acc *= denominator(&buf[st + 2 * j], &buf[st + 2 * j + 1]);
                scratch.push(acc);
            }
        }
        let mut inv = acc.inverse().expect("denominators are non-zero");
        // Walk back: scratch[k] becomes 1/d_k.
        let mut k = scratch.len();
        for s in segs.iter().rev() {
            let st = s.start as usize;
            for j in (0..(s.len / 2) as usize).rev() {
                k -= 1;
                let d = denominator(&buf[st + 2 * j], &buf[st + 2 * j + 1]);
                let prev = if k > 0 { scratch[k - 1] } else { Fq::one() };
                scratch[k] = inv * prev;
                inv *= d;
            }
        }
        // Forward: sums written compactly (the write index never passes the read index).
        let mut w = 0usize;
        k = 0;
        for s in segs.iter_mut() {
            let st = s.start as usize;
            let new_start = w;
            for j in 0..(s.len / 2) as usize {
                buf[w] = add_with_inverse(&buf[st + 2 * j], &buf[st + 2 * j + 1], &scratch[k]);
                k += 1;
                w += 1;
            }
            if s.len % 2 == 1 {
                buf[w] = buf[st + s.len as usize - 1];
                w += 1;
            }
            s.start = new_start as u32;
            s.len = s.len.div_ceil(2);
        }
    }
}

/// Σ_b b·B_b over the buckets 1..=h (running sum, from the top).
fn bucket_sum(buckets: &[Pt]) -> G1Projective {
    let mut running = G1Projective::zero();
    let mut sum = G1Projective::zero();
    for b in buckets[1..].iter().rev() {
        if !b.is_zero() {
            running += b.to_affine();
        }
        sum += running;
    }
    sum
}

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
    let mut buf = vec![Pt::ZERO; total as usize];
    for (&i, &code) in items.iter().zip(&codes) {
        let b = (code >> 1) as usize;
        if b == 0 {
            continue;
        }
        buf[starts[b] as usize] = Pt::from_affine(&bases[i as usize], code & 1 == 1);
        starts[b] += 1;
    }
    drop(codes);
    let mut out = vec![Pt::ZERO; h + 1];
    reduce_buckets(&mut buf, segs, &mut out);
    drop(buf);
    bucket_sum(&out)
}

/// Relative costs of the model: one batch-affine addition per point and window, two Jacobian
/// additions per bucket.
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

/// Σ sᵢ·Pᵢ (len(bases) ≥ len(scalars); the extra bases are ignored).
pub fn msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    let n = scalars.len().min(bases.len());
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
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
    for t in 1..max_bits {
        small += hist[t];
        if hist[t] == 0 || small == 0 {
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
    fn recoding_reconstructs() {
        let mut rng = test_rng();
        for bits in [1usize, 2, 5, 16, 17, 31, 64, 200, 253] {
            for c in 2..=16 {
                let rec = Recoding::new(c, bits);
                for _ in 0..20 {
                    let mut mag = [0u64; 4];
                    for (i, l) in mag.iter_mut().enumerate() {
                        *l = u64::rand(&mut rng);
                        let lo = 64 * i;
                        if lo >= bits {
                            *l = 0;
                        } else if bits - lo < 64 {
                            *l &= (1u64 << (bits - lo)) - 1;
                        }
                    }
                    let mut acc = Fr::zero();
                    for w in (0..rec.windows).rev() {
                        let d = rec.digit(&mag, w);
                        assert!(d.unsigned_abs() as usize <= rec.buckets(w));
                        acc *= Fr::from(1u64 << c);
                        acc += Fr::from(d);
                    }
                    assert_eq!(acc, Fr::from_bigint(ark_ff::BigInt(mag)).unwrap(), "c={c} bits={bits}");
                }
            }
        }
    }

    #[test]
    fn msm_matches_arkworks() {
        let mut rng = test_rng();
        for n in [0usize, 1, 2, 3, 17, 100, 1000] {
            let bases: Vec<G1Affine> = (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
            let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            assert_eq!(msm(&bases, &scalars), G1Projective::msm_unchecked(&bases, &scalars));
            let small: Vec<Fr> = (0..n).map(|i| Fr::from(i as i64 - 40)).collect();
            assert_eq!(msm(&bases, &small), G1Projective::msm_unchecked(&bases, &small));
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
