"""Softmax without its maximum where calibration shows it safe (ezk.calibrate.choose_softmax_shifts):
the circuit proves the integer semantics of whichever form calibration picked, the outputs stay
within the accuracy of the maximum form, and an input outside the calibrated envelope is a
WitnessError naming a lookup, never a silently wrong softmax. A prover who fills the shifted form
with the default form's values (exp(x − max) where the circuit says exp(x − c)) is rejected by the
exp table (tests/e2e/test_gadget_forgeries_prove.py: proven, it does not verify)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ezk.errors import WitnessError
from ezk.inputs import load_input_data
from ezk.layout import lay_out
from ezk.plonk import mock
from ezk.reference import run_reference
from ezk.graph.onnx_import import load_onnx
from ezk.witness import run_witness
from tests.unit.gadget_graphs import calibrated, max_form_trace, softmax_model


def _proven(comp, data):
    _, trace = run_witness(comp.graph, load_input_data(data))
    laid = lay_out(comp.graph, comp.settings, trace)
    assert mock(laid.circuit, laid.witness) == []
    return trace.values[comp.graph.outputs[0]] / 2.0 ** comp.graph.nodes[comp.graph.outputs[0]].scale


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
def test_close_row_maxima_drop_the_maximum(tmp_path, op):
    rng = np.random.default_rng(1)
    x = rng.normal(scale=0.3, size=(16, 8))
    x[np.arange(16), rng.integers(0, 8, 16)] = 1.0  # every row's maximum is about 1
    model, data = softmax_model(tmp_path / "m", 16, x, op)
    st, comp = calibrated(tmp_path, model, data)
    assert any(k.endswith(":softmax:c16") for k in st.lookup_scales)
    assert not any(n.op in ("reduce_max", "max") for n in comp.graph.nodes)
    y = _proven(comp, data)
    ref = np.asarray(run_reference(load_onnx(model), load_input_data(data))["y"]).reshape(y.shape)
    assert np.abs(y - ref).max() <= 0.01 * np.abs(ref).max()
    # a row far above the calibrated maxima leaves the exp table: one clear sentence
    far = x.copy()
    far[0] += 6.0
    data.write_text(json.dumps({"input_data": [far.reshape(-1).tolist()]}))
    with pytest.raises(WitnessError, match="exp lookup .* outside the lookup range"):
        run_witness(comp.graph, load_input_data(data))


def test_spread_row_maxima_keep_the_maximum_but_not_the_clamp(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(scale=0.3, size=(16, 8)) + np.linspace(-4, 4, 16)[:, None]  # maxima 8 apart
    model, data = softmax_model(tmp_path / "m", 16, x)
    st, comp = calibrated(tmp_path, model, data)
    assert not any(k.endswith(":c16") for k in st.lookup_scales)
    assert any(k.endswith(":softmax:noclamp") for k in st.lookup_scales)
    ops = [n.op for n in comp.graph.nodes]
    assert "reduce_max" in ops and "max" not in ops
    y = _proven(comp, data)
    ref = np.asarray(run_reference(load_onnx(model), load_input_data(data))["y"]).reshape(y.shape)
    assert np.abs(y - ref).max() <= 0.01


def test_a_single_row_keeps_the_maximum(tmp_path):
    x = np.array([[0.5, -1.0, 2.0, 0.0, 1.0, -0.5, 0.25, 3.0]])
    model, data = softmax_model(tmp_path / "m", 1, x)
    st, comp = calibrated(tmp_path, model, data)
    assert not any(k.endswith(":c16") for k in st.lookup_scales)
    assert "reduce_max" in [n.op for n in comp.graph.nodes]
    _proven(comp, data)


def spread_below_c(rows: int = 16, seed: int = 3) -> np.ndarray:
    """Rows whose maxima lie in [0.7, 1]: a constant shift c = 1, most rows' maxima below it."""
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=0.3, size=(rows, 8)) - 1.0
    x[np.arange(rows), rng.integers(0, 8, rows)] = 1.0 - 0.3 * rng.random(rows)
    return x


def test_the_default_forms_values_in_a_shifted_softmax_are_rejected(tmp_path):
    model, data = softmax_model(tmp_path / "m", 16, spread_below_c())
    st, comp = calibrated(tmp_path, model, data)
    assert any(k.endswith(":softmax:c16") for k in st.lookup_scales)
    _, trace = run_witness(comp.graph, load_input_data(data))
    honest = lay_out(comp.graph, comp.settings, trace)
    assert mock(honest.circuit, honest.witness) == []
    forged = max_form_trace(comp.graph, trace)
    out = comp.graph.outputs[0]
    assert 0 < np.abs(forged.values[out] - trace.values[out]).max() <= 2  # a plausible softmax …
    lying = lay_out(comp.graph, comp.settings, forged)
    fails = mock(honest.circuit, lying.witness)
    exp_tag = {f.name for f in fails}
    assert fails and all(f.kind == "lookup" for f in fails) and len(exp_tag) == 1, fails  # … off the exp table
