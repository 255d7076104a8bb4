"""Hashed visibility: which tensors a circuit hashes, and their digests as EZKL writes them.

EZKL's visibilities "hashed" and "hashed/public" keep a tensor private and make its Poseidon
hash public (one digest per tensor, instances in the order inputs, parameters, outputs).
"hashed/private/<outlets>" (the digest fed back into the graph) is not supported.

    hashed_tensors(graph, run_args)  -> [(kind, tensor id, name)]  kind: input | param | output
    processed(graph, run_args, tensors) -> {"processed_inputs": {"poseidon_hash": [felt], …} | None, …}
    felt_hex(x) / felt_big_endian(x)  -> EZKL's field-element strings

Parameters are the graph's ``const`` nodes marked with the hashed visibility: the quantized
weights exactly as the circuit uses them, one digest per parameter tensor of ezk's graph.
"""

from __future__ import annotations

import numpy as np

from ezk.graph.ir import tensors_by_visibility
from ezk.poseidon.sponge import hash_messages

KINDS = (("input", "processed_inputs"), ("param", "processed_params"), ("output", "processed_outputs"))


def is_hashed(visibility: str) -> bool:
    """EZKL's "hashed" and "hashed/public": the tensor private, its Poseidon hash public."""
    return visibility in ("hashed", "hashed/public")


def hashed_tensors(graph, run_args) -> list[tuple[str, int, str]]:
    """(kind, tensor id, name) of every hashed, non-empty tensor, in the order of their digests in the instance column."""
    return tensors_by_visibility(graph, run_args, is_hashed)


def felt_hex(x: int) -> str:
    """EZKL's serialisation of a field element: 32 little-endian bytes as 64 hex digits."""
    return int(x).to_bytes(32, "little").hex()


def felt_big_endian(x: int) -> str:
    """EZKL's ``felt_to_big_endian``: 0x and 64 big-endian hex digits."""
    return "0x" + int(x).to_bytes(32, "big").hex()


def processed(graph, run_args, tensors) -> dict:
    """witness.json's processed_inputs / processed_params / processed_outputs as EZKL writes them:
    {"poseidon_hash": [felt per hashed tensor], "polycommit": None}, or None when that part is
    not hashed. ``tensors`` maps tensor ids to int64 arrays (the forward pass's values)."""
    todo = hashed_tensors(graph, run_args)
    msgs = [np.asarray(tensors[t] if t in tensors else graph.nodes[t].arrays["value"], np.int64).reshape(-1)
            for _, t, _ in todo]
    digests = hash_messages(msgs) if msgs else []
    out = {}
    for kind, key in KINDS:
        mine = [felt_hex(d) for (k, _, _), d in zip(todo, digests) if k == kind]
        out[key] = {"poseidon_hash": mine, "polycommit": None} if mine else None
    return out
