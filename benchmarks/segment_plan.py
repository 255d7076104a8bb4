"""Planning only (no layout of the whole model, no keys, no proofs): how many segments of 2^K
rows a model is cut into, and how full they are.

    python benchmarks/segment_plan.py MODEL_DIR K

MODEL_DIR holds network.onnx; settings are the defaults with segment_logrows = K. Prints ONE
JSON object: segments, k, planning seconds, mean and least fill (rows / usable rows), rows.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    from ezk.api import _front
    from ezk.layout.circuit import usable_rows
    from ezk.segments.plan import plan_segments
    from ezk.settings import RunArgs, Settings

    model, k = sys.argv[1], int(sys.argv[2])
    F = _front()
    ra = RunArgs(segment_logrows=k).validate()
    st = Settings(run_args=ra)
    graph, _ = F.lower_model(F.load_onnx(str(Path(model) / "network.onnx"), ra.variables_dict), ra, st.lookup_scales)
    t = time.perf_counter()
    from ezk.api import split_for_segments

    graph = split_for_segments(graph, st, k)  # as compile-circuit does: an einsum too large for a segment, split
    plan = plan_segments(graph, st, k)
    rows = [s["num_rows"] for s in plan.stats] if plan else []
    u = usable_rows(k)
    print(json.dumps({"model": model, "k": k, "segments": len(rows) or 1, "plan_s": round(time.perf_counter() - t, 1),
                      "fill_mean": round(sum(rows) / len(rows) / u, 3) if rows else None,
                      "fill_min": round(min(rows) / u, 3) if rows else None, "rows": rows}))


if __name__ == "__main__":
    main()
