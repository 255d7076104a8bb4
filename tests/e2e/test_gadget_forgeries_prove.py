"""The lean gadgets' forgeries as real proofs: each forged witness is proven with the honest
circuit's proving key and must not verify — against the instances it claims nor the honest ones.

* rescale: another remainder s' = s + 1 with the field quotient q' = q − 2^−k (a huge field
  element, so q's range check objects);
* comparison: a relu whose bits claim x ≥ 0 for negative x (its slack negative, so the slack's
  top limb is out of its range table);
* reduce_max: a claimed maximum beyond every element (every slack in range, but the one-hot
  pick finds no element equal to it);
* softmax: the calibrated constant-shift form filled with the default form's exp(x − max)
  (off the exp table of exp(x − c));
* shared rows (layout/ops/lookup_sum.py, rescale_lookup.py): a sum riding in a lookup's lanes
  claimed one larger (its running relation breaks); a rescale in its lookup's rows with another
  remainder s_0' = s_0 + 1 and q' = q − 2^−k (q' is no input of the table)."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.graph.forward import Trace, forward
from ezk.inputs import load_input_data
from ezk.kzg import SRS
from ezk.layout import lay_out
from ezk.plonk import keygen, mock, prove, verify
from ezk.settings import RunArgs
from ezk.witness import run_witness
from tests.unit.gadget_graphs import (EXTREME_XS, MASKED_XS, RESCALE_XS, calibrated, extreme_graph, forge_cell,
                                      forge_rescale, lay_out_capturing, lying_ge, masked_lookup_sum_graph, max_form_trace,
                                      relu_graph, rescale_graph, softmax_model)

K = 13


@pytest.fixture(scope="module")
def srs():
    return SRS.generate(K, seed=b"ezk-gadget-forgeries")


def assert_forgery_fails(srs, honest, forged_witness, forged_instances):
    assert honest.circuit.k == K
    pk, vk = keygen(honest.circuit, srs)
    good = prove(pk, srs, honest.witness)
    assert verify(vk, srs.verifier(), honest.instances, good)  # the control: the honest proof verifies
    assert mock(honest.circuit, forged_witness)  # the mock names the forgery …
    bad = prove(pk, srs, forged_witness)  # … and its proof does not verify
    assert not verify(vk, srs.verifier(), forged_instances, bad)
    assert not verify(vk, srs.verifier(), honest.instances, bad)


def test_a_proven_rescale_with_another_remainder_does_not_verify(srs):
    graph = rescale_graph(7, None, looked_up=False)
    honest = lay_out(graph, RunArgs(logrows=K), forward(graph, RESCALE_XS))
    forged, q_new = forge_rescale(honest, 3, 7, split=True)
    inst = [list(honest.instances[0])]
    inst[0][0] = q_new
    assert_forgery_fails(srs, honest, forged, inst)


def test_a_proven_comparison_with_a_negative_slack_does_not_verify(srs, monkeypatch):
    from ezk.layout.ops import compare

    xs = [np.array([[3, -5, 7, 1, 0], [20, 9, -8, 2, 2], [-1, -1, -300, 1, 1]])]
    graph = relu_graph()
    honest = lay_out(graph, RunArgs(logrows=K), forward(graph, xs))
    monkeypatch.setattr(compare, "_ge", lying_ge)
    lying = lay_out(graph, RunArgs(logrows=K), forward(graph, xs))
    assert_forgery_fails(srs, honest, lying.witness, lying.instances)


def test_a_proven_maximum_beyond_every_element_does_not_verify(srs):
    graph = extreme_graph("reduce_max")
    tr = forward(graph, EXTREME_XS)
    honest = lay_out(graph, RunArgs(logrows=K), tr)
    out = graph.outputs[0]
    lying = lay_out(graph, RunArgs(logrows=K), Trace({**tr.values, out: tr.values[out] + 1}))
    assert_forgery_fails(srs, honest, lying.witness, lying.instances)


def test_a_proven_softmax_of_the_wrong_form_does_not_verify(srs, tmp_path):
    rng = np.random.default_rng(3)
    x = rng.normal(scale=0.3, size=(16, 8)) - 1.0
    x[np.arange(16), rng.integers(0, 8, 16)] = 1.0 - 0.3 * rng.random(16)  # maxima in [0.7, 1]
    model, data = softmax_model(tmp_path / "m", 16, x)
    st, comp = calibrated(tmp_path, model, data)
    assert any(k.endswith(":softmax:c16") for k in st.lookup_scales) and st.run_args.logrows <= K
    settings = comp.settings
    settings.run_args.logrows = K
    _, trace = run_witness(comp.graph, load_input_data(data))
    honest = lay_out(comp.graph, settings, trace)
    lying = lay_out(comp.graph, settings, max_form_trace(comp.graph, trace))
    assert_forgery_fails(srs, honest, lying.witness, lying.instances)


SHARED_RA = RunArgs(logrows=K, lookup_range=[-256, 256], output_visibility="public")


def test_a_proven_sum_in_a_lookups_lanes_claimed_larger_does_not_verify(srs):
    graph, ids = masked_lookup_sum_graph()
    honest, total = lay_out_capturing(graph, SHARED_RA, forward(graph, MASKED_XS), ids["sum"], shape="full")
    forged = forge_cell(honest, int(total.g[2, 0]), int(total.c[2, 0]), 1, instance_index=2)
    inst = [list(honest.instances[0])]
    inst[0][2] += 1
    assert_forgery_fails(srs, honest, forged, inst)


def test_a_proven_rescale_in_its_lookups_rows_with_another_remainder_does_not_verify(srs):
    from ezk import _native

    graph, ids = masked_lookup_sum_graph(wide_remainder=True)
    honest, q = lay_out_capturing(graph, SHARED_RA, forward(graph, [MASKED_XS[0] << 12]), ids["rescale"], shape="full")
    i = int(np.flatnonzero(~q.is_const.reshape(-1))[-1])
    g, c = int(q.g.reshape(-1)[i]), int(q.c.reshape(-1)[i])
    forged = forge_cell(honest, g, c + 3, 1)  # s_0 + 1 …
    half = type("Laid", (), {"circuit": honest.circuit, "assigned": honest.assigned, "row_node": honest.row_node,
                             "witness": forged})()
    forged = forge_cell(half, g, c, -pow(1 << 14, -1, _native.MODULUS))  # … and q − 2^−14
    assert_forgery_fails(srs, honest, forged, honest.instances)
