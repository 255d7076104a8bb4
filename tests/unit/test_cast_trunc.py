"""ONNX Cast float→int truncates toward zero (ezk.graph.lowering.arith.trunc_to_int), proven:
n = [X < 0], trunc(X/2^s) = rescale(X + n·(2^s − 1) − 2^(s−1), s) from core ops only.

The attack first: a prover who claims X ≥ 0 for negative X (its comparison bit 0) gets the floor
instead of the truncation — an integer one below, a plausible output — and everything after the
bit recomputed from the lie; the mock names the comparison's range check and the proof does not verify. Then
the honest circuit: every value's truncation, negatives, exact integers and ±half-steps included,
equals numpy's (and onnxruntime's, tests/unit/test_lowering_every_op.py's Cast case)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from ezk.graph.forward import Trace, evaluate_nodes, forward
from ezk.graph.lower import lower_model
from ezk.graph.onnx_import import load_onnx
from ezk.kzg import SRS
from ezk.layout import lay_out
from ezk.plonk import keygen, mock, prove, verify
from ezk.settings import RunArgs
from ezk.witness import quantized_inputs
from tests.unit.gadget_graphs import lying_ge

SCALE, K = 7, 13
# negatives with and without a fraction, ±1/2, ±one quantum, zero, positives
XS = np.array([-3.0, -2.5, -2.3, -2.0, -1.0, -0.7, -0.5, -2.0**-SCALE, 0.0, 2.0**-SCALE, 0.5, 0.99,
               1.0, 1.5, 2.7, 3.0], dtype=np.float32)


def cast_graph(tmp_path, to=TensorProto.INT64):
    g = helper.make_graph([helper.make_node("Cast", ["x"], ["y"], to=to)], "cast",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [XS.size])],
                          [helper.make_tensor_value_info("y", to, [XS.size])])
    path = tmp_path / "cast.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    graph, _ = lower_model(load_onnx(path), RunArgs(input_scale=SCALE, param_scale=SCALE))
    return graph


def settings() -> RunArgs:
    return RunArgs(logrows=K, input_scale=SCALE, param_scale=SCALE, lookup_range=[-512, 512])


def lying_sign_trace(graph, trace: Trace) -> Trace:
    """The trace of a prover whose comparison claims X ≥ 0 everywhere (n = 0), the rest recomputed."""
    i = next(i for i, n in enumerate(graph.nodes) if n.op == "compare")
    values, aux = dict(trace.values), dict(trace.aux)
    values[graph.nodes[i].id] = np.zeros_like(values[graph.nodes[i].id])
    evaluate_nodes(graph.nodes[i + 1:], values, aux, check_ranges=False)
    return Trace(values=values, aux=aux)


@pytest.fixture()
def honest_and_lying(tmp_path, monkeypatch):
    """The honest layout, and the lying one: its comparison's bit claims X ≥ 0 with every row of
    the gadget consistent (tests/unit/gadget_graphs.lying_ge: only the slack's top limb, negative,
    is off its range table), the rest of the circuit filled from the lie."""
    from ezk.layout.ops import compare

    graph = cast_graph(tmp_path)
    trace = forward(graph, quantized_inputs(graph, [XS]))
    lying = lying_sign_trace(graph, trace)
    out = graph.outputs[0]
    assert np.array_equal(lying.values[out], np.floor(XS))  # the lie: the floor, one below for negative fractions
    assert not np.array_equal(lying.values[out], trace.values[out])
    honest = lay_out(graph, settings(), trace)
    monkeypatch.setattr(compare, "_ge", lying_ge)
    return graph, honest, lay_out(graph, settings(), lying)


def test_a_floor_claimed_as_the_truncation_is_named_by_the_mock(honest_and_lying):
    _, honest, lying = honest_and_lying
    assert mock(honest.circuit, honest.witness) == []
    assert np.array_equal(np.asarray(lying.instances[0], dtype=np.int64), np.floor(XS))  # the claimed outputs
    fails = mock(honest.circuit, lying.witness)
    assert fails and all(f.kind == "lookup" for f in fails), fails  # the slack's range check objects


def test_a_proven_floor_claimed_as_the_truncation_does_not_verify(honest_and_lying):
    _, honest, lying = honest_and_lying
    srs = SRS.generate(honest.circuit.k, seed=b"ezk-cast-trunc")
    pk, vk = keygen(honest.circuit, srs)
    assert verify(vk, srs.verifier(), honest.instances, prove(pk, srs, honest.witness))  # the control
    bad = prove(pk, srs, lying.witness)
    assert not verify(vk, srs.verifier(), lying.instances, bad)
    assert not verify(vk, srs.verifier(), honest.instances, bad)


@pytest.mark.parametrize("to", [TensorProto.INT64, TensorProto.INT32, TensorProto.INT8])
def test_cast_truncates_toward_zero_in_the_circuit(tmp_path, to):
    graph = cast_graph(tmp_path, to)
    trace = forward(graph, quantized_inputs(graph, [XS]))
    out = graph.nodes[graph.outputs[0]]
    assert out.scale == 0 and not any(n.op == "lookup" for n in graph.nodes)  # exact: no table on the way
    assert np.array_equal(trace.values[out.id], np.trunc(XS))
    laid = lay_out(graph, settings(), trace)
    assert mock(laid.circuit, laid.witness) == []
    assert np.array_equal(np.asarray(laid.instances[0], dtype=np.int64), np.trunc(XS))
