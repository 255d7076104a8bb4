"""Hashed visibility costs; prints ONE JSON object.

* ``hash_us_per_element``: EZKL's Poseidon sponge in ``ezk._native`` (one permutation per
  element), over a message of 10^5 elements;
* ``gadget_rows_per_element``: rows of the circuit gadget per hashed element (+1 per tensor);
* ``layout_s`` / ``layout_rows``: laying out (with values) a model whose 10^4-element input is
  hashed;
* ``prove``: a small model y = x·W (x: 1×16 input, W: 16×8 weights, 152 elements) proven with
  everything hashed (input, weights, output) and with EZKL's defaults (private input, fixed
  weights, public output), each at its smallest k: k, rows, keygen and prove seconds.

Usage: ``python benchmarks/poseidon.py``
"""

from __future__ import annotations

import json
import resource
import time

import numpy as np

from ezk.graph.forward import forward
from ezk.graph.ir import Graph, Node
from ezk.kzg import SRS
from ezk.layout import lay_out
from ezk.layout.poseidon import rows_per_element
from ezk.plonk import keygen, prove, verify
from ezk.poseidon import hash_messages
from ezk.settings import RunArgs


def _graph(n_in: int, n_out: int, vis: str, params: str) -> Graph:
    rng = np.random.default_rng(0)
    w = rng.integers(-100, 100, size=(n_in, n_out))
    nodes = [Node(0, "input", [], {"index": 0, "visibility": vis}, (1, n_in), 7, "x", "input"),
             Node(1, "const", [], {"visibility": params}, (n_in, n_out), 7, "W", "Constant", {"value": w}),
             Node(2, "einsum", [0, 1], {"equation": "ij,jk->ik"}, (1, n_out), 14, "y", "MatMul")]
    return Graph(nodes=nodes, inputs=[0], outputs=[2], input_names=["x"], output_names=["y"])


def _prove(vis_in: str, params: str, vis_out: str) -> dict:
    g = _graph(16, 8, vis_in, params)
    x = np.random.default_rng(1).integers(-100, 100, size=(1, 16))
    ra = RunArgs(logrows=26, input_visibility=vis_in, output_visibility=vis_out, param_visibility=params)
    k = lay_out(g, ra).stats["min_k"]
    ra.logrows = k
    laid = lay_out(g, ra, forward(g, [x]))
    srs = SRS.generate(k, seed=b"bench")
    t0 = time.perf_counter()
    pk, vk = keygen(laid.circuit, srs)
    t1 = time.perf_counter()
    proof = prove(pk, srs, laid.witness)
    t2 = time.perf_counter()
    ok = verify(vk, srs.verifier(), laid.instances, proof)
    return {"k": k, "rows": laid.stats["num_rows"], "keygen_s": round(t1 - t0, 3), "prove_s": round(t2 - t1, 3),
            "verified": bool(ok)}


def main() -> None:
    msg = np.arange(100_000, dtype=np.int64) - 50_000
    t0 = time.perf_counter()
    hash_messages([msg])
    hash_us = (time.perf_counter() - t0) / msg.size * 1e6

    g = _graph(10_000, 1, "hashed", "fixed")
    x = np.random.default_rng(2).integers(-100, 100, size=(1, 10_000))
    ra = RunArgs(logrows=20, input_visibility="hashed", output_visibility="public", param_visibility="fixed")
    tr = forward(g, [x])
    t0 = time.perf_counter()
    laid = lay_out(g, ra, tr)
    layout_s = time.perf_counter() - t0

    out = {
        "hash_us_per_element": round(hash_us, 2),
        "gadget_rows_per_element": rows_per_element(),
        "layout_s": round(layout_s, 3),
        "layout_rows": laid.stats["poseidon_rows"],
        "prove": {
            "hashed": _prove("hashed", "hashed", "hashed"),
            "default": _prove("private", "fixed", "public"),
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
