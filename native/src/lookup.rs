//! logUp multiplicities: how often each table row is looked up, by hashing field elements.
//!
//! m(ωʲ) counts the input rows (over every lookup into the table, rows < usable) equal to table
//! row j, each value credited to the FIRST table row (< usable) holding it; inputs absent from
//! the table are counted apart (the prover's witness is wrong then, and the proof will fail).
//! A weighted lookup counts each row w times (its weight, a small non-negative integer) and
//! skips the rows whose weight is 0 — they are not looked up, whatever they hold.
//! A hash map from the table's values to their first row replaces sorting 32-byte records.
use crate::fr::FrVec;
use ark_bn254::Fr;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiplicative hash of the element's limbs (field elements of a lookup are not chosen by
/// an adversary who could gain from collisions: a collision only costs time).
#[derive(Default)]
struct LimbHasher(u64);

impl Hasher for LimbHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(*b as u64);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type FirstRow = HashMap<[u64; 4], u32, BuildHasherDefault<LimbHasher>>;

fn key(x: &Fr) -> [u64; 4] {
    (x.0).0
}

const CHUNK: usize = 1 << 14;

/// (weighted counts per table row, weighted input rows absent) over the first `usable` rows of
/// table and inputs; `weights[i]` (None = 1 on every row) weighs input i's rows. None if a
/// count leaves the i64 range or a weight is negative (never wrapped).
pub fn multiplicities(table: &[Fr], inputs: &[&[Fr]], weights: &[Option<&[i64]>], usable: usize) -> Option<(Vec<i64>, u64)> {
    let rows = usable.min(table.len());
    let mut first: FirstRow = HashMap::with_capacity_and_hasher(rows, Default::default());
    for (j, t) in table[..rows].iter().enumerate() {
        first.entry(key(t)).or_insert(j as u32);
    }
    // (input rows, their weights or None, offset): a chunk of one input at a time
    let mut chunks: Vec<(&[Fr], Option<&[i64]>)> = Vec::new();
    for (i, f) in inputs.iter().enumerate() {
        let f = &f[..usable.min(f.len())];
        let w = weights.get(i).copied().flatten();
        for (c, part) in f.chunks(CHUNK).enumerate() {
            let wpart = w.map(|w| {
                let lo = (c * CHUNK).min(w.len());
                &w[lo..(lo + part.len()).min(w.len())]
            });
            chunks.push((part, wpart));
        }
    }
    let add = |a: Option<(Vec<i64>, u64)>, b: Option<(Vec<i64>, u64)>| {
        let ((mut a, ma), (b, mb)) = (a?, b?);
        for (x, y) in a.iter_mut().zip(&b) {
            *x = x.checked_add(*y)?;
        }
        Some((a, ma + mb))
    };
    chunks
        .par_iter()
        .map(|&(part, w)| {
            let mut counts = vec![0i64; usable];
            let mut missing = 0u64;
            for (r, f) in part.iter().enumerate() {
                // rows past the weight vector's end weigh 0 (a fixed column's trailing zeros)
                let wr = match w {
                    None => 1,
                    Some(w) => w.get(r).copied().unwrap_or(0),
                };
                if wr == 0 {
                    continue;
                }
                if wr < 0 {
                    return None;
                }
                match first.get(&key(f)) {
                    Some(&j) => counts[j as usize] = counts[j as usize].checked_add(wr)?,
                    None => missing += 1,
                }
            }
            Some((counts, missing))
        })
        .reduce(|| Some((vec![0i64; usable], 0u64)), add)
}

/// (counts, missing) as `multiplicities`; `weights`, if given, holds one int64 array (or None)
/// per input.
#[pyfunction]
#[pyo3(signature = (table, inputs, usable, weights=None))]
fn lookup_multiplicities<'py>(
    py: Python<'py>,
    table: PyRef<'py, FrVec>,
    inputs: Vec<PyRef<'py, FrVec>>,
    usable: usize,
    weights: Option<Vec<Option<PyReadonlyArray1<'py, i64>>>>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, u64)> {
    let t = table.v.as_slice();
    let fs: Vec<&[Fr]> = inputs.iter().map(|f| f.v.as_slice()).collect();
    let ws: Vec<Option<&[i64]>> = match &weights {
        None => vec![None; fs.len()],
        Some(ws) if ws.len() == fs.len() => {
            ws.iter().map(|w| w.as_ref().map(|w| w.as_slice()).transpose()).collect::<Result<_, _>>()?
        }
        Some(ws) => {
            return Err(PyValueError::new_err(format!(
                "lookup_multiplicities: {} weight vectors for {} inputs",
                ws.len(),
                fs.len()
            )))
        }
    };
    match py.allow_threads(|| multiplicities(t, &fs, &ws, usable)) {
        Some((counts, missing)) => Ok((counts.into_pyarray(py), missing)),
        None => Err(PyValueError::new_err(
            "lookup_multiplicities: a weight is negative or a weighted count leaves the int64 range",
        )),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(lookup_multiplicities, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_credit_the_first_table_row_and_count_the_missing() {
        let f = |v: &[u64]| v.iter().map(|&x| Fr::from(x)).collect::<Vec<_>>();
        let table = f(&[5, 7, 5, 9, 0, 42]); // row 5 (42) is beyond usable = 5
        let a = f(&[5, 5, 9, 42, 1, 7]);
        let b = f(&[0, 7]);
        let (counts, missing) = multiplicities(&table, &[&a, &b], &[None, None], 5).unwrap();
        // 7 once (b's row 1): a's 7 sits at row 5, beyond usable
        assert_eq!(counts, vec![2, 1, 0, 1, 1]);
        assert_eq!(missing, 2); // 42 and 1
    }

    #[test]
    fn weights_multiply_counts_and_weight_zero_rows_are_skipped() {
        let f = |v: &[u64]| v.iter().map(|&x| Fr::from(x)).collect::<Vec<_>>();
        let table = f(&[5, 7, 9, 0]);
        let a = f(&[5, 5, 1, 9, 7]); // 1 is absent but weighs 0
        let wa = [3i64, 1, 0, 2]; // row 4 (7) lies past the weights: weight 0
        let b = f(&[7, 0]);
        let (counts, missing) = multiplicities(&table, &[&a, &b], &[Some(&wa), None], 4).unwrap();
        assert_eq!(counts, vec![4, 1, 2, 1]);
        assert_eq!(missing, 0);
        let (_, missing) = multiplicities(&table, &[&a], &[Some(&[0, 0, 1, 0])], 4).unwrap();
        assert_eq!(missing, 1);
        assert!(multiplicities(&table, &[&a], &[Some(&[-1, 0, 0, 0])], 4).is_none());
        assert!(multiplicities(&table, &[&a, &a], &[Some(&[i64::MAX, 0, 0, 0]), None], 4).is_none());
    }
}
