"""Out-of-range inputs fail gen-witness with one sentence naming the node and the range.

The circuit proves a comparison (max/min/compare and the pairwise trees of reduce_max/min)
through a range check of the gap, |a − b| < 2^COMPARE_BITS; the forward pass refuses a gap
outside it (before this check, gen-witness wrote a witness that mock then rejected). Products
that could leave int64 and lookups outside their table were already refused; the witness-level
half (that every witness gen-witness accepts is one the mock accepts) is in
``tests/e2e/test_cli_errors_proving.py``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from ezk import api
from ezk.errors import WitnessError
from ezk.ops._checks import check_compare_gap, check_rescale_output
from ezk.ops.bounds import COMPARE_BITS, RESCALE_BITS
from tests.unit.onnx_models import tiny_model


class _Node:
    def __init__(self, op, axes=None):
        self.op, self.onnx_name, self.onnx_op = op, "/cmp", "Max"
        self.attrs = {"axes": axes or [0], "kind": "ge"}


def test_the_bounds_are_the_layouts():
    from ezk.layout.ops import compare, linear

    assert compare.COMPARE_BITS == COMPARE_BITS
    assert linear.QB == RESCALE_BITS  # the layout range-checks rescale outputs to this width


def test_rescale_output_bound():
    node = _Node("rescale")
    edge = 1 << (RESCALE_BITS - 1)
    check_rescale_output(node, np.array([-edge, edge - 1, 0]))
    check_rescale_output(node, np.zeros(0, dtype=np.int64))
    for bad in (edge, -edge - 1):
        with pytest.raises(WitnessError, match=r"rescale of ONNX node '/cmp'.*2\^35"):
            check_rescale_output(node, np.array([0, bad]))


@pytest.mark.parametrize("op", ["max", "min", "compare"])
def test_pairwise_gap(op):
    edge = (1 << COMPARE_BITS) - 1
    check_compare_gap(_Node(op), [np.array([edge, 0]), np.array([0, edge])])
    check_compare_gap(_Node(op), [np.array([-(1 << 61)]), np.array([-(1 << 61) + edge])])
    with pytest.raises(WitnessError, match=r"ONNX node '/cmp' \(Max\).*2\^48"):
        check_compare_gap(_Node(op), [np.array([edge + 1]), np.array([0])])
    with pytest.raises(WitnessError):  # broadcasting: one row of a is far from the constant
        check_compare_gap(_Node(op), [np.array([[0], [-(1 << 50)]]), np.array([0, 1, 2])])


@pytest.mark.parametrize("op", ["reduce_max", "reduce_min"])
def test_reduction_gap_is_per_group(op):
    far = 1 << 50
    x = np.array([[0, far], [0, 1]])
    check_compare_gap(_Node(op, axes=[0]), [np.array([[0, far], [1, far + 5]])])  # columns are close
    with pytest.raises(WitnessError):
        check_compare_gap(_Node(op, axes=[1]), [x])
    check_compare_gap(_Node(op, axes=[0]), [np.zeros((0, 3), dtype=np.int64)])


def test_gen_witness_names_the_input_and_its_bound_for_a_far_out_input(tmp_path):
    """A far-out input stops at its own range check (ezk.ops.bounds) before any node could
    overflow; the rescale, comparison and overflow checks above remain for what a node computes."""
    model = tiny_model(tmp_path / "tiny.onnx")
    api.gen_settings(str(model), str(tmp_path / "settings.json"), logrows=13)
    api.compile_circuit(str(model), str(tmp_path / "m.compiled"), str(tmp_path / "settings.json"))
    bound = r"input 'x' holds -?1e\+\d+ .*outside the bound \[-65536, 65536\)"
    for value, fragment in ((7e4, r"input 'x' holds -?70000 "), (1e9, bound), (1e12, bound), (1e14, bound),
                            (1e300, "too large")):
        (tmp_path / "in.json").write_text(json.dumps({"input_data": [[value, -value, 0.5, value]]}))
        with pytest.raises(WitnessError, match=fragment):
            api.gen_witness(str(tmp_path / "m.compiled"), str(tmp_path / "in.json"), None)
