"""Benchmark the PLONK prover and verifier on a synthetic circuit of 2^K rows.

    python benchmarks/prover.py --k 16

The circuit: 8 advice columns, a multiplication gate q·(a0·a1 − a2), an addition gate
q·(a3 + a4 − a5), a permutation over (a0, a2, a6) with a2[i] = a6[i] on every row and
a0[2i] = a0[2i+1], and a logUp range check a3 ∈ [0, 256) against a fixed table.
Prints ONE JSON object.
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
    proof = prove(pk, srs, witness)
    t3 = time.perf_counter()
    timers = _native.kernel_timers()
    proof_bytes = proof.to_bytes()
    vsrs = srs.verifier()
    t4 = time.perf_counter()
    ok = verify(vk, vsrs, [], proof_bytes)
    t5 = time.perf_counter()
    kernel_ns = sum(v["ns"] for v in timers.values())
    print(json.dumps({
        "k": args.k,
        "rows": 1 << args.k,
        "advice_columns": len(circuit.cs.advice),
        "srs_s": round(t1 - t0, 3),
        "keygen_s": round(t2 - t1, 3),
        "prove_s": round(t3 - t2, 3),
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
