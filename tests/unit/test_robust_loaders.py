"""Fuzzed JSON / npz loaders: settings.json, the compiled circuit, proof.json, input.json and
witness.json.

Random bytes, truncations, single bit flips and structural JSON mutations (any field replaced
by any JSON value, or removed) must end in an ``EzkError`` subclass with one sentence, or in a
valid object; never another exception. The compiled circuit (an ``.npz``) must refuse a member
whose header claims more elements than the member holds before numpy allocates them.
"""

from __future__ import annotations

import copy
import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ezk import api
from ezk.artifacts import read_proof_json, write_proof_json
from ezk.compiled import load_compiled
from ezk.errors import ArtifactError, EzkError
from ezk.inputs import load_input_data
from ezk.settings import Settings
from tests.unit.onnx_models import tiny_model

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
)
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                           max_leaves=12)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    d = tmp_path_factory.mktemp("robust")
    model = tiny_model(d / "tiny.onnx")
    (d / "input.json").write_text(json.dumps({"input_data": [[0.5, -1.0, 0.25, 2.0]]}))
    api.gen_settings(str(model), str(d / "settings.json"), logrows=13)
    api.compile_circuit(str(model), str(d / "model.compiled"), str(d / "settings.json"))
    api.gen_witness(str(d / "model.compiled"), str(d / "input.json"), str(d / "witness.json"))
    write_proof_json(d / "proof.json", {"proof": "ab" * 40, "instances": [["1", "2", "3"]], "outputs": [[0.5, 1.0]],
                                        "vk_digest": "00" * 32, "compiled_digest": "11" * 32})
    return d


def _one_sentence(exc: Exception) -> None:
    text = str(exc).strip()
    assert text and "\n" not in text and "Traceback" not in text


def _mutate_bytes(data: bytes, draw) -> bytes:
    how = draw(st.sampled_from(["flip", "truncate", "garbage"]))
    if how == "flip":
        bit = draw(st.integers(0, 8 * len(data) - 1))
        b = bytearray(data)
        b[bit // 8] ^= 1 << (bit % 8)
        return bytes(b)
    if how == "truncate":
        return data[:draw(st.integers(0, len(data) - 1))]
    return data[:draw(st.integers(0, 40))] + draw(st.binary(max_size=200))


def _json_paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _json_paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3]):
            yield from _json_paths(v, prefix + (i,))


def _mutate_json(obj, draw):
    obj = copy.deepcopy(obj)
    paths = [p for p in _json_paths(obj) if p]
    path = draw(st.sampled_from(paths))
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON_VALUES)
    return obj


def _load(loader, path):
    try:
        return loader(path)
    except EzkError as exc:
        _one_sentence(exc)
        return None


# --------------------------------------------------------------------------- settings.json


@FUZZ
@given(st.data())
def test_settings_bytes_fuzz(artifacts, data):
    raw = (artifacts / "settings.json").read_bytes()
    (artifacts / "fz_settings.json").write_bytes(_mutate_bytes(raw, data.draw))
    _load(Settings.load, artifacts / "fz_settings.json")


@FUZZ
@given(st.data())
def test_settings_structure_fuzz(artifacts, data):
    base = json.loads((artifacts / "settings.json").read_text())
    (artifacts / "fz_settings.json").write_text(json.dumps(_mutate_json(base, data.draw)))
    _load(Settings.load, artifacts / "fz_settings.json")


def test_settings_lookup_scales_of_the_wrong_type(artifacts, tmp_path):
    base = json.loads((artifacts / "settings.json").read_text())
    for bad in (None, 3, "x", [[1, 2]]):
        base["lookup_scales"] = bad
        (tmp_path / "s.json").write_text(json.dumps(base))
        with pytest.raises(ArtifactError, match="malformed"):
            Settings.load(tmp_path / "s.json")


# ------------------------------------------------------------------------ compiled circuit


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_compiled_bytes_fuzz(artifacts, data):
    raw = (artifacts / "model.compiled").read_bytes()
    original = load_compiled(artifacts / "model.compiled").digest
    (artifacts / "fz.compiled").write_bytes(_mutate_bytes(raw, data.draw))
    loaded = _load(load_compiled, artifacts / "fz.compiled")
    if loaded is not None:  # only zip metadata nobody reads (timestamps, comments) may change
        assert loaded.digest == original


def test_every_truncation_class_of_the_compiled_circuit(artifacts):
    raw = (artifacts / "model.compiled").read_bytes()
    for n in sorted({0, 1, 3, 4, 29, 30, 100, len(raw) // 2, len(raw) - 23, len(raw) - 22, len(raw) - 1}
                    | set(range(0, len(raw), max(1, len(raw) // 97)))):
        (artifacts / "tr.compiled").write_bytes(raw[:n])
        with pytest.raises(ArtifactError):
            load_compiled(artifacts / "tr.compiled")


def _npz_with_member(name: str, header_shape: str, payload: bytes, descr: str = "<i8") -> bytes:
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {header_shape}, }}".encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + payload
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, npy)
    return buf.getvalue()


@pytest.mark.parametrize("member,shape,descr", [
    ("__meta__.npy", "(1000000000000,)", "|u1"),
    ("n0.w.npy", "(4000000000, 4000000000)", "<i8"),
    ("n0.w.npy", "(300000000,)", "<i8"),  # 2.4 GB: numpy would allocate it, then find 80 bytes
    ("n0.w.npy", "(10,)", "|O"),
])
def test_compiled_member_header_claiming_huge_or_object_arrays(tmp_path, member, shape, descr):
    (tmp_path / "huge.compiled").write_bytes(_npz_with_member(member, shape, b"\x00" * 80, descr))
    tracemalloc.start()
    try:
        with pytest.raises(ArtifactError, match="not an ezk compiled circuit"):
            load_compiled(tmp_path / "huge.compiled")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


def test_compiled_with_a_recomputed_digest_and_a_broken_graph(artifacts, tmp_path):
    """The digest is not a signature: anyone can recompute it. A structurally broken graph
    behind a valid digest is still one sentence."""
    from ezk.compiled import _digest

    with np.load(artifacts / "model.compiled", allow_pickle=False) as z:
        meta = json.loads(bytes(z["__meta__"]).decode())
        arrays = {k: z[k] for k in z.files if k != "__meta__"}
    meta.pop("digest")
    for mutate in (lambda m: m["graph"].__setitem__("nodes", 5),
                   lambda m: m["graph"]["nodes"][0].__setitem__("inputs", [7]),
                   lambda m: m["graph"]["nodes"][-1].__setitem__("shape", "x"),
                   lambda m: m["graph"].__setitem__("onnx_tensors", [1])):
        m = copy.deepcopy(meta)
        mutate(m)
        m["digest"] = _digest(m, arrays)
        buf = io.BytesIO()
        np.savez(buf, __meta__=np.frombuffer(json.dumps(m).encode(), dtype=np.uint8), **arrays)
        (tmp_path / "m.compiled").write_bytes(buf.getvalue())
        with pytest.raises(ArtifactError):
            load_compiled(tmp_path / "m.compiled")


# ------------------------------------------------------------------------------ proof.json


@FUZZ
@given(st.data())
def test_proof_json_bytes_fuzz(artifacts, data):
    raw = (artifacts / "proof.json").read_bytes()
    (artifacts / "fz_proof.json").write_bytes(_mutate_bytes(raw, data.draw))
    _load(read_proof_json, artifacts / "fz_proof.json")


@FUZZ
@given(st.data())
def test_proof_json_structure_fuzz(artifacts, data):
    base = json.loads((artifacts / "proof.json").read_text())
    (artifacts / "fz_proof.json").write_text(json.dumps(_mutate_json(base, data.draw)))
    d = _load(read_proof_json, artifacts / "fz_proof.json")
    if d is not None:
        assert isinstance(d["proof_bytes"], bytes)
        assert all(isinstance(v, int) for col in d["instance_values"] for v in col)


def test_other_artifacts_as_a_proof(artifacts):
    for other in ("settings.json", "witness.json", "input.json", "model.compiled"):
        with pytest.raises(ArtifactError, match="not an ezk proof file|not a proof"):
            read_proof_json(artifacts / other)


# ------------------------------------------------------------------- input.json / witness


@FUZZ
@given(st.data())
def test_input_json_fuzz(artifacts, data):
    base = {"input_data": [[0.5, -1.0, 0.25, 2.0]]}
    choice = data.draw(st.sampled_from(["structure", "values", "bytes"]))
    path = artifacts / "fz_input.json"
    if choice == "structure":
        path.write_text(json.dumps(_mutate_json(base, data.draw)))
    elif choice == "values":
        vals = data.draw(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                                            st.integers(-(2**80), 2**80)), min_size=0, max_size=6))
        path.write_text(json.dumps({"input_data": [vals]}))
    else:
        path.write_bytes(_mutate_bytes(json.dumps(base).encode(), data.draw))
    try:
        api.gen_witness(str(artifacts / "model.compiled"), str(path), None)
    except EzkError as exc:
        _one_sentence(exc)


@pytest.mark.parametrize("values,fragment", [
    ([[1.0, 2.0, 3.0]], "needs 4 values"),
    ([[1.0, 2.0, 3.0, 4.0, 5.0]], "needs 4 values"),
    ([[1.0, 2.0, 3.0, float("nan")]], "NaN or infinite"),
    ([[1.0, 2.0, 3.0, float("inf")]], "NaN or infinite"),
    ([[1.0, 2.0, 3.0, 1e300]], "too large"),
    ([[1.0, 2.0, 3.0, "a"]], "not a list of numbers"),
    ([], "takes 1 input"),
])
def test_bad_input_values_are_one_sentence(artifacts, values, fragment):
    (artifacts / "bad_input.json").write_text(json.dumps({"input_data": values}))
    with pytest.raises(EzkError, match=fragment) as info:
        api.gen_witness(str(artifacts / "model.compiled"), str(artifacts / "bad_input.json"), None)
    _one_sentence(info.value)


def test_non_json_input(artifacts):
    (artifacts / "nj.json").write_text("input_data: [1, 2]")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        load_input_data(artifacts / "nj.json")


@FUZZ
@given(st.data())
def test_witness_json_fuzz(artifacts, data):
    from ezk.proving import _instances_from_witness

    comp = load_compiled(artifacts / "model.compiled")
    base = json.loads((artifacts / "witness.json").read_text())
    path = artifacts / "fz_witness.json"
    if data.draw(st.booleans()):
        path.write_text(json.dumps(_mutate_json(base, data.draw)))
    else:
        path.write_bytes(_mutate_bytes(json.dumps(base).encode(), data.draw))
    try:
        _instances_from_witness(comp, path)
    except EzkError as exc:
        _one_sentence(exc)
