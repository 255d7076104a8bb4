//! The quotient's constraint program, evaluated over one sub-coset s·H of the extended coset.
//!
//! Python compiles the constraints once per circuit (`ezk/plonk/program.py`) into
//! * a scalar prelude: nodes that depend only on constants and challenges (θ, β, γ, …), computed
//!   once per call, and
//! * a straight-line vector program over registers whose operands are registers, polynomial
//!   values read at a rotation (`values[slot][(i + rot) mod n]`, cyclic within the sub-coset)
//!   or prelude scalars, ending each constraint Cₖ with `acc += y^e·Cₖ` (the fold by y).
//!
//! The program runs over blocks of `BLOCK` consecutive points: every instruction sweeps one
//! block, so the dispatch cost is paid once per block, not once per point, and the register
//! file (registers × BLOCK elements) is allocated once per parallel task, never per operation.
use crate::convert::{fr_from_py, verr};
use crate::fr::FrVec;
use ark_bn254::Fr;
use ark_ff::{Field, Zero};
use numpy::PyReadonlyArray2;
use pyo3::prelude::*;
use rayon::prelude::*;

/// Points per block: the register file of one task is `registers × BLOCK × 32` bytes.
const BLOCK: usize = 64;

pub const OP_CONST: i64 = 0;
pub const OP_CHALLENGE: i64 = 1;
pub const OP_ADD: i64 = 2;
pub const OP_SUB: i64 = 3;
pub const OP_MUL: i64 = 4;
pub const OP_NEG: i64 = 5;
pub const OP_SQUARE: i64 = 6;
pub const OP_FOLD: i64 = 7;

const KIND_REG: i64 = 0;
const KIND_POLY: i64 = 1;
const KIND_SCALAR: i64 = 2;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Operand {
    Reg(usize),
    /// values[slot] read at index (i + rot) mod n; `rot` is kept as given (reduced per call).
    Poly(usize, i64),
    Scalar(usize),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Instr {
    Add(usize, Operand, Operand),
    Sub(usize, Operand, Operand),
    Mul(usize, Operand, Operand),
    Neg(usize, Operand),
    Square(usize, Operand),
    /// acc += y^exp · a
    Fold(Operand, u64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScalarNode {
    Const(usize),
    Challenge(usize),
    Add(usize, usize),
    Sub(usize, usize),
    Mul(usize, usize),
    Neg(usize),
    Square(usize),
}

/// A checked program: every operand names an earlier scalar, a live register or a slot.
#[derive(Clone, Debug)]
pub struct Program {
    pub consts: Vec<Fr>,
    pub scalars: Vec<ScalarNode>,
    pub instrs: Vec<Instr>,
    pub registers: usize,
    pub slots: usize,
    pub challenges: usize,
}

enum Src<'a> {
    V(&'a [Fr]),
    S(Fr),
}

impl Program {
    /// The prelude's values from the challenges.
    pub fn scalar_values(&self, challenges: &[Fr]) -> Vec<Fr> {
        let mut s: Vec<Fr> = Vec::with_capacity(self.scalars.len());
        for node in &self.scalars {
            let v = match *node {
                ScalarNode::Const(i) => self.consts[i],
                ScalarNode::Challenge(i) => challenges[i],
                ScalarNode::Add(a, b) => s[a] + s[b],
                ScalarNode::Sub(a, b) => s[a] - s[b],
                ScalarNode::Mul(a, b) => s[a] * s[b],
                ScalarNode::Neg(a) => -s[a],
                ScalarNode::Square(a) => s[a].square(),
            };
            s.push(v);
        }
        s
    }

    /// acc[i] += Σₖ y^eₖ·Cₖ(point i) for every point i of the sub-coset (acc.len() = n, each
    /// `values[slot]` the polynomial's n values there; `None` for slots this program never reads).
    pub fn evaluate(&self, values: &[Option<&[Fr]>], challenges: &[Fr], y: Fr, acc: &mut [Fr]) {
        let n = acc.len();
        if n == 0 {
            return;
        }
        let scalars = self.scalar_values(challenges);
        let powers: Vec<Fr> = self
            .instrs
            .iter()
            .map(|ins| match ins {
                Instr::Fold(_, e) => y.pow([*e]),
                _ => Fr::zero(),
            })
            .collect();
        let block = BLOCK.min(n);
        let threads = rayon::current_num_threads().max(1);
        // a few tasks per thread for balance, each a whole number of blocks
        let chunk = (n / (threads * 4)).max(block).div_ceil(block) * block;
        acc.par_chunks_mut(chunk).enumerate().for_each(|(ci, acc_chunk)| {
            let mut regs: Vec<Vec<Fr>> = vec![vec![Fr::zero(); block]; self.registers];
            let mut scratch_a = vec![Fr::zero(); block];
            let mut scratch_b = vec![Fr::zero(); block];
            for (bi, acc_blk) in acc_chunk.chunks_mut(block).enumerate() {
                let start = ci * chunk + bi * block;
                for (ins, pw) in self.instrs.iter().zip(&powers) {
                    self.step(ins, pw, &mut regs, values, &scalars, start, n, acc_blk, &mut scratch_a, &mut scratch_b);
                }
            }
        });
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn step(
        &self,
        ins: &Instr,
        power: &Fr,
        regs: &mut [Vec<Fr>],
        values: &[Option<&[Fr]>],
        scalars: &[Fr],
        start: usize,
        n: usize,
        acc: &mut [Fr],
        sa: &mut [Fr],
        sb: &mut [Fr],
    ) {
        let len = acc.len();
        match *ins {
            Instr::Fold(a, _) => match fetch(regs, values, scalars, a, start, n, len, sa) {
                Src::V(x) => acc.iter_mut().zip(x).for_each(|(o, v)| *o += *power * v),
                Src::S(c) => {
                    let t = *power * c;
                    acc.iter_mut().for_each(|o| *o += t);
                }
            },
            Instr::Neg(dst, a) | Instr::Square(dst, a) => {
                let mut d = std::mem::take(&mut regs[dst]);
                let square = matches!(ins, Instr::Square(..));
                match fetch(regs, values, scalars, a, start, n, len, sa) {
                    Src::V(x) if square => d.iter_mut().zip(x).for_each(|(o, v)| *o = v.square()),
                    Src::V(x) => d.iter_mut().zip(x).for_each(|(o, v)| *o = -*v),
                    Src::S(_) => unreachable!("checked: a vector instruction reads a vector"),
                }
                regs[dst] = d;
            }
            Instr::Add(dst, a, b) | Instr::Sub(dst, a, b) | Instr::Mul(dst, a, b) => {
                let mut d = std::mem::take(&mut regs[dst]);
                let x = fetch(regs, values, scalars, a, start, n, len, sa);
                let y = fetch(regs, values, scalars, b, start, n, len, sb);
                binary(ins, &mut d, x, y);
                regs[dst] = d;
            }
        }
    }
}

fn binary(ins: &Instr, d: &mut [Fr], x: Src<'_>, y: Src<'_>) {
    match (ins, x, y) {
        (Instr::Add(..), Src::V(a), Src::V(b)) => d.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (p, q))| *o = *p + q),
        (Instr::Add(..), Src::V(a), Src::S(c)) | (Instr::Add(..), Src::S(c), Src::V(a)) => {
            d.iter_mut().zip(a).for_each(|(o, p)| *o = *p + c)
        }
        (Instr::Sub(..), Src::V(a), Src::V(b)) => d.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (p, q))| *o = *p - q),
        (Instr::Sub(..), Src::V(a), Src::S(c)) => d.iter_mut().zip(a).for_each(|(o, p)| *o = *p - c),
        (Instr::Sub(..), Src::S(c), Src::V(b)) => d.iter_mut().zip(b).for_each(|(o, q)| *o = c - q),
        (Instr::Mul(..), Src::V(a), Src::V(b)) => d.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (p, q))| *o = *p * q),
        (Instr::Mul(..), Src::V(a), Src::S(c)) | (Instr::Mul(..), Src::S(c), Src::V(a)) => {
            d.iter_mut().zip(a).for_each(|(o, p)| *o = *p * c)
        }
        _ => unreachable!("checked: a vector instruction reads at least one vector"),
    }
}

/// The operand's values on points start .. start+len (a rotated read that wraps around the end
/// of the sub-coset is gathered into `scratch`).
#[allow(clippy::too_many_arguments)]
#[inline]
fn fetch<'a>(
    regs: &'a [Vec<Fr>],
    values: &'a [Option<&'a [Fr]>],
    scalars: &[Fr],
    op: Operand,
    start: usize,
    n: usize,
    len: usize,
    scratch: &'a mut [Fr],
) -> Src<'a> {
    match op {
        Operand::Reg(r) => Src::V(&regs[r][..len]),
        Operand::Scalar(s) => Src::S(scalars[s]),
        Operand::Poly(slot, rot) => {
            let v = values[slot].expect("checked: every read slot is present");
            let off = (start as i64 + rot).rem_euclid(n as i64) as usize;
            if off + len <= n {
                Src::V(&v[off..off + len])
            } else {
                let head = n - off;
                scratch[..head].copy_from_slice(&v[off..]);
                scratch[head..len].copy_from_slice(&v[..len - head]);
                Src::V(&scratch[..len])
            }
        }
    }
}

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
        let ins = if op == OP_FOLD {
            Instr::Fold(a, u64::try_from(dst).map_err(|_| format!("negative exponent {dst}"))?)
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
                Instr::Add(_, a, b) | Instr::Sub(_, a, b) | Instr::Mul(_, a, b) => &[*a, *b],
                Instr::Neg(_, a) | Instr::Square(_, a) | Instr::Fold(a, _) => &[*a],
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
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn rand_vec(n: usize, seed: u64) -> Vec<Fr> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        (0..n).map(|_| Fr::rand(&mut rng)).collect()
    }

    /// C₀ = (a(ωX)·β + 3) − b(X)²,  C₁ = −a(ω⁻¹X),  acc += y·C₀ + C₁ (exponents 1, 0).
    fn sample() -> Program {
        let scalars = [[OP_CONST, 0, 0], [OP_CHALLENGE, 0, 0]];
        let instrs = [
            [OP_MUL, 0, KIND_POLY, 0, 1, KIND_SCALAR, 1, 0],
            [OP_ADD, 1, KIND_REG, 0, 0, KIND_SCALAR, 0, 0],
            [OP_SQUARE, 0, KIND_POLY, 1, 0, 0, 0, 0],
            [OP_SUB, 2, KIND_REG, 1, 0, KIND_REG, 0, 0],
            [OP_FOLD, 1, KIND_REG, 2, 0, 0, 0, 0],
            [OP_NEG, 0, KIND_POLY, 0, -1, 0, 0, 0],
            [OP_FOLD, 0, KIND_REG, 0, 0, 0, 0, 0],
        ];
        decode(vec![Fr::from(3u64)], &scalars, &instrs, 3, 2, 1).expect("valid program")
    }

    #[test]
    fn program_matches_a_direct_evaluation_with_wrapping_rotations() {
        for n in [8usize, 64, 256] {
            let (a, b) = (rand_vec(n, 1), rand_vec(n, 2));
            let (beta, y) = (Fr::from(7u64), Fr::from(11u64));
            let mut acc = rand_vec(n, 3);
            let want: Vec<Fr> = (0..n)
                .map(|i| {
                    let c0 = a[(i + 1) % n] * beta + Fr::from(3u64) - b[i].square();
                    let c1 = -a[(i + n - 1) % n];
                    acc[i] + y * c0 + c1
                })
                .collect();
            sample().evaluate(&[Some(&a), Some(&b)], &[beta], y, &mut acc);
            assert_eq!(acc, want, "n = {n}");
        }
    }

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
