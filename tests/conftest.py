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
