"""The lean layout (1 LIN lane, 1 function-lookup slot, one tag column per used (slot, bank)):
chosen only when a row bound shows it cannot raise min_k, decided from the graph alone (not k),
fewer fixed columns and lookup arguments than the full layout, and both layouts are sound."""

from __future__ import annotations

import numpy as np
import pytest

import ezk.layout.circuit as circuit_mod
from ezk.graph.forward import forward
from ezk.layout import lay_out
from ezk.layout.mutate import mutation_check
from ezk.plonk import mock
from tests.unit.layout_graphs import inputs, settings, small_graph


def _full(monkeypatch):
    monkeypatch.setattr(circuit_mod, "_lean_fits", lambda p: 0)


def test_small_graph_goes_lean_at_every_k_with_fewer_fixed_columns_and_lookups(monkeypatch):
    g = small_graph()
    lean13, lean16 = lay_out(g, settings(k=13)), lay_out(g, settings(k=16))
    assert lean13.stats["lean"] and lean16.stats["lean"]
    _full(monkeypatch)
    full = lay_out(g, settings(k=13))
    assert not full.stats["lean"]
    assert lean13.stats["fixed_columns"] < full.stats["fixed_columns"]
    assert lean13.stats["lookups"] <= full.stats["lookups"]
    assert lean13.stats["min_k"] <= full.stats["min_k"]  # what the row bound promises


@pytest.mark.parametrize("level", [0, 2])
def test_full_and_two_lane_layouts_pass_the_mock_and_reject_changed_cells(monkeypatch, level):
    monkeypatch.setattr(circuit_mod, "_lean_fits", lambda p: level)
    g = small_graph()
    laid = lay_out(g, settings(), forward(g, inputs(g)))
    assert laid.stats["lean"] == level
    assert mock(laid.circuit, laid.witness) == []
    n, accepted = mutation_check(laid, count=150, seed=5)
    assert n == 150 and accepted == []


def test_lean_and_full_give_the_same_public_outputs(monkeypatch):
    g = small_graph()
    tr = forward(g, inputs(g))
    lean = lay_out(g, settings(), tr)
    _full(monkeypatch)
    full = lay_out(g, settings(), tr)
    assert np.array_equal(lean.instances[0], full.instances[0])


def test_a_range_lookup_with_a_nonzero_y_cell_is_rejected():
    """Range tables hold y = 0 (premultiplied by the tag): the free y cell of a range slot is pinned."""
    g = small_graph()
    laid = lay_out(g, settings(), forward(g, inputs(g)))
    assert laid.circuit.cs.lookups
    # find a range-lookup row: a slot whose x cell is assigned but whose y cell is not
    adv = laid.circuit.cs.advice
    asg = laid.assigned[0]
    tags = {c.name: v for c, v in laid.circuit.fixed.items() if c.name.startswith("lk0_s0_")}
    rows = np.flatnonzero(asg[:, 0] & ~asg[:, 1] & (sum(tags.values()) != 0)[: len(asg)])
    assert rows.size
    w = laid.witness
    col = adv[1]
    arr = w.advice[col].copy()
    arr[rows[0]] = 1
    bad = type(w)(advice={**w.advice, col: arr}, instance=w.instance, later=w.later)
    assert any(f.kind == "lookup" for f in mock(laid.circuit, bad))


def _wide(monkeypatch):
    monkeypatch.setattr(circuit_mod, "_lean_fits", lambda p: 0)
    monkeypatch.setattr(circuit_mod, "_wide_helps", lambda p: True)


def test_wide_layout_passes_the_mock_rejects_changed_cells_and_needs_fewer_rows(monkeypatch):
    g = small_graph()
    tr = forward(g, inputs(g))
    _full(monkeypatch)
    full = lay_out(g, settings(), tr)
    _wide(monkeypatch)
    laid = lay_out(g, settings(), tr)
    assert laid.stats["wide"] and not laid.stats["lean"]
    assert laid.stats["num_rows"] < full.stats["num_rows"]
    assert any(lk.name.startswith("rlookup.") for lk in laid.circuit.cs.lookups)
    assert mock(laid.circuit, laid.witness) == []
    assert np.array_equal(laid.instances[0], full.instances[0])
    n, accepted = mutation_check(laid, count=150, seed=9)
    assert n == 150 and accepted == []


@pytest.mark.parametrize("mode", ["full", "wide"])
def test_full_and_wide_layouts_wrap_over_blocks(monkeypatch, mode):
    (_full if mode == "full" else _wide)(monkeypatch)
    g = small_graph(rows=32, inner=300, outer=40)
    laid = lay_out(g, settings(k=13, disable_freivalds=True), forward(g, inputs(g)))  # direct einsum chains
    assert laid.stats["blocks"] > 1 and laid.stats["carry_rows"] > 0
    assert laid.stats["wide"] == (mode == "wide")
    assert mock(laid.circuit, laid.witness) == []
    n, accepted = mutation_check(laid, count=60, seed=4)
    assert accepted == []
