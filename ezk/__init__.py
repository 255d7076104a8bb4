"""ezk — zero-knowledge proofs of ML inference (ONNX → PLONKish circuit → KZG over BN254).

``import ezk as ezkl`` gives EZKL's Python API (gen_settings, calibrate_settings, compile_circuit,
gen_witness, mock, setup, prove, verify, get_srs, PyRunArgs, the felt helpers …, see
:mod:`ezk.ezkl_compat`), loaded on first use so that ``import ezk`` stays light. The native API
is :mod:`ezk.api`.
"""

from ezk.errors import ArtifactError, EzkError, UnsupportedOpError, WitnessError

__version__ = "0.1.0"

_COMPAT = frozenset((
    "EzklError", "PyRunArgs", "PyG1Affine", "PyInputType", "gen_settings", "calibrate_settings", "compile_circuit",
    "gen_witness", "gen_random_data", "mock", "setup", "gen_vk_from_pk_single", "prove", "verify", "gen_srs",
    "get_srs", "table", "float_to_felt", "felt_to_float", "felt_to_int", "felt_to_big_endian", "buffer_to_felts",
    "kzg_commit", "poseidon_hash", "swap_proof_commitments",
))

__all__ = ["EzkError", "ArtifactError", "UnsupportedOpError", "WitnessError", "__version__", *sorted(_COMPAT)]


def __getattr__(name: str):
    if name in _COMPAT:
        from ezk import ezkl_compat

        return getattr(ezkl_compat, name)
    raise AttributeError(f"module 'ezk' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _COMPAT)
