"""Shared test fixtures: where ../shared lives (tests that need it skip when it is absent)."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is absent (models and zoo are only available in the dev workspace)")
    return SHARED


@pytest.fixture(scope="session")
def srs_path(tmp_path_factory) -> Path:
    """A test SRS with 2^13 points (insecure: made from a seed), shared by the e2e tests that
    prove small models through the API or the CLI."""
    from ezk import api

    p = tmp_path_factory.mktemp("srs") / "k13.srs"
    api.gen_srs(p, 13, seed="ezk-tests")
    return p


def proof_instances(d: dict) -> list[list[int]]:
    """The public instances of a proof.json dict as field integers."""
    from ezk.felts import le_hex_to_ints

    return [le_hex_to_ints(col) for col in d["instances"]]


def with_instances(d: dict, public_layout: list[dict], inst: list[list[int]]) -> dict:
    """A copy of proof.json dict ``d`` claiming instances ``inst``, every field that restates them
    (outputs, pretty_public_inputs) edited to agree: the best a forger can do without the proof."""
    from ezk.artifacts import pretty_public
    from ezk.felts import ints_to_le_hex
    from ezk.proving import dequantize_public, public_values

    return {**d, "instances": [ints_to_le_hex(c) for c in inst], "outputs": dequantize_public(public_layout, inst),
            "pretty_public_inputs": pretty_public(public_values(public_layout, inst, "input"),
                                                  public_values(public_layout, inst))}


# ---------------------------------------------------------------------------- segmented models

SEGMENT_K = 13  # the smallest k a segment can have (12-bit range tables need 2^12 + 1 rows)


def build_segmented_model(root: Path, n_layer: int = 16, seed: int = 0, max_logrows: int = SEGMENT_K):
    """A nanoGPT of ``n_layer`` tiny blocks (8-dim, 4 tokens) compiled into segments of
    2^max_logrows rows, its witness, a second input's witness and a test SRS (16 blocks: the
    whole model needs ~10k rows, more than 2^13, so it is cut in two; 12 blocks fit one segment
    since the leaner gadgets)."""
    from types import SimpleNamespace

    from ezk import api
    from models.nanogpt import NanoGPTConfig, write_nanogpt

    root.mkdir(parents=True, exist_ok=True)
    write_nanogpt(root, NanoGPTConfig(n_layer=n_layer, n_head=2, n_embd=8, block_size=4, seed=seed))
    m = SimpleNamespace(dir=root, model=root / "network.onnx", settings=root / "settings.json",
                        compiled=root / "model.compiled", witness=root / "witness.json",
                        witness_b=root / "witness_b.json", srs=root / "kzg.srs", vk=root / "vk.key",
                        pk=root / "pk.key", proof=root / "proof.json")
    api.gen_settings(m.model, m.settings, input_scale=5, param_scale=5, lookup_range=(-1024, 1024))
    api.compile_circuit(m.model, m.compiled, m.settings, max_logrows=max_logrows)
    api.gen_witness(m.compiled, root / "input.json", m.witness)
    (root / "input_b.json").write_text('{"input_data": [[5, 17, 33, 60]]}')
    api.gen_witness(m.compiled, root / "input_b.json", m.witness_b)
    api.gen_srs(m.srs, max_logrows, seed="ezk-segments-test")
    return m


@pytest.fixture(scope="session")
def segmented_model(tmp_path_factory):
    return build_segmented_model(tmp_path_factory.mktemp("segmented") / "model")


@pytest.fixture(scope="session")
def segmented_bundle(segmented_model):
    """segmented_model with its key bundle and one proof bundle, made in this process."""
    from ezk import api

    m = segmented_model
    m.setup_info = api.setup(m.compiled, m.srs, m.vk, m.pk)
    m.prove_info = api.prove(m.compiled, m.witness, m.pk, m.srs, m.proof)
    return m
