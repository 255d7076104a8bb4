"""Per-op integer evaluation against numpy float, within each op's error bound (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from ezk.errors import WitnessError
from ezk.graph.ir import Node
from ezk.ops import CoreOp, spec
from ezk.ops.lookup_fns import FUNCTIONS

ints = hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=st.integers(-(2**20), 2**20))


def node(op, **attrs):
    return Node(id=0, op=op, inputs=[], attrs=attrs, shape=(), scale=0, onnx_name="n", onnx_op="Test")


def run(op, inputs, **attrs):
    out, _ = spec(op).evaluate(node(op, **attrs), inputs)
    return out


def test_every_core_op_evaluates_to_an_int64_output_and_its_auxiliaries():
    for op in CoreOp:
        s = spec(op)
        assert s.op is op and callable(s.evaluate) and callable(s.infer_shape) and callable(s.infer_scale)
    out, aux = spec("add").evaluate(node("add"), [np.array([1, 2]), np.array([3, 4])])
    assert out.dtype == np.int64 and aux == {}
    with pytest.raises(KeyError, match="unknown core op 'frobnicate'"):
        spec("frobnicate")


@given(ints, st.integers(1, 20))
def test_rescale_rounds_half_up_with_remainder(x, k):
    q, aux = spec("rescale").evaluate(node("rescale", shift=k), [x], check=False)
    r = aux["remainder"]
    assert np.all((r >= 0) & (r < 2**k))
    assert np.array_equal(x + (1 << (k - 1)), q * 2**k + r)
    assert np.all(np.abs(q - x / 2.0**k) <= 0.5)


@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5), st.data())
def test_einsum_matches_float_matmul(m, k, n, data):
    a = data.draw(hnp.arrays(np.int64, (m, k), elements=st.integers(-(2**15), 2**15)))
    b = data.draw(hnp.arrays(np.int64, (k, n), elements=st.integers(-(2**15), 2**15)))
    out = run("einsum", [a, b], equation="mk,kn->mn")
    assert np.array_equal(out, (a.astype(object) @ b.astype(object)).astype(np.int64))


def test_einsum_large_values_exact_or_loud():
    a = np.full((2, 3), 2**30, dtype=np.int64)
    b = np.full((3, 2), 2**20 + 1, dtype=np.int64)
    out = run("einsum", [a, b], equation="mk,kn->mn")
    assert int(out[0, 0]) == 3 * 2**30 * (2**20 + 1)  # beyond 2^53, computed in int64
    with pytest.raises(WitnessError, match="overflow"):
        run("einsum", [np.full((1, 4), 2**40, dtype=np.int64), np.full((4, 1), 2**40, dtype=np.int64)], equation="mk,kn->mn")


@given(ints, ints)
def test_elementwise_ops(a, b):
    if a.shape != b.shape:
        b = np.resize(b, a.shape)
    assert np.array_equal(run("add", [a, b]), a + b)
    assert np.array_equal(run("sub", [a, b]), a - b)
    assert np.array_equal(run("mul", [a, b]), a * b)
    assert np.array_equal(run("max", [a, b]), np.maximum(a, b))
    assert np.array_equal(run("min", [a, b]), np.minimum(a, b))
    assert np.array_equal(run("compare", [a, b], kind="lt"), (a < b).astype(np.int64))
    assert np.array_equal(run("neg", [a]), -a)


def test_mul_overflow_is_loud():
    with pytest.raises(WitnessError):
        run("mul", [np.array([2**40]), np.array([2**40])])


@pytest.mark.parametrize("fn", ["exp", "tanh", "sigmoid", "erf", "gelu", "recip", "rsqrt", "sqrt", "log"])
@given(x=hnp.arrays(np.int64, 8, elements=st.integers(1, 4000)), s_in=st.integers(4, 10), s_out=st.integers(6, 14))
@settings(max_examples=25)
def test_lookup_within_half_unit_of_float(fn, x, s_in, s_out):
    if fn == "exp":
        x = -x
    attrs = dict(fn=fn, params={}, in_scale=s_in, out_scale=s_out, pre_mul=1.0, pre_add=0.0, range=[-4096, 4096], key="k")
    y = run("lookup", [x], **attrs)
    ref = FUNCTIONS[fn](x / 2.0**s_in, {}) * 2.0**s_out
    assert np.all(np.abs(y - ref) <= 0.5 + 1e-6 * np.abs(ref))


def test_lookup_out_of_range_names_node_and_range():
    attrs = dict(fn="exp", params={}, in_scale=4, out_scale=4, range=[-16, 16], key="k")
    with pytest.raises(WitnessError, match=r"ONNX node 'n'.*\[-16, 16\]"):
        run("lookup", [np.array([17])], **attrs)


@given(ints)
def test_sum_and_reductions(x):
    ax = [x.ndim - 1]
    assert np.array_equal(run("sum", [x], axes=ax, keepdims=True), x.sum(axis=-1, keepdims=True))
    assert np.array_equal(run("reduce_max", [x], axes=ax, keepdims=False), x.max(axis=-1))
    assert np.array_equal(run("reduce_min", [x], axes=ax, keepdims=False), x.min(axis=-1))
    assert np.array_equal(run("argmax", [x], axis=-1, keepdims=False), x.argmax(axis=-1))


def test_where_gather_index_map():
    c = np.array([1, 0, 1])
    assert run("where", [c, np.array([1, 2, 3]), np.array([7, 8, 9])]).tolist() == [1, 8, 3]
    data = np.arange(12).reshape(4, 3)
    assert np.array_equal(run("gather", [data, np.array([[3, 0]])], axis=0), data[[[3, 0]]])
    with pytest.raises(WitnessError):
        run("gather", [data, np.array([4])], axis=0)
    n = node("index_map", fill=-5)
    n.arrays["index"] = np.array([[3, -1], [0, 4]])
    out, _ = spec("index_map").evaluate(n, [np.array([10, 11, 12]), np.array([20, 21])])
    assert out.tolist() == [[20, -5], [10, 21]]
