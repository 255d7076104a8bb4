"""A private-index gather over a large fixed tensor (a token embedding): indices normalised by
the lowering so each column's table holds n rows (not 2n), and lookups placed bank by bank
(``bank_order``) so each bank is read from about one slot — one lookup argument per bank, not
one per slot and bank. The cells stay constrained and the output is the ONNX gather's."""

from __future__ import annotations

import re

import numpy as np
import pytest
from onnx import TensorProto, helper

from ezk.layout.mutate import mutation_check
from ezk.layout.ops.nonlinear import bank_order
from tests.onnx_models import initializer, model, value_info

V, C, T = 1000, 64, 6  # vocabulary, embedding width, tokens: 64 tables of 1000 rows, 8 per bank at K 13


def test_bank_order_gives_each_group_one_slot():
    m, per, slots = 5, 8, 4
    col = np.repeat(np.arange(C), m)  # 5 lookups per column
    order = bank_order(col, V, per * V + 7, slots)
    assert sorted(order.tolist()) == list(range(col.size))  # a permutation: the same lookups
    placed = col[order] // per  # the group of the lookup at each position
    slot = np.arange(col.size) % slots
    for g in range(C // per):
        assert len(set(slot[placed == g].tolist())) == 1
    # tables spanning fewer banks than slots: row-major (every slot, fewer rows)
    assert np.array_equal(bank_order(col, V, 100 * V, slots), np.arange(col.size))


def _embedding(tokens, shape="auto"):
    """Gather(E, tokens) through the ONNX front end: the lowering normalises the indices.
    ``shape="full"``: every slot open to function and gather lookups (as in a full segment;
    this small circuit alone would get the lean layout, one slot)."""
    from ezk.api import _front
    from ezk.graph.forward import forward
    from ezk.layout import lay_out
    from ezk.settings import RunArgs

    E = np.random.default_rng(0).normal(0, 1, (V, C)).astype(np.float32)
    m = model([helper.make_node("Gather", ["E", "t"], ["y"], axis=0)],
              [value_info("t", [T], TensorProto.INT64)], [value_info("y", [T, C])], [initializer("E", E)])
    F = _front()
    ra = RunArgs(logrows=13, input_scale=0, param_scale=7, lookup_range=[-256, 256])
    import onnx
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "m.onnx"
        onnx.save(m, p)
        graph, _ = F.lower_model(F.load_onnx(str(p)), ra, None)
    values = forward(graph, [np.asarray(tokens, np.int64)])
    return E, graph, lay_out(graph, ra, values, shape=shape)


def test_embedding_gather_tables_are_n_rows_and_banks_read_from_one_slot():
    from ezk.plonk import mock

    tokens = [3, -1, 999, -1000, 0, 3]  # ONNX Gather: negative indices count from the end
    E, graph, laid = _embedding(tokens, shape="full")
    assert laid.stats["lean"] == 0
    assert mock(laid.circuit, laid.witness) == []
    want = np.round(E[np.asarray(tokens) % V] * 2 ** 7)
    assert np.array_equal(np.asarray(laid.instances[0]).reshape(T, C), want)
    gather = next(n for n in graph.nodes if n.op == "gather")
    assert gather.attrs.get("nonnegative")
    assert laid.stats["table_rows"] < 2 * C * V  # n rows per column, not 2n
    names = [lk.name for lk in laid.circuit.cs.lookups]
    per_bank: dict[int, set] = {}
    for name in names:
        if (hit := re.fullmatch(r"lookup\.b\d+\.s(\d+)\.k(\d+)", name)):
            per_bank.setdefault(int(hit.group(2)), set()).add(int(hit.group(1)))
    # 64 tables of 1000 rows fill 8 banks of their own at K 13 (Tables.pack), each read from one
    # slot (row-major placement read each from all 4); the comparison's range table is in a ninth,
    # read from every slot (range checks use them all)
    gather_banks = {k: s for k, s in per_bank.items() if len(s) < 4}
    assert len(gather_banks) == 8 and laid.stats["banks"] == 9
    assert all(len(s) == 1 for s in gather_banks.values())


def test_embedding_gather_cells_are_all_constrained():
    _, graph, laid = _embedding([7, -3, 0, 500, -1, 999])
    nodes = {n.id for n in graph.nodes if n.op in ("gather", "compare", "mul", "add", "input")}
    n, accepted = mutation_check(laid, count=200, seed=5, nodes=nodes)
    assert n > 0 and accepted == []


def test_an_index_outside_the_vocabulary_is_one_clear_error():
    from ezk.errors import WitnessError

    with pytest.raises(WitnessError, match="outside"):
        _embedding([0, 1, 2, 3, 4, V])
