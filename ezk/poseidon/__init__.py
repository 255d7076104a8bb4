"""ezk.poseidon: EZKL's Poseidon hash (BN254, width 2, rate 1, 8 full + 56 partial rounds, x⁵).

    from ezk.poseidon import poseidon_hash
    poseidon_hash([128, 256, 384, 512])   # [digest] as an int; EZKL's test vector

Modules: spec (the parameters, generated with the Grain LFSR as the Poseidon reference does),
sponge (hashing and the round trace, on ``ezk._native``). The circuit gadget that proves a
digest lives in ``ezk.layout.poseidon``.
"""

from ezk.poseidon.sponge import hash_messages, poseidon_hash, sponge_trace
from ezk.poseidon.spec import PoseidonSpec, ezkl_spec

__all__ = ["PoseidonSpec", "ezkl_spec", "hash_messages", "poseidon_hash", "sponge_trace"]
