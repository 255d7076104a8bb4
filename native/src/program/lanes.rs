//! The program's evaluator on IFMA CPUs: the register file and the accumulator stay limb-major
//! ([`simd::lanes`]) for the whole block, so an instruction costs its arithmetic alone; a
//! polynomial operand is transposed into a scratch block as it is read and the accumulator
//! once on entry and once on exit of each block. It computes exactly what the element-major
//! evaluator (`Program::step`, the reference and the path of every other CPU) computes.
use super::{Instr, Operand, Program};
use crate::fr_simd::lanes;
use ark_bn254::Fr;
use ark_ff::Zero;

enum Src<'a> {
    V(&'a [Fr]),
    S(Fr),
}

/// One task's buffers, each one block long: the registers, the accumulator and two operand
/// scratches (limb-major), and the gather of a rotated read that wraps (element-major).
pub(super) struct Task {
    regs: Vec<Vec<Fr>>,
    acc: Vec<Fr>,
    sa: Vec<Fr>,
    sb: Vec<Fr>,
    gather: Vec<Fr>,
}

/// Whether the limb-major evaluator runs for sub-cosets of n points: an IFMA CPU, and blocks
/// whole runs of eight.
pub(super) fn usable(n: usize) -> bool {
    lanes::available() && n % 8 == 0
}

impl Task {
    pub(super) fn new(registers: usize, block: usize) -> Task {
        let z = || vec![Fr::zero(); block];
        Task { regs: vec![z(); registers], acc: z(), sa: z(), sb: z(), gather: z() }
    }

    /// acc_blk (points start .. start + len, len divisible by 8) += the program's folds there.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn block(
        &mut self,
        p: &Program,
        powers: &[Fr],
        values: &[Option<&[Fr]>],
        scalars: &[Fr],
        start: usize,
        n: usize,
        acc_blk: &mut [Fr],
    ) {
        let len = acc_blk.len();
        let Task { regs, acc, sa, sb, gather } = self;
        let acc = &mut acc[..len];
        lanes::to_lanes(acc, acc_blk);
        for (ins, pw) in p.instrs.iter().zip(powers) {
            let mut rd = Reader { regs, values, scalars, start, n, len, gather };
            match *ins {
                Instr::Fold(a, _) => match rd.fetch(a, sa) {
                    Src::V(x) => lanes::mul_scalar_add_assign(acc, x, *pw),
                    Src::S(c) => lanes::add_scalar_assign(acc, *pw * c),
                },
                Instr::FoldMul(a, b) => match (rd.fetch(a, sa), rd.fetch(b, sb)) {
                    (Src::V(x), Src::V(y)) => lanes::mul_add_assign(acc, x, y),
                    (Src::V(x), Src::S(c)) | (Src::S(c), Src::V(x)) => lanes::mul_scalar_add_assign(acc, x, c),
                    (Src::S(_), Src::S(_)) => unreachable!("checked: a vector instruction reads at least one vector"),
                },
                Instr::FoldReg { reg, a, first, .. } => {
                    let mut d = std::mem::take(&mut regs[reg]);
                    let mut rd = Reader { regs, values, scalars, start, n, len, gather };
                    let d_ = &mut d[..len];
                    match (rd.fetch(a, sa), first) {
                        (Src::V(x), true) => lanes::mul_scalar(d_, x, *pw),
                        (Src::V(x), false) => lanes::mul_scalar_add_assign(d_, x, *pw),
                        (Src::S(c), true) => lanes::fill(d_, *pw * c),
                        (Src::S(c), false) => lanes::add_scalar_assign(d_, *pw * c),
                    }
                    regs[reg] = d;
                }
                Instr::Neg(dst, a) | Instr::Square(dst, a) | Instr::Add(dst, a, _) | Instr::Sub(dst, a, _) | Instr::Mul(dst, a, _) => {
                    let mut d = std::mem::take(&mut regs[dst]);
                    let mut rd = Reader { regs, values, scalars, start, n, len, gather };
                    let x = rd.fetch(a, sa);
                    let d_ = &mut d[..len];
                    match (ins, x) {
                        (Instr::Neg(..), Src::V(x)) => lanes::neg(d_, x),
                        (Instr::Square(..), Src::V(x)) => lanes::mul(d_, x, x),
                        (Instr::Add(_, _, b) | Instr::Sub(_, _, b) | Instr::Mul(_, _, b), x) => {
                            binary(ins, d_, x, rd.fetch(*b, sb))
                        }
                        _ => unreachable!("checked: a vector instruction reads a vector"),
                    }
                    regs[dst] = d;
                }
            }
        }
        lanes::from_lanes(acc_blk, acc);
    }
}

fn binary(ins: &Instr, d: &mut [Fr], x: Src<'_>, y: Src<'_>) {
    match (ins, x, y) {
        (Instr::Add(..), Src::V(a), Src::V(b)) => lanes::add(d, a, b),
        (Instr::Add(..), Src::V(a), Src::S(c)) | (Instr::Add(..), Src::S(c), Src::V(a)) => lanes::add_scalar(d, a, c),
        (Instr::Sub(..), Src::V(a), Src::V(b)) => lanes::sub(d, a, b),
        (Instr::Sub(..), Src::V(a), Src::S(c)) => lanes::sub_scalar(d, a, c),
        (Instr::Sub(..), Src::S(c), Src::V(b)) => lanes::scalar_sub(d, c, b),
        (Instr::Mul(..), Src::V(a), Src::V(b)) => lanes::mul(d, a, b),
        (Instr::Mul(..), Src::V(a), Src::S(c)) | (Instr::Mul(..), Src::S(c), Src::V(a)) => lanes::mul_scalar(d, a, c),
        _ => unreachable!("checked: a vector instruction reads at least one vector"),
    }
}

/// Reads operands on points start .. start + len, limb-major.
struct Reader<'a, 'g> {
    regs: &'a [Vec<Fr>],
    values: &'a [Option<&'a [Fr]>],
    scalars: &'a [Fr],
    start: usize,
    n: usize,
    len: usize,
    gather: &'g mut [Fr],
}

impl<'a> Reader<'a, '_> {
    /// A register as it is; a polynomial read transposed into `scratch` (a rotated read that
    /// wraps around the end of the sub-coset gathered first).
    fn fetch<'s>(&mut self, op: Operand, scratch: &'s mut [Fr]) -> Src<'s>
    where
        'a: 's,
    {
        let len = self.len;
        match op {
            Operand::Reg(r) => {
                let regs: &'a [Vec<Fr>] = self.regs;
                Src::V(&regs[r][..len])
            }
            Operand::Scalar(s) => Src::S(self.scalars[s]),
            Operand::Poly(slot, rot) => {
                let (v, n) = (self.values[slot].expect("checked: every read slot is present"), self.n);
                let off = (self.start as i64 + rot).rem_euclid(n as i64) as usize;
                let out = &mut scratch[..len];
                if off + len <= n {
                    lanes::to_lanes(out, &v[off..off + len]);
                } else {
                    let (head, g) = (n - off, &mut self.gather[..len]);
                    g[..head].copy_from_slice(&v[off..]);
                    g[head..].copy_from_slice(&v[..len - head]);
                    lanes::to_lanes(out, g);
                }
                Src::V(out)
            }
        }
    }
}
