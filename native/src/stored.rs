//! Field vectors stored in a file in their in-memory form (Montgomery, 32 little-endian bytes per
//! element; the proving key's fixed-cosets sidecar), read back at given byte offsets.
//!
//! Each vector is read and decoded in chunks of `CHUNK` elements, in parallel: every chunk goes
//! from the file (`pread`) into a small per-thread buffer and from there into the vector, so the
//! bytes are copied once and never held as a whole (Python's `f.read` held 8 MB per vector at
//! 2^18 and copied it twice, on one thread).
use ark_bn254::Fr;
use ark_ff::Zero;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use rayon::prelude::*;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use crate::convert::fr_from_montgomery_le_bytes;
use crate::fr::FrVec;

/// Elements per read: 64 KiB, a buffer that stays in cache.
const CHUNK: usize = 2048;

#[derive(Debug, PartialEq)]
pub enum ReadError {
    /// The file ended before vector `vector` did.
    Short { vector: usize },
    Io(String),
    /// Element `element` of vector `vector` is not a reduced field element.
    Unreduced { vector: usize, element: usize },
}

/// The `n`-element vectors that start at each of `offsets` in `file`.
pub fn read_vectors(file: &File, offsets: &[u64], n: usize) -> Result<Vec<Vec<Fr>>, ReadError> {
    offsets.iter().enumerate().map(|(k, &off)| read_vector(file, off, n, k)).collect()
}

fn read_vector(file: &File, offset: u64, n: usize, vector: usize) -> Result<Vec<Fr>, ReadError> {
    let mut v: Vec<Fr> = Vec::with_capacity(n);
    v.par_extend(rayon::iter::repeat_n(Fr::zero(), n));
    v.par_chunks_mut(CHUNK).enumerate().try_for_each_init(
        || vec![0u8; 32 * CHUNK],
        |buf, (c, out)| {
            let bytes = &mut buf[..32 * out.len()];
            file.read_exact_at(bytes, offset + (32 * CHUNK * c) as u64).map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => ReadError::Short { vector },
                _ => ReadError::Io(e.to_string()),
            })?;
            for (i, (x, record)) in out.iter_mut().zip(bytes.chunks_exact(32)).enumerate() {
                *x = fr_from_montgomery_le_bytes(record)
                    .ok_or(ReadError::Unreduced { vector, element: CHUNK * c + i })?;
            }
            Ok(())
        },
    )?;
    Ok(v)
}

/// `read_montgomery_vectors(path, offsets, n)`: the `n`-element vectors stored at each byte
/// offset of the file (OSError if it cannot be read or ends early, ValueError for a value ≥ r).
#[pyfunction]
fn read_montgomery_vectors(py: Python<'_>, path: PathBuf, offsets: Vec<u64>, n: usize) -> PyResult<Vec<FrVec>> {
    let shown = path.display().to_string();
    let file = File::open(&path).map_err(|e| PyOSError::new_err(format!("cannot open {shown:?}: {e}")))?;
    match py.allow_threads(|| read_vectors(&file, &offsets, n)) {
        Ok(vs) => Ok(vs.into_iter().map(FrVec::new).collect()),
        Err(ReadError::Short { vector }) => Err(PyOSError::new_err(format!(
            "{shown:?} ended early: vector {vector} (at byte {}) is cut short", offsets[vector]
        ))),
        Err(ReadError::Io(e)) => Err(PyOSError::new_err(format!("cannot read {shown:?}: {e}"))),
        Err(ReadError::Unreduced { vector, element }) => Err(PyValueError::new_err(format!(
            "{shown:?}: element {element} of the vector at byte {} is not a reduced field element",
            offsets[vector]
        ))),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read_montgomery_vectors, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInt, PrimeField, UniformRand};
    use ark_std::test_rng;
    use std::io::Write;

    fn bytes_of(v: &[Fr]) -> Vec<u8> {
        v.iter().flat_map(|x| x.0 .0.iter().flat_map(|l| l.to_le_bytes())).collect()
    }

    fn file_with(data: &[u8], name: &str) -> (File, PathBuf) {
        let path = std::env::temp_dir().join(format!("ezk-stored-{name}-{}", std::process::id()));
        File::create(&path).unwrap().write_all(data).unwrap();
        (File::open(&path).unwrap(), path)
    }

    #[test]
    fn vectors_read_back_at_their_offsets() {
        let mut rng = test_rng();
        // lengths around the chunk size, a header of 13 bytes before the first vector
        for n in [1usize, 7, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
            let vs: Vec<Vec<Fr>> = (0..3).map(|_| (0..n).map(|_| Fr::rand(&mut rng)).collect()).collect();
            let mut data = vec![0xAB; 13];
            for v in &vs {
                data.extend(bytes_of(v));
            }
            let (file, path) = file_with(&data, "ok");
            let offsets: Vec<u64> = (0..3).map(|k| 13 + (32 * n * k) as u64).collect();
            // in any order, repeated
            let order = [offsets[2], offsets[0], offsets[2]];
            let got = read_vectors(&file, &order, n).unwrap();
            assert_eq!(got, vec![vs[2].clone(), vs[0].clone(), vs[2].clone()], "n = {n}");
            std::fs::remove_file(path).unwrap();
        }
    }

    #[test]
    fn a_short_file_and_an_unreduced_value_are_refused() {
        let mut rng = test_rng();
        let n = 2 * CHUNK + 3;
        let v: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let mut data = bytes_of(&v);
        data.truncate(data.len() - 1);
        let (file, path) = file_with(&data, "short");
        assert_eq!(read_vectors(&file, &[0], n), Err(ReadError::Short { vector: 0 }));
        std::fs::remove_file(path).unwrap();

        // r itself (not reduced) at element CHUNK + 2 of the second vector
        let mut data = bytes_of(&v);
        data.extend(bytes_of(&v));
        let at = 32 * (n + CHUNK + 2);
        let r: BigInt<4> = Fr::MODULUS;
        data[at..at + 32].copy_from_slice(&r.0.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<u8>>());
        let (file, path) = file_with(&data, "unreduced");
        assert_eq!(
            read_vectors(&file, &[0, 32 * n as u64], n),
            Err(ReadError::Unreduced { vector: 1, element: CHUNK + 2 })
        );
        std::fs::remove_file(path).unwrap();
    }
}
