//! Pure-Rust, rayon-parallel kernels over slices of Fr used by `FrVec` and the polynomial
//! functions: prefix scans, powers, random vectors, Horner evaluation.
use ark_bn254::Fr;
use ark_ff::{Field, One, UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;

/// Chunk length for parallel loops that carry a sequential dependency inside a chunk.
pub const CHUNK: usize = 1 << 12;

/// Inclusive prefix scan out[i] = v[0] ∘ … ∘ v[i] for an associative, commutative ∘
/// (field + or ·): scan chunks in parallel, prefix the chunk totals, then fix up.
pub fn prefix_scan(v: &[Fr], identity: Fr, op: fn(&Fr, &Fr) -> Fr) -> Vec<Fr> {
    let mut out = v.to_vec();
    if out.is_empty() {
        return out;
    }
    out.par_chunks_mut(CHUNK).for_each(|c| {
        for i in 1..c.len() {
            c[i] = op(&c[i - 1], &c[i]);
        }
    });
    let totals: Vec<Fr> = out.chunks(CHUNK).map(|c| *c.last().unwrap()).collect();
    let mut offsets = Vec::with_capacity(totals.len());
    let mut acc = identity;
    for t in &totals {
        offsets.push(acc);
        acc = op(&acc, t);
    }
    out.par_chunks_mut(CHUNK).zip(offsets.par_iter()).skip(1).for_each(|(c, off)| {
        for x in c.iter_mut() {
            *x = op(off, x);
        }
    });
    out
}

pub fn add_op(a: &Fr, b: &Fr) -> Fr {
    *a + b
}

pub fn mul_op(a: &Fr, b: &Fr) -> Fr {
    *a * b
}

/// [start, start·base, …, start·base^(n-1)], chunks seeded with base^(chunk offset).
pub fn powers(base: Fr, n: usize, start: Fr) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); n];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(ci, c)| {
        let mut cur = start * base.pow([(ci * CHUNK) as u64]);
        for x in c.iter_mut() {
            *x = cur;
            cur *= base;
        }
    });
    out
}

/// n uniform field elements from ChaCha20 keyed by `seed`; chunk i uses stream i, so the
/// result depends only on the seed (not on the thread count).
pub fn random(n: usize, seed: [u8; 32]) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); n];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(ci, c)| {
        let mut rng = ChaCha20Rng::from_seed(seed);
        rng.set_stream(ci as u64);
        for x in c.iter_mut() {
            *x = Fr::rand(&mut rng);
        }
    });
    out
}

/// p(z) = Σ cᵢ zⁱ: Horner per chunk in parallel, chunk k weighted by z^(k·CHUNK).
pub fn horner(coeffs: &[Fr], z: Fr) -> Fr {
    if coeffs.len() <= CHUNK {
        return coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * z + c);
    }
    let zc = z.pow([CHUNK as u64]);
    let partial: Vec<Fr> = coeffs
        .par_chunks(CHUNK)
        .map(|c| c.iter().rev().fold(Fr::zero(), |acc, x| acc * z + x))
        .collect();
    partial.iter().rev().fold(Fr::zero(), |acc, p| acc * zc + p)
}

/// Synthetic division: q with p(X) = q(X)(X - z) + p(z); len(q) = len(p) - 1.
pub fn divide_linear(p: &[Fr], z: Fr) -> Vec<Fr> {
    let n = p.len();
    let mut q = vec![Fr::zero(); n - 1];
    let mut acc = Fr::zero();
    for i in (1..n).rev() {
        acc = acc * z + p[i];
        q[i - 1] = acc;
    }
    q
}

/// Σ aᵢ·bᵢ in parallel.
pub fn inner(a: &[Fr], b: &[Fr]) -> Fr {
    a.par_iter().zip(b.par_iter()).map(|(x, y)| *x * y).sum()
}

pub fn one() -> Fr {
    Fr::one()
}
