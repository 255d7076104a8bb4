"""The files a user moves between machines: verifying key, proving key and proof.

Keys (``vk.key``, ``pk.key``) share one envelope, all integers little-endian::

    magic  b"\\x89EZKKEY\\n"  (8 bytes)
    kind   b"vk\\0\\0" | b"pk\\0\\0"  (4 bytes)
    u32    version
    u32    header length H,  then H bytes of UTF-8 JSON (the header)
    u64    body length B,    then B bytes (the PLONK key's own versioned encoding)
    32     blake2b-256 of everything above

The header names what the key belongs to — the compiled circuit's digest, the settings'
digest, k, the digest of the SRS elements verification uses, and the map of the public instance
column (which rows hold which public tensor at which scale) — so a key of another model, or a
file of another kind, is a clear error before any cryptography. Version 2 (the verifying key
records its instance lengths and SRS digest): version 1 files are refused with a hint to rerun
``ezk setup``. Nothing is pickled; sizes are checked against the file before allocating.

``proof.json`` (version 2) = {"format": "ezk-proof", "version": 2, "proof": hex, "hex_proof":
"0x" + hex, "instances": [[field elements as EZKL writes them: 64 little-endian hex digits], …],
"outputs": dequantized public outputs, "pretty_public_inputs": EZKL's {"rescaled_inputs",
"inputs", "processed_*", "rescaled_outputs", "outputs"}, "vk_digest", "compiled_digest"}. Version 1 wrote instances as decimal strings and is still read. Instances
are read strictly (one encoding per value, see :mod:`ezk.felts`).
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path

from ezk.errors import ArtifactError

KEY_MAGIC = b"\x89EZKKEY\n"
KEY_VERSION = 2
KINDS = {"vk": b"vk\0\0", "pk": b"pk\0\0"}
_NAMES = {"vk": "verifying key", "pk": "proving key"}
_PREFIX = struct.Struct("<8s4sII")
MAX_HEADER = 64 << 20

PROOF_FORMAT = "ezk-proof"
PROOF_VERSION = 2
PROOF_READABLE_VERSIONS = (1, 2)
_MAKER = {"vk": "ezk setup", "pk": "ezk setup"}


@dataclass
class KeyFile:
    kind: str  # "vk" | "pk"
    header: dict
    body: bytes


def settings_digest(settings) -> str:
    """SHA-256 of the settings' canonical JSON (what a key and a proof are bound to)."""
    return hashlib.sha256(json.dumps(settings.to_json(), sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def write_key(path, key: KeyFile) -> int:
    """Write the parts in turn, hashing as they go (a proving key's body can be a GB: no
    concatenated copy of it)."""
    header = json.dumps(key.header, sort_keys=True).encode()
    parts = (_PREFIX.pack(KEY_MAGIC, KINDS[key.kind], KEY_VERSION, len(header)), header,
             struct.pack("<Q", len(key.body)), key.body)
    h = hashlib.blake2b(digest_size=32)
    with open(path, "wb") as f:
        for part in parts:
            h.update(part)
            f.write(part)
        f.write(h.digest())
    return sum(len(p) for p in parts) + 32


def read_key(path, kind: str) -> KeyFile:
    """Read a vk or pk file, refusing anything else with one sentence."""
    name = _NAMES[kind]
    p = Path(path)
    if not p.is_file():
        raise ArtifactError(f"the {name} file {str(p)!r} does not exist (run {_MAKER[kind]}).")
    data = p.read_bytes()
    if len(data) < _PREFIX.size + 8 + 32 or data[:8] != KEY_MAGIC:
        raise ArtifactError(f"{str(p)!r} is not an ezk {name} file.")
    magic, kind_tag, version, hlen = _PREFIX.unpack_from(data)
    if kind_tag != KINDS[kind]:
        other = next((_NAMES[k] for k, v in KINDS.items() if v == kind_tag), "unknown key")
        raise ArtifactError(f"{str(p)!r} is a {other}, not a {name}.")
    if version != KEY_VERSION:
        hint = "; run ezk setup again to make new keys" if version < KEY_VERSION else ""
        raise ArtifactError(f"{str(p)!r} is {name} format version {version}; this ezk reads version {KEY_VERSION}{hint}.")
    if hlen > MAX_HEADER or _PREFIX.size + hlen + 8 + 32 > len(data):
        raise ArtifactError(f"{str(p)!r} is truncated or corrupt (its header does not fit the file).")
    if hashlib.blake2b(memoryview(data)[:-32], digest_size=32).digest() != data[-32:]:
        raise ArtifactError(f"{str(p)!r} is corrupt: its checksum does not match its contents.")
    off = _PREFIX.size
    try:
        header = json.loads(data[off:off + hlen].decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ArtifactError(f"{str(p)!r} has an unreadable header.") from None
    off += hlen
    (blen,) = struct.unpack_from("<Q", data, off)
    off += 8
    if off + blen + 32 != len(data) or not isinstance(header, dict):
        raise ArtifactError(f"{str(p)!r} is truncated or corrupt (its body length does not match the file).")
    return KeyFile(kind, header, data[off:off + blen])


def key_checksum(path) -> bytes:
    """A key file's blake2b checksum (its last 32 bytes: what ties a cache file to the key)."""
    with open(path, "rb") as f:
        f.seek(-32, 2)
        return f.read(32)


def check_output_path(path, what: str) -> None:
    """Refuse, before any work, a path the result cannot be written to: its folder is missing or
    not writable, or the path is a folder."""
    import os

    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise ArtifactError(f"cannot write the {what} to {str(p)!r}: it is a folder.")
    if not parent.is_dir():
        raise ArtifactError(f"cannot write the {what} to {str(p)!r}: the folder {str(parent)!r} does not exist.")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise ArtifactError(f"cannot write the {what} to {str(p)!r}: permission denied.")


def pretty_public(public_inputs, public_outputs) -> dict:
    """EZKL's pretty_public_inputs: the public values as rescaled floats and 0x elements
    (``public_*``: [(signed ints, scale)] per tensor)."""
    from ezk.felts import float_text, to_be_hex

    def rescaled(tensors):
        return [[float_text(v / 2.0 ** s) for v in vals] for vals, s in tensors]

    def felts(tensors):
        return [[to_be_hex(v) for v in vals] for vals, _ in tensors]

    return {"rescaled_inputs": rescaled(public_inputs), "inputs": felts(public_inputs),
            "processed_inputs": [], "processed_params": [], "processed_outputs": [],
            "rescaled_outputs": rescaled(public_outputs), "outputs": felts(public_outputs)}


def proof_json_fields(proof: bytes, instances: list[list[int]], public_inputs, public_outputs) -> dict:
    """EZKL's proof.json fields: the proof in hex (twice: ezk's "proof" and EZKL's "hex_proof"),
    the instances as field elements, and :func:`pretty_public`. Every one of them is checked by
    the reader or the verifier (no field of a proof file is free to edit)."""
    from ezk.felts import ints_to_le_hex

    return {
        "proof": proof.hex(),
        "hex_proof": "0x" + proof.hex(),
        "instances": [ints_to_le_hex(col) for col in instances],
        "pretty_public_inputs": pretty_public(public_inputs, public_outputs),
    }


def write_proof_json(path, data: dict) -> None:
    Path(path).write_text(json.dumps({"format": PROOF_FORMAT, "version": PROOF_VERSION, **data}))


def read_json_artifact(path, what: str, fmt: str, hint: str = "") -> dict:
    """A JSON file ezk wrote, checked to be an object with ``"format": fmt`` (one sentence otherwise)."""
    p = Path(path)
    if not p.is_file():
        raise ArtifactError(f"the {what} file {str(p)!r} does not exist{hint}.")
    try:
        d = json.loads(p.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ArtifactError(f"{str(p)!r} is not a {what}: it is not JSON.") from None
    if not isinstance(d, dict) or d.get("format") != fmt:
        raise ArtifactError(f"{str(p)!r} is not an ezk {what} file (no \"format\": \"{fmt}\"){hint}.")
    return d


def read_proof_json(path) -> dict:
    d = read_json_artifact(path, "proof", PROOF_FORMAT, " (run ezk prove)")
    p = Path(path)
    if d.get("version") not in PROOF_READABLE_VERSIONS:
        raise ArtifactError(f"{str(p)!r} is proof format version {d.get('version')!r}; this ezk reads versions {PROOF_READABLE_VERSIONS}.")
    for field, kind in (("proof", str), ("instances", list), ("outputs", list)):
        if not isinstance(d.get(field), kind):
            raise ArtifactError(f"{str(p)!r} is malformed: field {field!r} is missing or not a {kind.__name__}.")
    try:
        d["proof_bytes"] = bytes.fromhex(d["proof"])
    except ValueError:
        raise ArtifactError(f"{str(p)!r} is malformed: its proof is not a hex string.") from None
    if d["proof"] != d["proof_bytes"].hex():
        raise ArtifactError(f"{str(p)!r} is malformed: its proof is not lowercase hex.")
    if "hex_proof" in d and d["hex_proof"] != "0x" + d["proof"]:
        raise ArtifactError(f"{str(p)!r} is malformed: its hex_proof differs from its proof.")
    if d["version"] == 1:
        # decimal strings only: int() would also take 1.5, true, " 7", "1_000" — one proof, many files
        if not all(isinstance(col, list) and all(isinstance(v, str) and v.isascii() and v.isdigit() for v in col)
                   for col in d["instances"]):
            raise ArtifactError(f"{str(p)!r} is malformed: its instances are not lists of decimal integers.")
        d["instance_values"] = [[int(v) for v in col] for col in d["instances"]]
        return d
    from ezk.felts import le_hex_to_ints

    d["instance_values"] = [le_hex_to_ints(col, f"{str(p)!r}: the instances") for col in d["instances"]]
    return d
