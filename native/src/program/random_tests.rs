//! Random programs: the limb-major evaluator (IFMA CPUs) against the element-major reference,
//! and the ignored timing of both on a program shaped like nanoGPT tiny's.
use super::{Instr, Operand, Program, ScalarNode};
use ark_bn254::Fr;
use ark_ff::{BigInt, One, PrimeField, UniformRand, Zero};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// Instruction kinds with their weights (R register, P polynomial, S scalar operand).
#[derive(Clone, Copy, Debug)]
enum Kind {
    MulRR,
    AddPR,
    AddSR,
    MulSP,
    MulPR,
    MulSR,
    AddRR,
    SubRR,
    MulPP,
    FoldR,
    FoldS,
    SubSR,
    SubRS,
    SubPP,
    Neg,
    Square,
    FoldReg,
    FoldMul,
}

/// nanoGPT tiny's mix, roughly (per cent of instructions).
const TINY_MIX: [(Kind, u32); 18] = [
    (Kind::MulRR, 20),
    (Kind::AddPR, 18),
    (Kind::AddSR, 12),
    (Kind::MulSP, 10),
    (Kind::MulPR, 8),
    (Kind::MulSR, 6),
    (Kind::AddRR, 5),
    (Kind::SubRR, 5),
    (Kind::MulPP, 4),
    (Kind::FoldR, 4),
    (Kind::FoldS, 1),
    (Kind::SubSR, 1),
    (Kind::SubRS, 1),
    (Kind::SubPP, 1),
    (Kind::Neg, 1),
    (Kind::Square, 1),
    (Kind::FoldReg, 1),
    (Kind::FoldMul, 1),
];

/// A valid random program: registers read only once written, never the one written, the
/// FoldReg chains started before they are added to; rotations up to ±(max_rot).
fn random_program(rng: &mut ChaCha20Rng, len: usize, registers: usize, slots: usize, max_rot: i64) -> Program {
    let consts: Vec<Fr> = vec![Fr::from(3u64), -Fr::one(), Fr::zero(), Fr::rand(rng)];
    let mut scalars: Vec<ScalarNode> = (0..consts.len()).map(ScalarNode::Const).collect();
    scalars.extend([ScalarNode::Challenge(0), ScalarNode::Challenge(1), ScalarNode::Mul(4, 5), ScalarNode::Neg(4)]);
    let total: u32 = TINY_MIX.iter().map(|k| k.1).sum();
    let mut defined = vec![false; registers];
    let mut instrs = Vec::with_capacity(len);
    while instrs.len() < len {
        let mut pick = rng.gen_range(0..total);
        let kind = TINY_MIX.iter().find(|(_, w)| pick < *w || { pick -= w; false }).expect("weights").0;
        let dst = rng.gen_range(0..registers);
        let live: Vec<usize> = (0..registers).filter(|&r| defined[r] && r != dst).collect();
        let (reg, poly, scal) = (
            |rng: &mut ChaCha20Rng| live.get(rng.gen_range(0..live.len().max(1))).map(|&r| Operand::Reg(r)),
            |rng: &mut ChaCha20Rng| Some(Operand::Poly(rng.gen_range(0..slots), rng.gen_range(-max_rot..=max_rot))),
            |rng: &mut ChaCha20Rng| Some(Operand::Scalar(rng.gen_range(0..scalars.len()))),
        );
        let ins = match kind {
            Kind::MulRR => reg(rng).zip(reg(rng)).map(|(a, b)| Instr::Mul(dst, a, b)),
            Kind::AddPR => poly(rng).zip(reg(rng)).map(|(a, b)| Instr::Add(dst, a, b)),
            Kind::AddSR => scal(rng).zip(reg(rng)).map(|(a, b)| Instr::Add(dst, b, a)),
            Kind::MulSP => scal(rng).zip(poly(rng)).map(|(a, b)| Instr::Mul(dst, a, b)),
            Kind::MulPR => poly(rng).zip(reg(rng)).map(|(a, b)| Instr::Mul(dst, b, a)),
            Kind::MulSR => scal(rng).zip(reg(rng)).map(|(a, b)| Instr::Mul(dst, b, a)),
            Kind::AddRR => reg(rng).zip(reg(rng)).map(|(a, b)| Instr::Add(dst, a, b)),
            Kind::SubRR => reg(rng).zip(reg(rng)).map(|(a, b)| Instr::Sub(dst, a, b)),
            Kind::MulPP => poly(rng).zip(poly(rng)).map(|(a, b)| Instr::Mul(dst, a, b)),
            Kind::SubSR => scal(rng).zip(reg(rng)).map(|(a, b)| Instr::Sub(dst, a, b)),
            Kind::SubRS => reg(rng).zip(scal(rng)).map(|(a, b)| Instr::Sub(dst, a, b)),
            Kind::SubPP => poly(rng).zip(poly(rng)).map(|(a, b)| Instr::Sub(dst, a, b)),
            Kind::Neg => poly(rng).map(|a| Instr::Neg(dst, a)),
            Kind::Square => reg(rng).map(|a| Instr::Square(dst, a)),
            Kind::FoldR => reg(rng).map(|a| Instr::Fold(a, rng.gen_range(0..40))),
            Kind::FoldS => scal(rng).map(|a| Instr::Fold(a, rng.gen_range(0..40))),
            Kind::FoldReg => {
                let first = !defined[dst] || rng.gen_bool(0.3);
                let a = if rng.gen_bool(0.3) { scal(rng) } else { poly(rng) };
                a.map(|a| Instr::FoldReg { reg: dst, a, exp: rng.gen_range(0..40), first })
            }
            Kind::FoldMul => reg(rng).zip(if rng.gen_bool(0.3) { scal(rng) } else { poly(rng) }).map(|(a, b)| Instr::FoldMul(a, b)),
        };
        // Until a register is live, start with a polynomial read.
        let ins = ins.unwrap_or(Instr::Mul(dst, Operand::Poly(0, 1), Operand::Scalar(3)));
        if let Instr::Add(d, ..) | Instr::Sub(d, ..) | Instr::Mul(d, ..) | Instr::Neg(d, _) | Instr::Square(d, _) = ins {
            defined[d] = true;
        }
        if let Instr::FoldReg { reg, .. } = ins {
            defined[reg] = true;
        }
        instrs.push(ins);
    }
    Program { consts, scalars, instrs, registers, slots, challenges: 2 }
}

/// Field elements with the boundary values mixed in (0, 1, −1, r − 1 and 2^255-ish limb patterns
/// in Montgomery form) about one in four.
fn values(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
    let r = Fr::MODULUS.0;
    let raw = |l: [u64; 4]| Fr::new_unchecked(BigInt(l));
    let edges = [
        Fr::zero(),
        Fr::one(),
        -Fr::one(),
        raw([r[0] - 1, r[1], r[2], r[3]]),
        raw([1, 0, 0, 0]),
        raw([u64::MAX, u64::MAX, u64::MAX, r[3] - 1]),
        raw([(1 << 52) - 1, 0, (1 << 52) - 1, 0]),
    ];
    (0..n).map(|_| if rng.gen_bool(0.25) { edges[rng.gen_range(0..edges.len())] } else { Fr::rand(rng) }).collect()
}

#[test]
fn limb_major_evaluator_matches_the_reference_on_random_programs() {
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    for (case, n) in [8usize, 16, 24, 64, 72, 136, 256, 70, 1].into_iter().enumerate() {
        let slots = 5;
        let p = random_program(&mut rng, 400, 9, slots, n as i64 + 3);
        let polys: Vec<Vec<Fr>> = (0..slots).map(|_| values(&mut rng, n)).collect();
        let refs: Vec<Option<&[Fr]>> = polys.iter().map(|v| Some(v.as_slice())).collect();
        let challenges = [Fr::rand(&mut rng), -Fr::one()];
        let y = if case % 2 == 0 { Fr::rand(&mut rng) } else { -Fr::one() };
        let acc0 = values(&mut rng, n);
        let (mut got, mut want) = (acc0.clone(), acc0);
        p.evaluate(&refs, &challenges, y, &mut got);
        p.evaluate_reference(&refs, &challenges, y, &mut want);
        assert_eq!(got, want, "n = {n}, case {case}");
    }
}

/// On one thread a task takes a quarter of the points: several blocks (and a short last one for
/// n = 1032), so the buffers a task keeps from block to block are exercised.
#[test]
fn limb_major_evaluator_matches_the_reference_over_many_blocks_per_task() {
    let mut rng = ChaCha20Rng::seed_from_u64(15);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    for n in [1024usize, 1032] {
        let slots = 4;
        let p = random_program(&mut rng, 300, 8, slots, 70);
        let polys: Vec<Vec<Fr>> = (0..slots).map(|_| values(&mut rng, n)).collect();
        let refs: Vec<Option<&[Fr]>> = polys.iter().map(|v| Some(v.as_slice())).collect();
        let (challenges, y) = ([Fr::rand(&mut rng), Fr::rand(&mut rng)], Fr::rand(&mut rng));
        let acc0 = values(&mut rng, n);
        let (mut got, mut want) = (acc0.clone(), acc0);
        pool.install(|| p.evaluate(&refs, &challenges, y, &mut got));
        p.evaluate_reference(&refs, &challenges, y, &mut want);
        assert_eq!(got, want, "n = {n}");
    }
}

/// A program of nanoGPT tiny's size and mix on 2^16 points, both evaluators, one thread:
/// `cargo test --release --lib program_timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn program_timing() {
    use std::time::Instant;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (n, slots) = (1usize << 16, 60);
    let p = random_program(&mut rng, 1450, 12, slots, 2);
    let polys: Vec<Vec<Fr>> = (0..slots).map(|_| values(&mut rng, n)).collect();
    let refs: Vec<Option<&[Fr]>> = polys.iter().map(|v| Some(v.as_slice())).collect();
    let challenges = [Fr::rand(&mut rng), Fr::rand(&mut rng)];
    let y = Fr::rand(&mut rng);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let mut accs = [vec![Fr::zero(); n], vec![Fr::zero(); n]];
    for (name, limb_major) in [("element-major (reference)", false), ("limb-major", true)] {
        let best = (0..3)
            .map(|_| {
                let acc = &mut accs[limb_major as usize];
                acc.iter_mut().for_each(|x| *x = Fr::zero());
                let t = Instant::now();
                pool.install(|| {
                    if limb_major {
                        p.evaluate(&refs, &challenges, y, acc)
                    } else {
                        p.evaluate_reference(&refs, &challenges, y, acc)
                    }
                });
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min);
        let per = best * 1e9 / (n as f64 * p.instrs.len() as f64);
        println!("program_timing: {name:<26} n = 2^16, {} instrs: {best:.3} s ({per:.2} ns/point/instr)", p.instrs.len());
    }
    assert_eq!(accs[0], accs[1]);
}
