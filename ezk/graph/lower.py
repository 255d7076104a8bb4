"""Lowering driver: walks the ONNX graph in order, folds constant nodes, and lowers every other
node through the per-op-type rules in ezk.graph.lowering into quantized core ops."""

from __future__ import annotations

import numpy as np
import onnx

from ezk.errors import EzkError, UnsupportedOpError
from ezk.graph.builder import Builder, Const, Tensor
from ezk.graph.fold import fold_node
from ezk.graph.fusion import find_fusions
from ezk.graph.ir import Graph
from ezk.graph.lowering import LOWERINGS
from ezk.graph.lowering.fused import lower_fusion
from ezk.graph.onnx_import import OnnxModel
from ezk.settings import RunArgs

_INT_KINDS = "iub"


def _shape_only(node, env):
    """Shape/Size of a non-constant tensor fold to constants."""
    x = env[node.input[0]]
    shape = np.array(x.shape, dtype=np.int64)
    if node.op_type == "Size":
        return [Const(np.array(int(np.prod(shape)), dtype=np.int64))]
    start = end = None
    for a in node.attribute:
        if a.name == "start":
            start = a.i
        if a.name == "end":
            end = a.i
    return [Const(shape[start:end])]


def lower_model(om: OnnxModel, run_args: RunArgs, lookup_scales: dict[str, int] | None = None) -> tuple[Graph, Builder]:
    b = Builder(run_args, lookup_scales)
    env: dict[str, object] = {name: Const(v, True) for name, v in om.initializers.items()}
    input_ids = []
    for i, (name, shape, dtype) in enumerate(om.inputs):
        scale = 0 if dtype.kind in _INT_KINDS else run_args.input_scale
        t = b.input(i, shape, scale, name)
        env[name] = t
        input_ids.append(t.id)
    onnx_tensors: dict[str, int] = {name: t.id for name, t in zip([n for n, _, _ in om.inputs], [env[n] for n, _, _ in om.inputs])}
    fused, absorbed = find_fusions(om.model.graph)
    for index, node in enumerate(om.model.graph.node):
        if index in absorbed:
            continue  # lowered as part of the fused chain that reads its output
        name = node.name or f"{node.op_type}:{node.output[0]}"
        if node.domain not in ("", "ai.onnx"):
            raise UnsupportedOpError(
                f"ONNX node {name!r} uses op {node.op_type} from domain {node.domain!r}, which ezk does not support"
            )
        if index in fused:
            b.enter(name, node.op_type)
            try:
                env[node.output[0]] = v = lower_fusion(b, fused[index], env, name)
            except EzkError:
                raise
            except (ValueError, IndexError, KeyError) as exc:
                raise UnsupportedOpError(f"cannot lower the fused {fused[index].kind} ending at ONNX node {name!r}: {exc}") from None
            if isinstance(v, Tensor):
                onnx_tensors[node.output[0]] = v.id
            continue
        ins = [env.get(n) if n else None for n in node.input]
        missing = [n for n, v in zip(node.input, ins) if n and v is None]
        if missing:
            raise EzkError(f"ONNX node {name!r} reads tensor {missing[0]!r}, which no earlier node produces")
        b.enter(name, node.op_type)
        if node.op_type == "Constant":
            outs = [Const(fold_node(node, [], om.opset)[0])]
        elif node.op_type in ("Shape", "Size") and ins and isinstance(ins[0], Tensor):
            outs = _shape_only(node, env)
        elif all(v is None or isinstance(v, Const) for v in ins) and node.op_type not in ("RandomNormal", "RandomUniform"):
            vals = fold_node(node, [v.value if v is not None else None for v in ins], om.opset)
            is_param = any(v is not None and v.is_param for v in ins)
            outs = [Const(v, is_param) for v in vals]
        else:
            rule = LOWERINGS.get(node.op_type)
            if rule is None:
                raise UnsupportedOpError(
                    f"ONNX op {node.op_type} (node {name!r}, opset {om.opset}) is not supported by ezk"
                )
            try:
                outs = rule(b, node, ins, om.opset)
            except EzkError:
                raise
            except (ValueError, IndexError, KeyError, NotImplementedError) as exc:
                raise UnsupportedOpError(
                    f"cannot lower ONNX node {name!r} ({node.op_type}, opset {om.opset}): {exc}"
                ) from None
        for out_name, v in zip(node.output, outs):
            if out_name:
                env[out_name] = v
                if isinstance(v, Tensor):
                    onnx_tensors[out_name] = v.id
    outputs = []
    for name in om.outputs:
        v = env.get(name)
        if v is None:
            raise EzkError(f"model output {name!r} is not produced by any node")
        b.enter(name, "output")
        if isinstance(v, Const):
            v = b.quant(v, run_args.input_scale)
        v = b.rebase(v)
        outputs.append(v.id)
    graph = Graph(nodes=b.nodes, inputs=input_ids, outputs=outputs,
                  input_names=[n for n, _, _ in om.inputs], output_names=list(om.outputs),
                  onnx_tensors=onnx_tensors)
    return graph, b
