//! Signed magnitudes and signed-digit window recoding of BN254 scalars, shared by the MSM
//! (`msm`) and fixed-base multiplication (`fixed_base`).
//!
//! A scalar s ∈ Fr is read as a signed integer in (−r/2, r/2]: s = ±|s| with |s| < 2^253, so
//! small negative values (r − x) cost as little as x. |s| of at most `bits` bits is cut into
//! W = ⌈bits/c⌉ windows of c bits: adding K = Σ_{w<W−1} 2^(c−1)·2^(cw) and subtracting 2^(c−1)
//! from every extracted window but the top one gives digits d_w ∈ [−2^(c−1), 2^(c−1)) (top:
//! d ∈ [0, 2^t], t = bits − c·(W−1)), with |s| = Σ_w d_w·2^(cw). Each digit is computed
//! independently (no carry chain), so any window can be processed on its own.
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{UniformRand, Zero};
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
}
