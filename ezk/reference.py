"""The float reference: onnxruntime, or tract where onnxruntime refuses a model (e.g. some
older exports).  Also runs with every intermediate tensor exposed, for the fidelity report."""

from __future__ import annotations

import numpy as np
import onnx

from ezk.errors import EzkError


def _feed(om, values):
    return {name: np.asarray(v).reshape(shape).astype(dtype) for (name, shape, dtype), v in zip(om.inputs, values)}


def run_reference(om, values: list[np.ndarray], intermediates: bool = False) -> dict[str, np.ndarray]:
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
            import tract

            m = tract.onnx().model_for_path(om.path).into_optimized().into_runnable()
            res = m.run([np.asarray(v) for v in _feed(om, values).values()])
            return {n: res[i].to_numpy() for i, n in enumerate(om.outputs)}
        except Exception:
            raise EzkError(f"neither onnxruntime nor tract can run {om.path!r} ({type(ort_exc).__name__})") from None
