//! The quotient's constraint program and its evaluator over one sub-coset s·H of the extended
//! coset (decoded from Python's arrays and exposed in `quotient.rs`).
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
use ark_bn254::Fr;
use ark_ff::{Field, Zero};
use rayon::prelude::*;

use crate::fr_simd as simd;

#[cfg(target_arch = "x86_64")]
mod lanes;

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
pub const OP_FOLD_REG: i64 = 8;
pub const OP_FOLD_MUL: i64 = 9;

pub const KIND_REG: i64 = 0;
pub const KIND_POLY: i64 = 1;
pub const KIND_SCALAR: i64 = 2;

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
    /// register = y^exp · a (when `first`), else register += y^exp · a: the constraints that
    /// share a factor f (f·E₁, f·E₂, …) fold their cofactors here …
    FoldReg { reg: usize, a: Operand, exp: u64, first: bool },
    /// … and acc += a·b adds f times that sum once (one multiplication by f, not one per constraint).
    FoldMul(Operand, Operand),
}

/// A node of a scalar DAG, children before parents: the quotient program's prelude (constants and
/// challenges only) and the verifier's constraint DAG (`dag.rs`, which also reads opened values).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScalarNode {
    Const(usize),
    Challenge(usize),
    /// An opened value (only the verifier's DAG builds these).
    Value(usize),
    Add(usize, usize),
    Sub(usize, usize),
    Mul(usize, usize),
    Neg(usize),
    Square(usize),
}

/// Every node's value, in order; indices were checked when the nodes were decoded.
pub fn node_values(nodes: &[ScalarNode], consts: &[Fr], challenges: &[Fr], values: &[Fr]) -> Vec<Fr> {
    let mut s: Vec<Fr> = Vec::with_capacity(nodes.len());
    for node in nodes {
        let v = match *node {
            ScalarNode::Const(i) => consts[i],
            ScalarNode::Challenge(i) => challenges[i],
            ScalarNode::Value(i) => values[i],
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
        node_values(&self.scalars, &self.consts, challenges, &[])
    }

    /// acc[i] += Σₖ y^eₖ·Cₖ(point i) for every point i of the sub-coset (acc.len() = n, each
    /// `values[slot]` the polynomial's n values there; `None` for slots this program never reads).
    /// On IFMA CPUs blocks of whole runs of eight go through the limb-major evaluator (`lanes`).
    pub fn evaluate(&self, values: &[Option<&[Fr]>], challenges: &[Fr], y: Fr, acc: &mut [Fr]) {
        self.run(values, challenges, y, acc, true)
    }

    /// [`Program::evaluate`] on the element-major evaluator alone (the path of CPUs without
    /// IFMA): the reference the limb-major one is tested against.
    #[cfg(test)]
    pub(crate) fn evaluate_reference(&self, values: &[Option<&[Fr]>], challenges: &[Fr], y: Fr, acc: &mut [Fr]) {
        self.run(values, challenges, y, acc, false)
    }

    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
    fn run(&self, values: &[Option<&[Fr]>], challenges: &[Fr], y: Fr, acc: &mut [Fr], limb_major: bool) {
        let n = acc.len();
        if n == 0 {
            return;
        }
        let scalars = self.scalar_values(challenges);
        let powers: Vec<Fr> = self
            .instrs
            .iter()
            .map(|ins| match ins {
                Instr::Fold(_, e) | Instr::FoldReg { exp: e, .. } => y.pow([*e]),
                _ => Fr::zero(),
            })
            .collect();
        let block = BLOCK.min(n);
        let threads = rayon::current_num_threads().max(1);
        // a few tasks per thread for balance, each a whole number of blocks
        let chunk = (n / (threads * 4)).max(block).div_ceil(block) * block;
        #[cfg(target_arch = "x86_64")]
        if limb_major && lanes::usable(n) {
            let plan = lanes::Plan::new(self, n);
            acc.par_chunks_mut(chunk).enumerate().for_each(|(ci, acc_chunk)| {
                let mut task = lanes::Task::new(self.registers, &plan, block);
                for (bi, acc_blk) in acc_chunk.chunks_mut(block).enumerate() {
                    task.block(self, &plan, &powers, values, &scalars, ci * chunk + bi * block, n, acc_blk);
                }
            });
            return;
        }
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
                Src::V(x) => simd::mul_scalar_add_assign(acc, x, *power),
                Src::S(c) => {
                    let t = *power * c;
                    acc.iter_mut().for_each(|o| *o += t);
                }
            },
            Instr::FoldReg { reg, a, first, .. } => {
                let mut d = std::mem::take(&mut regs[reg]);
                match (fetch(regs, values, scalars, a, start, n, len, sa), first) {
                    (Src::V(x), true) => simd::mul_scalar_into(&mut d[..len], x, *power),
                    (Src::V(x), false) => simd::mul_scalar_add_assign(&mut d[..len], x, *power),
                    (Src::S(c), true) => d.iter_mut().for_each(|o| *o = *power * c),
                    (Src::S(c), false) => {
                        let t = *power * c;
                        d.iter_mut().for_each(|o| *o += t);
                    }
                }
                regs[reg] = d;
            }
            Instr::FoldMul(a, b) => {
                let x = fetch(regs, values, scalars, a, start, n, len, sa);
                let y = fetch(regs, values, scalars, b, start, n, len, sb);
                match (x, y) {
                    (Src::V(p), Src::V(q)) => simd::mul_add_assign(acc, p, q),
                    (Src::V(p), Src::S(c)) | (Src::S(c), Src::V(p)) => simd::mul_scalar_add_assign(acc, p, c),
                    (Src::S(_), Src::S(_)) => unreachable!("checked: a vector instruction reads at least one vector"),
                }
            }
            Instr::Neg(dst, a) | Instr::Square(dst, a) => {
                let mut d = std::mem::take(&mut regs[dst]);
                let square = matches!(ins, Instr::Square(..));
                match fetch(regs, values, scalars, a, start, n, len, sa) {
                    Src::V(x) if square => simd::mul_into(&mut d[..len], x, x),
                    Src::V(x) => simd::neg_into(&mut d[..len], x),
                    Src::S(_) => unreachable!("checked: a vector instruction reads a vector"),
                }
                regs[dst] = d;
            }
            Instr::Add(dst, a, b) | Instr::Sub(dst, a, b) | Instr::Mul(dst, a, b) => {
                let mut d = std::mem::take(&mut regs[dst]);
                let x = fetch(regs, values, scalars, a, start, n, len, sa);
                let y = fetch(regs, values, scalars, b, start, n, len, sb);
                binary(ins, &mut d[..len], x, y);
                regs[dst] = d;
            }
        }
    }
}

fn binary(ins: &Instr, d: &mut [Fr], x: Src<'_>, y: Src<'_>) {
    match (ins, x, y) {
        (Instr::Add(..), Src::V(a), Src::V(b)) => simd::add_into(d, a, b),
        (Instr::Add(..), Src::V(a), Src::S(c)) | (Instr::Add(..), Src::S(c), Src::V(a)) => simd::add_scalar_into(d, a, c),
        (Instr::Sub(..), Src::V(a), Src::V(b)) => simd::sub_into(d, a, b),
        (Instr::Sub(..), Src::V(a), Src::S(c)) => simd::sub_scalar_into(d, a, c),
        (Instr::Sub(..), Src::S(c), Src::V(b)) => simd::scalar_sub_into(d, c, b),
        (Instr::Mul(..), Src::V(a), Src::V(b)) => simd::mul_into(d, a, b),
        (Instr::Mul(..), Src::V(a), Src::S(c)) | (Instr::Mul(..), Src::S(c), Src::V(a)) => simd::mul_scalar_into(d, a, c),
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
            Src::V(rotated(&v[..n], start, rot, len, scratch))
        }
    }
}

/// v[(start + rot + i) mod n] for i < len, n = v.len(): a slice of v, or, for a rotated read
/// that wraps around the end of the sub-coset, its two pieces gathered into `scratch`.
fn rotated<'a>(v: &'a [Fr], start: usize, rot: i64, len: usize, scratch: &'a mut [Fr]) -> &'a [Fr] {
    let n = v.len();
    let off = (start as i64 + rot).rem_euclid(n as i64) as usize;
    if off + len <= n {
        return &v[off..off + len];
    }
    let head = n - off;
    scratch[..head].copy_from_slice(&v[off..]);
    scratch[head..len].copy_from_slice(&v[..len - head]);
    &scratch[..len]
}

#[cfg(test)]
mod random_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quotient::decode;
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
    fn a_shared_factor_is_multiplied_once() {
        // acc += y³·b·a(ω²X) + y²·b·3 as b·(y³·a(ω²X) + y²·3)
        let scalars = [[OP_CONST, 0, 0]];
        let instrs = [
            [OP_FOLD_REG, 0, KIND_POLY, 0, 2, 1, 3, 0],
            [OP_FOLD_REG, 0, KIND_SCALAR, 0, 0, 0, 2, 0],
            [OP_FOLD_MUL, 0, KIND_POLY, 1, 0, KIND_REG, 0, 0],
        ];
        let p = decode(vec![Fr::from(3u64)], &scalars, &instrs, 1, 2, 0).expect("valid program");
        let n = 128;
        let (a, b) = (rand_vec(n, 4), rand_vec(n, 5));
        let y = Fr::from(5u64);
        let mut acc = rand_vec(n, 6);
        let want: Vec<Fr> = (0..n)
            .map(|i| acc[i] + y.pow([3u64]) * b[i] * a[(i + 2) % n] + y.square() * b[i] * Fr::from(3u64))
            .collect();
        p.evaluate(&[Some(&a), Some(&b)], &[], y, &mut acc);
        assert_eq!(acc, want);
        // adding to a register never written is refused
        let bad = [[OP_FOLD_REG, 0, KIND_POLY, 0, 0, 0, 1, 0]];
        assert!(decode(vec![], &[], &bad, 1, 1, 0).is_err());
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
}
