//! Polynomials over Fr: radix-2 NTTs on the subgroup H = <ω> of size n = 2^k (k ≤ 28) and on
//! the coset g·H_ext, evaluation, division by (X − z) and linear combinations.
use crate::convert::{fr_from_py, fr_to_py, verr};
use crate::fr::FrVec;
use crate::fr_kernels as k;
use crate::ntt as fast;
use crate::timers::{timed, Kind};
use ark_bn254::Fr;
use ark_ff::{FftField, One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use pyo3::prelude::*;
use rayon::prelude::*;

/// The radix-2 domain of exactly n points (n a power of two, n ≤ 2^28).
pub fn domain(n: usize, what: &str) -> PyResult<Radix2EvaluationDomain<Fr>> {
    if n == 0 || !n.is_power_of_two() {
        return verr(format!("{what}: size {n} is not a power of two"));
    }
    if n.trailing_zeros() > Fr::TWO_ADICITY {
        return verr(format!("{what}: size {n} exceeds 2^{}", Fr::TWO_ADICITY));
    }
    Ok(Radix2EvaluationDomain::new(n).expect("power-of-two size within the two-adicity"))
}

/// The coset generator g (Fr's multiplicative generator).
pub fn coset_gen() -> Fr {
    Fr::GENERATOR
}

#[pyfunction]
fn root_of_unity(py: Python<'_>, n: usize) -> PyResult<PyObject> {
    let d = domain(n, "root_of_unity")?;
    fr_to_py(py, &d.group_gen())
}

#[pyfunction]
fn coset_generator(py: Python<'_>) -> PyResult<PyObject> {
    fr_to_py(py, &coset_gen())
}

#[pyfunction]
fn ntt(py: Python<'_>, coeffs: PyRef<'_, FrVec>) -> PyResult<FrVec> {
    let w = domain(coeffs.v.len(), "ntt")?.group_gen();
    let mut v = coeffs.v.clone();
    py.allow_threads(|| timed(Kind::Ntt, || fast::ntt_in_place(&mut v, w)));
    Ok(FrVec::new(v))
}

#[pyfunction]
fn intt(py: Python<'_>, evals: PyRef<'_, FrVec>) -> PyResult<FrVec> {
    let w = domain(evals.v.len(), "intt")?.group_gen();
    let mut v = evals.v.clone();
    py.allow_threads(|| timed(Kind::Ntt, || fast::intt_in_place(&mut v, w)));
    Ok(FrVec::new(v))
}

#[pyfunction]
fn coset_ntt(py: Python<'_>, coeffs: PyRef<'_, FrVec>, n_ext: usize) -> PyResult<FrVec> {
    let w = domain(n_ext, "coset_ntt")?.group_gen();
    if coeffs.v.len() > n_ext {
        return verr(format!("coset_ntt: {} coefficients do not fit a domain of size {n_ext}", coeffs.v.len()));
    }
    let src = &coeffs.v;
    let v = py.allow_threads(|| {
        timed(Kind::Ntt, || {
            let mut v = Vec::with_capacity(n_ext);
            v.extend_from_slice(src);
            v.resize(n_ext, Fr::zero());
            fast::coset_ntt_in_place(&mut v, w, coset_gen());
            v
        })
    });
    Ok(FrVec::new(v))
}

#[pyfunction]
fn coset_intt(py: Python<'_>, evals: PyRef<'_, FrVec>) -> PyResult<FrVec> {
    let w = domain(evals.v.len(), "coset_intt")?.group_gen();
    let mut v = evals.v.clone();
    py.allow_threads(|| timed(Kind::Ntt, || fast::coset_intt_in_place(&mut v, w, coset_gen())));
    Ok(FrVec::new(v))
}

#[pyfunction]
fn poly_eval(py: Python<'_>, coeffs: PyRef<'_, FrVec>, z: &Bound<'_, PyAny>) -> PyResult<PyObject> {
    let z = fr_from_py(z)?;
    let c = &coeffs.v;
    let y = py.allow_threads(|| k::horner(c, z));
    fr_to_py(py, &y)
}

#[pyfunction]
fn poly_eval_many(py: Python<'_>, polys: Vec<PyRef<'_, FrVec>>, z: &Bound<'_, PyAny>) -> PyResult<Vec<PyObject>> {
    let z = fr_from_py(z)?;
    let slices: Vec<&[Fr]> = polys.iter().map(|p| p.v.as_slice()).collect();
    let ys: Vec<Fr> = py.allow_threads(|| slices.par_iter().map(|c| k::horner(c, z)).collect());
    ys.iter().map(|y| fr_to_py(py, y)).collect()
}

#[pyfunction]
fn poly_divide_linear(py: Python<'_>, coeffs: PyRef<'_, FrVec>, z: &Bound<'_, PyAny>) -> PyResult<FrVec> {
    let z = fr_from_py(z)?;
    if coeffs.v.len() < 2 {
        return verr("poly_divide_linear needs a polynomial with at least 2 coefficients");
    }
    let c = &coeffs.v;
    Ok(FrVec::new(py.allow_threads(|| k::divide_linear(c, z))))
}

#[pyfunction]
fn linear_combination(
    py: Python<'_>,
    vecs: Vec<PyRef<'_, FrVec>>,
    scalars: Vec<Bound<'_, PyAny>>,
) -> PyResult<FrVec> {
    if vecs.len() != scalars.len() {
        return verr(format!(
            "linear_combination: {} vectors but {} scalars",
            vecs.len(),
            scalars.len()
        ));
    }
    let cs: Vec<Fr> = scalars.iter().map(fr_from_py).collect::<PyResult<_>>()?;
    let slices: Vec<&[Fr]> = vecs.iter().map(|p| p.v.as_slice()).collect();
    let n = slices.iter().map(|s| s.len()).max().unwrap_or(0);
    let out = py.allow_threads(|| {
        let mut out = vec![Fr::zero(); n];
        out.par_chunks_mut(k::CHUNK).enumerate().for_each(|(ci, chunk)| {
            let base = ci * k::CHUNK;
            for (s, c) in slices.iter().zip(cs.iter()) {
                if base >= s.len() || c.is_zero() {
                    continue;
                }
                let src = &s[base..s.len().min(base + chunk.len())];
                if c.is_one() {
                    for (o, x) in chunk.iter_mut().zip(src) {
                        *o += x;
                    }
                } else {
                    for (o, x) in chunk.iter_mut().zip(src) {
                        *o += *c * x;
                    }
                }
            }
        });
        out
    });
    Ok(FrVec::new(out))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(root_of_unity, m)?)?;
    m.add_function(wrap_pyfunction!(coset_generator, m)?)?;
    m.add_function(wrap_pyfunction!(ntt, m)?)?;
    m.add_function(wrap_pyfunction!(intt, m)?)?;
    m.add_function(wrap_pyfunction!(coset_ntt, m)?)?;
    m.add_function(wrap_pyfunction!(coset_intt, m)?)?;
    m.add_function(wrap_pyfunction!(poly_eval, m)?)?;
    m.add_function(wrap_pyfunction!(poly_eval_many, m)?)?;
    m.add_function(wrap_pyfunction!(poly_divide_linear, m)?)?;
    m.add_function(wrap_pyfunction!(linear_combination, m)?)?;
    Ok(())
}
