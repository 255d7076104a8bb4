"""The EZKL example suite through the circuit: every zoo model not already covered by
test_layout_models passes gen-settings → calibrate → compile → gen-witness → mock (fast ones in
the default run, the rest ``slow``), a few prove and verify by default and every model with
K ≤ 17 does in the slow run, and the witness-mutation check (any single changed advice cell
breaks the mock) runs over every model the suite proves, with a summary count."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.kzg import SRS
from ezk.layout import lay_out
from ezk.layout.mutate import mutation_check
from ezk.plonk import keygen, prove, verify
from tests.e2e.zoo_models import ZOO as CORE, available_gib, check_model, prepared

# every zoo directory name (the suite is a sample of user models: no per-model code paths)
ALL = ("1l_batch_norm 1l_concat 1l_conv 1l_conv_transpose 1l_div 1l_downsample 1l_eltwise_div 1l_elu "
       "1l_gelu_tanh_appx 1l_identity 1l_leakyrelu 1l_linear 1l_lppool 1l_max_pool 1l_relu 1l_reshape "
       "1l_slice 1l_softmax 1l_tanh 1l_topk 1l_upsample 1l_var 2l_relu_fc 2l_relu_sigmoid "
       "2l_relu_sigmoid_conv 2l_relu_sigmoid_small 2l_relu_small 3l_relu_conv_fc arange blackman_window "
       "boolean celu decision_tree exp fr_age gather_elements gather_nd general_exp gru hard_max "
       "hard_sigmoid hard_swish hierarchical_risk integer_div large_mlp large_op_graph layernorm lenet_5 "
       "less lightgbm linear_regression log_softmax logsumexp lstm lstm_large lstm_medium ltsf max min "
       "mish mnist_gan multihead_attention oh_decision_tree prelu_gmm quantize_dequantize random_forest "
       "remainder rnn rounding_ops rsqrt selu sklearn_mlp softsign variable_cnn xgboost xgboost_reg").split()
OTHERS = [n for n in ALL if n not in CORE]
# chain + both layouts + mock in about a second or two each on one core
FAST = set(("1l_downsample 1l_elu 1l_lppool 1l_topk 1l_upsample arange blackman_window boolean celu "
            "decision_tree exp gather_elements gather_nd general_exp gru hard_max hard_sigmoid hard_swish "
            "integer_div less linear_regression log_softmax logsumexp lstm max min mish quantize_dequantize "
            "remainder rnn rounding_ops rsqrt selu sklearn_mlp softsign 1l_conv_transpose hierarchical_risk "
            "lightgbm xgboost xgboost_reg oh_decision_tree ltsf prelu_gmm large_op_graph").split())
HEAVY = {"fr_age": 24, "mnist_gan": 24, "lstm_large": 12}  # GiB the mock needs at its K
PROVE_FAST = ["hard_max", "decision_tree", "1l_topk"]


@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n in FAST else pytest.mark.slow) for n in OTHERS])
def test_zoo_model_mock_passes(shared_dir, tmp_path, name):
    if available_gib() < HEAVY.get(name, 0):
        pytest.skip(f"the {name} mock needs about {HEAVY[name]} GiB of free memory")
    check_model(shared_dir / "zoo" / name, tmp_path)


def _prove_verify(laid, seed: bytes) -> bool:
    srs = SRS.generate(laid.circuit.k, seed=seed)
    pk, vk = keygen(laid.circuit, srs)
    proof = prove(pk, srs, laid.witness)
    ok = verify(vk, srs.verifier(), laid.instances, proof)
    bad = [laid.instances[0].copy()]
    bad[0][-1] += 1  # another claimed output for the same proof
    return ok and not verify(vk, srs.verifier(), bad, proof)


def _laid(model_dir, tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    graph, settings, trace = prepared(model_dir, tmp_path)
    return lay_out(graph, settings, trace)


@pytest.mark.parametrize("name", PROVE_FAST)
def test_zoo_model_proves_and_verifies(shared_dir, tmp_path, name):
    laid = _laid(shared_dir / "zoo" / name, tmp_path)
    assert laid.circuit.k <= 17
    assert _prove_verify(laid, b"zoo-circuits")


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in ALL if n not in PROVE_FAST])
def test_every_zoo_model_with_k_at_most_17_proves(shared_dir, tmp_path, name):
    laid = _laid(shared_dir / "zoo" / name, tmp_path)
    if laid.circuit.k > 17:
        pytest.skip(f"K = {laid.circuit.k} > 17")
    assert _prove_verify(laid, b"zoo-circuits")


def test_mutation_of_a_few_zoo_models(shared_dir, tmp_path):
    for name in ("hard_max", "1l_topk"):
        laid = _laid(shared_dir / "zoo" / name, tmp_path / name)
        n, accepted = mutation_check(laid, count=100, seed=2)
        assert n > 0 and accepted == [], f"{name}: the mock accepted changed cells {accepted[:5]}"


@pytest.mark.slow
def test_mutation_summary_over_micro_and_every_proved_zoo_model(shared_dir, tmp_path, capsys):
    """200 random assigned cells per circuit (all of them when fewer); the summary counts them."""
    rows, checked, accepted_all = [], 0, []
    targets = [("nanogpt_micro", shared_dir / "models" / "nanogpt" / "micro", "accuracy")]
    targets += [(n, shared_dir / "zoo" / n, "resources") for n in ALL if n not in HEAVY]
    for name, d, target in targets:
        (tmp_path / name).mkdir()
        graph, settings, trace = prepared(d, tmp_path / name, target)
        if settings.run_args.logrows > 17:
            continue  # the suite proves models with K ≤ 17
        laid = lay_out(graph, settings, trace)
        n, accepted = mutation_check(laid, count=200, seed=17)
        rows.append((name, laid.circuit.k, n, len(accepted)))
        checked += n
        accepted_all += [(name, a) for a in accepted]
    with capsys.disabled():
        print(f"\nmutation check: {checked} changed cells over {len(rows)} circuits, "
              f"{checked - len(accepted_all)} rejected by the mock, {len(accepted_all)} accepted")
    assert len(rows) >= 60
    assert accepted_all == [], f"changed cells the mock accepted: {accepted_all[:10]}"
