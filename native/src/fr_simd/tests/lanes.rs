//! The limb-major kernels (IFMA CPUs only) against arkworks' arithmetic, element by element:
//! each input goes in through `to_lanes`, the result comes out through `from_lanes`.
use super::{best_ns_per_element, edge_pairs, edges, random, simd_available};
use crate::fr_simd::lanes;
use ark_bn254::Fr;
use ark_ff::UniformRand;
use ark_std::test_rng;

fn lm(a: &[Fr]) -> Vec<Fr> {
    let mut out = vec![Fr::from(0u64); a.len()];
    lanes::to_lanes(&mut out, a);
    out
}

fn em(a: &[Fr]) -> Vec<Fr> {
    let mut out = vec![Fr::from(0u64); a.len()];
    lanes::from_lanes(&mut out, a);
    out
}

/// Every kernel on (a, b, w, s), each result element-major, beside its definition.
fn check(a: &[Fr], b: &[Fr], w: &[Fr], s: Fr, what: &str) {
    let n = a.len();
    let (la, lb, lw) = (lm(a), lm(b), lm(w));
    let each = |f: &dyn Fn(usize) -> Fr| (0..n).map(f).collect::<Vec<Fr>>();
    let out_of = |f: &dyn Fn(&mut [Fr])| {
        let mut o = vec![Fr::from(0u64); n];
        f(&mut o);
        em(&o)
    };
    let into_w = |f: &dyn Fn(&mut [Fr])| {
        let mut o = lw.clone();
        f(&mut o);
        em(&o)
    };
    let cases: Vec<(&str, Vec<Fr>, Vec<Fr>)> = vec![
        ("round trip", em(&la), a.to_vec()),
        ("add", out_of(&|o| lanes::add(o, &la, &lb)), each(&|i| a[i] + b[i])),
        ("sub", out_of(&|o| lanes::sub(o, &la, &lb)), each(&|i| a[i] - b[i])),
        ("mul", out_of(&|o| lanes::mul(o, &la, &lb)), each(&|i| a[i] * b[i])),
        ("square", out_of(&|o| lanes::mul(o, &la, &la)), each(&|i| a[i] * a[i])),
        ("add_scalar", out_of(&|o| lanes::add_scalar(o, &la, s)), each(&|i| a[i] + s)),
        ("sub_scalar", out_of(&|o| lanes::sub_scalar(o, &la, s)), each(&|i| a[i] - s)),
        ("scalar_sub", out_of(&|o| lanes::scalar_sub(o, s, &lb)), each(&|i| s - b[i])),
        ("neg", out_of(&|o| lanes::neg(o, &la)), each(&|i| -a[i])),
        ("mul_scalar", out_of(&|o| lanes::mul_scalar(o, &la, s)), each(&|i| a[i] * s)),
        ("fill", out_of(&|o| lanes::fill(o, s)), each(&|_| s)),
        ("mul_add_assign", into_w(&|o| lanes::mul_add_assign(o, &la, &lb)), each(&|i| w[i] + a[i] * b[i])),
        ("mul_scalar_add_assign", into_w(&|o| lanes::mul_scalar_add_assign(o, &la, s)), each(&|i| w[i] + a[i] * s)),
        ("add_scalar_assign", into_w(&|o| lanes::add_scalar_assign(o, s)), each(&|i| w[i] + s)),
    ];
    for (name, got, want) in cases {
        if let Some(j) = (0..n).find(|&j| got[j] != want[j]) {
            panic!("lanes::{name} differs at {j} ({what}, n = {n}): a={:?} b={:?} s={:?}", a[j].0, b[j].0, s.0);
        }
    }
}

#[test]
fn fr_simd_lanes_match_arkworks_on_edge_pairs_and_random_values() {
    if !simd_available() {
        eprintln!("no IFMA on this CPU: the limb-major kernels do not exist here");
        return;
    }
    let e = edges();
    let (a, b, mut w) = edge_pairs();
    let full = a.len() - a.len() % 8;
    for (k, s) in e.iter().enumerate() {
        check(&a[..full], &b[..full], &w[..full], *s, &format!("edge pairs, scalar #{k}"));
        w.rotate_left(1);
    }
    let mut rng = test_rng();
    for n in [0usize, 8, 16, 24, 1000] {
        let (a, b, w) = (random(n, &mut rng), random(n, &mut rng), random(n, &mut rng));
        check(&a, &b, &w, Fr::rand(&mut rng), "random");
    }
}

#[test]
#[should_panic(expected = "divisible by 8")]
fn fr_simd_lanes_refuse_a_partial_run() {
    if !simd_available() {
        panic!("divisible by 8 (skipped: no IFMA on this CPU)");
    }
    let a = vec![Fr::from(1u64); 12];
    let mut o = vec![Fr::from(0u64); 12];
    lanes::add(&mut o, &a, &a);
}

/// ns per element of the limb-major kernels beside the element-major ones, one block of 64
/// (L1-resident, as in the quotient program), single thread:
/// `cargo test --release --lib fr_simd_lanes_timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn fr_simd_lanes_timing() {
    use std::hint::black_box;
    if !simd_available() {
        return;
    }
    let mut rng = test_rng();
    let n = 64;
    let (a, b) = (random(n, &mut rng), random(n, &mut rng));
    let (la, lb) = (lm(&a), lm(&b));
    let mut x = random(n, &mut rng);
    let s = Fr::rand(&mut rng);
    let reps = 1 << 14;
    let time = |f: &mut dyn FnMut()| best_ns_per_element(n, reps, f);
    let rows: [(&str, f64, f64); 5] = [
        ("mul", time(&mut || crate::fr_simd::mul_into(black_box(&mut x), &a, &b)), time(&mut || lanes::mul(black_box(&mut x), &la, &lb))),
        ("mul_scalar", time(&mut || crate::fr_simd::mul_scalar_into(black_box(&mut x), &a, s)), time(&mut || lanes::mul_scalar(black_box(&mut x), &la, s))),
        ("add", time(&mut || crate::fr_simd::add_into(black_box(&mut x), &a, &b)), time(&mut || lanes::add(black_box(&mut x), &la, &lb))),
        ("add_scalar", time(&mut || crate::fr_simd::add_scalar_into(black_box(&mut x), &a, s)), time(&mut || lanes::add_scalar(black_box(&mut x), &la, s))),
        ("to_lanes", time(&mut || lanes::to_lanes(black_box(&mut x), &a)), 0.0),
    ];
    for (name, em, lm) in rows {
        println!("lanes timing {name:<12} element-major {em:6.2} ns, limb-major {lm:6.2} ns");
    }
}
