"""`import ezk as ezkl`: EZKL's names, defaults and conventions, checked against values EZKL
23.0.5 itself produced (recorded below); field elements in EZKL's encodings; EZKL settings
files imported; visibilities accepted in every form EZKL writes and refused, with one sentence,
where ezk's circuit does not support them yet."""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ezk
from ezk import _native
from ezk.errors import ArtifactError, EzkError
from ezk.felts import i64_to_be_hex, i64_to_le_hex, le_hex_to_i64, le_hex_to_ints
from ezk.settings import RunArgs, Settings, check_supported, normalize_visibility, parse_pair_list, parse_range
from tests.conftest import REPO

R = _native.MODULUS

# what EZKL 23.0.5 returned for these calls (python -c "import ezkl; …")
EZKL_FELTS = {
    (1.0, 7): "8000000000000000000000000000000000000000000000000000000000000000",
    (-0.5, 0): "000000f093f5e1439170b97948e833285d588181b64550b829a031e1724e6430",  # r − 1: half away from 0
    (2.5, 0): "0300000000000000000000000000000000000000000000000000000000000000",
    (-2.5, 0): "feffffef93f5e1439170b97948e833285d588181b64550b829a031e1724e6430",
}
EZKL_BE_MINUS_1_5_AT_7 = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593efffff41"
# ezkl.gen_settings + calibrate_settings on the zoo's 1l_relu, private input (EZKL 23.0.5), abridged
EZKL_SETTINGS = {
    "run_args": {"input_scale": 13, "param_scale": 13, "rebase_scale": None, "scale_rebase_multiplier": 10,
                 "lookup_range": [0, 0], "logrows": 15, "num_inner_cols": 2, "variables": [["batch_size", 1]],
                 "input_visibility": "Private", "output_visibility": "Public", "param_visibility": "Fixed",
                 "rebase_frac_zero_constants": False, "check_mode": "UNSAFE", "decomp_base": 16384, "decomp_legs": 2,
                 "bounded_log_lookup": False, "ignore_range_check_inputs_outputs": False,
                 "epsilon": 2.220446049250313e-16, "disable_freivalds": False},
    "num_rows": 70, "total_assignments": 141, "total_const_size": 3, "model_instance_shapes": [[1, 3]],
    "model_output_scales": [13], "model_input_scales": [13], "module_sizes": {"polycommit": [], "poseidon": [0, [0]]},
    "required_lookups": [], "required_range_checks": [[0, 16383], [-1, 1]], "check_mode": "UNSAFE",
    "version": "23.0.5", "num_blinding_factors": None, "timestamp": 1795773091546, "input_types": ["F32"],
}


# ------------------------------------------------------------------------------ felts


def test_float_to_felt_matches_ezkl():
    for (x, s), felt in EZKL_FELTS.items():
        assert ezk.float_to_felt(x, s) == felt
    f = ezk.float_to_felt(-1.5, 7)
    assert ezk.felt_to_float(f, 7) == -1.5 and ezk.felt_to_int(f) == -192
    assert ezk.felt_to_big_endian(f) == EZKL_BE_MINUS_1_5_AT_7
    assert ezk.float_to_felt(0.49999999999999994, 0) == "00" * 32  # not the 1.0 that x + 0.5 rounds to
    assert ezk.float_to_felt(1.3, 0, ezk.PyInputType.Int) == ezk.float_to_felt(1, 0)


def test_buffer_to_felts_matches_ezkl():
    assert ezk.buffer_to_felts([1, 2, 3] + [0] * 14) == ["0102030000000000000000000000000000000000000000000000000000000000",
                                                         "00" * 32]
    assert ezk.buffer_to_felts(b"") == []
    big = ezk.buffer_to_felts(bytes(range(16)))
    assert ezk.felt_to_int(big[0]) == int.from_bytes(bytes(range(16)), "little")


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(0, 20))
def test_felt_helpers_round_trip(x, scale):
    felt = ezk.float_to_felt(x, scale)
    q = ezk.felt_to_int(felt)
    assert abs(q - x * 2.0**scale) <= 0.5 + 1e-6 * abs(x * 2.0**scale)
    assert ezk.felt_to_float(felt, scale) == q / 2.0**scale
    assert int(ezk.felt_to_big_endian(felt), 16) == q % R


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=50))
def test_vector_encodings_round_trip(vals):
    arr = np.array(vals, dtype=np.int64)
    le = i64_to_le_hex(arr)
    assert le_hex_to_i64(le).tolist() == vals
    assert le_hex_to_ints(le) == [v % R for v in vals]
    assert [int(h, 16) for h in i64_to_be_hex(arr)] == [v % R for v in vals]
    assert all(ezk.felt_to_int(h) == v for h, v in zip(le, vals))


@pytest.mark.parametrize("bad", ["ff" * 32, "AB" + "0" * 62, "0x" + "0" * 62, "0" * 63, " " + "0" * 63, 7, None])
def test_felt_decoding_is_strict(bad):
    with pytest.raises(ArtifactError):  # files: one encoding per value
        le_hex_to_ints([bad])
    if bad == "AB" + "0" * 62:  # the helpers, like EZKL's hex decoder, take either case
        assert ezk.felt_to_int(bad) == 0xAB
        return
    with pytest.raises(EzkError):
        ezk.felt_to_int(bad)


# ------------------------------------------------------------------------------ PyRunArgs


def test_pyrunargs_defaults_are_ezkls():
    ra = ezk.PyRunArgs()
    assert (ra.input_scale, ra.param_scale, ra.scale_rebase_multiplier, ra.logrows, ra.num_inner_cols) == (7, 7, 1, 17, 2)
    assert tuple(ra.lookup_range) == (-32768, 32768) and ra.variables == [("batch_size", 1)]
    assert (ra.input_visibility, ra.output_visibility, ra.param_visibility) == ("public", "public", "fixed")
    assert (ra.check_mode, ra.decomp_base, ra.decomp_legs, ra.disable_freivalds) == ("unsafe", 16384, 2, False)
    assert ra.epsilon == 2.220446049250313e-16
    with pytest.raises(AttributeError):
        ra.input_scael = 3
    ra.input_visibility, ra.variables, ra.disable_freivalds = "Private", [("batch_size", 2)], True
    run_args = ra.to_run_args()
    assert run_args.input_visibility == "private" and run_args.variables == [["batch_size", 2]]
    assert run_args.disable_freivalds is True and ra.explicit_logrows() is None
    ra.logrows = 12
    assert ra.explicit_logrows() == 12


def test_signatures_follow_ezkl_pyi():
    expect = {
        "gen_settings": ["model", "output", "py_run_args"],
        "calibrate_settings": ["data", "model", "settings", "target", "lookup_safety_margin", "scales",
                               "scale_rebase_multiplier", "max_logrows"],
        "compile_circuit": ["model", "compiled_circuit", "settings_path"],
        "gen_witness": ["data", "model", "output", "vk_path", "srs_path"],
        "mock": ["witness", "model"],
        "setup": ["model", "vk_path", "pk_path", "srs_path", "witness_path", "disable_selector_compression"],
        "gen_vk_from_pk_single": ["path_to_pk", "circuit_settings_path", "vk_output_path"],
        "prove": ["witness", "model", "pk_path", "proof_path", "srs_path"],
        "verify": ["proof_path", "settings_path", "vk_path", "srs_path", "reduced_srs"],
        "gen_srs": ["srs_path", "logrows"],
        "get_srs": ["settings_path", "logrows", "srs_path"],
        "table": ["model", "py_run_args"],
        "float_to_felt": ["input", "scale", "input_type"],
        "felt_to_float": ["felt", "scale"],
        "kzg_commit": ["message", "vk_path", "settings_path", "srs_path"],
        "swap_proof_commitments": ["proof_path", "witness_path"],
    }
    for name, params in expect.items():
        assert list(inspect.signature(getattr(ezk, name)).parameters) == params, name
    assert inspect.iscoroutine(c := ezk.get_srs(None, None, None))
    with pytest.raises(ezk.EzklError, match="get-srs needs --logrows"):
        asyncio.run(c)


def test_swap_proof_commitments_without_files_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ezk.EzklError, match="proof file 'proof.json' does not exist") as e:
        ezk.swap_proof_commitments()  # EZKL's defaults: proof.json, witness.json
    assert isinstance(e.value, RuntimeError) and isinstance(e.value, EzkError)


def test_poseidon_hash_is_ezkls():
    """EZKL's own test vector: poseidon_hash of float_to_felt(v, 7) for v = 1 … 4."""
    felts = [ezk.float_to_felt(v, 7) for v in (1.0, 2.0, 3.0, 4.0)]
    (digest,) = ezk.poseidon_hash(felts)
    assert ezk.felt_to_big_endian(digest) == "0x2369898875588bf49b6539376b09705ea69aee318a58e6fcc1e68fc3e7ad81ab"
    assert ezk.poseidon_hash([]) == []


def test_import_ezk_stays_light():
    code = "import sys, ezk; assert 'onnx' not in sys.modules and 'ezk.ezkl_compat' not in sys.modules; " \
           "ezk.PyRunArgs; assert 'onnx' not in sys.modules; import ezk.api; assert 'onnx' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


# ------------------------------------------------------------------------------ kzg_commit


def test_commit_message_uses_halo2s_rows():
    """EZKL's PolyCommitChip layout: message in the usable rows of halo2's domain (row i at
    ω_h^i, ω_h = ω^M), 1 in the unusable rows; checked against Σ m_i·L'_i(τ) computed directly."""
    from ezk.ezkl_compat import commit_message
    from ezk.kzg import SRS
    from ezk.kzg.ceremony import HALO2_OMEGA_LOG

    k, tau, unusable = 4, 123456789, 3
    n = 1 << k
    g = _native.G2.generator()
    srs = SRS(_native.G1Vec.powers_of_tau(tau, n), g, g.mul(tau))
    msg = [5, R - 2, 7]
    (c,) = commit_message(msg, k, unusable, srs)
    w = pow(_native.root_of_unity(n), HALO2_OMEGA_LOG, R)
    col = msg + [0] * (n - unusable - len(msg)) + [1] * unusable
    # L'_i(τ) = ω_h^i (τ^n − 1) / (n (τ − ω_h^i))
    total = sum(v * pow(w, i, R) * (pow(tau, n, R) - 1) * pow(n * (tau - pow(w, i, R)), -1, R) for i, v in enumerate(col)) % R
    x, y = _native.G1.generator().mul(total).to_xy()
    assert (c.x, c.y) == (x.to_bytes(32, "little").hex(), y.to_bytes(32, "little").hex())
    assert len(commit_message(list(range(n - unusable + 1)), k, unusable, srs)) == 2


# ------------------------------------------------------------------------------ settings


def test_ezkl_settings_file_is_imported(tmp_path, capsys):
    p = tmp_path / "settings.json"
    p.write_text(json.dumps(EZKL_SETTINGS))
    s = Settings.load(p)
    ra = s.run_args
    assert (ra.input_visibility, ra.output_visibility, ra.param_visibility, ra.check_mode) == ("private", "public", "fixed", "unsafe")
    assert (ra.input_scale, ra.scale_rebase_multiplier, ra.logrows) == (13, 10, 15)
    assert ra.lookup_range == [-32768, 32768] and "lookup_range [0, 0]" in capsys.readouterr().err
    assert s.model_instance_shapes == [[1, 3]] and s.model_input_scales == [13] and s.lookup_scales == {}
    # written back in ezk's format, it keeps EZKL's fields
    s.save(tmp_path / "ezk.json")
    d = json.loads((tmp_path / "ezk.json").read_text())
    assert d["format"] == "ezk-settings" and d["model_instance_shapes"] == [[1, 3]] and d["run_args"]["epsilon"]
    for bad, match in (({"commitment": "IPA"}, "KZG only"), ({"wat": 1}, "does not know: wat"),
                       ({"input_visibility": "Secret"}, "cannot import")):
        p.write_text(json.dumps({**EZKL_SETTINGS, "run_args": {**EZKL_SETTINGS["run_args"], **bad}}))
        with pytest.raises(ArtifactError, match=match):
            Settings.load(p)


@pytest.mark.parametrize("given,expected", [
    ("Private", "private"), ("PUBLIC", "public"), ("Fixed", "fixed"), ("hashed", "hashed/public"),
    ("hashed/public", "hashed/public"), ("hashed/private", "hashed/private"), ("hashed/private/0,1", "hashed/private/0,1"),
    ("KZGCommit", "polycommit"), ("polycommit", "polycommit"),
    ({"Hashed": {"hash_is_public": True, "outlets": []}}, "hashed/public"),
    ({"Hashed": {"hash_is_public": False, "outlets": [2]}}, "hashed/private/2"),
])
def test_visibilities_in_every_form_ezkl_writes(given, expected):
    assert normalize_visibility(given) == expected


@pytest.mark.parametrize("field,value,word", [("output_visibility", "hashed/private", "Poseidon"),
                                              ("param_visibility", "hashed/private/0", "Poseidon"),
                                              ("input_visibility", "fixed", "constants")])
def test_unsupported_visibility_is_refused_at_the_first_step(tmp_path, field, value, word):
    ra = RunArgs(**{field: value}).validate()  # accepted in settings …
    with pytest.raises(EzkError, match=f"{field} .*{word}.*not supported by ezk") as e:
        check_supported(ra)  # … refused where a circuit is built: gen-settings, calibrate, compile
    assert "\n" not in str(e.value)
    ra2 = ezk.PyRunArgs()
    setattr(ra2, field, value)
    with pytest.raises(ezk.EzklError, match="not supported by ezk"):
        ezk.gen_settings(tmp_path / "none.onnx", tmp_path / "s.json", ra2)  # before the model is even read


def test_ezkl_value_syntax():
    assert parse_range("-32768->32768") == [-32768, 32768] == parse_range("-32768,32768") == parse_range("-32768:32768")
    assert parse_pair_list("batch_size->1,seq->8") == [["batch_size", 1], ["seq", 8]] == parse_pair_list("batch_size=1,seq=8")
    for bad in ("-5", "a->b", "->3"):
        with pytest.raises(EzkError, match="lo->hi"):
            parse_range(bad)
    with pytest.raises(EzkError, match="name->value"):
        parse_pair_list("batch_size")
    with pytest.raises(EzkError, match="param_visibility cannot be public"):
        RunArgs(param_visibility="public").validate()
