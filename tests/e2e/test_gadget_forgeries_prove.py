"""The lean gadgets' forgeries as real proofs: each forged witness is proven with the honest
circuit's proving key and must not verify — against the instances it claims nor the honest ones.

* rescale: another remainder s' = s + 1 with the field quotient q' = q − 2^−k (a huge field
  element, so q's range check objects);
* comparison: a relu whose bits claim x ≥ 0 for negative x (its slack negative, so the slack's
  top limb is out of its range table);
* reduce_max: a claimed maximum beyond every element (every slack in range, but the one-hot
  pick finds no element equal to it);
* softmax: the calibrated constant-shift form filled with the default form's exp(x − max)
  (off the exp table of exp(x − c))."""

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
from tests.unit.gadget_graphs import (EXTREME_XS, RESCALE_XS, calibrated, extreme_graph, forge_rescale, lying_ge,
                                      max_form_trace, relu_graph, rescale_graph, softmax_model)

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
