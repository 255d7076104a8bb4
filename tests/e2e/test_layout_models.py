"""Whole models through the layout: the mock accepts the honest witness of nanoGPT and the 24
core zoo models, and the measuring and assigning runs give one circuit."""

from __future__ import annotations

import pytest

from tests.e2e.zoo_models import ZOO, available_gib, check_model

FAST = {"1l_relu", "1l_softmax", "2l_relu_fc", "layernorm", "1l_max_pool", "1l_conv"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n in FAST else pytest.mark.slow) for n in ZOO])
def test_zoo_model_mock_passes(shared_dir, tmp_path, name):
    check_model(shared_dir / "zoo" / name, tmp_path)


def test_nanogpt_micro_mock_passes_with_fewer_cells_than_ezkl(shared_dir, tmp_path):
    laid = check_model(shared_dir / "models" / "nanogpt" / "micro", tmp_path, target="accuracy")
    st = laid.stats
    assert st["advice_cells"] < 213_394  # EZKL v23: 213,394 advice cells, 106,697 rows, K = 17
    assert st["num_rows"] < 106_697 and st["k"] <= 17
    assert st["freivalds_checks"] >= 8  # the projections and both attention products of each head


def test_nanogpt_micro_private_params_public_input(shared_dir, tmp_path):
    laid = check_model(shared_dir / "models" / "nanogpt" / "micro", tmp_path, param_visibility="private",
                       input_visibility="public")
    assert [d["kind"] for d in laid.instance_layout] == ["input", "output"]


@pytest.mark.slow
def test_nanogpt_tiny_mock_passes(shared_dir, tmp_path):
    # the mock holds every column at 2^21 rows as field elements: about 10 GiB at peak
    if available_gib() < 11:
        pytest.skip("the nanoGPT tiny mock needs about 11 GiB of free memory")
    laid = check_model(shared_dir / "models" / "nanogpt" / "tiny", tmp_path, target="accuracy")
    assert laid.stats["k"] <= 21  # EZKL: 14.76M rows, K = 24 (the wide layout: 1.88M rows)
