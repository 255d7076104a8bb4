//! The Poseidon sponge of width 2 and rate 1 (x⁵ S-box), as EZKL's `PoseidonSpec` hashes a
//! message with halo2_gadgets' `VariableLength` domain: the state starts at (0, c) with c the
//! capacity element, each message element m is added to the rate word, s₀ ← s₀ + m, and the
//! permutation runs; the digest is s₀ at the end. The spec (round constants, MDS, c) is the
//! caller's (`ezk.poseidon.spec`), so this file only runs rounds.
//!
//! Permutation: R_F/2 full rounds, R_P partial rounds, R_F/2 full rounds; round r adds
//! rc[r] = (rc[2r], rc[2r+1]) to the state, applies x⁵ to both words (full) or to s₀ only
//! (partial), then multiplies by the MDS matrix M = [[m00, m01], [m10, m11]].
use crate::convert::{fr_from_py, fr_to_py, verr};
use crate::fr::FrVec;
use ark_bn254::Fr;
use ark_ff::{Field, Zero};
use pyo3::prelude::*;
use rayon::prelude::*;

struct Spec {
    rc: Vec<Fr>,
    mds: [Fr; 4],
    capacity: Fr,
    half_full: usize,
    rounds: usize,
}

#[inline]
fn pow5(x: Fr) -> Fr {
    let x2 = x.square();
    x2.square() * x
}

impl Spec {
    fn new(rc: &[Fr], mds: &[Fr], capacity: Fr, full_rounds: usize) -> PyResult<Spec> {
        if mds.len() != 4 {
            return verr(format!("poseidon: the MDS matrix must hold 4 elements (width 2), got {}", mds.len()));
        }
        if !rc.len().is_multiple_of(2) || !full_rounds.is_multiple_of(2) || rc.len() / 2 < full_rounds {
            return verr(format!(
                "poseidon: {} round constants do not fit width 2 with {full_rounds} full rounds",
                rc.len()
            ));
        }
        Ok(Spec {
            rc: rc.to_vec(),
            mds: [mds[0], mds[1], mds[2], mds[3]],
            capacity,
            half_full: full_rounds / 2,
            rounds: rc.len() / 2,
        })
    }

    fn is_full(&self, r: usize) -> bool {
        r < self.half_full || r >= self.rounds - self.half_full
    }

    #[inline]
    fn round(&self, r: usize, s: [Fr; 2]) -> [Fr; 2] {
        let x0 = pow5(s[0] + self.rc[2 * r]);
        let x1 = s[1] + self.rc[2 * r + 1];
        let x1 = if self.is_full(r) { pow5(x1) } else { x1 };
        let m = &self.mds;
        [m[0] * x0 + m[1] * x1, m[2] * x0 + m[3] * x1]
    }

    /// The digest of one message; `trace` receives the state at the start of every round of
    /// every permutation (after absorption), then the final state.
    fn sponge(&self, message: &[Fr], mut trace: Option<&mut Vec<Fr>>) -> Fr {
        let mut s = [Fr::zero(), self.capacity];
        for m in message {
            s[0] += m;
            for r in 0..self.rounds {
                if let Some(t) = trace.as_deref_mut() {
                    t.extend_from_slice(&s);
                }
                s = self.round(r, s);
            }
        }
        if let Some(t) = trace {
            t.extend_from_slice(&s);
        }
        s[0]
    }
}

fn spec_from_py(rc: &FrVec, mds: &FrVec, capacity: &Bound<'_, PyAny>, full_rounds: usize) -> PyResult<Spec> {
    Spec::new(&rc.v, &mds.v, fr_from_py(capacity)?, full_rounds)
}

/// Digests of several messages (in parallel, one sponge per message).
#[pyfunction]
fn poseidon_hash(
    py: Python<'_>,
    messages: Vec<PyRef<'_, FrVec>>,
    round_constants: PyRef<'_, FrVec>,
    mds: PyRef<'_, FrVec>,
    capacity: &Bound<'_, PyAny>,
    full_rounds: usize,
) -> PyResult<Vec<PyObject>> {
    let spec = spec_from_py(&round_constants, &mds, capacity, full_rounds)?;
    let msgs: Vec<&[Fr]> = messages.iter().map(|m| m.v.as_slice()).collect();
    let out: Vec<Fr> = py.allow_threads(|| msgs.par_iter().map(|m| spec.sponge(m, None)).collect());
    out.iter().map(|x| fr_to_py(py, x)).collect()
}

/// The sponge's trace for one message: 2·(rounds·len(message) + 1) elements, the state
/// (s₀, s₁) at the start of every round (after absorption), then the final state.
#[pyfunction]
fn poseidon_trace(
    py: Python<'_>,
    message: PyRef<'_, FrVec>,
    round_constants: PyRef<'_, FrVec>,
    mds: PyRef<'_, FrVec>,
    capacity: &Bound<'_, PyAny>,
    full_rounds: usize,
) -> PyResult<FrVec> {
    let spec = spec_from_py(&round_constants, &mds, capacity, full_rounds)?;
    let msg = message.v.as_slice();
    let t = py.allow_threads(|| {
        let mut t = Vec::with_capacity(2 * (spec.rounds * msg.len() + 1));
        spec.sponge(msg, Some(&mut t));
        t
    });
    Ok(FrVec::new(t))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(poseidon_hash, m)?)?;
    m.add_function(wrap_pyfunction!(poseidon_trace, m)?)?;
    Ok(())
}
