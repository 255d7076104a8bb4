//! ezk._native — the "numpy of BN254": whole-vector field arithmetic, NTTs, MSMs and pairings
//! on arkworks 0.5 with rayon. The Python contract is `ezk/_native.pyi`.
// No unsafe code except `fr_simd::ifma` (AVX-512 intrinsics and `#[target_feature]` kernels
// need it; it allows it for itself alone).
#![deny(unsafe_code)]
use pyo3::prelude::*;
use pyo3::types::PyDict;

mod batch_affine;
mod convert;
mod dag;
mod fixed_base;
mod fr;
mod fr_kernels;
mod fr_simd;
mod g1;
mod g2;
mod lookup;
mod msm;
mod ntt;
mod pairing;
mod signed_digits;
mod poly;
mod poseidon;
mod program;
mod quotient;
mod stored;
mod subcoset;
mod timers;

#[pyfunction]
fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("profile", if cfg!(debug_assertions) { "debug" } else { "release" })?;
    d.set_item("threads", rayon::current_num_threads())?;
    d.set_item("version", env!("CARGO_PKG_VERSION"))?;
    Ok(d)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(build_info, m)?)?;
    m.add("MODULUS", convert::r_biguint())?;
    m.add("BASE_MODULUS", convert::q_biguint())?;
    m.add("TWO_ADICITY", <ark_bn254::Fr as ark_ff::FftField>::TWO_ADICITY)?;
    timers::register(m)?;
    fr::register(m)?;
    poly::register(m)?;
    subcoset::register(m)?;
    stored::register(m)?;
    lookup::register(m)?;
    quotient::register(m)?;
    dag::register(m)?;
    g1::register(m)?;
    g2::register(m)?;
    pairing::register(m)?;
    poseidon::register(m)?;
    Ok(())
}
