//! The constraint DAG (`ezk/plonk/program.py`'s hash-consed node table) evaluated at ONE point:
//! the verifier's h(x)·Z_H(x) = Σₖ y^{N−1−k}·Cₖ(x) from the opened values. Each node is computed
//! once, in order (children before parents), then the roots are folded by Horner in y.
//!
//! Node rows `[op, a, b]` (op codes shared with `program.rs`): CONST a = index into the
//! constants; CHALLENGE a = θ, β, γ, then the circuit's challenges; POLY a = index into the
//! values (one per distinct polynomial read at a rotation); ADD/SUB/MUL a, b and NEG/SQUARE a =
//! earlier nodes. Everything is checked when the DAG is built, so evaluation cannot index out
//! of range.
use crate::convert::{fr_from_py, fr_to_py, verr};
use crate::fr::FrVec;
use crate::program::{node_values, ScalarNode as Node, OP_ADD, OP_CHALLENGE, OP_CONST, OP_MUL, OP_NEG, OP_SQUARE, OP_SUB};
use ark_bn254::Fr;
use ark_ff::Zero;
use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

/// A leaf reading one opened value (as `program.py`'s `POLY`).
const OP_POLY: i64 = -1;

#[derive(Clone, Debug)]
pub struct Dag {
    consts: Vec<Fr>,
    nodes: Vec<Node>,
    roots: Vec<usize>,
    values: usize,
    challenges: usize,
}

impl Dag {
    /// Checks every index: constants, challenges and values in range, children before parents.
    pub fn decode(
        consts: Vec<Fr>,
        rows: &[[i64; 3]],
        roots: &[i64],
        values: usize,
        challenges: usize,
    ) -> Result<Dag, String> {
        let mut nodes = Vec::with_capacity(rows.len());
        for (i, &[op, a, b]) in rows.iter().enumerate() {
            let below = |x: i64, n: usize, what: &str| {
                usize::try_from(x).ok().filter(|&x| x < n).ok_or(format!("node {i}: {what} {x} is out of range"))
            };
            let node = match op {
                OP_CONST => Node::Const(below(a, consts.len(), "constant")?),
                OP_CHALLENGE => Node::Challenge(below(a, challenges, "challenge")?),
                OP_POLY => Node::Value(below(a, values, "value")?),
                OP_ADD => Node::Add(below(a, i, "child")?, below(b, i, "child")?),
                OP_SUB => Node::Sub(below(a, i, "child")?, below(b, i, "child")?),
                OP_MUL => Node::Mul(below(a, i, "child")?, below(b, i, "child")?),
                OP_NEG => Node::Neg(below(a, i, "child")?),
                OP_SQUARE => Node::Square(below(a, i, "child")?),
                _ => return Err(format!("node {i}: unknown op {op}")),
            };
            nodes.push(node);
        }
        let roots = roots
            .iter()
            .map(|&r| usize::try_from(r).ok().filter(|&r| r < nodes.len()).ok_or(format!("root {r} is out of range")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Dag { consts, nodes, roots, values, challenges })
    }

    /// Σₖ y^{N−1−k}·(root k's value), N = number of roots.
    pub fn evaluate(&self, values: &[Fr], challenges: &[Fr], y: Fr) -> Fr {
        let v = node_values(&self.nodes, &self.consts, challenges, values);
        self.roots.iter().fold(Fr::zero(), |acc, &r| acc * y + v[r])
    }
}

/// A constraint DAG for evaluation at a point (see the module docs and `ezk/_native.pyi`).
#[pyclass(module = "ezk._native", frozen)]
pub struct ConstraintDag {
    dag: Dag,
}

#[pymethods]
impl ConstraintDag {
    #[new]
    fn new(
        consts: Vec<Bound<'_, PyAny>>,
        nodes: PyReadonlyArray2<'_, i64>,
        roots: PyReadonlyArray1<'_, i64>,
        values: usize,
        challenges: usize,
    ) -> PyResult<Self> {
        let consts: Vec<Fr> = consts.iter().map(fr_from_py).collect::<PyResult<_>>()?;
        let a = nodes.as_array();
        if a.nrows() > 0 && a.ncols() != 3 {
            return verr(format!("ConstraintDag: nodes must have 3 columns, not {}", a.ncols()));
        }
        let flat: Vec<i64> = a.iter().copied().collect();
        let rows: Vec<[i64; 3]> = flat.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
        let roots: Vec<i64> = roots.as_array().iter().copied().collect();
        match Dag::decode(consts, &rows, &roots, values, challenges) {
            Ok(dag) => Ok(ConstraintDag { dag }),
            Err(e) => verr(format!("ConstraintDag: {e}")),
        }
    }

    #[getter]
    fn nodes(&self) -> usize {
        self.dag.nodes.len()
    }

    /// Σₖ y^{N−1−k}·Cₖ with every value read from `values` (one per value slot) and the
    /// challenges in order θ, β, γ, then the circuit's.
    fn evaluate(
        &self,
        py: Python<'_>,
        values: PyRef<'_, FrVec>,
        challenges: Vec<Bound<'_, PyAny>>,
        y: &Bound<'_, PyAny>,
    ) -> PyResult<PyObject> {
        let d = &self.dag;
        if values.v.len() != d.values {
            return verr(format!("ConstraintDag.evaluate: {} values given, the DAG reads {}", values.v.len(), d.values));
        }
        if challenges.len() != d.challenges {
            return verr(format!(
                "ConstraintDag.evaluate: {} challenges given, the DAG reads {}",
                challenges.len(),
                d.challenges
            ));
        }
        let ch: Vec<Fr> = challenges.iter().map(fr_from_py).collect::<PyResult<_>>()?;
        let out = d.evaluate(&values.v, &ch, fr_from_py(y)?);
        fr_to_py(py, &out)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ConstraintDag>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_and_folds_by_y() {
        // C₀ = (v0 + 3)·β, C₁ = −v1², folded as y·C₀ + C₁
        let rows = [
            [OP_POLY, 0, 0],
            [OP_CONST, 0, 0],
            [OP_ADD, 0, 1],
            [OP_CHALLENGE, 1, 0],
            [OP_MUL, 2, 3],
            [OP_POLY, 1, 0],
            [OP_SQUARE, 5, 0],
            [OP_NEG, 6, 0],
        ];
        let dag = Dag::decode(vec![Fr::from(3u64)], &rows, &[4, 7], 2, 3).expect("valid");
        let (v0, v1, beta, y) = (Fr::from(5u64), Fr::from(7u64), Fr::from(11u64), Fr::from(13u64));
        let want = y * ((v0 + Fr::from(3u64)) * beta) - v1 * v1;
        assert_eq!(dag.evaluate(&[v0, v1], &[Fr::zero(), beta, Fr::zero()], y), want);
    }

    #[test]
    fn decode_rejects_bad_indices() {
        let c = || vec![Fr::from(1u64)];
        assert!(Dag::decode(c(), &[[OP_CONST, 1, 0]], &[0], 1, 1).is_err());
        assert!(Dag::decode(c(), &[[OP_CHALLENGE, 1, 0]], &[0], 1, 1).is_err());
        assert!(Dag::decode(c(), &[[OP_POLY, 1, 0]], &[0], 1, 1).is_err());
        assert!(Dag::decode(c(), &[[OP_ADD, 0, 0]], &[0], 1, 1).is_err()); // a child not before it
        assert!(Dag::decode(c(), &[[OP_CONST, 0, 0], [OP_NEG, -1, 0]], &[0], 1, 1).is_err());
        assert!(Dag::decode(c(), &[[OP_CONST, 0, 0]], &[1], 1, 1).is_err()); // a root out of range
        assert!(Dag::decode(c(), &[[42, 0, 0]], &[0], 1, 1).is_err());
        assert!(Dag::decode(c(), &[[OP_CONST, 0, 0], [OP_SQUARE, 0, 0]], &[1], 1, 1).is_ok());
    }
}
