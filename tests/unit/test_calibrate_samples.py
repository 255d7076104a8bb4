"""Calibration over every sample of EZKL's calibration.json (samples concatenated per input): the
lookup ranges cover the largest sample, the error is measured on all of them, and the layout's
mistakes are clear sentences."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from ezk import api
from ezk.errors import EzkError, WitnessError
from ezk.inputs import split_samples


def exp_model(path) -> str:
    """y = exp(x): one lookup whose input range is the data's."""
    g = helper.make_graph([helper.make_node("Exp", ["x"], ["y"])], "exp",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return str(path)


def write(path, samples) -> str:
    path.write_text(json.dumps({"input_data": [np.asarray(samples, dtype=float).reshape(-1).tolist()]}))
    return str(path)


def test_split_samples_layout_and_errors():
    v = [np.arange(6.0), np.arange(9.0)]
    samples = split_samples(v, [(1, 2), (3,)], ["a", "b"])
    assert len(samples) == 3 and samples[1][0].tolist() == [2, 3] and samples[2][1].tolist() == [6, 7, 8]
    with pytest.raises(WitnessError, match="different numbers of samples"):
        split_samples([np.arange(4.0), np.arange(9.0)], [(1, 2), (3,)], ["a", "b"])
    with pytest.raises(WitnessError, match="not a whole number of samples"):
        split_samples([np.arange(5.0)], [(1, 2)], ["a"])


def test_lookup_range_covers_every_sample(tmp_path):
    model = exp_model(tmp_path / "exp.onnx")
    small = [[0.05, -0.1], [0.1, 0.02]]
    big = [2.5, -2.5]
    api.gen_settings(model, tmp_path / "s_small.json", lookup_range=(-1024, 1024))
    api.gen_settings(model, tmp_path / "s_all.json", lookup_range=(-1024, 1024))
    st_small, _ = api.calibrate_settings(model, write(tmp_path / "cal_small.json", small), tmp_path / "s_small.json",
                                         scales=[9], shrink_lookup=False)
    st_all, report = api.calibrate_settings(model, write(tmp_path / "cal_all.json", small + [big]),
                                            tmp_path / "s_all.json", scales=[9], shrink_lookup=False)
    assert "calibrated on 3 sample(s)" in report
    (key,) = [k for k in st_all.lookup_scales if k.endswith(":exp")]  # (the others: rescale bounds)
    assert st_all.lookup_scales[key] < st_small.lookup_scales[key]  # a coarser input scale: room for |x| = 2.5
    one = write(tmp_path / "big.json", [big])
    for st_path, ok in (("s_all.json", True), ("s_small.json", False)):
        api.compile_circuit(model, tmp_path / "m.compiled", tmp_path / st_path)
        if ok:
            w = api.gen_witness(tmp_path / "m.compiled", one, tmp_path / "w.json")
            assert np.allclose([float(v) for v in w["pretty_elements"]["rescaled_outputs"][0]], np.exp(big), rtol=0.05)
            api.mock(tmp_path / "m.compiled", tmp_path / "w.json")
        else:  # calibrated on the small samples only, the big one falls outside the table
            with pytest.raises(EzkError):
                api.gen_witness(tmp_path / "m.compiled", one, tmp_path / "w.json")
                api.mock(tmp_path / "m.compiled", tmp_path / "w.json")


def test_error_is_measured_over_every_sample(tmp_path):
    model = exp_model(tmp_path / "exp.onnx")
    api.gen_settings(model, tmp_path / "s.json", lookup_range=(-1024, 1024))
    data = [[0.1, 0.2], [1.5, -1.5], [0.3, 0.0]]
    _, report = api.calibrate_settings(model, write(tmp_path / "c.json", data), tmp_path / "s.json", scales=[9],
                                       shrink_lookup=False)
    _, report_first = api.calibrate_settings(model, write(tmp_path / "c1.json", data[:1]), tmp_path / "s.json",
                                             scales=[9], shrink_lookup=False)
    row = [ln for ln in report.splitlines() if ln.startswith("y ")][0]
    row1 = [ln for ln in report_first.splitlines() if ln.startswith("y ")][0]
    assert float(row.split()[1]) > float(row1.split()[1])  # the max abs error includes exp(1.5)'s


def test_uneven_calibration_data_is_one_sentence(tmp_path):
    model = exp_model(tmp_path / "exp.onnx")
    api.gen_settings(model, tmp_path / "s.json", lookup_range=(-1024, 1024))
    (tmp_path / "bad.json").write_text(json.dumps({"input_data": [[0.1, 0.2, 0.3]]}))
    with pytest.raises(WitnessError, match="not a whole number of samples"):
        api.calibrate_settings(model, tmp_path / "bad.json", tmp_path / "s.json", scales=[9])
