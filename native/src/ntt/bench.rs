use super::*;
use ark_ff::UniformRand;
use ark_std::test_rng;
use std::time::Instant;

/// `cargo test --release --lib ntt_timing -- --ignored --nocapture`
#[test]
#[ignore]
fn ntt_timing() {
    let mut rng = test_rng();
    for log_n in [16u32, 18, 20] {
        let n = 1usize << log_n;
        let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let w = <ark_poly::Radix2EvaluationDomain<Fr> as ark_poly::EvaluationDomain<Fr>>::new(n).unwrap().group_gen;
        let mut b = a.clone();
        let t = Instant::now();
        ntt_in_place(&mut b, w);
        let total = t.elapsed();
        let mut c = a.clone();
        let t = Instant::now();
        bit_reverse_permute(&mut c);
        let rev = t.elapsed();
        let mut m = a.clone();
        let t = Instant::now();
        m.par_iter_mut().zip(a.par_iter()).for_each(|(x, y)| *x *= y);
        let mul = t.elapsed();
        let mut pair = [a.clone(), a.clone()];
        let t = Instant::now();
        pair.par_iter_mut().for_each(|v| ntt_in_place_with(v, w, Threads::Serial));
        let two_serial = t.elapsed();
        println!("2^{log_n}: ntt {total:?}, two serial side by side {two_serial:?}, bit reversal {rev:?}, one element-wise mul pass {mul:?}");
    }
}

/// Ours against arkworks' radix-2 FFT on one thread (a pool of 1: timings that a loaded
/// machine perturbs less): `cargo test --release --lib ntt_vs_arkworks -- --ignored --nocapture`
#[test]
#[ignore]
fn ntt_vs_arkworks() {
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    let mut rng = test_rng();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    for log_n in [16u32, 19] {
        let n = 1usize << log_n;
        let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let dom = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let (mut ours, mut ark) = (a.clone(), a.clone());
        let (t_ours, t_ark) = pool.install(|| {
            let t = Instant::now();
            ntt_in_place_with(&mut ours, dom.group_gen, Threads::Serial);
            let t_ours = t.elapsed();
            let t = Instant::now();
            dom.fft_in_place(&mut ark);
            (t_ours, t.elapsed())
        });
        assert_eq!(ours, ark);
        println!("2^{log_n} on one thread: ours {t_ours:?}, arkworks {t_ark:?}");
    }
}

/// One size-2^18 NTT against its floor (n/2·log n butterflies, one field mult each) and
/// arkworks' FFT, on one thread, best of 3:
/// `cargo test --release --lib ntt_floor -- --ignored --nocapture`
#[test]
#[ignore]
fn ntt_floor() {
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    let mut rng = test_rng();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let log_n = 18u32;
    let n = 1usize << log_n;
    let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let dom = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
    let best = |f: &mut dyn FnMut()| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    };
    pool.install(|| {
        let mut x = a.clone();
        let t_mul = best(&mut || x.iter_mut().zip(a.iter().cycle().skip(1)).for_each(|(v, b)| *v *= b)) / n as f64;
        let mut b = a.clone();
        let t_ours = best(&mut || { b.copy_from_slice(&a); ntt_in_place_with(&mut b, dom.group_gen, Threads::Serial) });
        let mut c = a.clone();
        let t_ark = best(&mut || { c.copy_from_slice(&a); dom.fft_in_place(&mut c) });
        let mut d = a.clone();
        let t_rev = best(&mut || { d.copy_from_slice(&a); bit_reverse_permute(&mut d) });
        let floor = (n / 2) as f64 * log_n as f64 * t_mul;
        println!("2^{log_n} one thread: mul {:.1} ns, floor {:.1} ms, ours {:.1} ms, arkworks {:.1} ms, bitrev {:.1} ms",
                 t_mul * 1e9, floor * 1e3, t_ours * 1e3, t_ark * 1e3, t_rev * 1e3);
    });
}
