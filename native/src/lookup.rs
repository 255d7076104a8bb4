//! logUp multiplicities: how often each table row is looked up, by hashing field elements.
//!
//! m(ωʲ) counts the input rows (over every lookup into the table, rows < usable) equal to table
//! row j, each value credited to the FIRST table row (< usable) holding it; inputs absent from
//! the table are counted apart (the prover's witness is wrong then, and the proof will fail).
//! A hash map from the table's values to their first row replaces sorting 32-byte records.
use crate::fr::FrVec;
use ark_bn254::Fr;
use numpy::{IntoPyArray, PyArray1};
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

/// (counts per table row, inputs absent) over the first `usable` rows of table and inputs.
pub fn multiplicities(table: &[Fr], inputs: &[&[Fr]], usable: usize) -> (Vec<i64>, u64) {
    let rows = usable.min(table.len());
    let mut first: FirstRow = HashMap::with_capacity_and_hasher(rows, Default::default());
    for (j, t) in table[..rows].iter().enumerate() {
        first.entry(key(t)).or_insert(j as u32);
    }
    let chunks: Vec<&[Fr]> = inputs.iter().flat_map(|f| f[..usable.min(f.len())].chunks(1 << 14)).collect();
    chunks
        .par_iter()
        .fold(
            || (vec![0i64; usable], 0u64),
            |(mut counts, mut missing), chunk| {
                for f in chunk.iter() {
                    match first.get(&key(f)) {
                        Some(&j) => counts[j as usize] += 1,
                        None => missing += 1,
                    }
                }
                (counts, missing)
            },
        )
        .reduce(
            || (vec![0i64; usable], 0u64),
            |(mut a, ma), (b, mb)| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                (a, ma + mb)
            },
        )
}

#[pyfunction]
fn lookup_multiplicities<'py>(
    py: Python<'py>,
    table: PyRef<'py, FrVec>,
    inputs: Vec<PyRef<'py, FrVec>>,
    usable: usize,
) -> (Bound<'py, PyArray1<i64>>, u64) {
    let t = table.v.as_slice();
    let fs: Vec<&[Fr]> = inputs.iter().map(|f| f.v.as_slice()).collect();
    let (counts, missing) = py.allow_threads(|| multiplicities(t, &fs, usable));
    (counts.into_pyarray(py), missing)
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
        let (counts, missing) = multiplicities(&table, &[&a, &b], 5);
        // 7 once (b's row 1): a's 7 sits at row 5, beyond usable
        assert_eq!(counts, vec![2, 1, 0, 1, 1]);
        assert_eq!(missing, 2); // 42 and 1
    }
}
