"""Polycommit visibility in the layout (columns, copies, pad gate), in settings and in
witness.json parsing — no proofs here (see tests/e2e/test_polycommit_*.py)."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.errors import ArtifactError, EzkError
from ezk.graph.forward import forward
from ezk.layout import lay_out
from ezk.layout.circuit import usable_rows
from ezk.layout.links import SegmentSpec
from ezk.layout.polycommit import polycommit_tensors
from ezk.plonk import mock
from ezk.polycommit import witness_commitments
from ezk.settings import RunArgs, check_supported
from tests.unit.hashed_models import hashed_args, hashed_graph, x_values


def test_each_polycommit_tensor_sits_in_its_own_columns():
    g = hashed_graph(vis="polycommit")
    trace = forward(g, [x_values()])
    laid = lay_out(g, hashed_args(k=8, vis="polycommit"), trace)
    assert [(p.kind, p.tensor, p.length) for p in laid.polycommit] == [("input", 0, 6), ("param", 1, 12), ("output", 2, 8)]
    u = usable_rows(8)
    for pc in laid.polycommit:
        (col,) = pc.columns
        vals = laid.witness.advice[col]
        assert len(vals) == u and np.array_equal(vals[:pc.length], np.asarray(trace.values[pc.tensor]).reshape(-1))
        assert not vals[pc.length:].any()
        assert pc.header() == {"of": pc.kind, "name": pc.name, "tensor": pc.tensor, "length": pc.length,
                               "columns": [col.index]}
        # every value is copied to its region cell
        cp = laid.circuit.copies
        assert int(((cp[:, 0] == col.index) & (cp[:, 1] < pc.length)).sum()) == pc.length
    assert laid.instances == []  # nothing public: the tensors stay private
    assert laid.stats["polycommit_elements"] == 26 and laid.stats["polycommit_columns"] == 3
    assert mock(laid.circuit, laid.witness) == []


def test_a_tensor_longer_than_a_column_spans_several():
    g = hashed_graph(vis="polycommit", cols=12)
    k = 5
    u = usable_rows(k)
    assert 24 <= u < 36  # the weights (36) need two columns, the input (6) and the output (24) one
    laid = lay_out(g, hashed_args(k=k, vis="polycommit"), forward(g, [x_values()]))
    assert [len(p.columns) for p in laid.polycommit] == [1, 2, 1]
    w = np.concatenate([laid.witness.advice[c] for c in laid.polycommit[1].columns])
    assert np.array_equal(w[:36], np.asarray(g.nodes[1].arrays["value"]).reshape(-1)) and not w[36:].any()
    assert mock(laid.circuit, laid.witness) == []
    # structure only: the same circuit
    shape = lay_out(g, hashed_args(k=k, vis="polycommit")).circuit
    assert shape.cs.describe() == laid.circuit.cs.describe() and np.array_equal(shape.copies, laid.circuit.copies)


def test_which_tensors_are_polycommit():
    g = hashed_graph(vis="polycommit")
    ra = RunArgs(input_visibility="polycommit", output_visibility="public", param_visibility="polycommit")
    assert polycommit_tensors(g, ra) == [("input", 0, "x"), ("param", 1, "/n1/const")]
    g2 = hashed_graph(vis="private")
    ra2 = RunArgs(input_visibility="private", output_visibility="polycommit", param_visibility="private")
    assert polycommit_tensors(g2, ra2) == [("output", 2, "y")]


def test_settings_accept_polycommit_and_still_refuse_private_hashes():
    for field in ("input_visibility", "output_visibility", "param_visibility"):
        check_supported(RunArgs(**{field: "polycommit"}).validate())
        check_supported(RunArgs(**{field: "KZGCommit"}).validate())
    with pytest.raises(EzkError, match="hashed/private.*not supported"):
        check_supported(RunArgs(output_visibility="hashed/private/0").validate())


def test_segments_refuse_polycommit_with_one_sentence():
    g = hashed_graph(vis="polycommit")
    with pytest.raises(EzkError, match="polycommit visibilities are not supported for a model cut into segments"):
        lay_out(g, hashed_args(k=8, vis="polycommit"), segment=SegmentSpec(nodes=(0, 1, 2)))


@pytest.mark.parametrize("bad,match", [
    ({"processed_inputs": {"polycommit": "x"}}, "not a list of lists"),
    ({"processed_inputs": {"polycommit": [["00" * 31]]}}, "64 hex digits"),
    ({"processed_outputs": {"polycommit": [["zz" * 32]]}}, "not a point"),
    ({"processed_outputs": {"polycommit": [["ff" * 32]]}}, "not a point"),
])
def test_malformed_witness_commitments_are_one_sentence(bad, match):
    with pytest.raises(ArtifactError, match=match):
        witness_commitments(bad, "'w.json'")


def test_swap_refuses_a_segmented_bundle(tmp_path):
    import json

    from ezk.polycommit import swap_proof_commitments
    from ezk.segments.artifacts import BUNDLE_FORMAT

    p = tmp_path / "proof.json"
    p.write_text(json.dumps({"format": BUNDLE_FORMAT}))
    with pytest.raises(EzkError, match="segmented proof bundle"):
        swap_proof_commitments(p, tmp_path / "witness.json")
