"""Rows of a model's circuit by core op: where the rows go.

    python benchmarks/rows.py [--target accuracy|resources] [--settings-dir D] MODEL_DIR…

For each MODEL_DIR (network.onnx + input.json): gen-settings → calibrate-settings (the target;
``--settings-dir`` keeps the calibrated settings per model and reuses them on the next run) →
a measuring layout at the calibrated k, whose ``row_node`` names the graph node that placed
every row. Rows are counted in the full layout (``lay_out(shape="full")``: the wide and lean
shapes trade rows for columns at the same or a lower k, which would blur the per-op cost); the
total line also gives the rows and k of the layout actually chosen. Prints one JSON line per
(model, core op): rows, elements (output elements; input elements for reductions), rows per
element; one per ONNX op type (rows of the core nodes it lowered to, e.g. all of Softmax's);
then one JSON line per model with the totals,
k, the worst relative error against onnxruntime and whether every top-1 index (argmax over
the last axis of each output) equals onnxruntime's. Heavy models (nanoGPT tiny): run under
``flock /tmp/ezk-heavy.lock nice -n 5``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

REDUCING = ("reduce_max", "reduce_min", "sum", "argmax", "argmin")


def top_nodes(laid, n: int = 12) -> list[dict]:
    """The n nodes with the most rows (op, ONNX node, rows, elements)."""
    g = laid.graph
    rn = np.concatenate(laid.row_node)
    ids, counts = np.unique(rn[rn >= 0], return_counts=True)
    order = np.argsort(-counts)[:n]
    return [{"node": int(ids[i]), "op": g.nodes[ids[i]].op, "onnx": g.nodes[ids[i]].onnx_name, "rows": int(counts[i]),
             "elements": g.nodes[ids[i]].size} for i in order]


def rows_by_onnx_op(laid) -> dict[str, dict]:
    """{ONNX op type: {rows, elements}}: rows of every core node lowered from nodes of that type;
    elements = per ONNX node, the size of its largest core node (Softmax: its input's size)."""
    g = laid.graph
    rn = np.concatenate(laid.row_node)
    counts = np.bincount(rn[rn >= 0], minlength=len(g.nodes))
    per_node: dict[str, list] = {}
    for n in g.nodes:
        if n.op in ("input", "const"):
            continue
        e = per_node.setdefault(n.onnx_name, [n.onnx_op, 0, 0])
        e[1] += int(counts[n.id])
        e[2] = max(e[2], n.size)
    out: dict[str, dict] = {}
    for op, rows, size in per_node.values():
        e = out.setdefault(op, {"rows": 0, "elements": 0})
        e["rows"] += rows
        e["elements"] += size
    for e in out.values():
        e["rows_per_element"] = round(e["rows"] / e["elements"], 4) if e["elements"] else None
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["rows"]))


def rows_by_op(laid) -> dict[str, dict]:
    """{core op: {rows, elements, nodes, rows_per_element}} from the layout's row → node map."""
    g = laid.graph
    rn = np.concatenate(laid.row_node) if laid.row_node else np.zeros(0, np.int64)
    ids, counts = np.unique(rn[rn >= 0], return_counts=True)
    per_node = dict(zip(ids.tolist(), counts.tolist()))
    out: dict[str, dict] = {}
    for n in g.nodes:
        r = per_node.get(n.id, 0)
        if n.op in ("input", "const", "index_map") and r == 0:
            continue
        elems = g.nodes[n.inputs[0]].size if n.op in REDUCING and n.inputs else n.size
        e = out.setdefault(n.op, {"rows": 0, "elements": 0, "nodes": 0})
        e["rows"] += r
        e["elements"] += elems
        e["nodes"] += 1
    for e in out.values():
        e["rows_per_element"] = round(e["rows"] / e["elements"], 4) if e["elements"] else None
    unattributed = int((rn < 0).sum())
    if unattributed:
        out["(none)"] = {"rows": unattributed, "elements": 0, "nodes": 0, "rows_per_element": None}
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["rows"]))


def measure(model_dir: Path, target: str, settings_dir: Path | None, verbose: bool = False) -> list[dict]:
    from ezk import api
    from ezk.graph.forward import forward
    from ezk.graph.lower import lower_model
    from ezk.graph.onnx_import import load_onnx
    from ezk.inputs import load_input_data
    from ezk.layout import lay_out
    from ezk.reference import run_reference
    from ezk.settings import Settings
    from ezk.witness import quantized_inputs

    onnx_path, data = model_dir / "network.onnx", model_dir / "input.json"
    name = model_dir.name if model_dir.parent.name not in ("nanogpt",) else f"nanogpt_{model_dir.name}"
    sdir = settings_dir or Path(tempfile_dir())
    sdir.mkdir(parents=True, exist_ok=True)
    spath = sdir / f"{name}.{target}.settings.json"
    times = {}
    t = time.perf_counter()
    if not spath.is_file():
        api.gen_settings(onnx_path, spath)
        api.calibrate_settings(onnx_path, data, spath, target=target)
        times["calibrate_s"] = round(time.perf_counter() - t, 1)
    st = Settings.load(spath)
    om = load_onnx(onnx_path, st.run_args.variables_dict)
    graph, _ = lower_model(om, st.run_args, st.lookup_scales)
    values = load_input_data(data)
    trace = forward(graph, quantized_inputs(graph, values))
    ref = run_reference(om, values)
    worst, top1 = 0.0, True
    for oname, oid in zip(graph.output_names, graph.outputs):
        y = trace.values[oid] / 2.0 ** graph.nodes[oid].scale
        r = np.asarray(ref[oname], dtype=np.float64).reshape(y.shape)
        if r.size:
            worst = max(worst, float(np.abs(y - r).max() / max(np.abs(r).max(), 1e-12)))
            if y.ndim and y.shape[-1] > 1:
                top1 &= bool(np.array_equal(y.argmax(-1), r.argmax(-1)))
    t = time.perf_counter()
    chosen = lay_out(graph, st).stats
    try:
        laid = lay_out(graph, st, shape="full")
    except TypeError:  # a layout from before the shape argument (a baseline run): force it
        import ezk.layout.circuit as circuit

        circuit._wide_helps, circuit._lean_fits = (lambda p: False), (lambda p: 0)
        laid = lay_out(graph, st)
    times["layout_s"] = round(time.perf_counter() - t, 1)
    by_op = rows_by_op(laid)
    lines = [{"model": name, "op": op, **v} for op, v in by_op.items()]
    lines += [{"model": name, "onnx_op": op, **v} for op, v in rows_by_onnx_op(laid).items() if v["rows"]]
    if verbose:
        lines += [{"model": name, "top": t} for t in top_nodes(laid)]
    total = sum(v["rows"] for v in by_op.values())
    non_einsum = total - by_op.get("einsum", {}).get("rows", 0)
    lines.append({"model": name, "op": "TOTAL", "rows": total, "non_einsum_rows": non_einsum,
                  "full_num_rows": laid.stats["num_rows"], "full_min_k": laid.stats["min_k"],
                  "chosen": {"num_rows": chosen["num_rows"], "min_k": chosen["min_k"], "lean": chosen["lean"],
                             "wide": chosen["wide"], "limb_bits": chosen["limb_bits"]},
                  "scale": st.run_args.input_scale, "lookup_range": list(st.run_args.lookup_range),
                  "max_rel_err": round(worst, 6), "top1_identical": top1, **times,
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})
    return lines


def tempfile_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="ezk-rows-")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--target", default=None, help="calibration target (default: accuracy for nanoGPT, else resources)")
    ap.add_argument("--settings-dir", type=Path, default=None)
    ap.add_argument("--top", action="store_true", help="also print the nodes with the most rows")
    args = ap.parse_args()
    for d in map(Path, args.dirs):
        target = args.target or ("accuracy" if "nanogpt" in str(d) else "resources")
        try:
            for line in measure(d, target, args.settings_dir, args.top):
                print(json.dumps(line), flush=True)
        except Exception as exc:  # one line per model whatever happens
            print(json.dumps({"model": d.name, "op": "ERROR", "error": f"{type(exc).__name__}: {exc}"}), flush=True)
            sys.exitcode = 1


if __name__ == "__main__":
    main()
