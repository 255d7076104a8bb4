//! Batch-affine arithmetic on BN254 G1: many independent affine additions sharing one field
//! inversion (Montgomery's trick: 3 multiplications per element plus one inversion), so an
//! addition costs ~5M+1S instead of the ~7M+4S of a mixed Jacobian addition. Used for the
//! MSM buckets (tree reduction of sorted runs, lane-parallel running sums) and fixed-base
//! multiplication.
use ark_bn254::{Fq, G1Affine, G1Projective};
use ark_ec::AdditiveGroup;
use ark_ff::{Field, One, Zero};

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
pub(crate) fn batch_add_assign(acc: &mut [Pt], add: &[Pt], scratch: &mut Vec<Fq>, dens: &mut Vec<Fq>) {
    if acc.is_empty() {
        return;
    }
    scratch.clear();
    dens.clear();
    let mut prod = Fq::one();
    for (a, b) in acc.iter().zip(add) {
        let d = denominator(a, b);
        dens.push(d);
        prod *= d;
        scratch.push(prod);
    }
    let mut inv = prod.inverse().expect("denominators are non-zero");
    for i in (1..scratch.len()).rev() {
        scratch[i] = inv * scratch[i - 1];
        inv *= dens[i];
    }
    scratch[0] = inv;
    for ((a, b), inv) in acc.iter_mut().zip(add).zip(scratch.iter()) {
        *a = add_with_inverse(&*a, b, inv);
    }
}

/// A bucket's run of points inside the sorted buffer.
#[derive(Clone, Copy)]
pub(crate) struct Seg {
    pub bucket: u32,
    pub start: u32,
    pub len: u32,
}

/// Points per cache block of the bucket reduction (~1 MiB of points).
const REDUCE_BLOCK: usize = 1 << 14;

/// Reduces every run to one point and writes each bucket's total into `out[bucket]`. The
/// runs' points are not held all at once: consecutive runs are grouped into blocks of
/// ~REDUCE_BLOCK points, `load(lo, hi, buf)` appends the points of positions lo..hi to the
/// (cleared) block buffer, and all tree levels of the block run while it is in cache.
pub(crate) fn reduce_buckets(segs: &[Seg], out: &mut [Pt], load: impl Fn(usize, usize, &mut Vec<Pt>)) {
    let mut buf: Vec<Pt> = Vec::with_capacity(REDUCE_BLOCK);
    let mut scratch: Vec<Fq> = Vec::with_capacity(REDUCE_BLOCK / 2);
    let mut dens: Vec<Fq> = Vec::with_capacity(REDUCE_BLOCK / 2);
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
        buf.clear();
        load(base, end, &mut buf);
        debug_assert_eq!(buf.len(), end - base);
        reduce_block(&mut buf, group, out, &mut scratch, &mut dens);
        i = j;
    }
}

/// Reduces every run of `buf` to one point by tree levels of batch-affine additions, one
/// shared inversion per level.
fn reduce_block(buf: &mut [Pt], mut segs: Vec<Seg>, out: &mut [Pt], scratch: &mut Vec<Fq>, dens: &mut Vec<Fq>) {
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
        // Denominators of this level and their prefix products.
        dens.clear();
        scratch.clear();
        let mut acc = Fq::one();
        for s in &segs {
            let st = s.start as usize;
            for j in 0..(s.len / 2) as usize {
                let d = denominator(&buf[st + 2 * j], &buf[st + 2 * j + 1]);
                dens.push(d);
                acc *= d;
                scratch.push(acc);
            }
        }
        let mut inv = acc.inverse().expect("denominators are non-zero");
        // Walk back: scratch[k] becomes 1/d_k.
        for k in (1..scratch.len()).rev() {
            scratch[k] = inv * scratch[k - 1];
            inv *= dens[k];
        }
        scratch[0] = inv;
        // Forward: sums written compactly (the write index never passes the read index).
        let mut w = 0usize;
        let mut k = 0usize;
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

/// Lanes of the batch-affine bucket sum.
const LANES: usize = 64;

/// Σ_b b·B_b over the buckets 1..=h (h = buckets.len() − 1, a power of two).
///
/// For h ≥ 16·LANES the range is cut into LANES lanes of len = h/LANES buckets; lane k
/// (buckets k·len+1 ..= (k+1)·len) keeps a running sum R_k and a total T_k, stepped in
/// lockstep from the top so that each step is two batches of LANES affine additions sharing
/// one inversion each. Then T_k = Σ_{b∈lane k} (b − k·len)·B_b, R_k = Σ_{b∈lane k} B_b and
/// Σ_b b·B_b = Σ_k T_k + len·Σ_k k·R_k (the last sum by a Jacobian running sum over k).
pub(crate) fn bucket_sum(buckets: &[Pt]) -> G1Projective {
    let h = buckets.len() - 1;
    if h < 16 * LANES || !h.is_power_of_two() {
        return bucket_sum_jacobian(buckets);
    }
    let len = h / LANES;
    let mut run = vec![Pt::ZERO; LANES];
    let mut tot = vec![Pt::ZERO; LANES];
    let mut add = vec![Pt::ZERO; LANES];
    let (mut scratch, mut dens) = (Vec::with_capacity(LANES), Vec::with_capacity(LANES));
    for step in 0..len {
        for (k, a) in add.iter_mut().enumerate() {
            *a = buckets[(k + 1) * len - step];
        }
        batch_add_assign(&mut run, &add, &mut scratch, &mut dens);
        batch_add_assign(&mut tot, &run, &mut scratch, &mut dens);
    }
    let mut sum = G1Projective::zero();
    for t in &tot {
        if !t.is_zero() {
            sum += t.to_affine();
        }
    }
    let mut running = G1Projective::zero();
    let mut weighted = G1Projective::zero();
    for r in run[1..].iter().rev() {
        if !r.is_zero() {
            running += r.to_affine();
        }
        weighted += running;
    }
    for _ in 0..len.trailing_zeros() {
        weighted.double_in_place();
    }
    sum + weighted
}

/// Σ_b b·B_b over the buckets 1..=h (Jacobian running sum, from the top).
fn bucket_sum_jacobian(buckets: &[Pt]) -> G1Projective {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use ark_std::test_rng;

    #[test]
    fn bucket_sum_lanes_match_jacobian() {
        let mut rng = test_rng();
        for h in [1usize << 10, 1 << 12] {
            let mut buckets: Vec<Pt> = (0..=h)
                .map(|_| Pt::from_affine(&G1Projective::rand(&mut rng).into_affine(), false))
                .collect();
            for i in (0..=h).step_by(7) {
                buckets[i] = Pt::ZERO;
            }
            buckets[h] = buckets[h - 1];
            assert_eq!(bucket_sum(&buckets), bucket_sum_jacobian(&buckets));
        }
    }
}
