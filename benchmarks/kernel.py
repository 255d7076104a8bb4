"""Micro-benchmarks of the native kernel ``ezk._native``; prints ONE JSON object.

Each operation is timed from Python (wall clock around the call: includes the Python call
overhead and the copy of the result into a new vector) and, for MSM / NTT, also inside Rust
via ``kernel_timers()``, so the two can be compared:

* ``msm``/``msm_native``: ns per point for an MSM of 2^k random scalars over 2^k bases;
* ``ntt``/``ntt_native``: ns per element for a forward NTT of size 2^k;
* ``coset_ntt_4x``: ns per output element for a coset NTT of 2^k coefficients onto 4·2^k;
* ``pairing_check_ms``: a 2-pair multi-pairing check;
* ``fr_mul_ns``: element-wise product of two 2^20 vectors, per element.

Usage: ``python benchmarks/kernel.py [--quick]`` (``--quick`` stops at 2^16).
"""

from __future__ import annotations

import json
import sys
import time

import ezk._native as nat


def _best(fn, repeat: int) -> tuple[float, int]:
    """Best wall time (s) of ``repeat`` calls, and the native ns of that call (0 if untimed)."""
    best, best_native = float("inf"), 0
    for _ in range(repeat):
        nat.reset_kernel_timers()
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        timers = nat.kernel_timers()
        if dt < best:
            best = dt
            best_native = timers["msm"]["ns"] + timers["ntt"]["ns"]
    return best, best_native


def main() -> None:
    quick = "--quick" in sys.argv
    msm_ks = [12, 16] if quick else [16, 18, 20]
    ntt_ks = [12, 16] if quick else [16, 20]
    out: dict = {"build": nat.build_info(), "msm": {}, "msm_native": {}, "ntt": {},
                 "ntt_native": {}, "coset_ntt_4x": {}}

    kmax = max(msm_ks)
    t0 = time.perf_counter()
    bases = nat.G1Vec.powers_of_tau(0x1234567890ABCDEF, 1 << kmax)
    out["powers_of_tau_ns_per_point"] = (time.perf_counter() - t0) * 1e9 / (1 << kmax)
    scalars_all = nat.FrVec.random(1 << kmax, seed=b"bench-msm")
    for k in msm_ks:
        n = 1 << k
        s = scalars_all.slice(0, n)
        wall, native = _best(lambda: bases.msm(s), 1 if k >= 20 else 2)
        out["msm"][str(k)] = round(wall * 1e9 / n, 1)
        out["msm_native"][str(k)] = round(native / n, 1)

    for k in ntt_ks:
        n = 1 << k
        v = nat.FrVec.random(n, seed=b"bench-ntt")
        wall, native = _best(lambda: nat.ntt(v), 3)
        out["ntt"][str(k)] = round(wall * 1e9 / n, 1)
        out["ntt_native"][str(k)] = round(native / n, 1)
        wall, _ = _best(lambda: nat.coset_ntt(v, 4 * n), 1)
        out["coset_ntt_4x"][str(k)] = round(wall * 1e9 / (4 * n), 1)

    g1, g2 = nat.G1.generator(), nat.G2.generator()
    a, b = 0xDEADBEEF, 0xC0FFEE
    lhs, rhs = [g1.mul(a), g1.mul(a * b).neg()], [g2.mul(b), g2]
    wall, _ = _best(lambda: nat.pairing_check(lhs, rhs), 3)
    out["pairing_check_ms"] = round(wall * 1e3, 2)

    x = nat.FrVec.random(1 << 20, seed=b"x")
    y = nat.FrVec.random(1 << 20, seed=b"y")
    wall, _ = _best(lambda: x.mul(y), 3)
    out["fr_mul_ns"] = round(wall * 1e9 / (1 << 20), 2)

    print(json.dumps(out))


if __name__ == "__main__":
    main()
