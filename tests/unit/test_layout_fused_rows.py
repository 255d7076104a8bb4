"""Rows shared between ops (ezk/layout/distinct.py, ezk/layout/ops/lookup_sum.py): elementwise
ops skip constant elements and place repeated inputs once; a sum over a lookup's output rides
in the lookup rows' LIN lanes; a rescale of a power-of-two multiple drops the known zero bits.

Each: the honest witness passes the mock, every changed cell is rejected (mutation, every row
kind), and a forged running sum — the new cell kind — is rejected naming the LIN gate
(tests/e2e/test_gadget_forgeries_prove.py: the same forgery proven does not verify)."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.graph.forward import forward
from ezk.layout.mutate import mutation_check
from ezk.plonk import mock
from ezk.settings import RunArgs
from tests.unit.gadget_graphs import MASKED_XS, forge_cell, lay_out_capturing, masked_lookup_sum_graph

RA = RunArgs(logrows=13, lookup_range=[-256, 256], output_visibility="public")


def _rows(laid, nid: int) -> int:
    return int((np.concatenate(laid.row_node) == nid).sum())


SHAPES = ["full", "wide", "lean1", "lean2"]


def _shape(monkeypatch, shape: str) -> str:
    """Force the layout's shape: the full one, or the wide / lean (1 or 2 lanes) one."""
    from ezk.layout import circuit

    if shape == "wide":
        monkeypatch.setattr(circuit, "_wide_helps", lambda p: True)
    elif shape.startswith("lean"):
        monkeypatch.setattr(circuit, "_wide_helps", lambda p: False)
        monkeypatch.setattr(circuit, "_lean_fits", lambda p: int(shape[-1]))
    return "full" if shape == "full" else "auto"


@pytest.mark.parametrize("shape", SHAPES)
def test_masked_lookup_and_sum_share_rows_and_resist_mutation(shape, monkeypatch):
    graph, ids = masked_lookup_sum_graph()
    laid, total = lay_out_capturing(graph, RA, forward(graph, MASKED_XS), ids["sum"],
                                    shape=_shape(monkeypatch, shape))
    assert bool(laid.stats["wide"]) == (shape == "wide") and laid.stats["lean"] == (int(shape[-1]) if "lean" in shape else 0)
    assert mock(laid.circuit, laid.witness) == []
    assert _rows(laid, ids["sum"]) == 0  # the sum sits in the lookup's rows
    assert not total.is_const.any()
    # 12 live elements (the mask leaves 1 + 2 + 3 + 4, the two repeats): 10 distinct rescales,
    # 12 lookups in the rows of the sum, the product skips the 12 constants of e
    if shape == "full":
        assert _rows(laid, ids["lookup"]) == -(-12 // 4)
        assert _rows(laid, ids["rescale"]) <= -(-10 // 2)
    n, accepted = mutation_check(laid, count=10_000, seed=21)
    assert n > 50 and accepted == []


def test_a_forged_sum_is_rejected_by_the_lin_gate():
    graph, ids = masked_lookup_sum_graph()
    laid, total = lay_out_capturing(graph, RA, forward(graph, MASKED_XS), ids["sum"], shape="full")
    for i in range(4):  # every row's sum, claimed one larger (its public copy too)
        forged = forge_cell(laid, int(total.g[i, 0]), int(total.c[i, 0]), 1, instance_index=i)
        fails = mock(laid.circuit, forged)  # its running sum's relation (and its copy into p's rows)
        assert any(f.kind == "gate" and f.name.startswith("lin") for f in fails), fails
        assert all(f.kind in ("gate", "copy") for f in fails), fails


def test_a_forged_partial_sum_breaks_its_row_and_the_next():
    graph, ids = masked_lookup_sum_graph()
    laid, total = lay_out_capturing(graph, RA, forward(graph, MASKED_XS), ids["sum"], shape="full")
    g, c = int(total.g[3, 0]), int(total.c[3, 0])  # row 3 of x: 5 live elements over two rows
    rn = np.concatenate(laid.row_node)
    assert rn[g - 1] == ids["lookup"]
    forged = forge_cell(laid, g - 1, c, 1)  # its running value one row earlier
    fails = mock(laid.circuit, forged)
    assert {f.row for f in fails} == {g - 1, g} and all(f.kind == "gate" for f in fails), fails


def test_constants_and_repeats_cost_no_rows_and_keep_the_values():
    """The outputs equal the forward pass's (public S; p through the mock) with the mask's
    constants folded: the rescale and the lookup place only distinct live elements."""
    graph, ids = masked_lookup_sum_graph()
    tr = forward(graph, MASKED_XS)
    laid, r = lay_out_capturing(graph, RA, tr, ids["rescale"], shape="full")
    assert int(r.is_const.sum()) == 12
    live = r[~r.is_const]
    assert live.size == 12 and len({(int(a), int(b)) for a, b in zip(live.g, live.c)}) == 10  # 2 repeats
    assert np.array_equal(np.asarray(laid.instances[0][:4], dtype=object) % (1 << 64),
                          np.asarray([int(v) for v in tr.values[ids["sum"]].reshape(-1)], dtype=object) % (1 << 64))


WIDE_XS = [MASKED_XS[0] << 12]


@pytest.mark.parametrize("shape", SHAPES)
def test_a_two_limb_rescale_its_lookup_and_sum_share_rows_and_resist_mutation(shape, monkeypatch):
    graph, ids = masked_lookup_sum_graph(wide_remainder=True)
    laid, q = lay_out_capturing(graph, RA, forward(graph, WIDE_XS), ids["rescale"], shape=_shape(monkeypatch, shape))
    assert mock(laid.circuit, laid.witness) == []
    assert laid.stats["limb_bits"] < 14 <= 2 * laid.stats["limb_bits"]
    if shape == "full":  # 12 live elements, 2 per row, the lookup and the sum in those rows
        assert [_rows(laid, ids[k]) for k in ("rescale", "lookup", "sum")] == [6, 0, 0]
        assert int(q.is_const.sum()) == 12 and set((q.c[~q.is_const] % 4).tolist()) == {0}
    n, accepted = mutation_check(laid, count=10_000, seed=22)
    assert n > 50 and accepted == []


def test_a_fused_rescale_with_another_remainder_is_rejected_by_the_lookup():
    """s_0' = s_0 + 1 and the field element q' = q − 2^−k keep the rescale's relation; q' is no
    input of the table, so the (q', y) lookup objects."""
    from ezk import _native

    graph, ids = masked_lookup_sum_graph(wide_remainder=True)
    laid, q = lay_out_capturing(graph, RA, forward(graph, WIDE_XS), ids["rescale"], shape="full")
    i = int(np.flatnonzero(~q.is_const.reshape(-1))[0])
    g, c = int(q.g.reshape(-1)[i]), int(q.c.reshape(-1)[i])
    s0 = int(laid.witness.advice[laid.circuit.cs.advice[c + 3]][g]) % _native.MODULUS
    assert s0 + 1 < 1 << laid.stats["limb_bits"]  # s_0' stays in its range table
    forged = forge_cell(laid, g, c + 3, 1)
    k = 14
    forged = forge_cell(type("L", (), {"circuit": laid.circuit, "assigned": laid.assigned, "row_node": laid.row_node,
                                       "witness": forged})(), g, c, -pow(1 << k, -1, _native.MODULUS))
    fails = mock(laid.circuit, forged)
    assert fails and all(f.kind == "lookup" and f.name.startswith("lookup") for f in fails), fails
