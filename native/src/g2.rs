//! BN254 G2 points (for the SRS: [1]₂, [τ]₂), with arkworks encodings (64-byte compressed,
//! 128-byte uncompressed) and raw Fq2 coordinates x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1.
use crate::convert::{all_zero, fq_from_32, fq_from_py, fq_to_py, fr_from_py, verr};
use ark_bn254::{Fq2, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

#[pyclass(module = "ezk._native", frozen)]
#[derive(Clone)]
pub struct G2 {
    pub p: G2Affine,
}

fn g2(p: G2Projective) -> G2 {
    G2 { p: p.into_affine() }
}

fn g2_from_fq2(x: Fq2, y: Fq2) -> Option<G2Affine> {
    if x.is_zero() && y.is_zero() {
        return Some(G2Affine::identity());
    }
    let p = G2Affine::new_unchecked(x, y);
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

#[pymethods]
impl G2 {
    #[staticmethod]
    fn generator() -> Self {
        G2 { p: G2Affine::generator() }
    }
    #[staticmethod]
    fn identity() -> Self {
        G2 { p: G2Affine::identity() }
    }
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let p = match data.len() {
            64 => G2Affine::deserialize_compressed(data),
            128 => G2Affine::deserialize_uncompressed(data),
            n => return verr(format!("a G2 encoding is 64 or 128 bytes, got {n}")),
        };
        let p = match p {
            Ok(p) => p,
            Err(_) => return verr("the bytes do not encode a valid G2 point (bad flags, off the curve, out of range or outside the subgroup)"),
        };
        // only the canonical encoding: the point must encode back to exactly these bytes
        let mut again = vec![0u8; data.len()];
        let written = if data.len() == 64 {
            p.serialize_compressed(&mut again[..])
        } else {
            p.serialize_uncompressed(&mut again[..])
        };
        if written.is_err() || again[..] != data[..] {
            return verr("the bytes are not the canonical encoding of a G2 point (flag bits, or an identity with coordinates)");
        }
        Ok(G2 { p })
    }
    #[staticmethod]
    #[pyo3(signature = (data, montgomery, big_endian=false))]
    fn from_coordinates(data: &[u8], montgomery: bool, big_endian: bool) -> PyResult<Self> {
        if data.len() != 128 {
            return verr(format!("G2 coordinates are 128 bytes, got {}", data.len()));
        }
        if all_zero(data) {
            return Ok(G2::identity());
        }
        let f = |i: usize| fq_from_32(&data[32 * i..32 * i + 32], montgomery, big_endian);
        let p = match (f(0), f(1), f(2), f(3)) {
            (Some(a), Some(b), Some(c), Some(d)) => g2_from_fq2(Fq2::new(a, b), Fq2::new(c, d)),
            _ => None,
        };
        match p {
            Some(p) => Ok(G2 { p }),
            None => verr("the coordinates are not a valid G2 point (out of range, off the curve or outside the subgroup)"),
        }
    }
    #[staticmethod]
    fn from_xy(x: (Bound<'_, PyAny>, Bound<'_, PyAny>), y: (Bound<'_, PyAny>, Bound<'_, PyAny>)) -> PyResult<Self> {
        let x = Fq2::new(fq_from_py(&x.0, "x.c0")?, fq_from_py(&x.1, "x.c1")?);
        let y = Fq2::new(fq_from_py(&y.0, "y.c0")?, fq_from_py(&y.1, "y.c1")?);
        match g2_from_fq2(x, y) {
            Some(p) => Ok(G2 { p }),
            None => verr("(x, y) is not a point of the BN254 G2 subgroup"),
        }
    }
    #[allow(clippy::type_complexity)]
    fn to_xy(&self, py: Python<'_>) -> PyResult<Option<((PyObject, PyObject), (PyObject, PyObject))>> {
        match self.p.xy() {
            None => Ok(None),
            Some((x, y)) => Ok(Some((
                (fq_to_py(py, &x.c0)?, fq_to_py(py, &x.c1)?),
                (fq_to_py(py, &y.c0)?, fq_to_py(py, &y.c1)?),
            ))),
        }
    }
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        PyBytes::new_with(py, 64, |b| {
            self.p.serialize_compressed(b).expect("64-byte buffer");
            Ok(())
        })
    }
    fn to_bytes_uncompressed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        PyBytes::new_with(py, 128, |b| {
            self.p.serialize_uncompressed(b).expect("128-byte buffer");
            Ok(())
        })
    }
    fn add(&self, other: PyRef<'_, G2>) -> Self {
        g2(self.p + other.p)
    }
    fn sub(&self, other: PyRef<'_, G2>) -> Self {
        g2(self.p.into_group() - other.p)
    }
    fn neg(&self) -> Self {
        G2 { p: -self.p }
    }
    fn mul(&self, scalar: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(g2(self.p * fr_from_py(scalar)?))
    }
    fn is_identity(&self) -> bool {
        self.p.is_zero()
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.downcast::<G2>() {
            Ok(o) => self.p == o.get().p,
            Err(_) => false,
        }
    }
    fn __repr__(&self) -> String {
        if self.p.is_zero() { "G2(identity)".into() } else { "G2(...)".into() }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<G2>()?;
    Ok(())
}
