//! The quotient's constraint program as Python sends it (`ezk/plonk/program.py` compiles it):
//! arrays decoded into a `program::Program` with every index checked, and the `QuotientProgram`
//! class whose `evaluate` adds Σₖ y^eₖ·Cₖ over one sub-coset (see `program.rs`).
use crate::convert::{fr_from_py, verr};
use crate::fr::FrVec;
use crate::program::*;
use ark_bn254::Fr;
use numpy::PyReadonlyArray2;
use pyo3::prelude::*;

// ------------------------------------------------------------------------- decoding (checked)

fn operand(kind: i64, index: i64, rot: i64, p: &Program, defined: &[bool]) -> Result<Operand, String> {
    let idx = usize::try_from(index).map_err(|_| format!("negative operand index {index}"))?;
    match kind {
        KIND_REG if idx < p.registers && defined[idx] => Ok(Operand::Reg(idx)),
        KIND_REG => Err(format!("register {idx} is read before it is written")),
        KIND_POLY if idx < p.slots => Ok(Operand::Poly(idx, rot)),
        KIND_POLY => Err(format!("slot {idx} is out of range ({} slots)", p.slots)),
        KIND_SCALAR if idx < p.scalars.len() => Ok(Operand::Scalar(idx)),
        KIND_SCALAR => Err(format!("scalar {idx} is out of range ({} scalars)", p.scalars.len())),
        _ => Err(format!("unknown operand kind {kind}")),
    }
}

fn is_vector(o: &Operand) -> bool {
    !matches!(o, Operand::Scalar(_))
}

/// Builds a program from the arrays Python sends, checking every index.
/// FOLD_REG rows: [op, register, a…, first (1 = set, 0 = add), exponent, 0]; FOLD_MUL rows:
/// [op, 0, a…, b…] (acc += a·b).
///
/// `scalars` rows: [op, a, b] (op CONST: a indexes `consts`; CHALLENGE: a < challenges; else
/// a, b are earlier scalar nodes). `instrs` rows: [op, dst, a_kind, a_index, a_rot, b_kind,
/// b_index, b_rot] (FOLD: dst is the exponent of y).
pub fn decode(
    consts: Vec<Fr>,
    scalars: &[[i64; 3]],
    instrs: &[[i64; 8]],
    registers: usize,
    slots: usize,
    challenges: usize,
) -> Result<Program, String> {
    let mut p = Program { consts, scalars: Vec::new(), instrs: Vec::new(), registers, slots, challenges };
    for (i, &[op, a, b]) in scalars.iter().enumerate() {
        let earlier = |x: i64| usize::try_from(x).ok().filter(|&x| x < i).ok_or(format!("scalar {i} reads {x}"));
        let node = match op {
            OP_CONST => ScalarNode::Const(
                usize::try_from(a).ok().filter(|&a| a < p.consts.len()).ok_or(format!("constant {a} is out of range"))?,
            ),
            OP_CHALLENGE => ScalarNode::Challenge(
                usize::try_from(a).ok().filter(|&a| a < challenges).ok_or(format!("challenge {a} is out of range"))?,
            ),
            OP_ADD => ScalarNode::Add(earlier(a)?, earlier(b)?),
            OP_SUB => ScalarNode::Sub(earlier(a)?, earlier(b)?),
            OP_MUL => ScalarNode::Mul(earlier(a)?, earlier(b)?),
            OP_NEG => ScalarNode::Neg(earlier(a)?),
            OP_SQUARE => ScalarNode::Square(earlier(a)?),
            _ => return Err(format!("unknown scalar op {op}")),
        };
        p.scalars.push(node);
    }
    let mut defined = vec![false; registers];
    for row in instrs {
        let [op, dst, ak, ai, ar, bk, bi, br] = *row;
        let a = operand(ak, ai, ar, &p, &defined)?;
        let exponent = |e: i64| u64::try_from(e).map_err(|_| format!("negative exponent {e}"));
        let ins = if op == OP_FOLD {
            Instr::Fold(a, exponent(dst)?)
        } else if op == OP_FOLD_MUL {
            let b = operand(bk, bi, br, &p, &defined)?;
            if !is_vector(&a) && !is_vector(&b) {
                return Err("a vector instruction reads only scalars".into());
            }
            Instr::FoldMul(a, b)
        } else if op == OP_FOLD_REG {
            let reg = usize::try_from(dst).ok().filter(|&d| d < registers).ok_or(format!("register {dst} is out of range"))?;
            let first = bk != 0;
            if !first && !defined[reg] {
                return Err(format!("register {reg} is added to before it is written"));
            }
            if a == Operand::Reg(reg) {
                return Err(format!("instruction writes register {reg} that it reads"));
            }
            defined[reg] = true;
            Instr::FoldReg { reg, a, exp: exponent(bi)?, first }
        } else {
            let d = usize::try_from(dst).ok().filter(|&d| d < registers).ok_or(format!("register {dst} is out of range"))?;
            let ins = match op {
                OP_NEG | OP_SQUARE => {
                    if !is_vector(&a) {
                        return Err("a vector instruction reads only scalars".into());
                    }
                    if a == Operand::Reg(d) {
                        return Err(format!("instruction writes register {d} that it reads"));
                    }
                    if op == OP_NEG { Instr::Neg(d, a) } else { Instr::Square(d, a) }
                }
                OP_ADD | OP_SUB | OP_MUL => {
                    let b = operand(bk, bi, br, &p, &defined)?;
                    if !is_vector(&a) && !is_vector(&b) {
                        return Err("a vector instruction reads only scalars".into());
                    }
                    if a == Operand::Reg(d) || b == Operand::Reg(d) {
                        return Err(format!("instruction writes register {d} that it reads"));
                    }
                    match op {
                        OP_ADD => Instr::Add(d, a, b),
                        OP_SUB => Instr::Sub(d, a, b),
                        _ => Instr::Mul(d, a, b),
                    }
                }
                _ => return Err(format!("unknown instruction op {op}")),
            };
            defined[d] = true;
            ins
        };
        p.instrs.push(ins);
    }
    Ok(p)
}

// ------------------------------------------------------------------------------ Python class

/// A compiled constraint program (see the module docs and `ezk/_native.pyi`).
#[pyclass(module = "ezk._native", frozen)]
pub struct QuotientProgram {
    program: Program,
}

#[pymethods]
impl QuotientProgram {
    #[new]
    fn new(
        consts: Vec<Bound<'_, PyAny>>,
        scalars: PyReadonlyArray2<'_, i64>,
        instrs: PyReadonlyArray2<'_, i64>,
        registers: usize,
        slots: usize,
        challenges: usize,
    ) -> PyResult<Self> {
        let consts: Vec<Fr> = consts.iter().map(fr_from_py).collect::<PyResult<_>>()?;
        let rows = |a: &PyReadonlyArray2<'_, i64>, width: usize, what: &str| -> PyResult<Vec<i64>> {
            let v = a.as_array();
            if v.nrows() > 0 && v.ncols() != width {
                return verr(format!("QuotientProgram: {what} must have {width} columns, not {}", v.ncols()));
            }
            Ok(v.iter().copied().collect())
        };
        let s = rows(&scalars, 3, "scalars")?;
        let i = rows(&instrs, 8, "instrs")?;
        let s: Vec<[i64; 3]> = s.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
        let i: Vec<[i64; 8]> = i.chunks_exact(8).map(|c| c.try_into().expect("8 columns")).collect();
        match decode(consts, &s, &i, registers, slots, challenges) {
            Ok(program) => Ok(QuotientProgram { program }),
            Err(e) => verr(format!("QuotientProgram: {e}")),
        }
    }

    #[getter]
    fn instructions(&self) -> usize {
        self.program.instrs.len()
    }

    #[getter]
    fn registers(&self) -> usize {
        self.program.registers
    }

    fn evaluate(
        &self,
        py: Python<'_>,
        values: Vec<Option<PyRef<'_, FrVec>>>,
        challenges: Vec<Bound<'_, PyAny>>,
        y: &Bound<'_, PyAny>,
        mut acc: PyRefMut<'_, FrVec>,
    ) -> PyResult<()> {
        let p = &self.program;
        if values.len() != p.slots {
            return verr(format!("QuotientProgram.evaluate: {} value slots given, the program has {}", values.len(), p.slots));
        }
        if challenges.len() != p.challenges {
            return verr(format!(
                "QuotientProgram.evaluate: {} challenges given, the program reads {}",
                challenges.len(),
                p.challenges
            ));
        }
        let ch: Vec<Fr> = challenges.iter().map(fr_from_py).collect::<PyResult<_>>()?;
        let y = fr_from_py(y)?;
        let n = acc.v.len();
        let slices: Vec<Option<&[Fr]>> = values.iter().map(|v| v.as_ref().map(|v| v.v.as_slice())).collect();
        for ins in &p.instrs {
            let ops: &[Operand] = match ins {
                Instr::Add(_, a, b) | Instr::Sub(_, a, b) | Instr::Mul(_, a, b) | Instr::FoldMul(a, b) => &[*a, *b],
                Instr::Neg(_, a) | Instr::Square(_, a) | Instr::Fold(a, _) | Instr::FoldReg { a, .. } => &[*a],
            };
            for o in ops {
                if let Operand::Poly(slot, _) = o {
                    match slices[*slot] {
                        None => return verr(format!("QuotientProgram.evaluate: slot {slot} is read but not given")),
                        Some(v) if v.len() != n => {
                            return verr(format!("QuotientProgram.evaluate: slot {slot} has {} values, not {n}", v.len()))
                        }
                        _ => {}
                    }
                }
            }
        }
        let acc = &mut acc.v;
        py.allow_threads(|| p.evaluate(&slices, &ch, y, acc));
        Ok(())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<QuotientProgram>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rejects_bad_indices() {
        let c = || vec![Fr::from(1u64)];
        assert!(decode(c(), &[[OP_CONST, 1, 0]], &[], 1, 1, 0).is_err());
        assert!(decode(c(), &[[OP_CHALLENGE, 0, 0]], &[], 1, 1, 0).is_err());
        assert!(decode(c(), &[[OP_ADD, 0, 0]], &[], 1, 1, 0).is_err());
        // register read before written, slot out of range, scalar-only vector op, aliasing
        assert!(decode(c(), &[], &[[OP_NEG, 0, KIND_REG, 0, 0, 0, 0, 0]], 1, 1, 0).is_err());
        assert!(decode(c(), &[], &[[OP_NEG, 0, KIND_POLY, 1, 0, 0, 0, 0]], 1, 1, 0).is_err());
        assert!(decode(c(), &[[OP_CONST, 0, 0]], &[[OP_NEG, 0, KIND_SCALAR, 0, 0, 0, 0, 0]], 1, 1, 0).is_err());
        let alias = [[OP_NEG, 0, KIND_POLY, 0, 0, 0, 0, 0], [OP_ADD, 0, KIND_REG, 0, 0, KIND_POLY, 0, 0]];
        assert!(decode(c(), &[], &alias, 1, 1, 0).is_err());
        assert!(decode(c(), &[], &[[OP_NEG, 1, KIND_POLY, 0, 0, 0, 0, 0]], 1, 1, 0).is_err());
    }
}
