use super::*;
use ark_ff::UniformRand;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::test_rng;

/// Every size up to 2^14 (the radix-8 kernel alone, with a tail, whole blocks): no large stage, one (a lone stage after the fused pairs), two,
/// three; on the pool and on one thread; the inverse undoes it.
#[test]
fn ntt_equals_arkworks_fft() {
    let mut rng = test_rng();
    for log_n in 0u32..=14 {
        let n = 1usize << log_n;
        let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let dom = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let want = dom.fft(&a);
        for t in [Threads::Parallel, Threads::Serial] {
            let mut got = a.clone();
            ntt_in_place_with(&mut got, dom.group_gen, t);
            assert_eq!(got, want, "2^{log_n} {t:?}");
            intt_in_place_with(&mut got, dom.group_gen, t);
            assert_eq!(got, a, "2^{log_n} {t:?} inverse");
        }
    }
}

/// The cache stays within its budget and a table served from it is the one built afresh.
#[test]
fn twiddle_cache_is_bounded_and_exact() {
    let big = CACHE_ELEMENTS / 2;
    let w = Radix2EvaluationDomain::<Fr>::new(big).unwrap().group_gen;
    for omega in [w, w.inverse().unwrap(), w.square()] {
        let first = twiddles(big, omega, Threads::Parallel);
        let again = twiddles(big, omega, Threads::Parallel);
        assert!(std::sync::Arc::ptr_eq(&first, &again), "the second call is served from the cache");
        let fresh = Twiddles::new(big, omega, Threads::Serial);
        assert_eq!(first.tables, fresh.tables);
        let held: usize = TWIDDLE_CACHE.lock().unwrap().iter().map(|(m, _, _)| m).sum();
        assert!(held <= CACHE_ELEMENTS, "{held} elements cached");
    }
    let over = twiddles(2 * CACHE_ELEMENTS, w, Threads::Parallel);
    assert!(!TWIDDLE_CACHE.lock().unwrap().iter().any(|(_, _, t)| std::sync::Arc::ptr_eq(t, &over)));
}

/// Evaluations on a coset and back against arkworks' coset FFT, at sizes around the radix-8
/// kernel's block (8, 64 elements) and the cache block (2^11), and 2^16.
#[test]
fn coset_ntt_equals_arkworks_coset_fft() {
    let mut rng = test_rng();
    for log_n in [3u32, 4, 6, 7, 11, 12, 16] {
        let n = 1usize << log_n;
        let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let dom = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let g = Fr::from(7u64);
        let want = dom.get_coset(g).unwrap().fft(&a);
        for t in [Threads::Parallel, Threads::Serial] {
            let mut got = a.clone();
            coset_ntt_in_place_with(&mut got, dom.group_gen, g, t);
            assert_eq!(got, want, "2^{log_n} {t:?}");
        }
        let mut got = want.clone();
        coset_intt_in_place(&mut got, dom.group_gen, g);
        assert_eq!(got, a, "2^{log_n} coset inverse");
        let mut got = a.clone();
        ntt_in_place(&mut got, dom.group_gen);
        assert_eq!(got, dom.fft(&a), "2^{log_n}");
    }
}

/// The group NTT (G1 coefficients: no vector kernel, every stage scalar) is the field NTT
/// under the map a ↦ a·G.
#[test]
fn g1_ntt_is_the_field_ntt_times_the_generator() {
    use ark_ec::PrimeGroup;
    let mut rng = test_rng();
    let gen = ark_bn254::G1Projective::generator();
    for log_n in [3u32, 6] {
        let n = 1usize << log_n;
        let w = Radix2EvaluationDomain::<Fr>::new(n).unwrap().group_gen;
        let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let mut pts: Vec<ark_bn254::G1Projective> = a.iter().map(|x| gen * x).collect();
        let mut f = a.clone();
        ntt_in_place(&mut f, w);
        ntt_in_place(&mut pts, w);
        assert!(pts.iter().zip(&f).all(|(p, x)| *p == gen * x), "2^{log_n}");
        intt_in_place(&mut pts, w);
        assert!(pts.iter().zip(&a).all(|(p, x)| *p == gen * x), "2^{log_n} inverse");
    }
}
