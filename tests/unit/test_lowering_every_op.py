"""Every ONNX op type registered in ezk.graph.lowering.LOWERINGS, lowered from a small onnx.helper
model and run through ezk's quantized forward, against onnxruntime.

One case per registered op type; ``test_every_registered_op_has_a_case`` fails when an op type is
registered without one, so a new lowering rule cannot land untested.  The tolerance is in units
of the quantum 2^-scale (scaled by the reference's magnitude for ops whose error grows with it)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ezk.graph.forward import forward
from ezk.graph.lower import lower_model
from ezk.graph.lowering import LOWERINGS
from ezk.graph.onnx_import import load_onnx
from ezk.settings import RunArgs
from ezk.witness import quantized_inputs

SCALE = 8
F, I64, B, U8 = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL, TensorProto.UINT8
_NP = {F: np.float32, I64: np.int64, B: np.bool_, U8: np.uint8}


@dataclass
class Case:
    nodes: list
    inputs: dict  # name -> (shape, sampler(rng, shape)) ; dtype float unless sampler returns otherwise
    inits: dict = field(default_factory=dict)
    tol: float = 4.0  # in quanta 2^-SCALE, relative to max(1, |reference|)
    opset: int = 17
    out: str = "y"


def normal(lo=-2.0, hi=2.0):
    return lambda rng, s: rng.uniform(lo, hi, size=s).astype(np.float32)


def uint8(rng, s):
    return rng.integers(0, 32, size=s).astype(np.uint8)


def off_grid(rng, s):
    """Values whose fractional part stays away from 0 and 1/2 (Ceil/Floor/Round/Cast/Sign)."""
    return (rng.integers(-3, 3, size=s) + rng.choice([0.3, 0.7], size=s)
            * rng.uniform(0.8, 1.2, size=s)).astype(np.float32)


def node(op, ins=("x",), outs=("y",), **attrs):
    return helper.make_node(op, list(ins), list(outs), **attrs)


X = {"x": ((2, 6), normal())}
XZ = {"x": ((2, 6), normal()), "z": ((2, 6), normal())}
R = np.random.default_rng(1)


def unary(op, x=None, tol=4.0, opset=17, **attrs):
    return Case([node(op, **attrs)], {"x": ((2, 6), x or normal())}, tol=tol, opset=opset)


def binary(op, z=None, tol=4.0):
    return Case([node(op, ["x", "z"])], {"x": ((2, 6), normal()), "z": ((2, 6), z or normal())}, tol=tol)


def boolean(op, n=2):
    """Logic op on comparisons of float inputs; the bool result is the output."""
    ins = ["x", "z"][:n]
    cmps = [node("Greater", [v, "zero"], [v + "b"]) for v in ins]
    return Case(cmps + [node(op, [v + "b" for v in ins])], {v: ((2, 6), normal()) for v in ins},
                {"zero": np.float32(0.0)})


def compare(op):
    return Case([node(op, ["x", "z"])], {"x": ((2, 6), off_grid), "z": ((2, 6), off_grid)})


def reduce(op, x=None, tol=4.0):
    return Case([node(op, keepdims=1, axes=[1])], {"x": ((2, 3, 4), x or normal())}, tol=tol)


def i64(v):
    return np.asarray(v, dtype=np.int64)


def f32(v):
    return np.asarray(v, dtype=np.float32)


def rnn(op, gates):
    H, I = 3, 4
    return Case([node(op, ["x", "W", "R", "Bb"], ["y"], hidden_size=H)], {"x": ((2, 1, I), normal(-1, 1))},
                {"W": f32(R.normal(size=(1, gates * H, I)) * 0.5), "R": f32(R.normal(size=(1, gates * H, H)) * 0.5),
                 "Bb": f32(R.normal(size=(1, 2 * gates * H)) * 0.2)}, tol=24)


CASES: dict[str, Case] = {
    # elementwise, no attributes
    "Abs": unary("Abs"), "Neg": unary("Neg"), "Identity": unary("Identity"), "Relu": unary("Relu"),
    "Acos": unary("Acos", normal(-0.9, 0.9), tol=16), "Asin": unary("Asin", normal(-0.9, 0.9), tol=16),
    "Atan": unary("Atan"), "Acosh": unary("Acosh", normal(1.1, 3.0), tol=16), "Asinh": unary("Asinh"),
    "Atanh": unary("Atanh", normal(-0.9, 0.9), tol=16),
    "Cos": unary("Cos"), "Sin": unary("Sin"), "Tan": unary("Tan", normal(-1.0, 1.0), tol=8),
    "Cosh": unary("Cosh"), "Sinh": unary("Sinh"), "Tanh": unary("Tanh"), "Sigmoid": unary("Sigmoid"),
    "Erf": unary("Erf"), "Exp": unary("Exp"), "Log": unary("Log", normal(0.5, 3.0)),
    "Sqrt": unary("Sqrt", normal(0.1, 3.0)), "Reciprocal": unary("Reciprocal", normal(0.5, 3.0)),
    "Softplus": unary("Softplus"), "Softsign": unary("Softsign"), "Mish": unary("Mish", opset=18),
    "Gelu": unary("Gelu", opset=20), "HardSwish": unary("HardSwish"),
    "Ceil": unary("Ceil", off_grid), "Floor": unary("Floor", off_grid), "Round": unary("Round", off_grid),
    "Sign": unary("Sign", off_grid),
    "Dropout": unary("Dropout"),
    # elementwise with attributes
    "Celu": unary("Celu", alpha=0.7), "Elu": unary("Elu", alpha=0.5), "Selu": unary("Selu"),
    "LeakyRelu": unary("LeakyRelu", alpha=0.1), "ThresholdedRelu": unary("ThresholdedRelu", off_grid, alpha=0.5),
    "HardSigmoid": unary("HardSigmoid", alpha=0.3, beta=0.4), "Shrink": unary("Shrink", off_grid, bias=0.1, lambd=0.5),
    "Softmax": unary("Softmax", axis=-1), "LogSoftmax": unary("LogSoftmax", axis=-1, tol=8),
    "Cast": unary("Cast", off_grid, to=I64),
    "Cast:int_to_float": Case([node("ArgMax", axis=1, keepdims=0, outs=["a"]), node("Cast", ["a"], to=F)], {"x": ((3, 5), normal())}),
    "Clip": Case([node("Clip", ["x", "lo", "hi"])], X, {"lo": f32(-0.5), "hi": f32(1.0)}),
    "PRelu": Case([node("PRelu", ["x", "s"])], X, {"s": f32(R.uniform(0.05, 0.5, size=6))}),
    # binary / variadic
    "Add": binary("Add"), "Sub": binary("Sub"), "Mul": binary("Mul"), "Max": binary("Max"), "Min": binary("Min"),
    "Div": binary("Div", normal(0.5, 2.0), tol=8),
    "Pow": Case([node("Pow", ["x", "e"])], X, {"e": f32(2.0)}),
    "Mod": Case([node("Mod", ["x", "d"], fmod=1)], {"x": ((2, 6), off_grid)}, {"d": f32(2.0)}),
    "Mean": Case([node("Mean", ["x", "z", "w"])], {**XZ, "w": ((2, 6), normal())}),
    "Sum": Case([node("Sum", ["x", "z", "w"])], {**XZ, "w": ((2, 6), normal())}),
    "Where": Case([node("Greater", ["x", "zero"], ["c"]), node("Where", ["c", "x", "z"])], XZ, {"zero": f32(0.0)}),
    # comparisons and logic
    "Equal": Case([node("Round", ["x"], ["rx"]), node("Round", ["z"], ["rz"]), node("Equal", ["rx", "rz"])],
                  {"x": ((2, 6), off_grid), "z": ((2, 6), off_grid)}),
    "Greater": compare("Greater"), "GreaterOrEqual": compare("GreaterOrEqual"),
    "Less": compare("Less"), "LessOrEqual": compare("LessOrEqual"),
    "And": boolean("And"), "Or": boolean("Or"), "Xor": boolean("Xor"), "Not": boolean("Not", 1),
    "BitShift": Case([node("BitShift", ["x", "s"], direction="LEFT")], {"x": ((2, 6), uint8)}, {"s": np.uint8(2)}),
    "BitShift:right": Case([node("BitShift", ["x", "s"], direction="RIGHT")], {"x": ((2, 6), uint8)}, {"s": np.uint8(3)}),
    # linear algebra
    "MatMul": Case([node("MatMul", ["x", "w"])], {"x": ((2, 3, 4), normal())}, {"w": f32(R.normal(size=(4, 5)))}, tol=8),
    "Gemm": Case([node("Gemm", ["x", "w", "c"], transB=1, alpha=0.5, beta=2.0)], {"x": ((3, 4), normal())},
                 {"w": f32(R.normal(size=(5, 4))), "c": f32(R.normal(size=5))}, tol=8),
    "Einsum": Case([node("Einsum", ["x", "z"], equation="bij,bjk->bik")],
                   {"x": ((2, 3, 4), normal()), "z": ((2, 4, 2), normal())}, tol=8),
    "Conv": Case([node("Conv", ["x", "w", "b"], strides=[2, 1], pads=[1, 0, 1, 2], group=2, dilations=[1, 2])],
                 {"x": ((1, 4, 7, 6), normal())}, {"w": f32(R.normal(size=(6, 2, 3, 2))), "b": f32(R.normal(size=6))}, tol=16),
    "ConvTranspose": Case([node("ConvTranspose", ["x", "w", "b"], strides=[2, 2], pads=[1, 0, 0, 1])],
                          {"x": ((1, 2, 3, 3), normal())}, {"w": f32(R.normal(size=(2, 3, 3, 2))), "b": f32(R.normal(size=3))}, tol=16),
    "BatchNormalization": Case([node("BatchNormalization", ["x", "g", "b", "m", "v"])], {"x": ((2, 3, 2, 2), normal())},
                               {"g": f32(R.normal(size=3)), "b": f32(R.normal(size=3)), "m": f32(R.normal(size=3)),
                                "v": f32(R.uniform(0.5, 2.0, size=3))}, tol=8),
    "InstanceNormalization": Case([node("InstanceNormalization", ["x", "g", "b"])], {"x": ((2, 3, 2, 3), normal())},
                                  {"g": f32(R.normal(size=3)), "b": f32(R.normal(size=3))}, tol=16),
    "LayerNormalization": Case([node("LayerNormalization", ["x", "g", "b"], axis=-1)], {"x": ((3, 8), normal())},
                               {"g": f32(R.normal(size=8)), "b": f32(R.normal(size=8))}, tol=16),
    "RMSNormalization": Case([node("RMSNormalization", ["x", "g"], axis=-1)], {"x": ((3, 8), normal())},
                             {"g": f32(R.normal(size=8))}, tol=16, opset=23),
    # pooling
    "AveragePool": Case([node("AveragePool", kernel_shape=[2, 2], pads=[0, 0, 1, 1])], {"x": ((1, 2, 5, 5), normal())}),
    "MaxPool": Case([node("MaxPool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])], {"x": ((1, 2, 6, 5), normal())}),
    "LpPool": Case([node("LpPool", kernel_shape=[2, 2], p=2)], {"x": ((1, 2, 4, 4), normal())}, tol=8),
    "GlobalAveragePool": Case([node("GlobalAveragePool")], {"x": ((1, 3, 4, 4), normal())}),
    "GlobalMaxPool": Case([node("GlobalMaxPool")], {"x": ((1, 3, 4, 4), normal())}),
    "GlobalLpPool": Case([node("GlobalLpPool", p=2)], {"x": ((1, 3, 4, 4), normal())}, tol=8),
    # reductions
    "ReduceL1": reduce("ReduceL1"), "ReduceL2": reduce("ReduceL2", tol=8),
    "ReduceLogSum": reduce("ReduceLogSum", normal(0.2, 2.0), tol=8), "ReduceLogSumExp": reduce("ReduceLogSumExp", tol=8),
    "ReduceMax": reduce("ReduceMax"), "ReduceMin": reduce("ReduceMin"), "ReduceMean": reduce("ReduceMean"),
    "ReduceSumSquare": reduce("ReduceSumSquare", tol=8),
    "ReduceSum": Case([node("ReduceSum", ["x", "ax"], keepdims=0)], {"x": ((2, 3, 4), normal())}, {"ax": i64([1])}),
    "ArgMax": Case([node("ArgMax", axis=1, keepdims=0)], {"x": ((3, 5), normal())}),
    "ArgMin": Case([node("ArgMin", axis=1, keepdims=1)], {"x": ((3, 5), normal())}),
    "TopK": Case([node("TopK", ["x", "k"], ["y", "idx"], axis=-1)], {"x": ((3, 6), normal())}, {"k": i64([2])}),
    # shapes and data movement
    "Concat": Case([node("Concat", ["x", "z"], axis=1)], XZ),
    "Expand": Case([node("Expand", ["x", "s"])], {"x": ((3, 1), normal())}, {"s": i64([2, 3, 4])}),
    "Flatten": Case([node("Flatten", axis=2)], {"x": ((2, 3, 4), normal())}),
    "Reshape": Case([node("Reshape", ["x", "s"])], {"x": ((2, 3, 4), normal())}, {"s": i64([4, -1])}),
    "Squeeze": Case([node("Squeeze", ["x", "a"])], {"x": ((2, 1, 4), normal())}, {"a": i64([1])}),
    "Unsqueeze": Case([node("Unsqueeze", ["x", "a"])], X, {"a": i64([0, 2])}),
    "Transpose": Case([node("Transpose", perm=[2, 0, 1])], {"x": ((2, 3, 4), normal())}),
    "Slice": Case([node("Slice", ["x", "s", "e", "a", "st"])], {"x": ((4, 6), normal())},
                  {"s": i64([0, 5]), "e": i64([3, 0]), "a": i64([0, 1]), "st": i64([2, -2])}),
    "Split": Case([node("Split", ["x", "sp"], ["p", "q"], axis=1), node("Concat", ["q", "p"], axis=1)], X, {"sp": i64([2, 4])}),
    "Tile": Case([node("Tile", ["x", "r"])], X, {"r": i64([2, 1])}),
    "Pad": Case([node("Pad", ["x", "p", "c"], mode="constant")], X, {"p": i64([0, 1, 1, 0]), "c": f32(0.5)}),
    "Trilu": Case([node("Trilu", ["x", "k"], upper=0)], {"x": ((4, 4), normal())}, {"k": i64(1)}),
    "EyeLike": Case([node("EyeLike", k=1), node("Add", ["e", "x"])], {"x": ((3, 4), normal())}),
    "Resize": Case([node("Resize", ["x", "", "sc"], mode="nearest")], {"x": ((1, 1, 2, 3), normal())},
                   {"sc": f32([1, 1, 2, 2])}),
    "Upsample": Case([node("Upsample", ["x", "sc"], mode="nearest")], {"x": ((1, 1, 2, 3), normal())},
                     {"sc": f32([1, 1, 2, 2])}, opset=9),
    "Gather": Case([node("Gather", ["x", "i"], axis=1)], {"x": ((3, 5), normal())}, {"i": i64([[4, 0], [1, 1]])}),
    "GatherElements": Case([node("GatherElements", ["x", "i"], axis=1)], {"x": ((3, 4), normal())},
                           {"i": i64([[3, 0], [1, 1], [2, 0]])}),
    "GatherND": Case([node("GatherND", ["x", "i"])], {"x": ((3, 4), normal())}, {"i": i64([[0, 1], [2, 3]])}),
    "ScatterElements": Case([node("ScatterElements", ["x", "i", "z"], axis=1)],
                            {"x": ((3, 4), normal()), "z": ((3, 1), normal())}, {"i": i64([[2], [0], [3]])}),
    "Scatter": Case([node("Scatter", ["x", "i", "z"], axis=1)],
                    {"x": ((3, 4), normal()), "z": ((3, 1), normal())}, {"i": i64([[2], [0], [3]])}, opset=10),
    "ScatterND": Case([node("ScatterND", ["x", "i", "z"])], {"x": ((3, 4), normal()), "z": ((2, 4), normal())},
                      {"i": i64([[2], [0]])}),
    "OneHot": Case([node("OneHot", ["x", "d", "v"], axis=-1)], {"x": ((2, 3), lambda r, s: r.integers(0, 4, size=s).astype(np.int64))},
                   {"d": i64(4), "v": f32([-1.0, 2.0])}),
    # recurrent
    "RNN": rnn("RNN", 1), "GRU": rnn("GRU", 3), "LSTM": rnn("LSTM", 4),
}
# EyeLike's node writes "e" (Add then reads it).
CASES["EyeLike"].nodes[0] = node("EyeLike", ["x"], ["e"], k=1)


def build(tmp_path, case: Case, samples: dict[str, np.ndarray]):
    ins = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for n, v in samples.items()]
    inits = [numpy_helper.from_array(np.asarray(v), k) for k, v in case.inits.items()]
    g = helper.make_graph(case.nodes, "t", ins, [onnx.ValueInfoProto(name=case.out)],
                          initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", case.opset)])
    m.ir_version = 8 if case.opset <= 20 else 10  # what the installed onnxruntime reads
    p = tmp_path / "m.onnx"
    onnx.save(m, str(p))
    return p


def onnxruntime_outputs(path, samples: dict[str, np.ndarray]) -> np.ndarray:
    """onnxruntime itself (no tract fallback), so every case is checked against onnxruntime."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    return np.asarray(sess.run([sess.get_outputs()[0].name], samples)[0])


# Divergences from ONNX semantics this file found; strict, so a fix makes the case fail until removed here.
KNOWN_BUGS: dict[str, str] = {}


def op_type(key: str) -> str:
    return key.split(":")[0]


def test_every_registered_op_has_a_case():
    tested = {op_type(k) for k in CASES}
    missing = sorted(set(LOWERINGS) - tested)
    stale = sorted(tested - set(LOWERINGS))
    assert not missing, f"ONNX op types lowered by ezk without a case in CASES here: {missing}"
    assert not stale, f"cases for op types ezk no longer lowers: {stale}"


@pytest.mark.parametrize("key", [pytest.param(k, marks=pytest.mark.xfail(reason=KNOWN_BUGS[k], strict=True))
                                 if k in KNOWN_BUGS else k for k in sorted(CASES)])
def test_lowered_op_matches_onnxruntime(tmp_path, monkeypatch, key):
    case, op = CASES[key], op_type(key)
    rng = np.random.default_rng(sum(map(ord, key)))
    samples = {n: np.asarray(sampler(rng, shape)) for n, (shape, sampler) in case.inputs.items()}
    path = build(tmp_path, case, samples)
    calls = []
    rule = LOWERINGS[op]
    monkeypatch.setitem(LOWERINGS, op, lambda *a: calls.append(a) or rule(*a))
    om = load_onnx(path)
    graph, _ = lower_model(om, RunArgs(input_scale=SCALE, param_scale=SCALE))
    assert calls, f"{op} was folded away: its lowering rule never ran"
    values = list(samples.values())
    trace = forward(graph, quantized_inputs(graph, values), check_ranges=False)
    out = graph.nodes[graph.outputs[0]]
    got = trace.values[graph.outputs[0]] / 2.0 ** out.scale
    want = onnxruntime_outputs(path, samples).astype(np.float64)
    assert got.shape == want.shape, f"{key}: shape {got.shape} != onnxruntime's {want.shape}"
    err = np.abs(got - want).max()
    bound = case.tol * 2.0 ** -SCALE * max(1.0, np.abs(want).max())
    assert err <= bound, f"{key}: max error {err:.4g} > {bound:.4g} ({case.tol} quanta at scale {SCALE})"
