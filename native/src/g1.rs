//! BN254 G1: single points (`G1`) and vectors of affine points (`G1Vec`) used as MSM bases,
//! with arkworks encodings (32-byte compressed, 64-byte uncompressed), raw coordinates
//! (standard or Montgomery form), fixed-base powers of τ and the group inverse NTT.
use crate::convert::{all_zero, fq_from_32, fq_from_py, fq_to_py, fr_from_py, verr};
use crate::fr::FrVec;
use crate::fr_kernels as k;
use crate::poly::domain;
use crate::timers::{timed, Kind};
use crate::fixed_base::fixed_base_mul;
use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{batch_inversion, Field, One, Zero};
use ark_poly::EvaluationDomain;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;
use std::hash::{Hash, Hasher};

#[pyclass(module = "ezk._native", frozen)]
#[derive(Clone)]
pub struct G1 {
    pub p: G1Affine,
}

fn g1(p: G1Projective) -> G1 {
    G1 { p: p.into_affine() }
}

/// Decodes one arkworks encoding (compressed or not) with on-curve and subgroup checks, and
/// only the canonical one: arkworks reads the identity from any x under the infinity flag (and
/// tolerates other flag patterns), so the point must encode back to exactly these bytes —
/// otherwise several byte strings would decode to one point and a proof would be malleable.
pub fn decode_g1(data: &[u8], compressed: bool) -> Option<G1Affine> {
    let p = if compressed {
        G1Affine::deserialize_compressed(data).ok()?
    } else {
        G1Affine::deserialize_uncompressed(data).ok()?
    };
    let mut again = [0u8; 64];
    let n = if compressed { 32 } else { 64 };
    encode(&p, compressed, &mut again[..n]);
    (data.len() == n && again[..n] == data[..]).then_some(p)
}

/// A point from affine Fq coordinates; (0, 0) is the identity. None if not a valid point.
pub fn g1_from_fq(x: Fq, y: Fq) -> Option<G1Affine> {
    if x.is_zero() && y.is_zero() {
        return Some(G1Affine::identity());
    }
    let p = G1Affine::new_unchecked(x, y);
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

fn encode(p: &G1Affine, compressed: bool, out: &mut [u8]) {
    if compressed {
        p.serialize_compressed(out).expect("32-byte buffer");
    } else {
        p.serialize_uncompressed(out).expect("64-byte buffer");
    }
}

#[pymethods]
impl G1 {
    #[staticmethod]
    fn generator() -> Self {
        G1 { p: G1Affine::generator() }
    }
    #[staticmethod]
    fn identity() -> Self {
        G1 { p: G1Affine::identity() }
    }
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let compressed = match data.len() {
            32 => true,
            64 => false,
            n => return verr(format!("a G1 encoding is 32 or 64 bytes, got {n}")),
        };
        match decode_g1(data, compressed) {
            Some(p) => Ok(G1 { p }),
            None => verr("the bytes do not encode a valid G1 point (bad flags, off the curve or out of range)"),
        }
    }
    #[staticmethod]
    fn from_xy(x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (x, y) = (fq_from_py(x, "x")?, fq_from_py(y, "y")?);
        match g1_from_fq(x, y) {
            Some(p) => Ok(G1 { p }),
            None => verr("(x, y) is not a point of the BN254 G1 curve"),
        }
    }
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        PyBytes::new_with(py, 32, |b| {
            encode(&self.p, true, b);
            Ok(())
        })
    }
    fn to_bytes_uncompressed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        PyBytes::new_with(py, 64, |b| {
            encode(&self.p, false, b);
            Ok(())
        })
    }
    fn to_xy(&self, py: Python<'_>) -> PyResult<Option<(PyObject, PyObject)>> {
        match self.p.xy() {
            None => Ok(None),
            Some((x, y)) => Ok(Some((fq_to_py(py, &x)?, fq_to_py(py, &y)?))),
        }
    }
    fn is_identity(&self) -> bool {
        self.p.is_zero()
    }
    fn add(&self, other: PyRef<'_, G1>) -> Self {
        g1(self.p + other.p)
    }
    fn sub(&self, other: PyRef<'_, G1>) -> Self {
        g1(self.p.into_group() - other.p)
    }
    fn neg(&self) -> Self {
        G1 { p: -self.p }
    }
    fn mul(&self, scalar: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(g1(self.p * fr_from_py(scalar)?))
    }
    fn __add__(&self, other: PyRef<'_, G1>) -> Self {
        self.add(other)
    }
    fn __sub__(&self, other: PyRef<'_, G1>) -> Self {
        self.sub(other)
    }
    fn __neg__(&self) -> Self {
        self.neg()
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.downcast::<G1>() {
            Ok(o) => self.p == o.get().p,
            Err(_) => false,
        }
    }
    fn __hash__(&self) -> u64 {
        let mut buf = [0u8; 32];
        encode(&self.p, true, &mut buf);
        let mut h = std::collections::hash_map::DefaultHasher::new();
        buf.hash(&mut h);
        h.finish()
    }
    fn __repr__(&self) -> String {
        match self.p.xy() {
            None => "G1(identity)".into(),
            Some((x, y)) => format!("G1(x={x}, y={y})"),
        }
    }
}

#[pyclass(module = "ezk._native", frozen)]
pub struct G1Vec {
    pub v: Vec<G1Affine>,
}

/// Parses fixed-size records in parallel; the first bad one is a ValueError naming its index.
fn parse_records(
    py: Python<'_>,
    data: &[u8],
    size: usize,
    what: &str,
    f: impl Fn(&[u8]) -> Option<G1Affine> + Sync + Send,
) -> PyResult<Vec<G1Affine>> {
    if !data.len().is_multiple_of(size) {
        return verr(format!("{what}: {} bytes is not a multiple of {size}", data.len()));
    }
    let parsed: Vec<Option<G1Affine>> =
        py.allow_threads(|| data.par_chunks(size).with_min_len(32).map(&f).collect());
    if let Some(i) = parsed.iter().position(|p| p.is_none()) {
        return verr(format!("{what}: point {i} is not a valid G1 point (off the curve, out of range or bad flags)"));
    }
    Ok(parsed.into_iter().map(|p| p.unwrap()).collect())
}

fn check_msm_len(bases: usize, scalars: usize) -> PyResult<()> {
    if scalars > bases {
        return verr(format!("msm: {scalars} scalars but only {bases} bases"));
    }
    Ok(())
}

/// Σ sᵢ·Pᵢ with our Pippenger (`crate::msm`: signed digits, batch-affine buckets,
/// small-scalar split).
pub fn msm_impl(py: Python<'_>, bases: &[G1Affine], scalars: &FrVec) -> PyResult<G1> {
    check_msm_len(bases.len(), scalars.v.len())?;
    let s = &scalars.v;
    let b = &bases[..s.len()];
    let r = py.allow_threads(|| timed(Kind::Msm, || crate::msm::msm(b, s)));
    Ok(g1(r))
}

/// The same sum by arkworks' `VariableBaseMSM` (the reference for tests and benchmarks).
fn msm_arkworks_impl(py: Python<'_>, bases: &[G1Affine], scalars: &FrVec) -> PyResult<G1> {
    check_msm_len(bases.len(), scalars.v.len())?;
    let s = &scalars.v;
    let b = &bases[..s.len()];
    let r = py.allow_threads(|| timed(Kind::Msm, || G1Projective::msm_unchecked(b, s)));
    Ok(g1(r))
}

#[pymethods]
impl G1Vec {
    #[staticmethod]
    fn from_points(points: Vec<PyRef<'_, G1>>) -> Self {
        G1Vec { v: points.iter().map(|p| p.p).collect() }
    }
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8], compressed: bool) -> PyResult<Self> {
        let size = if compressed { 32 } else { 64 };
        Ok(G1Vec { v: parse_records(py, data, size, "G1Vec.from_bytes", |c| decode_g1(c, compressed))? })
    }
    #[staticmethod]
    #[pyo3(signature = (data, montgomery, big_endian=false))]
    fn from_coordinates(py: Python<'_>, data: &[u8], montgomery: bool, big_endian: bool) -> PyResult<Self> {
        let v = parse_records(py, data, 64, "G1Vec.from_coordinates", |c| {
            if all_zero(c) {
                return Some(G1Affine::identity());
            }
            let x = fq_from_32(&c[..32], montgomery, big_endian)?;
            let y = fq_from_32(&c[32..], montgomery, big_endian)?;
            g1_from_fq(x, y)
        })?;
        Ok(G1Vec { v })
    }
    #[staticmethod]
    fn powers_of_tau(py: Python<'_>, tau: &Bound<'_, PyAny>, n: usize) -> PyResult<Self> {
        let t = fr_from_py(tau)?;
        let v = py.allow_threads(|| {
            let scalars = k::powers(t, n, k::one());
            fixed_base_mul(&G1Affine::generator(), &scalars)
        });
        Ok(G1Vec { v })
    }
    /// [Lᵢ(τ)]₁ for the size-n subgroup H = <ω>: Lᵢ(τ) = (τⁿ − 1)·ωⁱ / (n·(τ − ωⁱ)), by one
    /// batch inversion and the fixed-base multiplication of `powers_of_tau`.
    #[staticmethod]
    fn lagrange_from_tau(py: Python<'_>, tau: &Bound<'_, PyAny>, n: usize) -> PyResult<Self> {
        let omega = domain(n, "G1Vec.lagrange_from_tau")?.group_gen();
        let t = fr_from_py(tau)?;
        let vanishing = t.pow([n as u64]) - Fr::one();
        if vanishing.is_zero() {
            return verr(format!(
                "G1Vec.lagrange_from_tau: tau is in the size-{n} subgroup (tau^{n} = 1), where the Lagrange basis is undefined"
            ));
        }
        let v = py.allow_threads(|| {
            let w = k::powers(omega, n, k::one());
            let n_fr = Fr::from(n as u64);
            let mut denom: Vec<Fr> = w.par_iter().with_min_len(1 << 12).map(|wi| n_fr * (t - wi)).collect();
            batch_inversion(&mut denom);
            let scalars: Vec<Fr> = denom
                .par_iter()
                .zip(w.par_iter())
                .with_min_len(1 << 12)
                .map(|(d, wi)| vanishing * wi * d)
                .collect();
            fixed_base_mul(&G1Affine::generator(), &scalars)
        });
        Ok(G1Vec { v })
    }
    fn __len__(&self) -> usize {
        self.v.len()
    }
    fn __repr__(&self) -> String {
        format!("G1Vec(len={})", self.v.len())
    }
    fn __getitem__(&self, i: isize) -> PyResult<G1> {
        let n = self.v.len();
        let j = if i < 0 { i + n as isize } else { i };
        if j < 0 || j as usize >= n {
            return Err(pyo3::exceptions::PyIndexError::new_err(format!(
                "index {i} is out of range for a G1Vec of length {n}"
            )));
        }
        Ok(G1 { p: self.v[j as usize] })
    }
    fn slice(&self, start: usize, stop: usize) -> PyResult<Self> {
        if start > stop || stop > self.v.len() {
            return verr(format!("slice [{start}, {stop}) is invalid for a G1Vec of length {}", self.v.len()));
        }
        Ok(G1Vec { v: self.v[start..stop].to_vec() })
    }
    fn to_bytes<'py>(&self, py: Python<'py>, compressed: bool) -> PyResult<Bound<'py, PyBytes>> {
        let size = if compressed { 32 } else { 64 };
        let v = &self.v;
        PyBytes::new_with(py, size * v.len(), |buf| {
            py.allow_threads(|| {
                buf.par_chunks_mut(size)
                    .with_min_len(256)
                    .zip(v.par_iter())
                    .for_each(|(out, p)| encode(p, compressed, out))
            });
            Ok(())
        })
    }
    fn msm(&self, py: Python<'_>, scalars: PyRef<'_, FrVec>) -> PyResult<G1> {
        msm_impl(py, &self.v, &scalars)
    }
    fn msm_arkworks(&self, py: Python<'_>, scalars: PyRef<'_, FrVec>) -> PyResult<G1> {
        msm_arkworks_impl(py, &self.v, &scalars)
    }
    fn ifft(&self, py: Python<'_>) -> PyResult<Self> {
        let w = domain(self.v.len(), "G1Vec.ifft")?.group_gen();
        let src = &self.v;
        let v = py.allow_threads(|| {
            timed(Kind::Ntt, || {
                let mut proj: Vec<G1Projective> = src.par_iter().map(|p| p.into_group()).collect();
                crate::ntt::intt_in_place(&mut proj, w);
                G1Projective::normalize_batch(&proj)
            })
        });
        Ok(G1Vec { v })
    }
}

#[pyfunction]
fn msm(py: Python<'_>, bases: PyRef<'_, G1Vec>, scalars: PyRef<'_, FrVec>) -> PyResult<G1> {
    msm_impl(py, &bases.v, &scalars)
}

/// Σ sᵢ·Pᵢ over a list of points, equal points merged first (their scalars summed): a verifier
/// combining many claims meets one commitment once per use (queried at two points, a key's
/// column shared by segments, a link committed by both its segments) and pays for it once.
#[pyfunction]
fn msm_merged(py: Python<'_>, bases: Vec<PyRef<'_, G1>>, scalars: PyRef<'_, FrVec>) -> PyResult<G1> {
    if bases.len() != scalars.v.len() {
        return verr(format!("msm_merged: {} points but {} scalars", bases.len(), scalars.v.len()));
    }
    let mut index: std::collections::HashMap<G1Affine, usize> = std::collections::HashMap::with_capacity(bases.len());
    let (mut pts, mut sc): (Vec<G1Affine>, Vec<Fr>) = (Vec::new(), Vec::new());
    for (b, s) in bases.iter().zip(&scalars.v) {
        match index.entry(b.p) {
            std::collections::hash_map::Entry::Occupied(e) => sc[*e.get()] += s,
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(pts.len());
                pts.push(b.p);
                sc.push(*s);
            }
        }
    }
    Ok(g1(py.allow_threads(|| timed(Kind::Msm, || crate::msm::msm(&pts, &sc)))))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<G1>()?;
    m.add_class::<G1Vec>()?;
    m.add_function(wrap_pyfunction!(msm, m)?)?;
    m.add_function(wrap_pyfunction!(msm_merged, m)?)?;
    Ok(())
}
