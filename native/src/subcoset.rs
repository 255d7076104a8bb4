//! Values on one sub-coset s_j·H of the extended coset g·H_ext, s_j = g·ζʲ (ζ = ω_ext, j < e,
//! e = n_ext/n): point i of s_j·H is s_j·ωⁱ, point e·i + j of g·H_ext.
//!
//! * `subcoset_ntt`: a polynomial's n values there from its coefficients — the NTT of
//!   (c_m·s_jᵐ), one size-n NTT instead of a size-n_ext coset NTT;
//! * `subcoset_frame`: the polynomial X and the Lagrange selectors there in closed form, with
//!   no NTT: L₀(s·ωⁱ) = (sⁿ − 1) / (n·(s·ωⁱ − 1)) and L_r(s·ωⁱ) = L₀(s·ω^{i−r}), so l_last is
//!   L₀ read at rotation −u and l_blind = Σ_{r=u+1}^{n−1} L₀ rotated by −r.
use crate::convert::verr;
use crate::fr::FrVec;
use crate::ntt::{self as fast, Threads};
use crate::poly::{coset_gen, domain};
use crate::timers::{timed, Kind};
use ark_bn254::Fr;
use ark_ff::{batch_inversion, Field, One, Zero};
use ark_poly::EvaluationDomain;
use pyo3::prelude::*;
use rayon::prelude::*;

/// s_j = g·ζʲ and ω for the size-n sub-cosets of the size-n_ext coset.
fn shift_and_root(n: usize, n_ext: usize, j: usize) -> PyResult<(Fr, Fr)> {
    let w_ext = domain(n_ext, "sub-coset")?.group_gen();
    let w = domain(n, "sub-coset")?.group_gen();
    if n > n_ext || j >= n_ext / n {
        return verr(format!("sub-coset {j} does not exist for n = {n}, n_ext = {n_ext}"));
    }
    Ok((coset_gen() * w_ext.pow([j as u64]), w))
}

/// The values of the polynomial with coefficients `coeffs` (len ≤ n, zero-padded) at s·ωⁱ.
pub fn values_on(coeffs: &[Fr], n: usize, s: Fr, w: Fr, t: Threads) -> Vec<Fr> {
    let mut v = Vec::with_capacity(n);
    v.extend_from_slice(coeffs);
    v.resize(n, Fr::zero());
    fast::coset_ntt_in_place_with(&mut v, w, s, t);
    v
}

/// (X, L₀, l_blind) on s·H, n = 2^k points, rows u+1 .. n−1 blinding.
pub fn frame(n: usize, s: Fr, w: Fr, usable: usize) -> (Vec<Fr>, Vec<Fr>, Vec<Fr>) {
    let x = crate::fr_kernels::powers(w, n, s);
    let mut l0: Vec<Fr> = x.par_iter().map(|p| *p - Fr::one()).collect();
    l0.par_chunks_mut(crate::fr_kernels::CHUNK).for_each(batch_inversion);
    let c = (s.pow([n as u64]) - Fr::one()) * Fr::from(n as u64).inverse().expect("n < r");
    l0.par_iter_mut().for_each(|v| *v *= c);
    let blind: Vec<Fr> = (0..n)
        .into_par_iter()
        .map(|i| ((usable + 1)..n).fold(Fr::zero(), |acc, r| acc + l0[(i + n - r) % n]))
        .collect();
    (x, l0, blind)
}

#[pyfunction]
fn subcoset_ntt(py: Python<'_>, coeffs: PyRef<'_, FrVec>, n: usize, n_ext: usize, j: usize) -> PyResult<FrVec> {
    let (s, w) = shift_and_root(n, n_ext, j)?;
    if coeffs.v.len() > n {
        return verr(format!("subcoset_ntt: {} coefficients do not fit a domain of size {n}", coeffs.v.len()));
    }
    let c = &coeffs.v;
    Ok(FrVec::new(py.allow_threads(|| timed(Kind::Ntt, || values_on(c, n, s, w, Threads::Parallel)))))
}

/// `subcoset_ntt` of several polynomials at once: each transform on one thread, side by side.
#[pyfunction]
fn subcoset_ntt_many(py: Python<'_>, coeffs: Vec<PyRef<'_, FrVec>>, n: usize, n_ext: usize, j: usize) -> PyResult<Vec<FrVec>> {
    let (s, w) = shift_and_root(n, n_ext, j)?;
    if let Some(c) = coeffs.iter().find(|c| c.v.len() > n) {
        return verr(format!("subcoset_ntt_many: {} coefficients do not fit a domain of size {n}", c.v.len()));
    }
    let slices: Vec<&[Fr]> = coeffs.iter().map(|c| c.v.as_slice()).collect();
    let out: Vec<Vec<Fr>> = py.allow_threads(|| {
        timed(Kind::Ntt, || match slices.len() {
            1 => vec![values_on(slices[0], n, s, w, Threads::Parallel)],
            _ => slices.par_iter().with_max_len(1).map(|c| values_on(c, n, s, w, Threads::Serial)).collect(),
        })
    });
    Ok(out.into_iter().map(FrVec::new).collect())
}

#[pyfunction]
fn subcoset_frame(py: Python<'_>, n: usize, n_ext: usize, j: usize, usable: usize) -> PyResult<(FrVec, FrVec, FrVec)> {
    let (s, w) = shift_and_root(n, n_ext, j)?;
    if usable >= n {
        return verr(format!("subcoset_frame: {usable} usable rows leave no last row in {n}"));
    }
    let (x, l0, blind) = py.allow_threads(|| frame(n, s, w, usable));
    Ok((FrVec::new(x), FrVec::new(l0), FrVec::new(blind)))
}

/// h's first `pieces`·n coefficients, as pieces of n, from the constraint sums on every
/// sub-coset: part j (emptied here) is divided by Z_H = s_jⁿ − 1, the parts are interleaved
/// into g·H_ext order (point e·i + j is point i of part j) and interpolated by a coset iNTT.
#[pyfunction]
fn subcoset_interpolate(py: Python<'_>, mut parts: Vec<PyRefMut<'_, FrVec>>, pieces: usize) -> PyResult<Vec<FrVec>> {
    let e = parts.len();
    let n = parts.first().map_or(0, |p| p.v.len());
    if e == 0 || !e.is_power_of_two() || parts.iter().any(|p| p.v.len() != n) {
        return verr("subcoset_interpolate: needs a power-of-two number of parts of equal length");
    }
    if pieces > e {
        return verr(format!("subcoset_interpolate: {pieces} pieces exceed the {e} parts"));
    }
    let n_ext = n * e;
    let w_ext = domain(n_ext, "subcoset_interpolate")?.group_gen();
    let mut owned: Vec<Vec<Fr>> = parts.iter_mut().map(|p| std::mem::take(&mut p.v)).collect();
    let out = py.allow_threads(|| {
        let mut full = vec![Fr::zero(); n_ext];
        for (j, part) in owned.iter_mut().enumerate() {
            let s = coset_gen() * w_ext.pow([j as u64]);
            let zinv = (s.pow([n as u64]) - Fr::one()).inverse().expect("s_j is outside H");
            full.par_chunks_mut(e).zip(part.par_iter()).for_each(|(row, v)| row[j] = *v * zinv);
            *part = Vec::new();
        }
        timed(Kind::Ntt, || fast::coset_intt_in_place(&mut full, w_ext, coset_gen()));
        full.chunks(n).take(pieces).map(|c| FrVec::new(c.to_vec())).collect::<Vec<_>>()
    });
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(subcoset_ntt, m)?)?;
    m.add_function(wrap_pyfunction!(subcoset_ntt_many, m)?)?;
    m.add_function(wrap_pyfunction!(subcoset_frame, m)?)?;
    m.add_function(wrap_pyfunction!(subcoset_interpolate, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::{DenseUVPolynomial, Polynomial, Radix2EvaluationDomain};

    #[test]
    fn frame_matches_lagrange_polynomials_evaluated_directly() {
        let (n, usable) = (16usize, 10usize);
        let dom = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let w = dom.group_gen();
        let s = coset_gen() * Fr::from(3u64);
        let (x, l0, blind) = frame(n, s, w, usable);
        // L_r as a polynomial: the iNTT of the r-th unit vector
        let lagrange = |rows: std::ops::Range<usize>| {
            let mut e = vec![Fr::zero(); n];
            rows.for_each(|r| e[r] = Fr::one());
            ark_poly::univariate::DensePolynomial::from_coefficients_vec(dom.ifft(&e))
        };
        let (p0, pb) = (lagrange(0..1), lagrange(usable + 1..n));
        for i in 0..n {
            let pt = s * w.pow([i as u64]);
            assert_eq!(x[i], pt);
            assert_eq!(l0[i], p0.evaluate(&pt));
            assert_eq!(blind[i], pb.evaluate(&pt));
        }
    }

    #[test]
    fn values_on_matches_horner() {
        let n = 32usize;
        let w = Radix2EvaluationDomain::<Fr>::new(n).unwrap().group_gen();
        let s = coset_gen() * Fr::from(9u64);
        let coeffs: Vec<Fr> = (0..20u64).map(|i| Fr::from(i * i + 1)).collect();
        let v = values_on(&coeffs, n, s, w, Threads::Serial);
        for (i, got) in v.iter().enumerate() {
            let pt = s * w.pow([i as u64]);
            assert_eq!(*got, coeffs.iter().rev().fold(Fr::zero(), |a, c| a * pt + c));
        }
    }
}
