"""Benchmark the PLONK prover and verifier on a synthetic circuit of 2^K rows.

    python benchmarks/prover.py --k 16

The circuit: 8 advice columns, a multiplication gate q·(a0·a1 − a2), an addition gate
q·(a3 + a4 − a5), a permutation over (a0, a2, a6) with a2[i] = a6[i] on every row and
a0[2i] = a0[2i+1], and a logUp range check a3 ∈ [0, 256) against a fixed table.
Prints ONE JSON object: ``prove_s``, per-round seconds (``rounds``), and ``floor_s`` — the time
the same process needs for the MSMs and NTTs a proof of this shape cannot avoid:

* the MSMs: one per commitment (advice, m, z, φ, r, h pieces) and one per opening point — the
  prove run's own MSM time (``msm_calls`` must equal the proof's point count);
* the NTTs: one iNTT per witness polynomial (advice, m, z, φ: interpolated in every proof; the
  fixed and σ polynomials are not counted, a key could hold their coefficients), e = n_ext/n
  size-n sub-coset NTTs per polynomial the quotient reads (the faster of one at a time and side
  by side, one per thread), and one size-n_ext coset iNTT for h — each kind timed here (median
  of 3) and multiplied by its count.

``ratio`` = prove_s / floor_s (target ≤ 2).
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np

from ezk import _native
from ezk.kzg import SRS
from ezk.plonk import Circuit, ConstraintSystem, Witness, keygen, prove, verify


def synthetic(k: int, seed: int = 0):
    """(circuit, witness) with every usable row filled."""
    cs = ConstraintSystem()
    a = [cs.advice_column(f"a{i}") for i in range(8)]
    q = cs.selector("q")
    table = cs.fixed_column("range8")
    cs.create_gate("mul", [q.cur() * (a[0].cur() * a[1].cur() - a[2].cur())])
    cs.create_gate("add", [q.cur() * (a[3].cur() + a[4].cur() - a[5].cur())])
    cs.lookup("range8", inputs=[a[3].cur()], table=[table.cur()])
    for c in (a[0], a[2], a[6]):
        cs.enable_equality(c)
    probe = Circuit(cs=cs, k=k)
    u = probe.domain.usable
    rng = np.random.default_rng(seed)
    rows = np.arange(u, dtype=np.int64)
    pairs = rows[: u - u % 2 : 2]
    copies = np.concatenate([
        np.stack([np.full(u, a[2].index), rows, np.full(u, a[6].index), rows], axis=1),
        np.stack([np.full(len(pairs), a[0].index), pairs, np.full(len(pairs), a[0].index), pairs + 1], axis=1),
    ])
    circuit = Circuit(cs=cs, k=k, fixed={q: np.ones(u, dtype=np.int64), table: np.arange(256, dtype=np.int64)},
                      copies=copies)
    a0 = np.repeat(rng.integers(-2**31, 2**31, size=(u + 1) // 2), 2)[:u]
    a1 = rng.integers(-2**31, 2**31, size=u)
    a3 = rng.integers(0, 256, size=u)
    a4 = rng.integers(-2**40, 2**40, size=u)
    prod = _native.FrVec.from_i64(a0).mul(_native.FrVec.from_i64(a1))
    witness = Witness(advice={
        a[0]: a0, a[1]: a1, a[2]: prod, a[3]: a3, a[4]: a4, a[5]: a3 + a4, a[6]: prod,
        a[7]: _native.FrVec.random(u),
    })
    return circuit, witness


def _median_seconds(f, reps: int = 3) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def ntt_floor(cs, d) -> dict:
    """The unavoidable NTTs of one proof (see the module docstring), timed on random vectors."""
    from ezk.plonk.program import FRAME_KEYS, compile_constraints

    witness_polys = (len(cs.advice) + len(cs.lookup_tables()) + len(permutation_chunks(cs))
                     + sum(len(t.chunks) for t in cs.lookup_tables()))
    quotient_polys = sum(1 for k in compile_constraints(cs, d).keys if k not in FRAME_KEYS)
    v = _native.FrVec.random(d.n, b"floor")
    big = _native.FrVec.random(d.n_ext, b"floor-ext")
    intt_s = _median_seconds(lambda: _native.intt(v))
    batch = max(1, _native.build_info()["threads"])  # side by side (EZK_QUOTIENT_BATCH) or one at a time
    sub_s = min(_median_seconds(lambda: _native.subcoset_ntt_many([v] * batch, d.n, d.n_ext, 1)) / batch,
                _median_seconds(lambda: _native.subcoset_ntt(v, d.n, d.n_ext, 1)))
    ext_s = _median_seconds(lambda: _native.coset_intt(big))
    counts = {"intt": witness_polys, "subcoset_ntt": d.ext_factor * quotient_polys, "coset_intt_ext": 1}
    total = counts["intt"] * intt_s + counts["subcoset_ntt"] * sub_s + ext_s
    return {"ntt_s": round(total, 3), "counts": counts,
            "each_s": {"intt": round(intt_s, 4), "subcoset_ntt": round(sub_s, 4), "coset_intt_ext": round(ext_s, 4)}}


def permutation_chunks(cs) -> list:
    from ezk.plonk.permutation import chunks

    return chunks(len(cs.permutation_columns), cs.permutation_chunk_size()) if cs.permutation_columns else []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=12)
    args = ap.parse_args()
    circuit, witness = synthetic(args.k)
    t0 = time.perf_counter()
    srs = SRS.generate(args.k, seed=b"bench")
    srs.lagrange(1 << args.k)
    t1 = time.perf_counter()
    pk, vk = keygen(circuit, srs)
    t2 = time.perf_counter()
    _native.reset_kernel_timers()
    rounds: dict = {}
    proof = prove(pk, srs, witness, timings=rounds)
    t3 = time.perf_counter()
    timers = _native.kernel_timers()
    proof_bytes = proof.to_bytes()
    vsrs = srs.verifier()
    t4 = time.perf_counter()
    ok = verify(vk, vsrs, [], proof_bytes)
    t5 = time.perf_counter()
    kernel_ns = sum(v["ns"] for v in timers.values())
    points = sum(len(getattr(proof, f)) for f in ("advice", "m", "z", "phi", "random", "h", "opening"))
    ntt = ntt_floor(circuit.cs, pk.vk.domain)
    msm_s = timers["msm"]["ns"] / 1e9
    floor_s = msm_s + ntt["ntt_s"]
    prove_s = t3 - t2
    print(json.dumps({
        "k": args.k,
        "rows": 1 << args.k,
        "advice_columns": len(circuit.cs.advice),
        "srs_s": round(t1 - t0, 3),
        "keygen_s": round(t2 - t1, 3),
        "prove_s": round(prove_s, 3),
        "rounds": {k: round(v, 3) for k, v in rounds.items()},
        "floor_s": round(floor_s, 3),
        "ratio": round(prove_s / floor_s, 2),
        "floor": {"msm_s": round(msm_s, 3), "msm_calls": timers["msm"]["calls"], "msm_expected": points, **ntt},
        "verify_s": round(t5 - t4, 4),
        "kernel_s": round(kernel_ns / 1e9, 3),
        "kernel": timers,
        "proof_bytes": len(proof_bytes),
        "pk_bytes": len(pk.to_bytes()),
        "vk_bytes": len(vk.to_bytes()),
        "verified": bool(ok),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
