"""No unconstrained cell: change ≥ 200 randomly chosen assigned advice cells (outputs,
accumulators, lookup inputs/outputs, remainder limbs …), one value each, and the real mock
must reject every single change (see ezk.layout.mutate for the batching argument)."""

from __future__ import annotations

import pytest

from ezk.layout import lay_out
from ezk.layout.mutate import mutation_check
from tests.e2e.zoo_models import prepared

ZOO5 = ["1l_relu", "1l_softmax", "layernorm", "2l_relu_sigmoid_conv", "1l_max_pool"]


def _check(model_dir, tmp_path, count, target="resources"):
    graph, settings, trace = prepared(model_dir, tmp_path, target)
    laid = lay_out(graph, settings, trace)
    total = int(sum(m.sum() for m in laid.assigned)) + int(sum(m.sum() for m in laid.phase1_assigned if m is not None))
    n, accepted = mutation_check(laid, count=count, seed=11)
    assert n == min(count, total)
    assert set(laid.leaf_cells) >= set(graph.inputs)  # the input cells were among the candidates
    assert accepted == [], f"the mock accepted changed cells (block, row, column): {accepted[:10]}"


def test_changed_cells_of_a_zoo_model_are_rejected(shared_dir, tmp_path):
    _check(shared_dir / "zoo" / "2l_relu_fc", tmp_path, 10**6)  # every one of its cells


@pytest.mark.slow
def test_200_changed_cells_of_nanogpt_micro_are_rejected(shared_dir, tmp_path):
    _check(shared_dir / "models" / "nanogpt" / "micro", tmp_path, 200, target="accuracy")


@pytest.mark.slow
@pytest.mark.parametrize("name", ZOO5)
def test_200_changed_cells_of_zoo_models_are_rejected(shared_dir, tmp_path, name):
    _check(shared_dir / "zoo" / name, tmp_path, 200)
