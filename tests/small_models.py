"""Small ONNX models built with onnx.helper, and the user's pipeline over one of them
(gen-settings → compile-circuit → setup through ezk.api), shared by the forgery and verify tests.

Models (input x [1, 4], float): ``mul`` y = Mul(x, x); ``gemm`` y = Gemm(x, W, B) with fixed
weights; ``private`` y = MatMul(x, W) (meant for ``param_visibility="private"``).
"""

from __future__ import annotations

import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ezk import api
from ezk.compiled import load_compiled
from ezk.layout import lay_out
from ezk.plonk import mock
from tests.forgery import retrace

X = [[0.5, -1.0, 1.5, 2.0]]


def write_model(path, kind: str) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    if kind == "mul":
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
        nodes, inits = [helper.make_node("Mul", ["x", "x"], ["y"])], []
    else:
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
        w = np.array([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5], [-2.0, 1.0, 0.5], [0.25, -0.25, 1.0]], np.float32)
        inits = [numpy_helper.from_array(w, "W")]
        if kind == "gemm":
            inits.append(numpy_helper.from_array(np.array([0.1, -0.2, 0.3], np.float32), "B"))
            nodes = [helper.make_node("Gemm", ["x", "W", "B"], ["y"])]
        else:
            nodes = [helper.make_node("MatMul", ["x", "W"], ["y"])]
    graph = helper.make_graph(nodes, kind, [x], [y], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


class Pipeline:
    """gen-settings (at the layout's smallest logrows) → compile-circuit → setup for one small
    model, as a user runs it; ``honest`` is the circuit laid out for the input ``X``."""

    def __init__(self, root, srs_path, kind: str, **settings_kw):
        self.root = root
        tag = "_".join([kind] + [f"{k}-{v}" for k, v in sorted(settings_kw.items())])
        self.model, self.settings = root / f"{tag}.onnx", root / f"{tag}.settings.json"
        self.compiled, self.vk, self.pk = root / f"{tag}.compiled", root / f"{tag}.vk", root / f"{tag}.pk"
        self.data = root / f"{tag}.input.json"
        self.srs = srs_path
        write_model(self.model, kind)
        self.data.write_text(json.dumps({"input_data": [np.asarray(X).reshape(-1).tolist()]}))
        s = api.gen_settings(self.model, self.settings, **settings_kw)
        api.gen_settings(self.model, self.settings, logrows=s.min_logrows, **settings_kw)
        api.compile_circuit(self.model, self.compiled, self.settings)
        api.setup(self.compiled, srs_path, self.vk, self.pk)
        self.comp = load_compiled(self.compiled)
        self.graph = self.comp.graph
        q = np.round(np.asarray(X) * 2 ** self.graph.input_scales[0]).astype(np.int64)
        self.honest = lay_out(self.graph, self.comp.settings, retrace(self.graph, [q]))
        assert mock(self.honest.circuit, self.honest.witness) == []

    def node(self, op: str, **attrs):
        return next(n for n in self.graph.nodes if n.op == op and all(n.attrs.get(k) == v for k, v in attrs.items()))

    def prove(self, tag: str = "honest"):
        """gen-witness and prove with the API; returns the proof path."""
        w, proof = self.root / f"{tag}.witness.json", self.root / f"{tag}.proof.json"
        api.gen_witness(self.compiled, self.data, w)
        api.prove(self.compiled, w, self.pk, self.srs, proof)
        return proof
