"""The quotient program's evaluator alone: every group's ``QuotientProgram.evaluate`` over one
sub-coset of a model's circuit, without the NTTs around it.

    RAYON_NUM_THREADS=1 python benchmarks/quotient_evaluate.py --model ../shared/models/nanogpt/tiny

The values are random (the cost does not depend on them): 16 distinct vectors, cycled over the
program's slots. Prints ONE JSON object: the best of three passes over all groups (seconds and
ns per point per instruction), the program's size and peak RSS. Run it with RAYON_NUM_THREADS=1
for a figure per core.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from quotient import model_circuit

from ezk import _native
from ezk.plonk.circuit import domain_of
from ezk.plonk.quotient import QuotientEvaluator


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="a model directory (network.onnx, input.json)")
    args = ap.parse_args()
    circuit = model_circuit(args.model)
    d = domain_of(circuit.cs, circuit.k)
    ev = QuotientEvaluator(circuit.cs, d)
    vecs = [_native.FrVec.random(d.n, b"slot %d" % i) for i in range(16)]
    values = [vecs[i % len(vecs)] for i in range(len(ev.program.keys))]
    challenges = [11, 22, 33, *range(5, 5 + len(circuit.cs.challenges))]
    acc = _native.FrVec.zeros(d.n)
    passes = []
    for _ in range(3):
        t = time.perf_counter()
        for g in ev.groups:
            g.native.evaluate(values, challenges, 44, acc)
        passes.append(time.perf_counter() - t)
    instructions = sum(g.native.instructions for g in ev.groups)
    print(json.dumps({
        "n": d.n, "groups": len(ev.groups), "instructions": instructions, "evaluate_s": round(min(passes), 3),
        "ns_per_point_instruction": round(min(passes) * 1e9 / d.n / instructions, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
