//! `dit8` (the NTT's first three stages on runs of eight) against its scalar definition, and
//! the definition against arkworks' FFT.
use super::{edges, random, simd_available};
use ark_bn254::Fr;
use ark_ff::{Field, UniformRand};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::test_rng;

type Dit8 = fn(&mut [Fr], &[Fr; 3]);

/// The implementations checked against the definition: the public (dispatching) function,
/// and the IFMA path itself where this CPU has it.
fn candidates() -> Vec<(&'static str, Dit8)> {
    #[allow(unused_mut)]
    let mut c: Vec<(&'static str, Dit8)> = vec![("dispatch", super::super::dit8)];
    #[cfg(target_arch = "x86_64")]
    if simd_available() {
        c.push(("ifma", super::super::ifma::dit8));
    }
    c
}

fn check(a: &[Fr], w: &[Fr; 3], what: &str) {
    let mut want = a.to_vec();
    super::super::scalar::dit8(&mut want, w);
    for (name, f) in candidates() {
        let mut got = a.to_vec();
        f(&mut got, w);
        if let Some(j) = (0..a.len()).find(|&j| got[j] != want[j]) {
            panic!("{name}::dit8 differs from the scalar definition at {j} ({what}, n = {}): got {:?}, want {:?}",
                   a.len(), got[j].0, want[j].0);
        }
    }
}

/// The twiddles of a transform of size n: [ω₈, ω₈², ω₈³] for ω₈ = ω^(n/8).
fn roots(n: usize, inverse: bool) -> [Fr; 3] {
    let w = Radix2EvaluationDomain::<Fr>::new(n).unwrap().group_gen;
    let w8 = w.pow([(n / 8) as u64]);
    let w8 = if inverse { w8.inverse().unwrap() } else { w8 };
    [w8, w8.square(), w8.square() * w8]
}

/// Random runs, every length that the NTT can pass (whole blocks of 64, tails of fewer, sizes
/// below one block), with the roots of the forward and the inverse transform and with random
/// twiddles (the kernel takes any constants).
#[test]
fn dit8_random_matches_the_scalar_definition() {
    let mut rng = test_rng();
    for n in [0usize, 8, 16, 24, 32, 56, 64, 72, 120, 128, 136, 192, 1 << 10, 1 << 11, (1 << 11) + 8, 1 << 16] {
        let a = random(n, &mut rng);
        for (k, w) in [roots(1 << 11, false), roots(1 << 11, true), [Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng)]]
            .iter()
            .enumerate()
        {
            check(&a, w, &format!("random, twiddles #{k}"));
        }
    }
}

/// Edge values: every ordered pair of them in the first stage's butterflies (positions 2k,
/// 2k + 1), both layouts shifted by one position, and edge values as twiddles.
#[test]
fn dit8_edge_values_match_the_scalar_definition() {
    let e = edges();
    let m = e.len();
    let pairs: Vec<Fr> = (0..m * m).flat_map(|k| [e[k / m], e[k % m]]).collect();
    let len = pairs.len().div_ceil(64) * 64;
    let a: Vec<Fr> = pairs.iter().cycle().take(len).copied().collect();
    let shifted: Vec<Fr> = pairs.iter().cycle().skip(1).take(len).copied().collect();
    check(&shifted, &roots(8, false), "edge values, shifted");
    check(&a, &roots(8, false), "edge values");
    check(&a, &roots(8, true), "edge values, inverse roots");
    for i in 0..m {
        let w = [e[i], e[(i + 1) % m], e[(i + 5) % m]];
        check(&a[..128], &w, &format!("edge twiddles #{i}"));
    }
}

/// Unaligned sub-slices (the kernel loads without alignment) and in place next to untouched
/// neighbours.
#[test]
fn dit8_offsets_touch_only_their_slice() {
    let mut rng = test_rng();
    let a = random(300, &mut rng);
    let w = roots(64, false);
    for off in 0..9 {
        for len in [8, 64, 128, 136, 192 + 40] {
            check(&a[off..off + len], &w, &format!("offset {off}"));
            let mut b = a.clone();
            super::super::dit8(&mut b[off..off + len], &w);
            assert_eq!(b[..off], a[..off]);
            assert_eq!(b[off + len..], a[off + len..]);
        }
    }
}

/// The definition is the size-8 DFT of a bit-reversed run: arkworks' FFT of the run.
#[test]
fn dit8_scalar_definition_is_the_size_8_fft() {
    let mut rng = test_rng();
    let dom = Radix2EvaluationDomain::<Fr>::new(8).unwrap();
    for inverse in [false, true] {
        let a = random(8 * 5, &mut rng);
        let mut got: Vec<Fr> = a.chunks(8).flat_map(|x| [0, 4, 2, 6, 1, 5, 3, 7].map(|j| x[j])).collect();
        super::super::scalar::dit8(&mut got, &roots(8, inverse));
        let want: Vec<Fr> = a.chunks(8).flat_map(|x| if inverse { dom.ifft(x).iter().map(|y| *y * Fr::from(8u64)).collect::<Vec<_>>() } else { dom.fft(x) }).collect();
        assert_eq!(got, want, "inverse {inverse}");
    }
}

#[test]
#[should_panic(expected = "not runs of eight")]
fn dit8_rejects_a_partial_run() {
    let mut a = vec![Fr::from(1u64); 12];
    super::super::dit8(&mut a, &roots(8, false));
}

/// ns per element of `dit8`, dispatch and scalar, one thread, on one cache block (2^11):
/// `cargo test --release --lib dit8_timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn dit8_timing() {
    use std::time::Instant;
    let mut rng = test_rng();
    let n = 1 << 11;
    let mut a = random(n, &mut rng);
    let w = roots(n, false);
    let reps = 256;
    let mut time = |f: fn(&mut [Fr], &[Fr; 3])| {
        (0..7)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..reps {
                    f(&mut a, &w);
                }
                t.elapsed().as_secs_f64() * 1e9 / (reps * n) as f64
            })
            .fold(f64::MAX, f64::min)
    };
    let (simd, scalar) = (time(super::super::dit8), time(super::super::scalar::dit8));
    println!("dit8 (IFMA path taken: {}): {simd:.2} ns/element, scalar {scalar:.2} ns/element, {:.1}x", simd_available(), scalar / simd);
}
