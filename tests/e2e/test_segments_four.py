"""A model cut into four segments (cuts chosen at its smallest crossings), so that the attacks
on the middle of a bundle can be tried: middle segments reordered, one dropped, one's proof
swapped with another's. Each must be rejected; the honest bundle verifies."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ezk import api
from ezk.proving import verify_proof
from tests.conftest import build_segmented_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    from ezk.compiled import load_compiled, save_compiled
    from ezk.segments.plan import Lifetimes, plan_from_cuts, schedule

    m = build_segmented_model(tmp_path_factory.mktemp("four") / "model")
    comp = load_compiled(m.compiled)
    order = schedule(comp.graph)
    cross = Lifetimes.of(comp.graph, order).crossing_sizes()
    cuts = []
    for q in (1, 2, 3):  # the smallest crossing near each quarter of the schedule
        lo, hi = len(order) * q // 4 - len(order) // 10, len(order) * q // 4 + len(order) // 10
        cuts.append(lo + int(np.argmin(cross[lo:hi])))
    plan = plan_from_cuts(comp.graph, cuts, int(comp.extra["segments"]["k"]))
    comp.extra = {**comp.extra, "segments": plan.to_json()}
    save_compiled(m.compiled, comp)
    api.gen_witness(m.compiled, m.dir / "input.json", m.witness)
    api.setup(m.compiled, m.srs, m.vk, m.pk)
    info = api.prove(m.compiled, m.witness, m.pk, m.srs, m.proof)
    assert info["segments"] == 4
    return m


def _verdict(m, tmp_path, data: dict):
    p = tmp_path / "proof.json"
    p.write_text(json.dumps(data))
    return verify_proof(p, m.settings, m.vk, m.srs)


def test_the_four_segment_bundle_verifies(four):
    assert verify_proof(four.proof, four.settings, four.vk, four.srs)


def test_middle_segments_reordered_are_rejected(four, tmp_path):
    d = json.loads(four.proof.read_text())
    d["proofs"][1], d["proofs"][2] = d["proofs"][2], d["proofs"][1]
    d["instances"][1], d["instances"][2] = d["instances"][2], d["instances"][1]
    assert not _verdict(four, tmp_path, d)


def test_a_dropped_middle_segment_is_rejected(four, tmp_path):
    d = json.loads(four.proof.read_text())
    for s in (1, 2):
        e = json.loads(json.dumps(d))
        del e["proofs"][s], e["instances"][s]
        v = _verdict(four, tmp_path, e)
        assert not v and "segment proofs" in v.reason


def test_a_middle_segment_proof_swapped_with_another_middle_segments_is_rejected(four, tmp_path):
    d = json.loads(four.proof.read_text())
    for s, t in ((1, 2), (2, 1)):
        e = json.loads(json.dumps(d))
        e["proofs"][s] = d["proofs"][t]
        assert not _verdict(four, tmp_path, e)
