"""The input bound a proof promises (issue #12): recorded in settings.json, shown by `ezk table`
for inputs and private parameters, and the same B the layout range-checks."""

from __future__ import annotations

from ezk import api
from ezk.ops.bounds import describe_leaf_bound, leaf_bits
from ezk.settings import Settings
from tests.small_models import write_model


def test_the_bound_is_recorded_and_shown(tmp_path):
    model = tmp_path / "m.onnx"
    write_model(model, "private")
    s = api.gen_settings(model, tmp_path / "s.json", param_visibility="private")
    assert s.model_input_bits == [leaf_bits(7, s.run_args.lookup_range)] == [23]
    assert Settings.load(tmp_path / "s.json").model_input_bits == [23]
    rows = {r["op"]: r for r in api.table(model, str(tmp_path / "s.json"))}
    assert rows["input"]["detail"]["bound"] == describe_leaf_bound(23, 7) == "[-65536, 65536) (q in [-2^23, 2^23) at scale 7)"
    w = rows["const"]
    assert w["detail"]["visibility"] == "private" and w["detail"]["bound"].startswith("[-65536, 65536)")


def test_a_wider_lookup_range_widens_the_bound_up_to_the_rescale_bound():
    assert leaf_bits(7, (-(1 << 20), 1 << 20)) == 27
    assert leaf_bits(30, (-32768, 32768)) == 35  # capped below the rescale bound (RESCALE_BITS − 1)
