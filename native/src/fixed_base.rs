//! Fixed-base scalar multiplication sᵢ·G for many scalars and one base G (SRS generation).
//!
//! With the signed-digit recoding of `msm` (windows of c bits, |d_w| ≤ 2^(c−1)) a table
//! T[w][d−1] = d·2^(cw)·G (d = 1..=buckets(w)) turns every product into W = ⌈253/c⌉ table
//! lookups: s·G = ±Σ_w ±T[w][|d_w|−1]. The W additions per scalar are done in affine
//! coordinates, a block of scalars at a time, one shared inversion per block and window
//! (Montgomery's trick), so the results come out affine with no final normalisation.
//! c minimises W·(n + 2·2^(c−1)) (lookups plus table construction).
use crate::batch_affine::{batch_add_assign, Pt};
use crate::signed_digits::{Recoding, Signed};
use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use rayon::prelude::*;

/// Scalars per block (one inversion per block and window).
const BLOCK: usize = 1 << 10;

/// Bits of a signed magnitude (≤ (r−1)/2 < 2^253).
const BITS: usize = 253;

fn window_size(n: usize) -> usize {
    (2..=16usize)
        .min_by_key(|&c| {
            let rec = Recoding::new(c, BITS);
            let table: usize = (0..rec.windows).map(|w| rec.buckets(w)).sum();
            rec.windows * n + 2 * table
        })
        .unwrap()
}

/// T[w] = [1·2^(cw)·G, 2·2^(cw)·G, …, buckets(w)·2^(cw)·G] in affine form.
fn table(g: &G1Affine, rec: &Recoding) -> Vec<Vec<G1Affine>> {
    let mut window_bases = Vec::with_capacity(rec.windows);
    let mut cur = g.into_group();
    for _ in 0..rec.windows {
        window_bases.push(cur);
        for _ in 0..rec.c {
            cur.double_in_place();
        }
    }
    window_bases
        .par_iter()
        .enumerate()
        .map(|(w, base)| {
            let mut multiples: Vec<G1Projective> = Vec::with_capacity(rec.buckets(w));
            let mut acc = *base;
            for _ in 0..rec.buckets(w) {
                multiples.push(acc);
                acc += base;
            }
            G1Projective::normalize_batch(&multiples)
        })
        .collect()
}

/// [s₀·G, s₁·G, …] in affine form, in parallel.
pub fn fixed_base_mul(g: &G1Affine, scalars: &[Fr]) -> Vec<G1Affine> {
    if scalars.is_empty() {
        return Vec::new();
    }
    if g.is_zero() {
        return vec![G1Affine::identity(); scalars.len()];
    }
    let rec = Recoding::new(window_size(scalars.len()), BITS);
    let tab = table(g, &rec);
    let mut out = vec![G1Affine::identity(); scalars.len()];
    out.par_chunks_mut(BLOCK).zip(scalars.par_chunks(BLOCK)).for_each(|(out, block)| {
        let signed: Vec<Signed> = block.iter().map(Signed::from_fr).collect();
        let mut acc = vec![Pt::ZERO; block.len()];
        let mut add = vec![Pt::ZERO; block.len()];
        let mut scratch: Vec<Fq> = Vec::with_capacity(block.len());
        let mut dens: Vec<Fq> = Vec::with_capacity(block.len());
        for (w, tab_w) in tab.iter().enumerate().take(rec.windows) {
            for (a, s) in add.iter_mut().zip(&signed) {
                let d = rec.digit(&s.mag, w);
                *a = if d == 0 {
                    Pt::ZERO
                } else {
                    Pt::from_affine(&tab_w[d.unsigned_abs() as usize - 1], (d < 0) != s.neg)
                };
            }
            if w == 0 {
                acc.copy_from_slice(&add);
            } else {
                batch_add_assign(&mut acc, &add, &mut scratch, &mut dens);
            }
        }
        for (o, a) in out.iter_mut().zip(acc) {
            *o = a.to_affine();
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_std::test_rng;

    #[test]
    fn matches_scalar_mul() {
        let mut rng = test_rng();
        let g = G1Projective::rand(&mut rng).into_affine();
        let mut scalars: Vec<Fr> = (0..3000).map(|_| Fr::rand(&mut rng)).collect();
        scalars[5] = Fr::from(0u64);
        scalars[6] = -Fr::from(1u64);
        scalars[7] = Fr::from(1u64);
        let got = fixed_base_mul(&g, &scalars);
        for (p, s) in got.iter().zip(&scalars) {
            assert_eq!(*p, (g * s).into_affine());
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    use ark_ec::{PrimeGroup, ScalarMul};
    use ark_ff::UniformRand;
    use ark_std::test_rng;
    use std::time::Instant;

    /// `cargo test --release --lib fixed_base_timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn fixed_base_timing() {
        let mut rng = test_rng();
        let n = 1 << 16;
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let g = G1Projective::generator();
        let t = Instant::now();
        let a = fixed_base_mul(&g.into_affine(), &scalars);
        let ours = t.elapsed().as_nanos() as f64 / n as f64;
        let t = Instant::now();
        let b = g.batch_mul(&scalars);
        let ark = t.elapsed().as_nanos() as f64 / n as f64;
        assert_eq!(a, b);
        println!("fixed base 2^16: ours {ours:.0} ns/pt, arkworks {ark:.0} ns/pt, c={}", window_size(n));
    }
}
