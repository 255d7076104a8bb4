"""Forged leaves: a prover who writes field elements the honest code would never produce into
input and parameter cells, and proves with the real proving key (issue #12).

* y = Mul(x, x) (input [1, 4], private input, public output, scale 7): x = √z mod r for
  negative z "proves" that the square of the input is −1, −2, −3, −4;
* Gemm with fixed weights: inputs far outside the promised bound (2^k·big);
* MatMul with private weights (``--param-visibility private``): a weight far outside its bound;
* MatMul with hashed input and weights: an out-of-bound input or weight hashed honestly (its
  digest is public and correct), so only the leaf's range check can refuse it.

Each forged witness satisfies every constraint but the leaf's range check: the mock names
exactly that check (and nothing else), the proof of the real key does not verify. A
property-based battery then writes assorted field elements (square roots of negatives,
r − 1, 2^k·big, random elements) into random leaf cells of the four models.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from ezk import api
from ezk.layout import lay_out
from ezk.plonk import mock
from tests.forgery import R, oversized, patched, prove_files, retrace, sqrt_mod_r
from tests.small_models import Pipeline


def leaf_failures(p, laid, witness, leaf_id: int) -> list[str]:
    """The mock's failures, explained; asserts each is the range check of leaf ``leaf_id``."""
    what = "input" if p.graph.nodes[leaf_id].op == "input" else "private parameter"
    lines = [laid.explain(f) for f in mock(laid.circuit, witness)]
    assert lines, "the mock accepted a forged leaf"
    name = p.graph.nodes[leaf_id].onnx_name
    for ln in lines:
        assert f"the range check of the {what}" in ln and repr(name) in ln, ln
    return lines


def refused(p, witness, tag: str) -> list[list[int]]:
    """Prove ``witness`` with the real pk; `ezk verify`'s API must not accept it."""
    proof = p.root / f"forged-{tag}.json"
    inst = prove_files(witness, p.pk, p.srs, proof, p.comp.digest)
    assert not api.verify(proof, p.settings, p.vk, p.srs)
    return inst


@pytest.fixture(scope="module")
def pipes(tmp_path_factory, srs_path):
    root = tmp_path_factory.mktemp("forge")
    return {
        "mul": Pipeline(root, srs_path, "mul"),
        "gemm": Pipeline(root, srs_path, "gemm"),
        "private": Pipeline(root, srs_path, "private", param_visibility="private"),
        "hashed": Pipeline(root, srs_path, "private", input_visibility="hashed", param_visibility="hashed"),
    }


def test_square_of_the_input_is_negative_forgery_is_refused(pipes):
    p = pipes["mul"]
    g = p.graph
    (x_id,) = g.inputs
    mul = p.node("mul")
    assert g.nodes[mul.id].scale == 14 and g.nodes[g.outputs[0]].scale == 7
    z = np.array([-1, -2, -3, -4]) << 14  # y = z / 2^14 = −1, −2, −3, −4 after the rescale to scale 7
    roots = [sqrt_mod_r(int(v)) for v in z]
    assert all(r is not None for r in roots)
    laid = lay_out(g, p.comp.settings, retrace(g, [np.zeros((1, 4), np.int64)], {mul.id: z.reshape(1, 4)}))
    cells = laid.leaf_cells[x_id]
    forged = patched(laid, {(int(c), int(r)): root for (c, r), root in zip(cells, roots)})
    leaf_failures(p, laid, forged, x_id)
    inst = refused(p, forged, "mul")
    # the statement the forgery claims: the outputs are −1 … −4
    out = [v - R if v > R // 2 else v for v in inst[0]]
    assert [v / 128 for v in out] == [-1.0, -2.0, -3.0, -4.0]


@pytest.mark.parametrize("big", [1 << 23, pytest.param(-(1 << 23) - 1, marks=pytest.mark.slow),
                                 pytest.param(3 << 24, marks=pytest.mark.slow), pytest.param(-(1 << 27), marks=pytest.mark.slow)])
def test_gemm_input_beyond_its_bound_is_refused(pipes, big):
    p = pipes["gemm"]
    (x_id,) = p.graph.inputs
    bits = p.graph.nodes[x_id].attrs["bound_bits"]
    assert bits == 7 + 16 and not -(1 << bits) <= big < (1 << bits)
    x = np.array([[big, 64, -64, 0]], np.int64)
    laid = oversized(p.graph, p.comp.settings, retrace(p.graph, [x]))
    leaf_failures(p, laid, laid.witness, x_id)
    refused(p, laid.witness, f"gemm{big}")


def test_private_weight_beyond_its_bound_is_refused(pipes):
    p = pipes["private"]
    w = p.node("const", visibility="private")
    assert w.attrs["bound_bits"] == w.scale + 16
    big = np.array(w.arrays["value"], np.int64).copy()
    big.flat[0] = 1 << 30
    x = np.array([[64, -128, 32, 16]], np.int64)
    laid = oversized(p.graph, p.comp.settings, retrace(p.graph, [x], {w.id: big}))
    leaf_failures(p, laid, laid.witness, w.id)
    refused(p, laid.witness, "private")


@pytest.mark.parametrize("leaf", ["input", "weight"])
def test_hashed_leaf_beyond_its_bound_is_refused_under_its_own_digest(pipes, leaf):
    """Hashed visibilities: the prover hashes its own out-of-bound input (or weight) honestly,
    so the public digest matches the cells — only the leaf's range check stands in the way."""
    p = pipes["hashed"]
    w = p.node("const", visibility="hashed/public")  # hashed is normalised to hashed/public
    x = np.array([[64, -128, 32, 16]], np.int64)
    over = {}
    if leaf == "input":
        x[0, 2] = -(1 << 30)  # beyond 2^23, yet small enough for the rescale after it
        leaf_id = p.graph.inputs[0]
    else:
        big = np.array(w.arrays["value"], np.int64).copy()
        big.flat[5] = 1 << 22  # beyond its 2^18
        over, leaf_id = {w.id: big}, w.id
    laid = oversized(p.graph, p.comp.settings, retrace(p.graph, [x], over))
    assert [e["kind"] for e in laid.instance_layout][:2] == ["hash", "hash"]
    leaf_failures(p, laid, laid.witness, leaf_id)  # the Poseidon gadget and every copy hold
    refused(p, laid.witness, f"hashed-{leaf}")


def test_gen_witness_refuses_an_input_outside_the_bound(pipes, tmp_path):
    p = pipes["gemm"]
    data = tmp_path / "input.json"
    data.write_text(json.dumps({"input_data": [[70000.0, 0.0, 0.0, 0.0]]}))
    from ezk.errors import WitnessError
    with pytest.raises(WitnessError, match=r"input 'x' holds 70000 .*outside the bound \[-65536, 65536\)"):
        api.gen_witness(p.compiled, data, tmp_path / "w.json")
    data.write_text(json.dumps({"input_data": [[65535.0, -65536.0, 0.0, 0.0]]}))
    api.gen_witness(p.compiled, data, tmp_path / "w.json")  # the bound itself is provable


def _field_values(bits: int):
    """Field elements no in-bound leaf can hold (as signed integers they are outside [−2^B, 2^B))."""
    neg_sqrt = st.integers(1, 1 << 40).map(lambda z: sqrt_mod_r(-z)).filter(lambda v: v is not None)
    return st.one_of(
        neg_sqrt,
        st.just(R - 1),  # −1 itself: a change wherever the honest value is not −1
        st.just((R - 1) // 2),
        st.tuples(st.integers(bits, 250), st.integers(1, 1 << 20)).map(lambda t: (t[1] << t[0]) % R),
        st.integers(1 << bits, R - (1 << bits) - 1),
    )


def _battery(pipes, data):
    p = pipes[data.draw(st.sampled_from(["mul", "gemm", "private", "hashed"]), label="model")]
    laid = p.honest
    leaf_id = data.draw(st.sampled_from(sorted(laid.leaf_cells)), label="leaf")
    cells = laid.leaf_cells[leaf_id]
    col, row = (int(v) for v in cells[data.draw(st.integers(0, len(cells) - 1), label="element")])
    value = data.draw(_field_values(p.graph.nodes[leaf_id].attrs["bound_bits"]), label="value")
    honest = int(np.asarray(laid.witness.advice[laid.circuit.cs.columns[col]])[row]) % R
    if value % R == honest:
        return
    forged = patched(laid, {(col, row): value})
    what = "input" if p.graph.nodes[leaf_id].op == "input" else "private parameter"
    lines = [laid.explain(f) for f in mock(laid.circuit, forged)]
    assert any(f"the range check of the {what}" in ln for ln in lines), lines
    refused(p, forged, "battery")


@hsettings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_field_elements_in_leaf_cells_are_named_and_refused(pipes, data):
    _battery(pipes, data)


@pytest.mark.slow
@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_many_field_elements_in_leaf_cells_are_named_and_refused(pipes, data):
    _battery(pipes, data)
