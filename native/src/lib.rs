//! ezk._native — placeholder module entry; the kernel is built out in the modules beside it.
use pyo3::prelude::*;
use pyo3::types::PyDict;

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
    Ok(())
}
