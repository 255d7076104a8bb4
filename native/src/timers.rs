//! Cumulative native time spent in MSM and NTT-like calls (atomic counters, ns).
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Clone, Copy)]
pub enum Kind {
    Msm = 0,
    Ntt = 1,
}

static CALLS: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];
static NANOS: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// Adds the elapsed time to its counter when dropped.
pub struct Timer {
    kind: Kind,
    start: Instant,
}

impl Timer {
    pub fn start(kind: Kind) -> Self {
        Timer { kind, start: Instant::now() }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let ns = self.start.elapsed().as_nanos() as u64;
        CALLS[self.kind as usize].fetch_add(1, Ordering::Relaxed);
        NANOS[self.kind as usize].fetch_add(ns, Ordering::Relaxed);
    }
}

/// Runs `f` and counts its time under `kind`.
pub fn timed<T>(kind: Kind, f: impl FnOnce() -> T) -> T {
    let _t = Timer::start(kind);
    f()
}

#[pyfunction]
fn kernel_timers(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    for (name, k) in [("msm", Kind::Msm), ("ntt", Kind::Ntt)] {
        let e = PyDict::new(py);
        e.set_item("calls", CALLS[k as usize].load(Ordering::Relaxed))?;
        e.set_item("ns", NANOS[k as usize].load(Ordering::Relaxed))?;
        d.set_item(name, e)?;
    }
    Ok(d)
}

#[pyfunction]
fn reset_kernel_timers() {
    for i in 0..2 {
        CALLS[i].store(0, Ordering::Relaxed);
        NANOS[i].store(0, Ordering::Relaxed);
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(kernel_timers, m)?)?;
    m.add_function(wrap_pyfunction!(reset_kernel_timers, m)?)?;
    Ok(())
}
