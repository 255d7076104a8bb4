use ark_bn254::Fr;
use ark_ff::{BigInt, One, PrimeField, UniformRand, Zero};
use ark_std::test_rng;

#[cfg(target_arch = "x86_64")]
mod lanes;

/// One implementation of every kernel.
#[derive(Clone, Copy)]
struct Kernels {
    mul_into: fn(&mut [Fr], &[Fr], &[Fr]),
    mul_assign: fn(&mut [Fr], &[Fr]),
    mul_scalar_into: fn(&mut [Fr], &[Fr], Fr),
    mul_scalar_assign: fn(&mut [Fr], Fr),
    mul_add_assign: fn(&mut [Fr], &[Fr], &[Fr]),
    mul_scalar_add_assign: fn(&mut [Fr], &[Fr], Fr),
    butterflies: fn(&mut [Fr], &mut [Fr], &[Fr]),
    add_into: fn(&mut [Fr], &[Fr], &[Fr]),
    sub_into: fn(&mut [Fr], &[Fr], &[Fr]),
    add_assign: fn(&mut [Fr], &[Fr]),
    add_scalar_into: fn(&mut [Fr], &[Fr], Fr),
    sub_scalar_into: fn(&mut [Fr], &[Fr], Fr),
    scalar_sub_into: fn(&mut [Fr], Fr, &[Fr]),
    neg_into: fn(&mut [Fr], &[Fr]),
}

macro_rules! kernels {
    ($($m:ident)::+) => {
        Kernels {
            mul_into: $($m)::+::mul_into,
            mul_assign: $($m)::+::mul_assign,
            mul_scalar_into: $($m)::+::mul_scalar_into,
            mul_scalar_assign: $($m)::+::mul_scalar_assign,
            mul_add_assign: $($m)::+::mul_add_assign,
            mul_scalar_add_assign: $($m)::+::mul_scalar_add_assign,
            butterflies: $($m)::+::butterflies,
            add_into: $($m)::+::add_into,
            sub_into: $($m)::+::sub_into,
            add_assign: $($m)::+::add_assign,
            add_scalar_into: $($m)::+::add_scalar_into,
            sub_scalar_into: $($m)::+::sub_scalar_into,
            scalar_sub_into: $($m)::+::scalar_sub_into,
            neg_into: $($m)::+::neg_into,
        }
    };
}

/// Whether this CPU takes the IFMA path.
fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        super::ifma::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn definition() -> Kernels {
    kernels!(super::scalar)
}

/// The implementations checked against the definition: the public (dispatching) functions,
/// and the IFMA path itself where this CPU has it.
fn candidates() -> Vec<(&'static str, Kernels)> {
    #[allow(unused_mut)]
    let mut c = vec![("dispatch", kernels!(super))];
    #[cfg(target_arch = "x86_64")]
    if simd_available() {
        c.push(("ifma", kernels!(super::ifma)));
    }
    c
}

/// Runs every kernel of `k` on (a, b, w, s) and returns all outputs, in order.
fn outputs(k: &Kernels, a: &[Fr], b: &[Fr], w: &[Fr], s: Fr) -> Vec<Vec<Fr>> {
    let n = a.len();
    let mut res = Vec::new();
    let mut out = vec![Fr::zero(); n];
    (k.mul_into)(&mut out, a, b);
    res.push(out.clone());
    let mut x = a.to_vec();
    (k.mul_assign)(&mut x, b);
    res.push(x);
    (k.mul_scalar_into)(&mut out, a, s);
    res.push(out.clone());
    let mut x = a.to_vec();
    (k.mul_scalar_assign)(&mut x, s);
    res.push(x);
    let mut x = w.to_vec();
    (k.mul_add_assign)(&mut x, a, b);
    res.push(x);
    let mut x = w.to_vec();
    (k.mul_scalar_add_assign)(&mut x, a, s);
    res.push(x);
    let (mut lo, mut hi) = (w.to_vec(), a.to_vec());
    (k.butterflies)(&mut lo, &mut hi, b);
    res.push(lo);
    res.push(hi);
    (k.add_into)(&mut out, a, b);
    res.push(out.clone());
    (k.sub_into)(&mut out, a, b);
    res.push(out.clone());
    let mut x = a.to_vec();
    (k.add_assign)(&mut x, b);
    res.push(x);
    (k.add_scalar_into)(&mut out, a, s);
    res.push(out.clone());
    (k.sub_scalar_into)(&mut out, a, s);
    res.push(out.clone());
    (k.scalar_sub_into)(&mut out, s, b);
    res.push(out.clone());
    (k.neg_into)(&mut out, a);
    res.push(out.clone());
    res
}

const NAMES: [&str; 15] = [
    "mul_into",
    "mul_assign",
    "mul_scalar_into",
    "mul_scalar_assign",
    "mul_add_assign",
    "mul_scalar_add_assign",
    "butterflies.lo",
    "butterflies.hi",
    "add_into",
    "sub_into",
    "add_assign",
    "add_scalar_into",
    "sub_scalar_into",
    "scalar_sub_into",
    "neg_into",
];

fn check_all(a: &[Fr], b: &[Fr], w: &[Fr], s: Fr, what: &str) {
    let want = outputs(&definition(), a, b, w, s);
    for (name, k) in candidates() {
        let got = outputs(&k, a, b, w, s);
        for (i, (g, e)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g.len(), a.len());
            if let Some(j) = (0..g.len()).find(|&j| g[j] != e[j]) {
                panic!(
                    "{name}::{} differs from the scalar definition at {j} ({what}, n = {}):\
                     a={:?} b={:?} w={:?} s={:?}: got {:?}, want {:?}",
                    NAMES[i],
                    a.len(),
                    a[j].0,
                    b[j].0,
                    w[j].0,
                    s.0,
                    g[j].0,
                    e[j].0
                );
            }
        }
    }
}

fn random(n: usize, rng: &mut impl ark_std::rand::Rng) -> Vec<Fr> {
    (0..n).map(|_| Fr::rand(rng)).collect()
}

#[test]
fn fr_simd_random_lengths_match_the_scalar_definition() {
    let mut rng = test_rng();
    for n in (0..=20).chain([1000, 4099]) {
        let (a, b, w) = (random(n, &mut rng), random(n, &mut rng), random(n, &mut rng));
        check_all(&a, &b, &w, Fr::rand(&mut rng), "random");
    }
}

/// Elements by their Montgomery limbs: the extremes of the field, and limb patterns at the
/// 52-bit and 64-bit boundaries.
fn edges() -> Vec<Fr> {
    let r = Fr::MODULUS.0;
    let raw = |l: [u64; 4]| Fr::new_unchecked(BigInt(l));
    let mut e = vec![
        Fr::zero(),
        Fr::one(),
        -Fr::one(),
        -Fr::one() - Fr::one(),
        Fr::from(2u64),
        Fr::from(u64::MAX),
        raw([r[0] - 1, r[1], r[2], r[3]]),
        raw([r[0] - 2, r[1], r[2], r[3]]),
        raw([1, 0, 0, 0]),
        raw([0, 0, 0, 1]),
        raw([0, 0, 0, r[3]]),
        raw([u64::MAX, u64::MAX, u64::MAX, r[3] - 1]),
        raw([u64::MAX, 0, u64::MAX, 0]),
        raw([0, u64::MAX, 0, 1]),
        raw([(1 << 52) - 1, 0, (1 << 52) - 1, 0]),
        raw([u64::MAX, u64::MAX, u64::MAX, (1 << 16) - 1]),
        raw([u64::MAX, u64::MAX, u64::MAX, (1 << 61) - 1]),
        raw([0, 0, 0, 1 << 61]),
        raw([1 << 63, 1 << 63, 1 << 63, 1 << 61]),
        raw([0xfffffffffffff000, 0xfff, 0xffffff0000000000, 0x3000000000000000]),
    ];
    e.push(e[2].inverse_or_zero());
    for x in &e {
        assert!(x.0 < Fr::MODULUS, "edge values must be canonical");
    }
    e
}

trait InverseOrZero {
    fn inverse_or_zero(&self) -> Fr;
}
impl InverseOrZero for Fr {
    fn inverse_or_zero(&self) -> Fr {
        ark_ff::Field::inverse(self).unwrap_or_default()
    }
}

/// (a, b, w): every ordered pair (a, b) of edge values, and beside each a third edge value w
/// (rotating w by one, m times, puts every edge value beside every pair).
fn edge_pairs() -> (Vec<Fr>, Vec<Fr>, Vec<Fr>) {
    let e = edges();
    let m = e.len();
    let (mut a, mut b, mut w) = (vec![], vec![], vec![]);
    for i in 0..m {
        for j in 0..m {
            a.push(e[i]);
            b.push(e[j]);
            w.push(e[(i * 7 + j * 3) % m]);
        }
    }
    (a, b, w)
}

#[test]
fn fr_simd_edge_values_all_pairs_match_the_scalar_definition() {
    let e = edges();
    let (a, b, mut w) = edge_pairs();
    for (k, s) in e.iter().enumerate() {
        check_all(&a, &b, &w, *s, &format!("edge pairs, scalar #{k}"));
        // The accumulator takes every edge value against every product too.
        w.rotate_left(1);
    }
}

/// Sub-slices at every offset (unaligned for the vector loads), in place and out of place
/// on distinct buffers.
#[test]
fn fr_simd_offsets_and_in_place_match_out_of_place() {
    let mut rng = test_rng();
    let (a, b, w) = (random(77, &mut rng), random(77, &mut rng), random(77, &mut rng));
    for off in 0..9 {
        for end in [off, off + 8, off + 17, 77] {
            let (a, b, w) = (&a[off..end], &b[off..end], &w[off..end]);
            check_all(a, b, w, Fr::rand(&mut rng), &format!("offset {off}..{end}"));
            let mut out = vec![Fr::zero(); a.len()];
            super::mul_into(&mut out, a, b);
            let mut x = a.to_vec();
            super::mul_assign(&mut x, b);
            assert_eq!(x, out);
            super::add_into(&mut out, a, b);
            let mut x = a.to_vec();
            super::add_assign(&mut x, b);
            assert_eq!(x, out);
        }
    }
}

/// The scalar path (the fallback on CPUs without IFMA, taken here only for tails) against
/// arkworks' operators written out element by element.
#[test]
fn fr_simd_scalar_path_is_arkworks_arithmetic() {
    let mut rng = test_rng();
    let n = 37;
    let (a, b, w) = (random(n, &mut rng), random(n, &mut rng), random(n, &mut rng));
    let s = Fr::rand(&mut rng);
    let got = outputs(&definition(), &a, &b, &w, s);
    let each = |f: &dyn Fn(usize) -> Fr| (0..n).map(f).collect::<Vec<Fr>>();
    let want = vec![
        each(&|i| a[i] * b[i]),
        each(&|i| a[i] * b[i]),
        each(&|i| a[i] * s),
        each(&|i| a[i] * s),
        each(&|i| w[i] + a[i] * b[i]),
        each(&|i| w[i] + a[i] * s),
        each(&|i| w[i] + a[i] * b[i]),
        each(&|i| w[i] - a[i] * b[i]),
        each(&|i| a[i] + b[i]),
        each(&|i| a[i] - b[i]),
        each(&|i| a[i] + b[i]),
        each(&|i| a[i] + s),
        each(&|i| a[i] - s),
        each(&|i| s - b[i]),
        each(&|i| -a[i]),
    ];
    for (i, (g, e)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, e, "scalar {}", NAMES[i]);
    }
}

/// ns per element of every kernel, SIMD (dispatch) and scalar, single thread:
/// `cargo test --release --lib fr_simd_timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn fr_simd_timing() {
    use std::hint::black_box;
    let mut rng = test_rng();
    println!("fr_simd: IFMA path taken: {}", simd_available());
    println!("{:<22} {:>8} {:>10} {:>10} {:>7}", "kernel", "n", "simd ns", "scalar ns", "speedup");
    for n in [1024usize, 1 << 16] {
        let (a, b) = (random(n, &mut rng), random(n, &mut rng));
        let mut x = random(n, &mut rng);
        let mut y = random(n, &mut rng);
        let s = Fr::rand(&mut rng);
        // trials of ~2^19 elements each
        let reps = ((1 << 19) / n).max(1);
        let time = |f: &mut dyn FnMut()| best_ns_per_element(n, reps, f);
        for (i, name) in NAMES.iter().enumerate() {
            if *name == "butterflies.hi" {
                continue;
            }
            let mut ns = [0.0; 2];
            for (p, k) in [kernels!(super), definition()].iter().enumerate() {
                ns[p] = time(&mut || match i {
                    0 => (k.mul_into)(&mut x, &a, &b),
                    1 => (k.mul_assign)(&mut x, &b),
                    2 => (k.mul_scalar_into)(&mut x, &a, s),
                    3 => (k.mul_scalar_assign)(&mut x, s),
                    4 => (k.mul_add_assign)(&mut x, &a, &b),
                    5 => (k.mul_scalar_add_assign)(&mut x, &a, s),
                    6 => (k.butterflies)(&mut x, &mut y, &b),
                    8 => (k.add_into)(&mut x, &a, &b),
                    9 => (k.sub_into)(&mut x, &a, &b),
                    10 => (k.add_assign)(&mut x, &b),
                    11 => (k.add_scalar_into)(&mut x, &a, s),
                    12 => (k.sub_scalar_into)(&mut x, &a, s),
                    13 => (k.scalar_sub_into)(&mut x, s, &a),
                    _ => (k.neg_into)(&mut x, &a),
                });
                black_box(&x);
            }
            let name = name.trim_end_matches(".lo");
            println!("{name:<22} {n:>8} {:>10.2} {:>10.2} {:>6.1}x", ns[0], ns[1], ns[1] / ns[0]);
        }
    }
}

mod radix8;

/// Nanoseconds per element of `f` (a call that handles `n` elements): the best of 7 trials of
/// `reps` calls each, after one call to warm up (the machine is shared: the minimum is the
/// figure least disturbed by other work).
fn best_ns_per_element(n: usize, reps: usize, f: &mut dyn FnMut()) -> f64 {
    f();
    (0..7)
        .map(|_| {
            let t = std::time::Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() * 1e9 / (reps * n) as f64
        })
        .fold(f64::MAX, f64::min)
}
