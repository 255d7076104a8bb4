"""What the range checks of leaves (inputs, private/hashed parameters) cost: rows, k, layout time.

    python benchmarks/leaf_rows.py [--param-visibility V] [--input-visibility V] DIR…

Each DIR holds network.onnx and input.json. Per model: gen-settings (defaults, logrows raised to
the circuit's minimum) → compile-circuit → gen-witness, then the circuit is laid out with the
witness (timed). Prints one JSON line per model: rows, min_k, k, advice cells, lookup entries,
the leaf elements (range-checked ones where this ezk checks them), the layout's seconds and peak
RSS. Run it with PYTHONPATH at two trees to compare them (the script uses only ezk.api and
ezk.layout, which both have).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path


def measure(model_dir: Path, input_visibility: str, param_visibility: str) -> dict:
    import numpy as np

    from ezk import api
    from ezk.compiled import load_compiled
    from ezk.graph.forward import forward
    from ezk.layout import lay_out
    from ezk.proving import quantized_inputs_from_witness

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        api.gen_settings(model_dir / "network.onnx", t / "settings.json", input_visibility=input_visibility,
                         param_visibility=param_visibility)
        api.compile_circuit(model_dir / "network.onnx", t / "model.compiled", t / "settings.json")
        api.gen_witness(t / "model.compiled", model_dir / "input.json", t / "witness.json")
        comp = load_compiled(t / "model.compiled")
        q = quantized_inputs_from_witness(comp, t / "witness.json")
        trace = forward(comp.graph, [q[i] for i in comp.graph.inputs])
        t0 = time.perf_counter()
        laid = lay_out(comp.graph, comp.settings, trace)
        seconds = time.perf_counter() - t0
    g = comp.graph
    leaves = [n for n in g.nodes if n.op == "input" or (n.op == "const" and n.attrs.get("visibility", "fixed") != "fixed")]
    s = laid.stats
    return {"model": model_dir.name, "rows": s["num_rows"], "min_k": s["min_k"], "k": s["k"],
            "advice_cells": s["advice_cells"], "lookup_entries": s["lookup_entries"], "tables": s["tables"],
            "leaf_elements": int(sum(int(np.prod(n.shape)) for n in leaves)),
            "range_checked_leaves": bool(getattr(laid, "leaf_cells", None)),
            "layout_s": round(seconds, 2), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--input-visibility", default="private")
    ap.add_argument("--param-visibility", default="fixed")
    args = ap.parse_args(argv)
    for d in args.dirs:
        print(json.dumps(measure(d, args.input_visibility, args.param_visibility)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
