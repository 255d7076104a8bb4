"""The quotient alone: the native constraint program against the Python reference evaluator on
the same circuit and the same polynomials.

    python benchmarks/quotient.py --k 16                       # the synthetic circuit of prover.py
    python benchmarks/quotient.py --model ../shared/models/nanogpt/micro
    python benchmarks/quotient.py --k 18 --skip-python         # native only

Every polynomial the constraints read gets random coefficients (the cost does not depend on the
values). Prints ONE JSON object: seconds of each evaluator, whether their pieces are equal byte
for byte, the program's size (constraints, DAG nodes, instructions, groups), the NTT time inside
the native run and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from ezk import _native
from ezk.plonk.circuit import domain_of
from ezk.plonk.program import FRAME_KEYS
from ezk.plonk.protocol import Challenges
from ezk.plonk.quotient import QuotientEvaluator
from ezk.plonk.vanishing import quotient_pieces


def model_circuit(model_dir: Path):
    """The circuit of an ONNX model directory (network.onnx, input.json), calibrated for resources."""
    from ezk import api
    from ezk.compiled import load_compiled
    from ezk.layout import lay_out

    with tempfile.TemporaryDirectory() as tmp:
        settings, compiled = Path(tmp) / "settings.json", Path(tmp) / "model.compiled"
        api.gen_settings(model_dir / "network.onnx", settings)
        api.calibrate_settings(model_dir / "network.onnx", model_dir / "input.json", settings, target="resources")
        api.compile_circuit(model_dir / "network.onnx", compiled, settings)
        comp = load_compiled(compiled)
        return lay_out(comp.graph, comp.settings).circuit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=14, help="rows of the synthetic circuit (2^k)")
    ap.add_argument("--model", type=Path, help="a model directory instead of the synthetic circuit")
    ap.add_argument("--skip-python", action="store_true", help="time the native evaluator only")
    args = ap.parse_args()
    if args.model:
        circuit = model_circuit(args.model)
    else:
        from prover import synthetic

        circuit = synthetic(args.k)[0]
    cs = circuit.cs
    d = domain_of(cs, circuit.k)
    t = time.perf_counter()
    ev = QuotientEvaluator(cs, d)
    compile_s = time.perf_counter() - t
    keys = [k for k in ev.program.keys if k not in FRAME_KEYS]
    coeffs = {key: _native.FrVec.random(d.n, repr(key).encode()) for key in keys}
    ch = Challenges(user=tuple(range(5, 5 + len(cs.challenges))), theta=11, beta=22, gamma=33, y=44)
    _native.reset_kernel_timers()
    t = time.perf_counter()
    native = ev.pieces(coeffs, ch)
    native_s = time.perf_counter() - t
    ntt_s = _native.kernel_timers()["ntt"]["ns"] / 1e9
    out = {
        "k": circuit.k, "n_ext": d.n_ext, "constraints": len(ev.program.roots), "polynomials": len(keys),
        "dag_nodes": len(ev.program.builder.nodes), "groups": len(ev.groups),
        "instructions": sum(g.native.instructions for g in ev.groups), "compile_s": round(compile_s, 3),
        "native_s": round(native_s, 3), "native_ntt_s": round(ntt_s, 3),
        "native_cpu_s": {k: round(v, 3) for k, v in ev.cpu.items()},
        "native_wall_s": {k: round(v, 3) for k, v in ev.wall.items()},
    }
    if not args.skip_python:
        selectors = tuple(_native.intt(d.row_indicator(r)) for r in
                          (range(0, 1), range(d.usable, d.usable + 1), range(d.usable + 1, d.n)))
        t = time.perf_counter()
        ref = quotient_pieces(coeffs, selectors, cs, d, ch)
        out["python_s"] = round(time.perf_counter() - t, 3)
        out["speedup"] = round(out["python_s"] / native_s, 2)
        out["equal"] = [p.to_bytes() for p in native] == [p.to_bytes() for p in ref]
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
