//! `FrVec`: a vector of BN254 scalar-field elements held in Rust, with whole-vector
//! construction, conversion, element-wise arithmetic, reductions and index maps.
use crate::convert::{
    exponent_from_py, fr_from_i64, fr_from_le_bytes, fr_from_montgomery_le_bytes, fr_from_py, fr_to_le_bytes,
    fr_to_py, verr,
};
use crate::fr_kernels as k;
use crate::fr_simd as simd;
use ark_bn254::Fr;
use ark_ff::{batch_inversion, Field, PrimeField, Zero};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use rand::RngCore;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

const MIN_LEN: usize = 1 << 10;

#[pyclass(module = "ezk._native")]
#[derive(Clone)]
pub struct FrVec {
    pub v: Vec<Fr>,
}

impl FrVec {
    pub fn new(v: Vec<Fr>) -> Self {
        FrVec { v }
    }
}

/// 32-byte records → an FrVec, decoded in parallel; the first record `decode` refuses is one
/// error ("element i {refused}"), as is a length that is not a multiple of 32.
fn parse_elements(
    py: Python<'_>,
    data: &[u8],
    what: &str,
    refused: &str,
    decode: fn(&[u8]) -> Option<Fr>,
) -> PyResult<FrVec> {
    if !data.len().is_multiple_of(32) {
        return verr(format!("{what} needs a multiple of 32 bytes, got {}", data.len()));
    }
    // one pass straight into the vector (no Vec<Option<Fr>> and second copy, no zeroing); the
    // index of a refused record is looked for only when there is one
    let (v, ok) = py.allow_threads(|| {
        let bad = AtomicBool::new(false);
        let mut v = Vec::new();
        data.par_chunks(32)
            .with_min_len(MIN_LEN)
            .map(|c| {
                decode(c).unwrap_or_else(|| {
                    bad.store(true, Ordering::Relaxed);
                    Fr::zero()
                })
            })
            .collect_into_vec(&mut v);
        (v, !bad.load(Ordering::Relaxed))
    });
    if !ok {
        let i = data.chunks(32).position(|c| decode(c).is_none()).unwrap_or(0);
        return verr(format!("element {i} {refused}"));
    }
    Ok(FrVec::new(v))
}

fn same_len(a: &[Fr], b: &[Fr], op: &str) -> PyResult<()> {
    if a.len() != b.len() {
        return verr(format!("{op}: vector lengths differ ({} vs {})", a.len(), b.len()));
    }
    Ok(())
}

/// out = k(a, b) by an element-wise `fr_simd` kernel over parallel chunks.
fn zip_kernel(py: Python<'_>, a: &[Fr], b: &[Fr], op: &str, k: fn(&mut [Fr], &[Fr], &[Fr])) -> PyResult<FrVec> {
    same_len(a, b, op)?;
    Ok(FrVec::new(py.allow_threads(|| {
        let mut out = vec![Fr::zero(); a.len()];
        out.par_chunks_mut(MIN_LEN)
            .zip(a.par_chunks(MIN_LEN).zip(b.par_chunks(MIN_LEN)))
            .for_each(|(o, (x, y))| k(o, x, y));
        out
    })))
}

/// a = k(a, b) in place by an element-wise `fr_simd` kernel over parallel chunks.
fn assign_kernel(py: Python<'_>, a: &mut [Fr], b: &[Fr], op: &str, k: fn(&mut [Fr], &[Fr])) -> PyResult<()> {
    same_len(a, b, op)?;
    py.allow_threads(|| a.par_chunks_mut(MIN_LEN).zip(b.par_chunks(MIN_LEN)).for_each(|(x, y)| k(x, y)));
    Ok(())
}

fn zip_assign(py: Python<'_>, a: &mut Vec<Fr>, b: &[Fr], op: &str, f: fn(&mut Fr, &Fr)) -> PyResult<()> {
    same_len(a, b, op)?;
    py.allow_threads(|| a.par_iter_mut().with_min_len(MIN_LEN).zip(b.par_iter()).for_each(|(x, y)| f(x, y)));
    Ok(())
}

/// Runs `f(self, other)` for an in-place update; `v.op_assign(v)` (the same object on both
/// sides) works on a copy of the right-hand side instead of failing to borrow.
fn with_other(
    slf: &Bound<'_, FrVec>,
    other: &Bound<'_, FrVec>,
    f: impl FnOnce(Python<'_>, &mut Vec<Fr>, &[Fr]) -> PyResult<()>,
) -> PyResult<()> {
    let py = slf.py();
    if slf.is(other) {
        let copy = other.borrow().v.clone();
        f(py, &mut slf.borrow_mut().v, &copy)
    } else {
        let o = other.borrow();
        f(py, &mut slf.borrow_mut().v, &o.v)
    }
}

fn map(py: Python<'_>, a: &[Fr], f: impl Fn(&Fr) -> Fr + Sync + Send) -> FrVec {
    FrVec::new(py.allow_threads(|| a.par_iter().with_min_len(MIN_LEN).map(f).collect()))
}

/// Converts a 1-D integer numpy array to int64 (other integer dtypes are cast; uint64 is
/// rejected because it may not fit).
fn as_i64_array<'py>(values: &Bound<'py, PyAny>, what: &str) -> PyResult<PyReadonlyArray1<'py, i64>> {
    if let Ok(a) = values.extract::<PyReadonlyArray1<'py, i64>>() {
        return Ok(a);
    }
    let np = values.py().import("numpy")?;
    let arr = np.call_method1("asarray", (values,))?;
    let ndim: usize = arr.getattr("ndim")?.extract()?;
    if ndim != 1 {
        return verr(format!("{what} must be a 1-D numpy array, got {ndim} dimensions"));
    }
    let dtype = arr.getattr("dtype")?;
    let kind: String = dtype.getattr("kind")?.extract()?;
    let size: usize = dtype.getattr("itemsize")?.extract()?;
    if !(kind == "i" || kind == "b" || (kind == "u" && size < 8)) {
        return verr(format!("{what} must be an int64 numpy array, got dtype {}", dtype.str()?));
    }
    let cast = arr.call_method1("astype", (np.getattr("int64")?,))?;
    cast.extract::<PyReadonlyArray1<'py, i64>>()
}

fn index_of(i: isize, n: usize) -> PyResult<usize> {
    let j = if i < 0 { i + n as isize } else { i };
    if j < 0 || j as usize >= n {
        return Err(pyo3::exceptions::PyIndexError::new_err(format!(
            "index {i} is out of range for a vector of length {n}"
        )));
    }
    Ok(j as usize)
}

fn seed_hash(py: Python<'_>, seed: &[u8]) -> PyResult<[u8; 32]> {
    let hashlib = py.import("hashlib")?;
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("digest_size", 32)?;
    kwargs.set_item("person", PyBytes::new(py, b"ezk.FrVec.random"))?;
    let h = hashlib.getattr("blake2b")?.call((PyBytes::new(py, seed),), Some(&kwargs))?;
    let d: Vec<u8> = h.call_method0("digest")?.extract()?;
    Ok(d.try_into().expect("32-byte digest"))
}

#[pymethods]
impl FrVec {
    // ---------------------------------------------------------------- construction
    #[staticmethod]
    fn zeros(n: usize) -> Self {
        FrVec::new(vec![Fr::zero(); n])
    }

    #[staticmethod]
    fn constant(value: &Bound<'_, PyAny>, n: usize) -> PyResult<Self> {
        Ok(FrVec::new(vec![fr_from_py(value)?; n]))
    }

    #[staticmethod]
    fn from_i64(py: Python<'_>, values: &Bound<'_, PyAny>) -> PyResult<Self> {
        let arr = as_i64_array(values, "from_i64 input")?;
        if let Ok(s) = arr.as_slice() {
            return Ok(FrVec::new(py.allow_threads(|| {
                s.par_iter().with_min_len(MIN_LEN).map(|x| fr_from_i64(*x)).collect()
            })));
        }
        Ok(FrVec::new(arr.as_array().iter().map(|x| fr_from_i64(*x)).collect()))
    }

    #[staticmethod]
    fn from_ints(values: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut v = Vec::with_capacity(values.len().unwrap_or(0));
        for item in values.try_iter()? {
            v.push(fr_from_py(&item?)?);
        }
        Ok(FrVec::new(v))
    }

    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let refused = "is not a canonical field element (its value is ≥ r)";
        parse_elements(py, data, "FrVec.from_bytes", refused, fr_from_le_bytes)
    }

    /// From the limbs as stored in memory (Montgomery form, 4 little-endian u64 per element):
    /// `to_montgomery_bytes`'s output, read back with no field multiplication (a cache file's
    /// format, never a wire format). Each element is checked to be < r.
    #[staticmethod]
    fn from_montgomery_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let refused = "is not a reduced field element";
        parse_elements(py, data, "FrVec.from_montgomery_bytes", refused, fr_from_montgomery_le_bytes)
    }

    /// The limbs as stored in memory (Montgomery form), 32 bytes per element.
    fn to_montgomery_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let v = &self.v;
        PyBytes::new_with(py, 32 * v.len(), |buf| {
            py.allow_threads(|| {
                buf.par_chunks_mut(32).with_min_len(MIN_LEN).zip(v.par_iter()).for_each(|(out, x)| {
                    for i in 0..4 {
                        out[8 * i..8 * i + 8].copy_from_slice(&(x.0).0[i].to_le_bytes());
                    }
                })
            });
            Ok(())
        })
    }

    #[staticmethod]
    #[pyo3(signature = (n, seed=None))]
    fn random(py: Python<'_>, n: usize, seed: Option<&[u8]>) -> PyResult<Self> {
        let key = match seed {
            Some(s) => seed_hash(py, s)?,
            None => {
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                key
            }
        };
        Ok(FrVec::new(py.allow_threads(|| k::random(n, key))))
    }

    #[staticmethod]
    #[pyo3(signature = (base, n, start=None))]
    fn powers(py: Python<'_>, base: &Bound<'_, PyAny>, n: usize, start: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let b = fr_from_py(base)?;
        let s = match start {
            Some(s) => fr_from_py(s)?,
            None => k::one(),
        };
        Ok(FrVec::new(py.allow_threads(|| k::powers(b, n, s))))
    }

    #[staticmethod]
    fn concat(parts: Vec<PyRef<'_, FrVec>>) -> Self {
        let total = parts.iter().map(|p| p.v.len()).sum();
        let mut v = Vec::with_capacity(total);
        for p in &parts {
            v.extend_from_slice(&p.v);
        }
        FrVec::new(v)
    }

    // ---------------------------------------------------------------- conversion
    fn __len__(&self) -> usize {
        self.v.len()
    }

    fn __repr__(&self) -> String {
        format!("FrVec(len={})", self.v.len())
    }

    fn to_i64<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let v = &self.v;
        let out: Vec<Option<i64>> = py.allow_threads(|| {
            v.par_iter()
                .with_min_len(MIN_LEN)
                .map(|x| {
                    let b = x.into_bigint();
                    if b.0[1] == 0 && b.0[2] == 0 && b.0[3] == 0 && b.0[0] <= i64::MAX as u64 {
                        return Some(b.0[0] as i64);
                    }
                    let nb = (-*x).into_bigint();
                    if nb.0[1] == 0 && nb.0[2] == 0 && nb.0[3] == 0 && nb.0[0] <= 1u64 << 63 {
                        return Some((nb.0[0] as i64).wrapping_neg());
                    }
                    None
                })
                .collect()
        });
        if let Some(i) = out.iter().position(|x| x.is_none()) {
            return verr(format!("element {i} does not fit in int64 (as a signed value mod r)"));
        }
        Ok(PyArray1::from_vec(py, out.into_iter().map(|x| x.unwrap()).collect()))
    }

    fn to_ints<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items: PyResult<Vec<PyObject>> = self.v.iter().map(|x| fr_to_py(py, x)).collect();
        PyList::new(py, items?)
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let v = &self.v;
        PyBytes::new_with(py, 32 * v.len(), |buf| {
            py.allow_threads(|| {
                buf.par_chunks_mut(32)
                    .with_min_len(MIN_LEN)
                    .zip(v.par_iter())
                    .for_each(|(out, x)| fr_to_le_bytes(x, out))
            });
            Ok(())
        })
    }

    fn __getitem__(&self, py: Python<'_>, i: isize) -> PyResult<PyObject> {
        fr_to_py(py, &self.v[index_of(i, self.v.len())?])
    }

    fn copy(&self) -> Self {
        self.clone()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.downcast::<FrVec>() {
            Ok(o) => {
                let o = o.borrow();
                self.v == o.v
            }
            Err(_) => false,
        }
    }

    // ---------------------------------------------------------------- arithmetic
    fn add(&self, py: Python<'_>, other: PyRef<'_, FrVec>) -> PyResult<Self> {
        zip_kernel(py, &self.v, &other.v, "add", simd::add_into)
    }
    fn sub(&self, py: Python<'_>, other: PyRef<'_, FrVec>) -> PyResult<Self> {
        zip_kernel(py, &self.v, &other.v, "sub", simd::sub_into)
    }
    fn mul(&self, py: Python<'_>, other: PyRef<'_, FrVec>) -> PyResult<Self> {
        zip_kernel(py, &self.v, &other.v, "mul", simd::mul_into)
    }
    fn neg(&self, py: Python<'_>) -> Self {
        map(py, &self.v, |a| -*a)
    }
    fn scale(&self, py: Python<'_>, c: &Bound<'_, PyAny>) -> PyResult<Self> {
        let c = fr_from_py(c)?;
        let a = &self.v;
        Ok(FrVec::new(py.allow_threads(|| {
            let mut out = vec![Fr::zero(); a.len()];
            out.par_chunks_mut(MIN_LEN).zip(a.par_chunks(MIN_LEN)).for_each(|(o, x)| simd::mul_scalar_into(o, x, c));
            out
        })))
    }
    fn add_scalar(&self, py: Python<'_>, c: &Bound<'_, PyAny>) -> PyResult<Self> {
        let c = fr_from_py(c)?;
        Ok(map(py, &self.v, move |a| *a + c))
    }
    fn pow(&self, py: Python<'_>, e: &Bound<'_, PyAny>) -> PyResult<Self> {
        let e = exponent_from_py(e)?;
        Ok(map(py, &self.v, move |a| a.pow(&e)))
    }
    /// Signed bit-length of the largest |x| (x read in (−r/2, r/2]); 0 for an all-zero vector.
    fn max_bits(&self, py: Python<'_>) -> u32 {
        let v = &self.v;
        py.allow_threads(|| crate::signed_digits::max_bits(v))
    }
    fn batch_inverse(&self, py: Python<'_>) -> PyResult<Self> {
        let v = &self.v;
        if let Some(i) = py.allow_threads(|| v.par_iter().position_first(|x| x.is_zero())) {
            return verr(format!("batch_inverse: element {i} is zero and has no inverse"));
        }
        let mut out = self.v.clone();
        py.allow_threads(|| batch_inversion(&mut out));
        Ok(FrVec::new(out))
    }
    fn __add__(&self, py: Python<'_>, other: PyRef<'_, FrVec>) -> PyResult<Self> {
        self.add(py, other)
    }
    fn __sub__(&self, py: Python<'_>, other: PyRef<'_, FrVec>) -> PyResult<Self> {
        self.sub(py, other)
    }
    fn __mul__(&self, py: Python<'_>, other: PyRef<'_, FrVec>) -> PyResult<Self> {
        self.mul(py, other)
    }
    fn __neg__(&self, py: Python<'_>) -> Self {
        self.neg(py)
    }

    // ---------------------------------------------------------------- in place
    fn add_assign(slf: &Bound<'_, Self>, other: &Bound<'_, FrVec>) -> PyResult<()> {
        with_other(slf, other, |py, a, b| assign_kernel(py, a, b, "add_assign", simd::add_assign))
    }
    fn sub_assign(slf: &Bound<'_, Self>, other: &Bound<'_, FrVec>) -> PyResult<()> {
        with_other(slf, other, |py, a, b| zip_assign(py, a, b, "sub_assign", |x, y| *x -= y))
    }
    fn mul_assign(slf: &Bound<'_, Self>, other: &Bound<'_, FrVec>) -> PyResult<()> {
        with_other(slf, other, |py, a, b| assign_kernel(py, a, b, "mul_assign", simd::mul_assign))
    }
    fn scale_assign(&mut self, py: Python<'_>, c: &Bound<'_, PyAny>) -> PyResult<()> {
        let c = fr_from_py(c)?;
        let v = &mut self.v;
        py.allow_threads(|| v.par_chunks_mut(MIN_LEN).for_each(|a| simd::mul_scalar_assign(a, c)));
        Ok(())
    }
    fn axpy_assign(slf: &Bound<'_, Self>, c: &Bound<'_, PyAny>, other: &Bound<'_, FrVec>) -> PyResult<()> {
        let c = fr_from_py(c)?;
        with_other(slf, other, |py, v, o| {
            same_len(v, o, "axpy_assign")?;
            py.allow_threads(|| {
                v.par_chunks_mut(MIN_LEN).zip(o.par_chunks(MIN_LEN)).for_each(|(a, b)| simd::mul_scalar_add_assign(a, b, c))
            });
            Ok(())
        })
    }
    fn set_slice(slf: &Bound<'_, Self>, start: usize, values: &Bound<'_, FrVec>) -> PyResult<()> {
        with_other(slf, values, |_, v, vals| {
            let end = start.saturating_add(vals.len());
            if end > v.len() {
                return verr(format!(
                    "set_slice: {} values at offset {start} do not fit in a vector of length {}",
                    vals.len(),
                    v.len()
                ));
            }
            v[start..end].copy_from_slice(vals);
            Ok(())
        })
    }

    // ---------------------------------------------------------------- reductions
    fn sum(&self, py: Python<'_>) -> PyResult<PyObject> {
        let v = &self.v;
        let s: Fr = py.allow_threads(|| v.par_iter().with_min_len(MIN_LEN).sum());
        fr_to_py(py, &s)
    }
    fn inner(&self, py: Python<'_>, other: PyRef<'_, FrVec>) -> PyResult<PyObject> {
        same_len(&self.v, &other.v, "inner")?;
        let (a, b) = (&self.v, &other.v);
        let s = py.allow_threads(|| k::inner(a, b));
        fr_to_py(py, &s)
    }
    fn cumsum(&self, py: Python<'_>) -> Self {
        let v = &self.v;
        FrVec::new(py.allow_threads(|| k::prefix_scan(v, Fr::zero(), k::add_op)))
    }
    fn cumprod(&self, py: Python<'_>) -> Self {
        let v = &self.v;
        FrVec::new(py.allow_threads(|| k::prefix_scan(v, k::one(), k::mul_op)))
    }

    // ---------------------------------------------------------------- index maps
    fn rotate(&self, k: i64) -> Self {
        let n = self.v.len();
        let mut out = self.v.clone();
        if n > 0 {
            out.rotate_left(k.rem_euclid(n as i64) as usize);
        }
        FrVec::new(out)
    }
    fn gather(&self, py: Python<'_>, index: &Bound<'_, PyAny>) -> PyResult<Self> {
        let idx = as_i64_array(index, "gather index")?;
        let idx: Vec<i64> = idx.as_array().iter().copied().collect();
        let n = self.v.len() as i64;
        if let Some(p) = idx.iter().position(|&i| i < 0 || i >= n) {
            return verr(format!("gather: index[{p}] = {} is outside [0, {n})", idx[p]));
        }
        let v = &self.v;
        Ok(FrVec::new(py.allow_threads(|| {
            idx.par_iter().with_min_len(MIN_LEN).map(|&i| v[i as usize]).collect()
        })))
    }
    fn slice(&self, start: usize, stop: usize) -> PyResult<Self> {
        if start > stop || stop > self.v.len() {
            return verr(format!("slice [{start}, {stop}) is invalid for a vector of length {}", self.v.len()));
        }
        Ok(FrVec::new(self.v[start..stop].to_vec()))
    }
    fn resize(&self, n: usize) -> Self {
        let mut out = Vec::with_capacity(n);
        out.extend_from_slice(&self.v[..n.min(self.v.len())]);
        out.resize(n, Fr::zero());
        FrVec::new(out)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<FrVec>()?;
    Ok(())
}
