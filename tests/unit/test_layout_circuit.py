"""ezk.layout on small hand-built graphs: the mock accepts honest witnesses and rejects changed
cells, both backends give one circuit, wrapping over several column blocks, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.errors import EzkError, WitnessError
from ezk.graph.forward import forward
from ezk.layout import lay_out
from ezk.layout.mutate import mutation_check
from ezk.plonk import mock
from tests.unit.layout_graphs import inputs, settings, small_graph


def test_honest_witness_passes_the_mock():
    g = small_graph()
    laid = lay_out(g, settings(), forward(g, inputs(g)))
    assert mock(laid.circuit, laid.witness) == []
    st = laid.stats
    assert st["advice_cells"] > 0 and st["num_rows"] > 0 and st["k"] == 13
    assert st["min_k"] <= 13
    # public outputs sit in the instance column in output order
    inst = laid.instances[0]
    tr = forward(g, inputs(g))
    want = np.concatenate([tr.values[i].reshape(-1) for i in g.outputs])
    assert np.array_equal(inst, want)
    assert [d["name"] for d in laid.instance_layout] == g.output_names


def _same_circuit(c1, c2):
    assert c1.cs.describe() == c2.cs.describe()
    assert c1.k == c2.k
    f1 = {c.name: np.asarray(v) for c, v in c1.fixed.items()}
    f2 = {c.name: np.asarray(v) for c, v in c2.fixed.items()}
    assert f1.keys() == f2.keys()
    for k in f1:
        assert np.array_equal(f1[k], f2[k]), k
    assert np.array_equal(c1.copy_array(), c2.copy_array())


def test_measuring_and_assigning_give_one_circuit():
    g = small_graph()
    measured = lay_out(g, settings())
    assigned = lay_out(g, settings(), forward(g, inputs(g)))
    assert measured.witness is None
    _same_circuit(measured.circuit, assigned.circuit)
    assert measured.stats == assigned.stats
    # and a different input changes only the witness
    other = lay_out(g, settings(), forward(g, inputs(g, seed=3)))
    _same_circuit(other.circuit, assigned.circuit)


def test_every_changed_cell_is_rejected():
    g = small_graph()
    laid = lay_out(g, settings(), forward(g, inputs(g)))
    total = int(sum(m.sum() for m in laid.assigned))
    n, accepted = mutation_check(laid, count=min(120, total), seed=1)
    assert n == min(120, total) and accepted == []


def test_wrapping_over_column_blocks_carries_accumulators():
    g = small_graph(rows=32, inner=300, outer=40)
    ra = settings(k=13, disable_freivalds=True)  # the direct einsum's long chains (tests/unit/test_layout_freivalds.py: the checks')
    laid = lay_out(g, ra, forward(g, inputs(g)))
    assert laid.stats["blocks"] > 1
    assert laid.stats["carry_rows"] > 0  # some accumulator chain crossed a block boundary
    dyn = laid.dynamic  # the private gather's table and lookup lanes
    assert laid.stats["advice_columns"] == laid.stats["blocks"] * 12 + len(dyn.table_advice) + 2 * len(dyn.input_advice)
    assert laid.stats["min_k"] > 13
    assert mock(laid.circuit, laid.witness) == []
    n, accepted = mutation_check(laid, count=60, seed=2)
    assert accepted == []


def test_public_inputs_are_bound_to_the_instance():
    g = small_graph()
    laid = lay_out(g, settings(input_visibility="public"), forward(g, inputs(g)))
    kinds = [d["kind"] for d in laid.instance_layout]
    assert kinds[:2] == ["input", "input"]
    assert mock(laid.circuit, laid.witness) == []
    # changing a public input value breaks a copy to the instance
    inst = laid.instances[0].copy()
    inst[0] += 1
    from ezk.plonk import Witness

    bad = Witness(advice=laid.witness.advice, instance={laid.circuit.cs.instance[0]: inst}, later=laid.witness.later)
    copies = [f for f in mock(laid.circuit, bad) if f.kind == "copy"]
    assert copies and copies[0].a.column_name == "instance" and copies[0].a.row == 0
    # explain reads the advice cell from the failure's data: its column, row and the node
    b = copies[0].b
    assert f"(column {b.column_name}, row {b.row})" in laid.explain(copies[0])


def test_out_of_range_lookup_is_a_witness_error_naming_the_node():
    g = small_graph(lookup_range=(-8, 8))
    tr = forward(g, inputs(g), check_ranges=False)
    with pytest.raises(WitnessError, match=r"/n7/lookup.*\[-8, 8\]"):
        lay_out(g, settings(), tr)


def test_too_few_rows_names_the_logrows_that_fit():
    g = small_graph()
    with pytest.raises(EzkError, match=r"logrows ≥ 1[0-9]"):
        lay_out(g, settings(k=8))


def test_explain_names_the_onnx_node():
    g = small_graph()
    laid = lay_out(g, settings(), forward(g, inputs(g)))
    adv = dict(laid.witness.advice)
    # the first lookup row's y cell holds a tanh value placed by node 7
    rn = laid.row_node[0]
    row = int(np.flatnonzero(rn == 7)[0])
    col = laid.circuit.cs.advice[1]
    arr = np.asarray(adv[col]).copy()
    arr[row] += 5
    adv[col] = arr
    from ezk.plonk import Witness

    fails = mock(laid.circuit, Witness(advice=adv, instance=laid.witness.instance, later=laid.witness.later))
    assert fails
    text = " | ".join(laid.explain(f) for f in fails)
    assert "/n7/lookup" in text
