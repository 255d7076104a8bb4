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
