"""Planning segments and laying them out: schedule, cuts, link columns (mock only, no proofs)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ezk import api
from ezk.compiled import load_compiled
from ezk.errors import EzkError
from ezk.layout.circuit import usable_rows
from ezk.layout import lay_out
from ezk.plonk import mock
from ezk.proving import quantized_inputs_from_witness
from ezk.segments.plan import Lifetimes, SegmentPlan, plan_from_cuts, plan_segments, schedule
from ezk.segments.tasks import context
from ezk.segments.witness import walk_segments
from ezk.settings import RunArgs, Settings
from tests.conftest import SEGMENT_K


def _laid_segments(m, plan):
    comp, _, st = context(m.compiled)
    inputs = quantized_inputs_from_witness(comp, m.witness)
    for spec, (_, values) in zip(plan.segments, walk_segments(comp.graph, plan.segments, inputs)):
        yield spec, lay_out(comp.graph, st, values, segment=spec)


def test_schedule_puts_each_leaf_just_before_its_first_reader(segmented_model):
    g = load_compiled(segmented_model.compiled).graph
    order = schedule(g)
    pos = {t: p for p, t in enumerate(order)}
    assert all(g.nodes[t].op != "const" or g.nodes[t].attrs.get("visibility") == "private" for t in order)
    for t in g.inputs:
        first = min(pos[n.id] for n in g.nodes if t in n.inputs)
        assert pos[t] == first - 1
    assert all(pos[i] < pos[t] for t in order for i in g.nodes[t].inputs if i in pos)


def test_plan_fits_every_segment_and_cuts_at_the_residual_stream(segmented_model):
    comp = load_compiled(segmented_model.compiled)
    plan = SegmentPlan.from_json(comp.extra["segments"])
    plan.check(comp.graph)
    assert len(plan.segments) >= 2 and plan.k <= SEGMENT_K
    assert all(s["min_k"] <= SEGMENT_K for s in plan.stats)
    # every segment but the last is nearly full, cut where little crosses: at most twice the
    # residual stream (T × C), far below one link column
    u = usable_rows(plan.k)
    for a, st in zip(plan.segments[:-1], plan.stats):
        assert st["num_rows"] >= 0.88 * u
        assert 0 < sum(comp.graph.nodes[t].size for t in a.link_out) <= 2 * 4 * 8


def test_choose_end_takes_the_smallest_crossing_among_nearly_full_ends():
    from ezk.segments.plan import _choose_end

    cum = np.array([10, 50, 60, 92, 95, 97, 99])  # rows of the ends a+1 … a+7 (budget 100)
    cross = np.array([0, 4, 1, 1, 6, 3, 5, 8, 9])  # elements crossing a cut at each position
    no_links = np.zeros(9, dtype=np.int64)
    # ≥ 90: ends 4 … 7 (cross 6, 3, 5, 8) → end 5; the residual-sized cuts at 2, 3 fill too little
    assert _choose_end(0, cum, cross, no_links, 100) == 5
    # the rows of the tensors leaving must fit as well: end 5's cut takes 6 rows → 95 + 6 > 100
    rows = no_links.copy()
    rows[5] = 6
    assert _choose_end(0, cum, cross, rows, 100) == 6
    # nothing fills 90% of the budget (the next node is large): 90% of the most that fits
    assert _choose_end(0, np.array([10, 50, 60, 70]), cross, no_links, 100) == 4  # only 70 holds ≥ 63
    assert _choose_end(0, np.array([10, 50, 66, 70]), cross, no_links, 100) == 3  # 66, 70: cross 1 < 6
    assert _choose_end(0, np.array([10, 50, 60, 70, 80]), cross, no_links, 100) == 5  # only 80 holds ≥ 72


def test_a_model_that_fits_stays_one_circuit_with_the_same_file(segmented_model, tmp_path):
    m = segmented_model
    plain = api.compile_circuit(m.model, tmp_path / "a.compiled", m.settings)
    bounded = api.compile_circuit(m.model, tmp_path / "b.compiled", m.settings, max_logrows=16)
    assert plain == bounded  # same digest: nothing about segments in the file
    assert "segments" not in load_compiled(tmp_path / "b.compiled").extra


def test_every_segment_satisfies_its_circuit_and_links_agree(segmented_model):
    m = segmented_model
    _, plan, _ = context(m.compiled)
    laid = list(_laid_segments(m, plan))
    for spec, lo in laid:
        assert mock(lo.circuit, lo.witness) == []
    for (_, a), (_, b) in zip(laid, laid[1:]):
        va = [a.witness.advice[c] for c in a.links.outputs]
        vb = [b.witness.advice[c] for c in b.links.inputs]
        assert all(np.array_equal(x, y) for x, y in zip(va, vb))


def test_segments_use_freivalds_and_links_touch_only_phase_0_cells(segmented_model):
    """Each segment is its own multi-phase proof: its einsums take Freivalds checks (phase-1
    accumulators, challenges drawn after its phase-0 commitments, the link columns among them),
    and a link column, committed in phase 0, is copied only to and from phase-0 cells: the
    tensor crossing a cut never needs a challenge of either proof."""
    m = segmented_model
    _, plan, _ = context(m.compiled)
    checks = 0
    for _, lo in _laid_segments(m, plan):
        cs = lo.circuit.cs
        checks += lo.stats["freivalds_checks"]
        link = {c.index for c in lo.links.inputs + lo.links.outputs}
        assert link and all(cs.columns[i].phase == 0 for i in link)
        cp = np.asarray(lo.circuit.copies)
        touch = np.isin(cp[:, 0], list(link)) | np.isin(cp[:, 2], list(link))
        assert touch.any()
        for i in np.unique(np.concatenate([cp[touch, 0], cp[touch, 2]])):
            assert cs.columns[int(i)].phase == 0
    assert checks > 0


def test_a_tensor_used_two_cuts_later_passes_through_the_segment_between(segmented_model):
    m = segmented_model
    comp, _, _ = context(m.compiled)
    g = comp.graph
    order = schedule(g)
    life = Lifetimes.of(g, order)
    # two cuts inside the first attention block: the residual stream crosses both
    x = next(n.id for n in g.nodes if n.onnx_name.endswith("Add_pos") and n.op == "add")
    p = order.index(x)
    inside = [q for q in range(p + 2, int(life.last[p])) if x in life.crossing(q)]
    plan = plan_from_cuts(g, [inside[0], inside[len(inside) // 2]], SEGMENT_K)
    mid = plan.segments[1]
    assert x in mid.link_in and x in mid.link_out and x not in mid.nodes
    for spec, lo in _laid_segments(m, plan):
        assert mock(lo.circuit, lo.witness) == [], spec


def test_a_changed_link_value_breaks_the_producing_segment(segmented_model):
    m = segmented_model
    _, plan, _ = context(m.compiled)
    spec, lo = next(_laid_segments(m, plan))
    col = lo.links.outputs[0]
    bad = lo.witness.advice[col].copy()
    bad[3] += 1
    lo.witness.advice[col] = bad
    failures = mock(lo.circuit, lo.witness)
    assert failures and any("copy" in lo.explain(f).lower() or "permutation" in lo.explain(f).lower() for f in failures)


def test_unused_link_rows_are_pinned_to_zero(segmented_model):
    m = segmented_model
    _, plan, _ = context(m.compiled)
    _, lo = next(_laid_segments(m, plan))
    col = lo.links.outputs[-1]
    bad = lo.witness.advice[col].copy()
    bad[lo.links.elements_out + 2] = 7  # a row past the tensor
    lo.witness.advice[col] = bad
    assert any("link.out.pad" in lo.explain(f) for f in mock(lo.circuit, lo.witness))


def test_a_segment_size_below_the_tables_is_one_clear_error(segmented_model):
    comp = load_compiled(segmented_model.compiled)
    with pytest.raises(EzkError, match="max-logrows"):
        plan_segments(comp.graph, comp.settings, 10)


def test_segment_logrows_is_validated_and_left_out_of_settings_when_off(tmp_path):
    assert "segment_logrows" not in json.dumps(Settings(run_args=RunArgs()).to_json())
    st = Settings(run_args=RunArgs(segment_logrows=15))
    st.save(tmp_path / "s.json")
    assert Settings.load(tmp_path / "s.json").run_args.segment_logrows == 15
    with pytest.raises(EzkError, match="segment_logrows"):
        RunArgs(segment_logrows=2).validate()


def test_each_link_column_is_opened_once_per_proof_fewer_times_than_it_has_blinding_rows(segmented_model):
    from ezk.plonk.proof import evaluation_layout

    m = segmented_model
    _, plan, _ = context(m.compiled)
    laid = list(_laid_segments(m, plan))
    for _, lo in laid:
        cs, d = lo.circuit.cs, lo.circuit.domain
        layout = evaluation_layout(cs, d)
        for c in lo.links.inputs + lo.links.outputs:
            opened = [rot for (key, rot) in layout if key == ("col", c.index)]
            assert opened == [0]
            # two proofs hold a link column (its producer and its consumer): two openings
            assert 2 < d.n - d.usable


def test_max_memory_picks_the_largest_k_whose_measured_prover_fits():
    from ezk.segments.plan import PROVER_BASE_BYTES, PROVER_BYTES_PER_ROW, logrows_for_memory

    ks = [logrows_for_memory(g) for g in (1, 2, 4, 8, 16)]
    assert ks == sorted(ks) and len(set(ks)) == len(ks)
    for g, k in zip((1, 2, 4, 8, 16), ks):
        assert PROVER_BASE_BYTES + PROVER_BYTES_PER_ROW * (1 << k) <= g * (1 << 30)
        assert PROVER_BASE_BYTES + PROVER_BYTES_PER_ROW * (1 << (k + 1)) > g * (1 << 30)
    with pytest.raises(EzkError, match="max-memory"):
        logrows_for_memory(0.1)
