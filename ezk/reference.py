"""The float reference: onnxruntime, or tract where onnxruntime refuses a model (e.g. some
older exports).  Also runs with every intermediate tensor exposed, for the fidelity report."""

from __future__ import annotations

import numpy as np
import onnx

from ezk.errors import EzkError


def _feed(om, values):
    return {name: np.asarray(v).reshape(shape).astype(dtype) for (name, shape, dtype), v in zip(om.inputs, values)}


def run_reference(om, values: list[np.ndarray], intermediates: bool = False, force_tract: bool = False) -> dict[str, np.ndarray]:
    """{tensor name: float array} for the model outputs (and all node outputs if asked)."""
    model = onnx.ModelProto()
    model.CopyFrom(om.model)
    if intermediates:
        known = {o.name for o in model.graph.output}
        for node in model.graph.node:
            for name in node.output:
                if name and name not in known:
                    model.graph.output.append(onnx.ValueInfoProto(name=name))
                    known.add(name)
    if force_tract:
        return _run_tract(om, values)
    try:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.log_severity_level = 3
        so.intra_op_num_threads = 1
        sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        names = [o.name for o in sess.get_outputs()]
        res = sess.run(names, _feed(om, values))
        return {n: np.asarray(r) for n, r in zip(names, res)}
    except Exception as ort_exc:
        if intermediates:
            return run_reference(om, values, intermediates=False)
        try:
            return _run_tract(om, values)
        except Exception:
            raise EzkError(f"neither onnxruntime nor tract can run {om.path!r} ({type(ort_exc).__name__})") from None


def _run_tract(om, values) -> dict[str, np.ndarray]:
    """tract on the same (dimension-fixed) model; the graph outputs in ONNX order."""
    import tract

    m = tract.onnx().load(om.path)
    for i, (_, shape, dtype) in enumerate(om.inputs):
        m.set_input_fact(i, f"{','.join(str(d) for d in shape)},{_TRACT_DT.get(np.dtype(dtype).name, 'f32')}")
    runnable = m.into_model().into_runnable()
    res = runnable.run([np.asarray(v) for v in _feed(om, values).values()])
    return {n: np.asarray(res[i].to_numpy()) for i, n in enumerate(om.outputs)}


_TRACT_DT = {"float32": "f32", "float64": "f64", "int64": "i64", "int32": "i32", "bool": "bool"}
