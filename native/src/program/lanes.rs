//! The program's evaluator on IFMA CPUs: the register file and the accumulator stay limb-major
//! ([`simd::lanes`]) for the whole block, so an instruction costs its arithmetic alone. A
//! polynomial operand is transposed into a scratch block as it is read, and a (slot, rotation)
//! that several instructions read is transposed once per block into a buffer of its own; the
//! accumulator is transposed once on entry and once on exit of each block. It computes exactly
//! what the element-major evaluator (`Program::step`, the reference and the path of every other
//! CPU) computes.
use super::{rotated, Instr, Operand, Program};
use crate::fr_simd::lanes;
use ark_bn254::Fr;
use ark_ff::Zero;
use std::collections::HashMap;

enum Src<'a> {
    V(&'a [Fr]),
    S(Fr),
}

/// Whether the limb-major evaluator runs for sub-cosets of n points: an IFMA CPU, and blocks
/// of whole runs of eight.
pub(super) fn usable(n: usize) -> bool {
    lanes::available() && n.is_multiple_of(8)
}

/// The operands an instruction reads, in order (the second only for two-operand instructions).
fn operands(ins: &Instr) -> [Option<Operand>; 2] {
    match *ins {
        Instr::Add(_, a, b) | Instr::Sub(_, a, b) | Instr::Mul(_, a, b) | Instr::FoldMul(a, b) => [Some(a), Some(b)],
        Instr::Neg(_, a) | Instr::Square(_, a) | Instr::Fold(a, _) | Instr::FoldReg { a, .. } => [Some(a), None],
    }
}

/// For every instruction's operands, the shared buffer of a polynomial read that more than one
/// operand of the program makes (same slot, same rotation mod n), or `None`.
pub(super) struct Plan {
    reads: Vec<[Option<usize>; 2]>,
    shared: usize,
}

impl Plan {
    pub(super) fn new(p: &Program, n: usize) -> Plan {
        let key = |op: Option<Operand>| match op {
            Some(Operand::Poly(slot, rot)) => Some((slot, rot.rem_euclid(n as i64))),
            _ => None,
        };
        let mut count: HashMap<(usize, i64), usize> = HashMap::new();
        for ins in &p.instrs {
            for k in operands(ins).map(key).into_iter().flatten() {
                *count.entry(k).or_default() += 1;
            }
        }
        let mut index: HashMap<(usize, i64), usize> = HashMap::new();
        let reads = p
            .instrs
            .iter()
            .map(|ins| {
                operands(ins).map(|op| {
                    let k = key(op).filter(|k| count[k] > 1)?;
                    let next = index.len();
                    Some(*index.entry(k).or_insert(next))
                })
            })
            .collect();
        Plan { reads, shared: index.len() }
    }
}

/// One task's buffers, each one block long: the registers, the accumulator, the two operand
/// scratches and the shared reads (limb-major), and the gather of a rotated read that wraps
/// (element-major).
pub(super) struct Task {
    regs: Vec<Vec<Fr>>,
    acc: Vec<Fr>,
    scratch: [Vec<Fr>; 2],
    shared: Vec<Vec<Fr>>,
    /// Whether shared read i holds this block's values yet.
    fresh: Vec<bool>,
    gather: Vec<Fr>,
}

impl Task {
    pub(super) fn new(registers: usize, plan: &Plan, block: usize) -> Task {
        let z = || vec![Fr::zero(); block];
        Task {
            regs: vec![z(); registers],
            acc: z(),
            scratch: [z(), z()],
            shared: vec![z(); plan.shared],
            fresh: vec![false; plan.shared],
            gather: z(),
        }
    }

    /// acc_blk (points start .. start + len, len divisible by 8) += the program's folds there.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn block(
        &mut self,
        p: &Program,
        plan: &Plan,
        powers: &[Fr],
        values: &[Option<&[Fr]>],
        scalars: &[Fr],
        start: usize,
        n: usize,
        acc_blk: &mut [Fr],
    ) {
        let len = acc_blk.len();
        let Task { regs, acc, scratch, shared, fresh, gather } = self;
        let acc = &mut acc[..len];
        lanes::to_lanes(acc, acc_blk);
        fresh.iter_mut().for_each(|f| *f = false);
        for ((ins, pw), reads) in p.instrs.iter().zip(powers).zip(&plan.reads) {
            let ops = operands(ins);
            // The polynomial operands into their limb-major buffers first …
            for (w, op) in ops.iter().enumerate() {
                if let Some(Operand::Poly(slot, rot)) = *op {
                    let v = &values[slot].expect("checked: every read slot is present")[..n];
                    let out = match reads[w] {
                        Some(c) if fresh[c] => continue,
                        Some(c) => {
                            fresh[c] = true;
                            &mut shared[c][..len]
                        }
                        None => &mut scratch[w][..len],
                    };
                    lanes::to_lanes(out, rotated(v, start, rot, len, gather));
                }
            }
            // … then the instruction on borrowed operands.
            let dst = match *ins {
                Instr::Add(d, ..) | Instr::Sub(d, ..) | Instr::Mul(d, ..) | Instr::Neg(d, _) | Instr::Square(d, _) => Some(d),
                Instr::FoldReg { reg, .. } => Some(reg),
                Instr::Fold(..) | Instr::FoldMul(..) => None,
            };
            let mut d = dst.map(|r| std::mem::take(&mut regs[r])).unwrap_or_default();
            let (rg, sh, sc) = (&*regs, &*shared, &*scratch);
            let src = |w: usize| match ops[w].expect("the instruction has this operand") {
                Operand::Reg(r) => Src::V(&rg[r][..len]),
                Operand::Scalar(s) => Src::S(scalars[s]),
                Operand::Poly(..) => Src::V(match reads[w] {
                    Some(c) => &sh[c][..len],
                    None => &sc[w][..len],
                }),
            };
            let dl = len.min(d.len());
            let out = &mut d[..dl];
            match *ins {
                Instr::Fold(..) => match src(0) {
                    Src::V(x) => lanes::mul_scalar_add_assign(acc, x, *pw),
                    Src::S(c) => lanes::add_scalar_assign(acc, *pw * c),
                },
                Instr::FoldMul(..) => match (src(0), src(1)) {
                    (Src::V(x), Src::V(y)) => lanes::mul_add_assign(acc, x, y),
                    (Src::V(x), Src::S(c)) | (Src::S(c), Src::V(x)) => lanes::mul_scalar_add_assign(acc, x, c),
                    (Src::S(_), Src::S(_)) => unreachable!("checked: a vector instruction reads at least one vector"),
                },
                Instr::FoldReg { first, .. } => match (src(0), first) {
                    (Src::V(x), true) => lanes::mul_scalar(out, x, *pw),
                    (Src::V(x), false) => lanes::mul_scalar_add_assign(out, x, *pw),
                    (Src::S(c), true) => lanes::fill(out, *pw * c),
                    (Src::S(c), false) => lanes::add_scalar_assign(out, *pw * c),
                },
                Instr::Neg(..) | Instr::Square(..) => match (ins, src(0)) {
                    (Instr::Neg(..), Src::V(x)) => lanes::neg(out, x),
                    (_, Src::V(x)) => lanes::mul(out, x, x),
                    (_, Src::S(_)) => unreachable!("checked: a vector instruction reads a vector"),
                },
                Instr::Add(..) | Instr::Sub(..) | Instr::Mul(..) => binary(ins, out, src(0), src(1)),
            }
            if let Some(r) = dst {
                regs[r] = d;
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
