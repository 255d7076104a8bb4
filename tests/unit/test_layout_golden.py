"""Snapshot of the circuit of a small fixed model: its gate list, lookups, permutation, layout
statistics and verifying-key digest. An unintended circuit change shows up as a diff of
tests/golden/layout_small.txt; regenerate on purpose with EZK_REGEN_GOLDEN=1."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ezk.kzg import SRS
from ezk.layout import lay_out
from ezk.plonk import keygen
from tests.unit.layout_graphs import settings, small_graph

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "layout_small.txt"


def snapshot() -> str:
    laid = lay_out(small_graph(), settings(k=13))
    srs = SRS.generate(laid.circuit.k, seed=b"ezk-layout-golden")
    _, vk = keygen(laid.circuit, srs)
    return "\n".join([
        f"vk digest: {vk.digest.hex()}",
        "stats: " + json.dumps(laid.stats, sort_keys=True),
        laid.circuit.cs.describe(),
    ]) + "\n"


def test_circuit_matches_the_golden_file():
    text = snapshot()
    if os.environ.get("EZK_REGEN_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text)
    assert GOLDEN.is_file(), "no golden file: run with EZK_REGEN_GOLDEN=1 once"
    assert text == GOLDEN.read_text(), "the circuit changed; if intended, regenerate with EZK_REGEN_GOLDEN=1"
