"""A resource ESTIMATE from op counts, used until the layout computes exact numbers.

Advice cells per node (rough, by op): einsum out·(K+1); elementwise ops out·(inputs+1); sums and
reductions in+out; rescale 3·out (input copy, quotient, remainder); lookup 2·out; gather 2·out;
inputs their size; index maps and constants 0.  rows ≈ cells / num_inner_cols, and the table
needs (hi − lo + 1) rows; logrows = ⌈log2(max(rows, table) + reserve)⌉."""

from __future__ import annotations

import math

import numpy as np

from ezk.graph.ir import Graph
from ezk.ops.einsum import contraction_size
from ezk.settings import RunArgs

RESERVED_ROWS = 64  # blinding rows and margins


def estimate(graph: Graph, ra: RunArgs) -> tuple[int, int, int]:
    """(num_rows, total_assignments, logrows) — an estimate, not the layout's exact count."""
    cells = 0
    for n in graph.nodes:
        out = n.size
        ins = [graph.nodes[i] for i in n.inputs]
        if n.op == "einsum":
            cells += out * (contraction_size(n, [i.shape for i in ins]) + 1)
        elif n.op in ("add", "sub", "mul", "neg", "max", "min", "compare", "where"):
            cells += out * (len(ins) + 1)
        elif n.op in ("sum", "reduce_max", "reduce_min", "argmax", "argmin"):
            cells += sum(i.size for i in ins) + out
        elif n.op == "rescale":
            cells += 3 * out
        elif n.op in ("lookup", "gather"):
            cells += 2 * out
        elif n.op == "input":
            cells += out
    rows = math.ceil(cells / max(1, ra.num_inner_cols))
    lo, hi = ra.lookup_range
    need = max(rows, hi - lo + 1) + RESERVED_ROWS
    return rows, cells, max(1, math.ceil(math.log2(need)))
