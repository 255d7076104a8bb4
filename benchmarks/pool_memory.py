"""Memory of a large pooling layout; prints ONE JSON object.

A 1-D MaxPool over ``--length`` elements (kernel 200, dilation 10, stride 10, pads 100 by
default: issue 20's model at 220,000) is run through ``ezk gen-settings``, ``compile-circuit``,
``gen-witness`` and ``mock`` as separate processes; for each: seconds and peak RSS (the child's
ru_maxrss), and the circuit's rows and logrows from the settings.

Usage: ``python benchmarks/pool_memory.py [--length 22000] [--kernel 200] [--dilation 10]
[--stride 10] [--pad 100] [--workdir DIR]``  (run the full size under the shared lock)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper


def _model(path: Path, n: int, kernel: int, dilation: int, stride: int, pad: int) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, n])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[kernel], dilations=[dilation], strides=[stride],
                            pads=[pad, pad])
    onnx.save(helper.make_model(helper.make_graph([node], "pool", [x], [y]),
                                opset_imports=[helper.make_opsetid("", 17)]), path)


def _run(args: list[str], cwd: Path) -> dict:
    """One ezk command in a child process: its seconds and its own peak RSS (os.wait4)."""
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    with open(cwd / f"{args[0]}.err", "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    out = {"seconds": round(time.perf_counter() - t0, 1), "ok": code == 0, "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}
    if code:
        out["error"] = ((cwd / f"{args[0]}.err").read_text().strip().splitlines() or [""])[-1]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--length", type=int, default=22_000)
    ap.add_argument("--kernel", type=int, default=200)
    ap.add_argument("--dilation", type=int, default=10)
    ap.add_argument("--stride", type=int, default=10)
    ap.add_argument("--pad", type=int, default=100)
    ap.add_argument("--workdir", default=None)
    a = ap.parse_args()
    work = Path(a.workdir or tempfile.mkdtemp(prefix="ezk-pool-"))
    work.mkdir(parents=True, exist_ok=True)
    _model(work / "network.onnx", a.length, a.kernel, a.dilation, a.stride, a.pad)
    x = np.random.default_rng(0).uniform(-1, 1, a.length).round(4)
    (work / "input.json").write_text(json.dumps({"input_data": [x.tolist()]}))
    steps = {"gen_settings": _run(["gen-settings", "-M", "network.onnx", "-O", "settings.json"], work)}
    if steps["gen_settings"]["ok"]:
        s = json.loads((work / "settings.json").read_text())
        rows = {"num_rows": s["num_rows"], "logrows": s["run_args"]["logrows"], "advice_cells": s["total_assignments"]}
        steps["compile"] = _run(["compile-circuit", "-M", "network.onnx", "-S", "settings.json",
                                 "--compiled-circuit", "model.compiled"], work)
        steps["gen_witness"] = _run(["gen-witness", "-M", "model.compiled", "-D", "input.json", "-O", "witness.json"], work)
        steps["mock"] = _run(["mock", "-M", "model.compiled", "--witness", "witness.json"], work)
    else:
        rows = {}
    print(json.dumps({"length": a.length, "kernel": a.kernel, "dilation": a.dilation, **rows, **steps}, indent=2))


if __name__ == "__main__":
    main()
