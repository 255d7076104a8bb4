"""An einsum too large for one segment is split along its fixed weight's output columns
(ezk/graph/split.py): the same tensor, pieces the planner can cut between, every segment's
constraints hold, and any changed cell of a piece's segment is named by the mock."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ezk import api
from ezk.compiled import load_compiled
from ezk.graph.forward import forward
from ezk.graph.split import node_rows, split_einsums
from ezk.layout import lay_out
from ezk.layout.circuit import usable_rows
from ezk.layout.mutate import mutation_check
from ezk.plonk import mock
from ezk.proving import quantized_inputs_from_witness
from ezk.segments.plan import SegmentPlan
from ezk.segments.tasks import context
from ezk.segments.witness import walk_segments
from ezk.witness import witness_outputs
from tests.conftest import SEGMENT_K

ROWS, COLS = 96, 4096  # Freivalds over a fixed weight: 96 rows per 32 columns, 12,288 rows > 2^13


def _wide_matmul(root, rows=ROWS, cols=COLS):
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.normal(0, 0.1, (rows, cols)).astype(np.float32), "w")
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "wide",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, rows])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, cols])], [w])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), root / "network.onnx")
    (root / "input.json").write_text(json.dumps({"input_data": [rng.uniform(-1, 1, rows).round(3).tolist()]}))
    api.gen_settings(root / "network.onnx", root / "settings.json", input_scale=5, param_scale=5,
                     lookup_range=(-1024, 1024))
    return root / "network.onnx", root / "settings.json"


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    root = tmp_path_factory.mktemp("wide")
    model, settings = _wide_matmul(root)
    api.compile_circuit(model, root / "model.compiled", settings, max_logrows=SEGMENT_K)
    api.gen_witness(root / "model.compiled", root / "input.json", root / "witness.json")
    return root


def y_scale(c) -> int:
    return c.graph.nodes[c.graph.outputs[0]].scale


def _lowered(model, settings):
    from ezk.graph.lower import lower_model
    from ezk.graph.onnx_import import load_onnx
    from ezk.settings import Settings

    st = Settings.load(settings)
    return lower_model(load_onnx(str(model), {}), st.run_args, st.lookup_scales)[0], st


def test_pieces_compute_the_same_tensor_and_each_fits_half_a_segment(tmp_path):
    g, st = _lowered(*_wide_matmul(tmp_path))
    rows_of, u = node_rows(st), usable_rows(SEGMENT_K)
    [big] = [n for n in g.nodes if n.op == "einsum"]
    assert rows_of(g, big) > u
    s = split_einsums(g, rows_of, u)
    pieces = [n for n in s.nodes if n.op == "einsum"]
    assert len(pieces) == 4 and sum(n.shape[-1] for n in pieces) == COLS
    assert all(rows_of(s, n) <= u // 2 for n in pieces)
    [cat] = [n for n in s.nodes if n.op == "index_map"]
    assert cat.attrs["kind"] == "concat" and cat.inputs == [n.id for n in pieces]
    assert sum(n.op == "const" and n.shape == (ROWS, COLS) for n in s.nodes) == 0  # the whole weight is gone
    x = [np.random.default_rng(1).integers(-32, 32, (1, ROWS))]
    assert np.array_equal(forward(g, x).outputs(g)[0], forward(s, x).outputs(s)[0])
    for i, n in enumerate(s.nodes):
        assert n.id == i and all(j < i for j in n.inputs)


def test_an_einsum_that_fits_is_left_alone(tmp_path):
    g, st = _lowered(*_wide_matmul(tmp_path, cols=256))
    assert split_einsums(g, node_rows(st), usable_rows(SEGMENT_K)) is g


def test_compile_splits_plans_and_every_segment_holds(wide):
    comp = load_compiled(wide / "model.compiled")
    plan = SegmentPlan.from_json(comp.extra["segments"])
    plan.check(comp.graph)
    assert len(plan.segments) >= 2 and all(s["min_k"] <= SEGMENT_K for s in plan.stats)
    pieces = [n.id for n in comp.graph.nodes if n.op == "einsum"]
    owner = {t: i for i, s in enumerate(plan.segments) for t in s.nodes}
    assert len({owner[p] for p in pieces}) >= 2  # a cut falls between the pieces
    c, _, st = context(wide / "model.compiled")
    inputs = quantized_inputs_from_witness(c, wide / "witness.json")
    whole, _ = _lowered(wide / "network.onnx", wide / "settings.json")  # the graph before the split
    y = forward(whole, [inputs[t] for t in c.graph.inputs]).outputs(whole)[0]
    assert np.array_equal(witness_outputs(json.loads((wide / "witness.json").read_text()))[0] * 2.0**y_scale(c),
                          y.reshape(-1))
    for spec, (_, values) in zip(plan.segments, walk_segments(c.graph, plan.segments, inputs)):
        laid = lay_out(c.graph, st, values, segment=spec)
        assert mock(laid.circuit, laid.witness) == []


def test_a_changed_cell_of_a_piece_is_named_by_the_mock(wide):
    """The prover changes any one assigned cell of the segment holding the first pieces (their
    rows, the link columns their outputs leave in, the input's range checks): the mock names it."""
    c, plan, st = context(wide / "model.compiled")
    inputs = quantized_inputs_from_witness(c, wide / "witness.json")
    pieces = {n.id for n in c.graph.nodes if n.op == "einsum"}
    spec, (_, values) = next((s, v) for s, v in zip(plan.segments, walk_segments(c.graph, plan.segments, inputs))
                             if pieces & set(s.nodes))
    laid = lay_out(c.graph, st, values, segment=spec)
    n, accepted = mutation_check(laid, count=200, seed=3)
    assert n >= 100 and accepted == []
