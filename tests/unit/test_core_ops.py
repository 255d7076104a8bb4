"""The closed core-op set (ezk.ops.CoreOp): every op has its whole interface (shape, scale,
evaluate, layout); a graph holding any other op is refused when built or loaded (one sentence
and exit 1 from the CLI); and the per-op harness, parametrised over the enum — small random
inputs → forward → layout → the mock passes → every assigned advice cell, changed, is
rejected. A new op is in it by being in the enum (its case: tests/unit/op_cases.py)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from ezk import api
from ezk.compiled import _digest, load_compiled
from ezk.errors import ArtifactError
from ezk.graph.forward import forward
from ezk.graph.ir import Graph, Node
from ezk.layout import lay_out
from ezk.layout.circuit import measure
from ezk.layout.mutate import mutation_check
from ezk.layout.ops import AFFINE_INPUTS, LAYOUTS
from ezk.ops import CoreOp, spec
from ezk.plonk import mock
from ezk.settings import RunArgs
from tests.unit.onnx_models import tiny_model
from tests.unit.op_cases import CASES, case

# ops whose layout may place no row of its own: it re-indexes cells
COPY_ONLY = {CoreOp.INDEX_MAP}


def test_every_core_op_has_shape_scale_evaluate_and_layout():
    missing = [op.value for op in CoreOp
               if not all(callable(f) for f in (spec(op).infer_shape, spec(op).infer_scale, spec(op).evaluate))
               or not callable(LAYOUTS.get(op))]
    assert missing == [], f"core ops without a whole interface: {missing}"
    assert set(LAYOUTS) == set(CoreOp) and AFFINE_INPUTS <= set(CoreOp)
    assert all(op == op.value and str(op) == op.value and f"{op}" == op.value for op in CoreOp)  # node.op stays a str


def test_a_graph_with_an_unknown_op_is_refused_when_built():
    nodes = [Node(0, "input", [], {"index": 0}, (2,), 7), Node(1, "frobnicate", [0], {}, (2,), 7, onnx_name="/f")]
    with pytest.raises(ValueError, match=r"node 1 \(ONNX node '/f'\) has the op 'frobnicate', which is not one of"):
        Graph(nodes=nodes, inputs=[0], outputs=[1], input_names=["x"], output_names=["y"])


def _with_op(src, dst, op) -> None:
    """``src`` with its last node's op replaced by ``op`` and the digest recomputed (a digest
    is no signature: anyone can write one)."""
    with np.load(src, allow_pickle=False) as z:
        meta = json.loads(bytes(z["__meta__"]).decode())
        arrays = {k: z[k] for k in z.files if k != "__meta__"}
    meta.pop("digest")
    meta["graph"]["nodes"][-1]["op"] = op
    meta["digest"] = _digest(meta, arrays)
    buf = io.BytesIO()
    np.savez(buf, __meta__=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    dst.write_bytes(buf.getvalue())


def test_a_compiled_circuit_with_an_unknown_op_is_one_sentence_and_exit_1(tmp_path, capsys):
    from cli.main import main

    model = tiny_model(tmp_path / "tiny.onnx")
    api.gen_settings(str(model), str(tmp_path / "settings.json"), logrows=13)
    api.compile_circuit(str(model), str(tmp_path / "model.compiled"), str(tmp_path / "settings.json"))
    (tmp_path / "input.json").write_text(json.dumps({"input_data": [[0.5, -1.0, 0.25, 2.0]]}))
    for op in ("frobnicate", 7, ["max"]):
        _with_op(tmp_path / "model.compiled", tmp_path / "bad.compiled", op)
        with pytest.raises(ArtifactError, match="not one of ezk's core ops"):
            load_compiled(tmp_path / "bad.compiled")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["gen-witness", "-M", str(tmp_path / "bad.compiled"), "-D", str(tmp_path / "input.json"),
              "-O", str(tmp_path / "witness.json")])
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 1 and "\n" not in err and "Traceback" not in err
    assert err.startswith("error: ") and "has the op ['max'], which is not one of ezk's core ops" in err


@pytest.mark.parametrize("op", list(CoreOp), ids=str)
def test_op_harness_forward_layout_mock_and_every_changed_cell_is_rejected(op):
    assert op in CASES, f"core op {op} has no case in tests/unit/op_cases.py (see the checklist in ezk.ops)"
    graph, inputs = case(op)
    ids = {n.id for n in graph.nodes if n.op == op}
    assert ids, f"the case of {op} does not use it"
    trace = forward(graph, inputs)
    k = measure(graph, RunArgs(lookup_range=[-256, 256]))["min_k"]  # the smallest circuit: a fast mock
    laid = lay_out(graph, RunArgs(logrows=k, lookup_range=[-256, 256]), trace)
    assert mock(laid.circuit, laid.witness) == []
    assert np.array_equal(laid.instances[0], np.concatenate([o.reshape(-1) for o in trace.outputs(graph)]))
    own = [np.isin(rn, list(ids)) for rn in laid.row_node]
    assert sum(int(o.sum()) for o in own) > 0 or op in COPY_ONLY, f"the layout of {op} placed no row"
    # every assigned cell of the rows the op placed (and of the dynamic lanes beside the region:
    # only gather and scatter have them), changed, is rejected
    cells = sum(int(m[o].sum()) for m, o in zip(laid.assigned, own))
    cells += sum(int(m.sum()) for m in laid.dynamic.assigned.values()) if laid.dynamic is not None else 0
    n, accepted = mutation_check(laid, count=10**9, seed=1, nodes=ids)
    assert n == cells > 0 and accepted == []
