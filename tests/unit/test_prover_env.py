"""The prover's environment knobs: a whole number is used, anything else is one sentence."""

import pytest

from ezk.errors import EzkError
from ezk.plonk import budget, fixed_cosets
from ezk.plonk.domain import Domain
from ezk.plonk.quotient import budget_slots


def test_env_int_reads_whole_numbers_and_defaults(monkeypatch):
    monkeypatch.delenv("EZK_TEST_KNOB", raising=False)
    assert budget.env_int("EZK_TEST_KNOB", 7) == 7
    monkeypatch.setenv("EZK_TEST_KNOB", " 12 ")
    assert budget.env_int("EZK_TEST_KNOB", 7) == 12
    monkeypatch.setenv("EZK_TEST_KNOB", "")
    assert budget.env_int("EZK_TEST_KNOB") is None


@pytest.mark.parametrize("name, read", [
    ("EZK_FIXED_COSETS_MB", lambda: fixed_cosets.limit_bytes()),
    ("EZK_QUOTIENT_MB", lambda: budget_slots(Domain(10, 5, 5))),
])
def test_bad_knob_is_one_sentence(monkeypatch, name, read):
    monkeypatch.setenv(name, "6GB")
    with pytest.raises(EzkError, match=rf"^{name} must be a whole number, not '6GB'\.$"):
        read()
    monkeypatch.setenv(name, "3")
    read()  # a whole number is accepted


def test_fixed_cosets_limit_in_mib(monkeypatch):
    monkeypatch.setenv("EZK_FIXED_COSETS_MB", "0")
    assert fixed_cosets.limit_bytes() == 0
    monkeypatch.delenv("EZK_FIXED_COSETS_MB")
    assert fixed_cosets.limit_bytes() == fixed_cosets.DEFAULT_LIMIT_MB << 20
