//! Conversions between Python objects / byte strings and BN254 field elements.
//!
//! * Scalars (Fr) from Python ints of any size, reduced mod r (negatives allowed).
//! * Canonical 32-byte little-endian encodings of Fr and Fq (value < modulus).
//! * Fq from 32-byte integers in standard or Montgomery form (x·2^256 mod q), LE or BE.
use ark_bn254::{Fq, Fr};
use ark_ff::{BigInt, PrimeField};
use num_bigint::{BigInt as NBigInt, BigUint, Sign};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::OnceLock;

/// A `ValueError` with one sentence.
pub fn verr<T>(msg: impl Into<String>) -> PyResult<T> {
    Err(PyValueError::new_err(msg.into()))
}

pub fn biguint_from_bigint<const N: usize>(b: &BigInt<N>) -> BigUint {
    let mut digits = Vec::with_capacity(2 * N);
    for limb in b.0.iter() {
        digits.push(*limb as u32);
        digits.push((*limb >> 32) as u32);
    }
    BigUint::new(digits)
}

fn bigint_from_biguint(x: &BigUint) -> Option<BigInt<4>> {
    let digits = x.to_u64_digits();
    if digits.len() > 4 {
        return None;
    }
    let mut limbs = [0u64; 4];
    limbs[..digits.len()].copy_from_slice(&digits);
    Some(BigInt::new(limbs))
}

fn r_modulus() -> &'static NBigInt {
    static R: OnceLock<NBigInt> = OnceLock::new();
    R.get_or_init(|| NBigInt::from_biguint(Sign::Plus, biguint_from_bigint(&Fr::MODULUS)))
}

pub fn r_biguint() -> BigUint {
    biguint_from_bigint(&Fr::MODULUS)
}

pub fn q_biguint() -> BigUint {
    biguint_from_bigint(&Fq::MODULUS)
}

/// Fr from a signed 64-bit integer: a negative x maps to r - |x|.
#[inline]
pub fn fr_from_i64(x: i64) -> Fr {
    if x >= 0 {
        Fr::from(x as u64)
    } else {
        -Fr::from(x.unsigned_abs())
    }
}

/// Fr from an arbitrary-size big integer, reduced mod r.
pub fn fr_from_nbigint(x: &NBigInt) -> Fr {
    let r = r_modulus();
    let mut red = x % r;
    if red.sign() == Sign::Minus {
        red += r;
    }
    let (_, mag) = red.into_parts();
    Fr::from_bigint(bigint_from_biguint(&mag).expect("reduced value fits")).expect("reduced value < r")
}

/// Fr from any Python int (reduced mod r, negatives allowed).
pub fn fr_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Fr> {
    if let Ok(x) = obj.extract::<i64>() {
        return Ok(fr_from_i64(x));
    }
    match obj.extract::<NBigInt>() {
        Ok(x) => Ok(fr_from_nbigint(&x)),
        Err(_) => verr(format!(
            "expected a Python int as a scalar, got {}",
            obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
        )),
    }
}

/// A canonical Fr as a Python int in [0, r).
pub fn fr_to_py(py: Python<'_>, x: &Fr) -> PyResult<PyObject> {
    let b = x.into_bigint();
    if b.0[1] == 0 && b.0[2] == 0 && b.0[3] == 0 {
        return Ok(b.0[0].into_pyobject(py)?.into_any().unbind());
    }
    Ok(biguint_from_bigint(&b).into_pyobject(py)?.into_any().unbind())
}

/// An Fq as a Python int in [0, q).
pub fn fq_to_py(py: Python<'_>, x: &Fq) -> PyResult<PyObject> {
    Ok(biguint_from_bigint(&x.into_bigint()).into_pyobject(py)?.into_any().unbind())
}

/// Fq from a Python int that must lie in [0, q).
pub fn fq_from_py(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Fq> {
    let x: NBigInt = match obj.extract() {
        Ok(x) => x,
        Err(_) => return verr(format!("{what} must be a Python int")),
    };
    let (sign, mag) = x.into_parts();
    if sign == Sign::Minus {
        return verr(format!("{what} must be in [0, q), got a negative value"));
    }
    match bigint_from_biguint(&mag).and_then(Fq::from_bigint) {
        Some(f) => Ok(f),
        None => verr(format!("{what} must be in [0, q), the base-field modulus")),
    }
}

/// A non-negative Python int of any size (e.g. an exponent) as u64 limbs.
pub fn exponent_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u64>> {
    let x: NBigInt = match obj.extract() {
        Ok(x) => x,
        Err(_) => return verr("the exponent must be a Python int"),
    };
    if x.sign() == Sign::Minus {
        return verr("the exponent must be non-negative");
    }
    let mut d = x.magnitude().to_u64_digits();
    if d.is_empty() {
        d.push(0);
    }
    Ok(d)
}

/// The 4 little-endian u64 limbs of a 32-byte record.
#[inline]
fn le_limbs(chunk: &[u8]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(chunk[8 * i..8 * i + 8].try_into().unwrap());
    }
    BigInt::new(limbs)
}

/// Fr from 32 canonical little-endian bytes (None if the value is ≥ r).
#[inline]
pub fn fr_from_le_bytes(chunk: &[u8]) -> Option<Fr> {
    Fr::from_bigint(le_limbs(chunk))
}

/// Fr from its 32 bytes as stored in memory (Montgomery form, little-endian limbs: a cache
/// file's format, never a wire format), with no field multiplication (None if the limbs are ≥ r).
#[inline]
pub fn fr_from_montgomery_le_bytes(chunk: &[u8]) -> Option<Fr> {
    let big = le_limbs(chunk);
    (big < Fr::MODULUS).then(|| ark_ff::Fp::new_unchecked(big))
}

/// The 32-byte little-endian canonical encoding of an Fr.
#[inline]
pub fn fr_to_le_bytes(x: &Fr, out: &mut [u8]) {
    let b = x.into_bigint();
    for i in 0..4 {
        out[8 * i..8 * i + 8].copy_from_slice(&b.0[i].to_le_bytes());
    }
}

/// Fq from a 32-byte integer (LE or BE); `montgomery` means the integer is x·2^256 mod q.
/// None if the integer is ≥ q.
pub fn fq_from_32(chunk: &[u8], montgomery: bool, big_endian: bool) -> Option<Fq> {
    let mut le = [0u8; 32];
    le.copy_from_slice(&chunk[..32]);
    if big_endian {
        le.reverse();
    }
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(le[8 * i..8 * i + 8].try_into().unwrap());
    }
    let b = BigInt::new(limbs);
    if montgomery {
        if b >= Fq::MODULUS {
            return None;
        }
        Some(Fq::new_unchecked(b))
    } else {
        Fq::from_bigint(b)
    }
}

pub fn all_zero(chunk: &[u8]) -> bool {
    chunk.iter().all(|b| *b == 0)
}
