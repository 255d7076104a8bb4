"""Single-op ONNX models built with onnx.helper and run through ezk's whole front end, for tests
that compare ezk's outputs with onnxruntime's (and check the honest witness with the mock)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

OPSET = 17


def value_info(name: str, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def model(nodes, inputs, outputs, initializers=(), opset: int = OPSET) -> onnx.ModelProto:
    """A model of ``nodes``; ``inputs``/``outputs`` are value infos (``value_info``)."""
    g = helper.make_graph(list(nodes), "m", list(inputs), list(outputs), list(initializers))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def initializer(name: str, values, elem=TensorProto.FLOAT):
    v = np.asarray(values)
    return helper.make_tensor(name, elem, list(v.shape), v.reshape(-1).tolist())


@dataclass
class Run:
    outputs: list[np.ndarray]  # ezk's dequantized outputs, in onnxruntime's shapes
    references: list[np.ndarray]  # onnxruntime's
    settings: dict
    compiled: Path
    witness: Path

    def rel_errors(self) -> list[float]:
        """max |ezk − onnxruntime| / max |onnxruntime| per output."""
        return [float(np.abs(y - r).max() / max(np.abs(r).max(), 1e-12)) for y, r in zip(self.outputs, self.references)]


def run_front_end(m: onnx.ModelProto, inputs: list[np.ndarray], workdir: Path, target: str = "accuracy",
                  calibrate: bool = True, **gen) -> Run:
    """gen-settings → calibrate-settings (``target``) → compile-circuit → gen-witness, and the
    reference outputs of onnxruntime on the same inputs."""
    from ezk import api
    from ezk.graph.onnx_import import load_onnx
    from ezk.inputs import load_input_data
    from ezk.reference import run_reference
    from ezk.witness import witness_outputs

    workdir.mkdir(parents=True, exist_ok=True)
    path, data = workdir / "network.onnx", workdir / "input.json"
    settings, compiled, witness = workdir / "settings.json", workdir / "model.compiled", workdir / "witness.json"
    onnx.save(m, path)
    data.write_text(json.dumps({"input_data": [np.asarray(x).reshape(-1).tolist() for x in inputs]}))
    st = api.gen_settings(path, settings, **gen)
    if calibrate:
        api.calibrate_settings(path, data, settings, target=target)
    elif "logrows" not in gen and st.min_logrows:  # the smallest circuit, as calibration would choose
        st.run_args.logrows = st.min_logrows
        st.save(settings)
    api.compile_circuit(path, compiled, settings)
    api.gen_witness(compiled, data, witness)
    om = load_onnx(path)
    ref = run_reference(om, load_input_data(data))
    w = json.loads(witness.read_text())
    refs = [np.asarray(ref[name], dtype=np.float64) for name in om.outputs]
    outs = [np.asarray(o, dtype=np.float64).reshape(r.shape) for o, r in zip(witness_outputs(w), refs)]
    return Run(outs, refs, json.loads(settings.read_text()), compiled, witness)


def mock_run(run: Run) -> dict:
    """The mock of the run's honest witness (raises EzkError naming the failures)."""
    from ezk import api

    return api.mock(run.compiled, run.witness)
