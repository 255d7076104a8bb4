//! The multi-pairing check Π e(Pᵢ, Qᵢ) = 1 (one multi-Miller loop, one final exponentiation).
use crate::convert::verr;
use crate::g1::G1;
use crate::g2::G2;
use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ff::Zero;
use pyo3::prelude::*;

#[pyfunction]
fn pairing_check(py: Python<'_>, g1: Vec<PyRef<'_, G1>>, g2: Vec<PyRef<'_, G2>>) -> PyResult<bool> {
    if g1.len() != g2.len() {
        return verr(format!("pairing_check: {} G1 points but {} G2 points", g1.len(), g2.len()));
    }
    let a: Vec<G1Affine> = g1.iter().map(|p| p.p).collect();
    let b: Vec<G2Affine> = g2.iter().map(|p| p.p).collect();
    Ok(py.allow_threads(|| Bn254::multi_pairing(a, b).is_zero()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(pairing_check, m)?)?;
    Ok(())
}
