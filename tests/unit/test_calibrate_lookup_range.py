"""calibrate-settings shrinks the lookup range (and so logrows) only while accuracy holds."""

from __future__ import annotations

import json

import numpy as np
import pytest
import onnxruntime as ort

from ezk import api
from ezk.calibrate import RANGE_SLACK_ABS, RANGE_SLACK_REL
from ezk.errors import EzkError
from ezk.witness import witness_outputs
from models.nanogpt import MICRO, write_nanogpt


def _calibrated(tmp_path, shrink: bool):
    model, data = write_nanogpt(tmp_path / "m", MICRO)
    settings = tmp_path / f"settings_{shrink}.json"
    api.gen_settings(model, settings)
    st, report = api.calibrate_settings(model, data, settings, target="accuracy", scales=(11, 13),
                                        shrink_lookup=shrink)
    return model, data, settings, st, report


def _proven_error(tmp_path, model, data, settings) -> tuple[float, bool]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    compiled, witness = tmp_path / "model.compiled", tmp_path / "witness.json"
    api.compile_circuit(model, compiled, settings)
    w = api.gen_witness(compiled, data, witness)
    tokens = np.array(json.loads(data.read_text())["input_data"][0], dtype=np.int64).reshape(1, -1)
    ref = ort.InferenceSession(str(model)).run(None, {"idx": tokens})[0]
    y = witness_outputs(w)[0].reshape(ref.shape)
    rel = float(np.abs(y - ref).max() / np.abs(ref).max())
    return rel, bool(np.array_equal(y.argmax(-1), ref.argmax(-1)))


def test_micro_range_shrinks_logrows_within_accuracy(tmp_path):
    model, data, full_path, full, _ = _calibrated(tmp_path, shrink=False)
    _, _, small_path, small, report = _calibrated(tmp_path, shrink=True)
    assert full.run_args.lookup_range == [-32768, 32768] and full.run_args.logrows == 17
    lo, hi = small.run_args.lookup_range
    assert -lo == hi and hi < 32768 and hi & (hi - 1) == 0
    assert small.run_args.logrows < full.run_args.logrows
    assert small.run_args.logrows == small.min_logrows
    assert "lookup_range" in report
    err_full, top1_full = _proven_error(tmp_path / "full", model, data, full_path)
    err_small, top1_small = _proven_error(tmp_path / "small", model, data, small_path)
    assert top1_full and top1_small
    assert err_small <= err_full + max(RANGE_SLACK_REL * err_full, RANGE_SLACK_ABS) + 1e-9
    assert err_small <= 0.01


def test_range_kept_when_tables_do_not_bind(tmp_path):
    """A range one step smaller than the tables' need gives no lower k: the range stays (micro's
    rows need 2^13 whatever the tables below ±2048)."""
    model, data = write_nanogpt(tmp_path / "m", MICRO)
    settings = tmp_path / "settings.json"
    api.gen_settings(model, settings, lookup_range=(-2048, 2048))
    st, _ = api.calibrate_settings(model, data, settings, target="accuracy", scales=(13,))
    assert st.run_args.lookup_range == [-2048, 2048]


def test_row_cap_caps_the_lookup_range(tmp_path):
    """--max-logrows 15 never writes tables of 2^16 + 1 rows (they would need 2^17): the range is
    clipped to ±2^13 before the scales are chosen, and the result fits 2^15 rows."""
    model, data = write_nanogpt(tmp_path / "m", MICRO)
    settings = tmp_path / "settings.json"
    api.gen_settings(model, settings)
    st, report = api.calibrate_settings(model, data, settings, target="accuracy", scales=(13,), max_logrows=15,
                                        shrink_lookup=False)
    assert st.run_args.lookup_range == [-8192, 8192]
    assert "tables that fit 2^15 rows" in report
    assert st.min_logrows <= 15 and st.run_args.logrows <= 15
    compiled = tmp_path / "model.compiled"
    api.compile_circuit(model, compiled, settings)
    from ezk.compiled import load_compiled

    c = load_compiled(compiled)
    assert api.measure_circuit(c.graph, c.settings.run_args, c.settings.lookup_scales)["min_k"] <= 15


def test_row_cap_too_small_for_any_table_is_refused(tmp_path):
    model, data = write_nanogpt(tmp_path / "m", MICRO)
    with pytest.raises(EzkError, match=r"--max-logrows 7 is too small for any lookup table"):
        api.calibrate_settings(model, data, tmp_path / "settings.json", scales=(13,), max_logrows=7)
    assert not (tmp_path / "settings.json").exists()
