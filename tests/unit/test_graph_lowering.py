"""Lowering of single ONNX ops (built with onnx.helper) against onnxruntime."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ezk.errors import UnsupportedOpError
from ezk.graph.forward import forward
from ezk.graph.lower import lower_model
from ezk.graph.onnx_import import load_onnx
from ezk.reference import run_reference
from ezk.settings import RunArgs
from ezk.witness import quantized_inputs

rng = np.random.default_rng(0)


def make(tmp_path, nodes, in_shape, out_name="y", inits=(), opset=17):
    g = helper.make_graph(
        nodes, "t", [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(np.asarray(v, dtype=np.float32), k) for k, v in inits],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8  # what the installed onnxruntime reads
    p = tmp_path / "m.onnx"
    onnx.save(m, str(p))
    return p


def rel_error(path, x, scale=12):
    om = load_onnx(path)
    g, _ = lower_model(om, RunArgs(input_scale=scale, param_scale=scale))
    tr = forward(g, quantized_inputs(g, [x]), check_ranges=False)
    y = tr.values[g.outputs[0]] / 2.0 ** g.nodes[g.outputs[0]].scale
    r = run_reference(om, [x])[om.outputs[0]]
    assert y.shape == r.shape
    return np.abs(y - r).max() / max(np.abs(r).max(), 1e-9)


CASES = {
    "conv_stride_pad_groups": ([helper.make_node("Conv", ["x", "w", "b"], ["y"], strides=[2, 1], pads=[1, 0, 1, 2], group=2, dilations=[1, 2])],
                               (1, 4, 7, 6), [("w", rng.normal(size=(6, 2, 3, 2))), ("b", rng.normal(size=6))]),
    "maxpool_pad": ([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])], (1, 2, 6, 5), []),
    "avgpool": ([helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], pads=[0, 0, 1, 1])], (1, 2, 5, 5), []),
    "gemm_trans_alpha": ([helper.make_node("Gemm", ["x", "w", "c"], ["y"], transB=1, alpha=0.5, beta=2.0)], (3, 4),
                         [("w", rng.normal(size=(5, 4))), ("c", rng.normal(size=5))]),
    "matmul_batch_broadcast": ([helper.make_node("MatMul", ["x", "w"], ["y"])], (2, 3, 4), [("w", rng.normal(size=(4, 5)))]),
    "softmax": ([helper.make_node("Softmax", ["x"], ["y"], axis=1)], (2, 7), []),
    "layernorm": ([helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], axis=-1)], (3, 8),
                  [("g", rng.normal(size=8)), ("b", rng.normal(size=8))]),
    "concat_slice_pad": ([helper.make_node("Concat", ["x", "c"], ["t"], axis=1),
                          helper.make_node("Slice", ["t", "s", "e", "a"], ["u"]),
                          helper.make_node("Pad", ["u", "p"], ["y"])], (2, 3),
                         [("c", rng.normal(size=(2, 2)))]),
    "where_const_mask": ([helper.make_node("Where", ["m", "v", "x"], ["y"])], (2, 3), []),
    "attention_matmul": ([helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 1]),
                          helper.make_node("MatMul", ["x", "t"], ["y"])], (2, 3, 4), []),
    "sigmoid_tanh_erf": ([helper.make_node("Sigmoid", ["x"], ["a"]), helper.make_node("Tanh", ["a"], ["b"]),
                          helper.make_node("Erf", ["b"], ["y"])], (4, 4), []),
    "div_by_tensor_and_pow": ([helper.make_node("Pow", ["x", "two"], ["p"]), helper.make_node("Add", ["p", "one"], ["q"]),
                               helper.make_node("Div", ["x", "q"], ["y"])], (3, 5), [("two", 2.0), ("one", 1.0)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_matches_onnxruntime(tmp_path, name):
    nodes, shape, inits = CASES[name]
    path = make(tmp_path, nodes, shape, inits=inits)
    if name in ("concat_slice_pad", "where_const_mask"):
        m = onnx.load(str(path))
        if name == "concat_slice_pad":
            for k, v in [("s", [0, 1]), ("e", [2, 4]), ("a", [0, 1]), ("p", [0, 1, 1, 0])]:
                m.graph.initializer.append(numpy_helper.from_array(np.array(v, dtype=np.int64), k))
        else:
            m.graph.initializer.append(numpy_helper.from_array(np.array([[True, False, True], [False, False, True]]), "m"))
            m.graph.initializer.append(numpy_helper.from_array(np.array(-3.0, dtype=np.float32), "v"))
        onnx.save(m, str(path))
    x = rng.normal(size=shape).astype(np.float32)
    assert rel_error(path, x) <= 0.01


def test_unsupported_op_names_op_node_and_opset(tmp_path):
    path = make(tmp_path, [helper.make_node("Hardmax", ["x"], ["y"], name="my_hardmax")], (2, 3))
    with pytest.raises(UnsupportedOpError, match=r"Hardmax.*my_hardmax.*opset 17"):
        lower_model(load_onnx(path), RunArgs())


def test_shape_subgraph_is_folded(tmp_path):
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "i0"], ["d0"], axis=0), helper.make_node("Unsqueeze", ["d0", "ax"], ["d0u"]),
             helper.make_node("Concat", ["d0u", "m1"], ["s2"], axis=0), helper.make_node("Reshape", ["x", "s2"], ["r"]),
             helper.make_node("Relu", ["r"], ["y"])]
    path = make(tmp_path, nodes, (2, 3, 4))
    m = onnx.load(str(path))
    for k, v in [("i0", np.array(0)), ("ax", np.array([0])), ("m1", np.array([-1]))]:
        m.graph.initializer.append(numpy_helper.from_array(np.asarray(v, dtype=np.int64), k))
    onnx.save(m, str(path))
    g, _ = lower_model(load_onnx(path), RunArgs())
    assert {n.op for n in g.nodes} <= {"input", "index_map", "max", "const"}
    assert g.nodes[g.outputs[0]].shape == (2, 12)
