"""ONNX import: load, fix symbolic dimensions, infer shapes, and hand the nodes to lowering.

Symbolic dimensions (``batch_size`` …) are fixed from ``variables`` (EZKL's --variables); an
unknown one is an error naming it.  Everything that depends only on constants and shapes is
folded during lowering (see ezk.graph.lower)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from ezk.errors import ArtifactError, EzkError


@dataclass
class OnnxModel:
    model: onnx.ModelProto
    opset: int
    initializers: dict[str, np.ndarray]
    inputs: list[tuple[str, tuple[int, ...], np.dtype]]
    outputs: list[str]
    path: str


def _fix_dims(value_infos, variables: dict[str, int], what: str) -> None:
    for vi in value_infos:
        if not vi.type.HasField("tensor_type"):
            continue
        for dim in vi.type.tensor_type.shape.dim:
            if dim.HasField("dim_value"):
                continue
            name = dim.dim_param
            if not name and what == "input":
                name = "batch_size"  # an anonymous dimension ('?', e.g. sklearn exports) is the batch
            if name in variables:
                dim.dim_value = int(variables[name])
            elif what == "input":
                raise EzkError(
                    f"the model's {what} {vi.name!r} has a symbolic dimension {name or '?'!r}; "
                    f"give its size with --variables {name or 'name'}=N"
                )
            else:
                dim.Clear()


def load_onnx(path, variables: dict[str, int] | None = None) -> OnnxModel:
    p = Path(path)
    if not p.is_file():
        raise ArtifactError(f"model file {str(p)!r} does not exist (export your model to ONNX, e.g. with torch.onnx.export)")
    try:
        model = onnx.load(str(p))
    except Exception:
        raise ArtifactError(f"{str(p)!r} is not an ONNX model (it could not be parsed)") from None
    if not model.graph.node and not model.graph.output:
        raise ArtifactError(f"{str(p)!r} is not an ONNX model (it has no graph)")
    opset = 0
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            opset = int(imp.version)
    variables = {"batch_size": 1, **(variables or {})}
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    graph_inputs = [vi for vi in model.graph.input if vi.name not in inits]
    _fix_dims(graph_inputs, variables, "input")
    _fix_dims(model.graph.output, variables, "output")
    del model.graph.value_info[:]
    try:
        model = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except Exception:
        pass  # lowering computes every shape itself; inference only helps diagnostics
    inputs = []
    for vi in graph_inputs:
        tt = vi.type.tensor_type
        shape = tuple(int(d.dim_value) for d in tt.shape.dim)
        dtype = onnx.helper.tensor_dtype_to_np_dtype(tt.elem_type) if tt.elem_type else np.dtype(np.float32)
        inputs.append((vi.name, shape, np.dtype(dtype)))
    return OnnxModel(model=model, opset=opset, initializers=inits, inputs=inputs,
                     outputs=[o.name for o in model.graph.output], path=str(p))
