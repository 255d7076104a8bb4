"""EZKL's Python API on ezk: ``import ezk as ezkl`` runs EZKL's scripts.

Names, positional order, keyword names, defaults and return conventions follow EZKL's
``ezkl.pyi`` (23.x, the version with ``disable_freivalds``): functions return True (or the
witness / proof dict) and raise on failure — :class:`EzklError`, which is both an
:class:`~ezk.errors.EzkError` and the ``RuntimeError`` EZKL raises. ``get_srs`` is a coroutine,
as in EZKL; everything else is synchronous. Arguments with no meaning in ezk are accepted and
named on stderr. ``ezk.api`` stays the native API (other orders, richer returns).

Polycommit (``kzg_commit``, ``swap_proof_commitments``, witness ``processed_*``) follows
:mod:`ezk.polycommit`: the points are the commitments ezk's proofs carry, which are not EZKL's
points for the same message (another root of unity orders the rows; ``commit_message`` gives
EZKL's).
"""

from __future__ import annotations

import functools
import math
import sys
from pathlib import Path

import numpy as np

from ezk.errors import EzkError
from ezk.felts import R, ints_to_le_hex, parse_felt, signed, to_be_hex

DEFAULT_MODEL = "network.onnx"
DEFAULT_SETTINGS = "settings.json"
DEFAULT_COMPILED = "model.compiled"
DEFAULT_WITNESS = "witness.json"
DEFAULT_DATA = "input.json"
DEFAULT_CALIBRATION = "calibration.json"
DEFAULT_PK, DEFAULT_VK, DEFAULT_PROOF = "pk.key", "vk.key", "proof.json"

__all__ = [
    "EzklError", "PyRunArgs", "PyG1Affine", "PyInputType", "gen_settings", "calibrate_settings", "compile_circuit",
    "gen_witness", "gen_random_data", "mock", "setup", "gen_vk_from_pk_single", "prove", "verify", "gen_srs",
    "get_srs", "table", "float_to_felt", "felt_to_float", "felt_to_int", "felt_to_big_endian", "buffer_to_felts",
    "kzg_commit", "poseidon_hash", "swap_proof_commitments",
]


class EzklError(EzkError, RuntimeError):
    """What EZKL's bindings raise (a RuntimeError), with ezk's one-sentence message."""


def _ezkl_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except EzklError:
            raise
        except EzkError as exc:
            raise EzklError(str(exc)) from None
    return wrapper


def _ignored(**given) -> None:
    for name, value in given.items():
        if value not in (None, False):
            print(f"ezk: {name} has no meaning in ezk and is ignored", file=sys.stderr)


# ------------------------------------------------------------------------------ run args


class PyInputType:
    """EZKL's input types for float_to_felt (the value is rounded through that type first)."""

    Bool, F16, F32, F64, Int, TDim, Unknown = "Bool", "F16", "F32", "F64", "Int", "TDim", "Unknown"


class PyRunArgs:
    """EZKL's run_args as a Python object; ``PyRunArgs()`` has EZKL's RunArgs::default() values
    (note: public inputs, fixed parameters). Visibilities take EZKL's strings (private, public,
    fixed, hashed, hashed/public, hashed/private, polycommit); variables are (name, value) pairs."""

    _FIELDS = ("input_scale", "param_scale", "rebase_scale", "scale_rebase_multiplier", "lookup_range", "logrows",
               "num_inner_cols", "input_visibility", "output_visibility", "param_visibility", "variables",
               "rebase_frac_zero_constants", "check_mode", "decomp_base", "decomp_legs", "bounded_log_lookup",
               "ignore_range_check_inputs_outputs", "epsilon", "disable_freivalds")

    def __init__(self) -> None:
        d = self.__dict__
        d.update(input_scale=7, param_scale=7, rebase_scale=None, scale_rebase_multiplier=1,
                 lookup_range=(-32768, 32768), logrows=17, num_inner_cols=2, input_visibility="public",
                 output_visibility="public", param_visibility="fixed", variables=[("batch_size", 1)],
                 rebase_frac_zero_constants=False, check_mode="unsafe", decomp_base=16384, decomp_legs=2,
                 bounded_log_lookup=False, ignore_range_check_inputs_outputs=False,
                 epsilon=float(np.finfo(np.float64).eps), disable_freivalds=False)
        d["_set"] = set()

    def __setattr__(self, name, value) -> None:
        if name not in self._FIELDS:
            raise AttributeError(f"PyRunArgs has no attribute {name!r}")
        self.__dict__[name] = value
        self._set.add(name)

    def __repr__(self) -> str:
        return "PyRunArgs(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self._FIELDS) + ")"

    def to_run_args(self):
        """ezk's RunArgs (validated; visibilities normalised)."""
        from ezk.settings import RunArgs

        fields = {f: getattr(self, f) for f in self._FIELDS}
        fields["lookup_range"] = [int(v) for v in fields["lookup_range"]]
        fields["variables"] = [[str(n), int(v)] for n, v in fields["variables"]]
        fields["epsilon"] = float(fields["epsilon"]) if fields["epsilon"] is not None else None
        return RunArgs(**fields).validate()

    def explicit_logrows(self) -> int | None:
        return self.logrows if "logrows" in self._set else None


# ------------------------------------------------------------------------------- workflow


@_ezkl_errors
def gen_settings(model=DEFAULT_MODEL, output=DEFAULT_SETTINGS, py_run_args: PyRunArgs | None = None) -> bool:
    from ezk import api

    args = py_run_args if py_run_args is not None else PyRunArgs()
    ra = args.to_run_args()
    fields = {k: v for k, v in ra.__dict__.items() if k != "logrows"}
    api.gen_settings(str(model), str(output), logrows=args.explicit_logrows(), **fields)
    return True


@_ezkl_errors
def calibrate_settings(data=DEFAULT_CALIBRATION, model=DEFAULT_MODEL, settings=DEFAULT_SETTINGS,
                       target: str = "resources", lookup_safety_margin: float = 2.0, scales=None,
                       scale_rebase_multiplier=None, max_logrows: int | None = None) -> bool:
    """EZKL's calibrate_settings (synchronous, as in EZKL 23). ``scale_rebase_multiplier``:
    candidate multipliers; default the settings' own (EZKL tries 1 and 10)."""
    from ezk import api

    t = str(target).lower()
    if t == "resources/col-overflow":
        t = "resources"
    mults = [scale_rebase_multiplier] if isinstance(scale_rebase_multiplier, int) else scale_rebase_multiplier
    api.calibrate_settings(str(model), str(data), str(settings), t, float(lookup_safety_margin),
                           list(scales) if scales else None, max_logrows, scale_rebase_multiplier=mults)
    return True


@_ezkl_errors
def compile_circuit(model=DEFAULT_MODEL, compiled_circuit=DEFAULT_COMPILED, settings_path=DEFAULT_SETTINGS) -> bool:
    from ezk import api

    api.compile_circuit(str(model), str(compiled_circuit), str(settings_path))
    return True


@_ezkl_errors
def gen_witness(data=DEFAULT_DATA, model=DEFAULT_COMPILED, output=DEFAULT_WITNESS, vk_path=None, srs_path=None) -> dict:
    """The witness dict (EZKL's fields and ezk's); ``data`` is a path or JSON text, as in EZKL.
    ``srs_path`` commits polycommit tensors (ezk needs no vk for that: the blinding rows are
    fixed by the layout)."""
    from ezk import api

    _ignored(vk_path=vk_path)
    return api.gen_witness(str(model), data if isinstance(data, dict) else str(data),
                           str(output) if output is not None else None,
                           str(srs_path) if srs_path is not None else None)


@_ezkl_errors
def gen_random_data(model=DEFAULT_MODEL, output=DEFAULT_DATA, variables=(("batch_size", 1),), seed: int = 21242,
                    min: float | None = None, max: float | None = None) -> bool:
    from ezk import api

    api.gen_random_data(str(model), str(output), [[str(n), int(v)] for n, v in variables], seed, min, max)
    return True


@_ezkl_errors
def mock(witness=DEFAULT_WITNESS, model=DEFAULT_COMPILED) -> bool:
    from ezk import api

    api.mock(str(model), str(witness))
    return True


@_ezkl_errors
def setup(model=DEFAULT_COMPILED, vk_path=DEFAULT_VK, pk_path=DEFAULT_PK, srs_path=None, witness_path=None,
          disable_selector_compression: bool = False) -> bool:
    from ezk import api

    _ignored(witness_path=witness_path, disable_selector_compression=disable_selector_compression)
    api.setup(str(model), str(srs_path) if srs_path is not None else None, str(vk_path), str(pk_path))
    return True


@_ezkl_errors
def gen_vk_from_pk_single(path_to_pk=DEFAULT_PK, circuit_settings_path=DEFAULT_SETTINGS, vk_output_path=DEFAULT_VK) -> bool:
    """Write the verifying key held inside a proving key (checked against the settings)."""
    from ezk.artifacts import KeyFile, check_output_path, read_key, settings_digest, write_key
    from ezk.plonk import ProvingKey
    from ezk.settings import Settings

    check_output_path(vk_output_path, "verifying key")
    key = read_key(str(path_to_pk), "pk")
    if settings_digest(Settings.load(str(circuit_settings_path))) != key.header.get("settings_digest"):
        raise EzklError(f"the settings {str(circuit_settings_path)!r} belong to another model or configuration "
                        f"than the proving key {str(path_to_pk)!r}.")
    vk = ProvingKey.from_bytes(key.body).vk
    write_key(str(vk_output_path), KeyFile("vk", key.header, vk.to_bytes()))
    return True


@_ezkl_errors
def prove(witness=DEFAULT_WITNESS, model=DEFAULT_COMPILED, pk_path=DEFAULT_PK, proof_path=None, srs_path=None) -> dict:
    """The proof as a dict (``proof`` as a 0x hex string, as EZKL's bindings return it); written
    to ``proof_path`` when given."""
    import json
    import tempfile

    from ezk import api

    with tempfile.TemporaryDirectory(prefix="ezk-proof-") as tmp:
        path = str(proof_path) if proof_path is not None else str(Path(tmp) / "proof.json")
        api.prove(str(model), str(witness), str(pk_path), str(srs_path) if srs_path is not None else None, path)
        d = json.loads(Path(path).read_text())
    d["proof"] = d.get("hex_proof", "0x" + d["proof"])
    return d


@_ezkl_errors
def verify(proof_path=DEFAULT_PROOF, settings_path=DEFAULT_SETTINGS, vk_path=DEFAULT_VK, srs_path=None,
           reduced_srs: bool = False) -> bool:
    """True for a valid proof; an EzklError saying why otherwise (as EZKL raises). ezk's
    verifier always reads only the SRS points it needs, so ``reduced_srs`` changes nothing."""
    from ezk import api

    verdict = api.verify_proof(str(proof_path), str(settings_path), str(vk_path),
                               str(srs_path) if srs_path is not None else None)
    if not verdict.ok:
        raise EzklError(f"the proof does not verify: {verdict.reason}.")
    return True


@_ezkl_errors
def gen_srs(srs_path, logrows: int) -> None:
    from ezk import api

    api.gen_srs(str(srs_path), int(logrows))


def get_srs(settings_path=DEFAULT_SETTINGS, logrows: int | None = None, srs_path=None):
    """A coroutine (as in EZKL) preparing the SRS offline from a local ceremony file; True."""
    async def run() -> bool:
        from ezk import api

        try:
            api.get_srs(logrows, str(srs_path) if srs_path is not None else None,
                        str(settings_path) if settings_path is not None else None)
        except EzklError:
            raise
        except EzkError as exc:
            raise EzklError(str(exc)) from None
        return True
    return run()


@_ezkl_errors
def table(model=DEFAULT_MODEL, py_run_args: PyRunArgs | None = None) -> str:
    """The lowered graph as text: node, ONNX op, core op, inputs, shape, scale."""
    from ezk import api

    ra = (py_run_args if py_run_args is not None else PyRunArgs()).to_run_args()
    rows = api.table(str(model), run_args=ra)
    lines = ["id | ONNX node | core op | inputs | shape | scale"]
    for r in rows:
        shape = "x".join(map(str, r["shape"])) or "scalar"
        lines.append(f"{r['id']} | {r['onnx']} | {r['op']} | {','.join(map(str, r['inputs']))} | {shape} | {r['scale']}")
    return "\n".join(lines)


# -------------------------------------------------------------------------- field elements


def _through_type(x: float, input_type) -> float:
    t = str(getattr(input_type, "name", input_type)).split(".")[-1].lower()
    if t == "bool":
        if x not in (0, 1):
            raise EzklError(f"a Bool input must be 0 or 1, got {x!r}.")
        return float(x)
    if t in ("f16", "f32"):
        return float(np.float32(x))
    if t in ("int", "tdim"):
        return float(int(x))
    if t in ("f64", "unknown"):
        return float(x)
    raise EzklError(f"input_type must be one of Bool, F16, F32, F64, Int, TDim, got {input_type!r}.")


def float_to_felt(input: float, scale: int, input_type=PyInputType.F64) -> str:
    """round(x·2^scale) (half away from zero, as EZKL) as a little-endian hex field element."""
    x = _through_type(float(input), input_type)
    if not np.isfinite(x):
        raise EzklError(f"cannot quantize {input!r}: it is not finite.")
    a = abs(x) * 2.0 ** int(scale)
    if a >= 2.0 ** 127:
        raise EzklError(f"cannot quantize {input!r} at scale {scale}: too large.")
    q = math.floor(a)
    q += 1 if a - q >= 0.5 else 0  # half away from zero, as Rust's f64::round (a − q is exact)
    return ints_to_le_hex([q if x >= 0 else -q])[0]


@_ezkl_errors
def felt_to_int(felt: str) -> int:
    """The signed integer a field element represents (x − r above (r−1)/2)."""
    return signed(parse_felt(felt))


@_ezkl_errors
def felt_to_float(felt: str, scale: int) -> float:
    return felt_to_int(felt) / 2.0 ** int(scale)


@_ezkl_errors
def felt_to_big_endian(felt: str) -> str:
    return to_be_hex(parse_felt(felt))


def buffer_to_felts(buffer) -> list[str]:
    """Bytes → field elements, 16 bytes (little-endian u128) each, the last chunk zero-padded."""
    data = bytes(buffer)
    data += b"\x00" * (-len(data) % 16)
    chunks = np.frombuffer(data, dtype=np.uint8).reshape(-1, 16)
    padded = np.zeros((len(chunks), 32), dtype=np.uint8)
    padded[:, :16] = chunks
    h = padded.tobytes().hex()
    return [h[i:i + 64] for i in range(0, len(h), 64)]


# ----------------------------------------------------------------------------- commitments


class PyG1Affine:
    """An affine G1 point: x and y as little-endian hex base-field elements (EZKL's form)."""

    def __init__(self, x: str, y: str) -> None:
        self.x, self.y = x, y

    def __repr__(self) -> str:
        return f"PyG1Affine(x={self.x!r}, y={self.y!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, PyG1Affine) and (self.x, self.y) == (other.x, other.y)


def _affine(point) -> "PyG1Affine":
    xy = point.to_xy()
    x, y = xy if xy is not None else (0, 0)
    return PyG1Affine(x.to_bytes(32, "little").hex(), y.to_bytes(32, "little").hex())


def commit_message(message: list[int], k: int, unusable_rows: int, srs) -> list["PyG1Affine"]:
    """EZKL's own points (for reference; ezk's proofs carry :func:`kzg_commit`'s): EZKL's
    PolyCommitChip::commit, where the message fills the usable rows (2^k − unusable) of as many
    columns as needed, the unusable rows hold 1, and each column is committed in halo2's Lagrange
    basis ([L'_i(τ)]₁, i.e. ezk's L_(M·i mod n), see :mod:`ezk.kzg.ceremony`)."""
    from ezk import _native
    from ezk.kzg.ceremony import HALO2_OMEGA_LOG

    n = 1 << k
    usable = n - unusable_rows
    basis = srs.lagrange(n)
    where = np.arange(n, dtype=np.int64) * HALO2_OMEGA_LOG % n  # halo2 row i → ezk index
    out = []
    for c in range(len(message) // usable + 1):
        chunk = [int(m) % R for m in message[c * usable:(c + 1) * usable]]
        col = np.ones(n, dtype=object)  # the unusable rows hold 1 (halo2's default blind)
        col[where[:usable]] = 0
        col[where[:len(chunk)]] = chunk
        out.append(_affine(basis.msm(_native.FrVec.from_ints(col.tolist()))))
    return out


@_ezkl_errors
def kzg_commit(message, vk_path=DEFAULT_VK, settings_path=DEFAULT_SETTINGS, srs_path=None) -> list[PyG1Affine]:
    """The commitments of a message of field elements as a polycommit tensor of this circuit:
    what witness.json's processed_* and the proof carry for it (:mod:`ezk.polycommit`; ezk's
    row order, so not EZKL's points — ``commit_message`` gives those). The vk must be the
    settings' (its rows are the circuit's)."""
    from ezk.artifacts import read_key, settings_digest
    from ezk.plonk import VerifyingKey
    from ezk.polycommit import commit_tensor
    from ezk.proving import load_srs_for
    from ezk.settings import Settings

    st = Settings.load(str(settings_path))
    key = read_key(str(vk_path), "vk")
    if key.header.get("settings_digest") != settings_digest(st):
        raise EzklError(f"the settings {str(settings_path)!r} belong to another model or configuration than the "
                        f"verifying key {str(vk_path)!r}.")
    k = int(key.header.get("k", st.run_args.logrows))
    d = VerifyingKey.from_bytes(key.body).domain
    srs = load_srs_for(str(srs_path) if srs_path is not None else None, k)
    values = np.array([parse_felt(m) for m in message], dtype=object)
    if not len(values):
        raise EzklError("kzg_commit needs a non-empty message.")
    return [_affine(p) for p in commit_tensor(values, k, srs, d.usable)]


# ----------------------------------------------------------------------------- hashing


@_ezkl_errors
def poseidon_hash(message) -> list[str]:
    """EZKL's Poseidon (width 2, rate 1, VariableLength) of field elements: ``[digest]`` as a
    little-endian hex felt (``[]`` for an empty message)."""
    from ezk.poseidon import poseidon_hash as hash_felts

    return ints_to_le_hex(hash_felts([parse_felt(m) for m in message]))


@_ezkl_errors
def swap_proof_commitments(proof_path=DEFAULT_PROOF, witness_path=DEFAULT_WITNESS) -> None:
    """Replace the proof's polycommit commitments with the witness's (processed_inputs, _params,
    _outputs, in that order), in place: the swapped proof verifies iff they were its own."""
    from ezk.polycommit import swap_proof_commitments as swap

    swap(str(proof_path), str(witness_path))

