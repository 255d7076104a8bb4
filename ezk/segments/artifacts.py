"""The files of a segmented model: key bundle and proof bundle.

Key bundle (every file in the key envelope of ``ezk.artifacts``: format tag, version, checksum):

* ``vk.key`` — kind vk. Header: the compiled circuit's and settings' digests, k, the public map
  (entries carry ``"column"`` = the segment whose instance column holds them) and
  ``"segments"``: per segment, in order, its vk (index into the body), its link columns (advice
  kind indices of the in- and out-columns, in link order) and its public entries. Body: the
  distinct PLONK verifying keys (segments with identical circuits share one). ``"vk_digest"``
  is the bundle's digest: blake2b over the segment list and every vk digest, so it fixes the
  segment order and the link map; proofs name it. The body starts with ``b"ezk-vk-bundle\0"`` and
  the PLONK keys' format version, then stores each distinct constraint system once.
* ``pk.key`` — kind pk, a manifest: the same header plus ``"files"``, one proving-key file per
  segment (``pk.key.seg<i>``, beside it), each an ordinary pk file whose header names the
  segment and its vk digest. A prover (or a Dask worker) reads only its segment's file.

Proof bundle ``proof.json``: {"format": "ezk-segmented-proof", "version": 1, "proofs": [hex per
segment], "instances": [[decimal strings] per segment], "outputs", "vk_digest", "compiled_digest"}.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ezk.artifacts import KeyFile, read_json_artifact, read_key, write_key
from ezk.errors import ArtifactError, EzkError
from ezk.plonk.keygen import KEY_VERSION
from ezk.plonk.serial import Reader, Writer, read_tag

BUNDLE_TAG = b"ezk-vk-bundle\x00"  # the body's tag; its version follows the PLONK keys' (KEY_VERSION)
BUNDLE_FORMAT = "ezk-segmented-proof"
BUNDLE_VERSION = 1


def segment_pk_path(pk_path, s: int) -> Path:
    return Path(f"{pk_path}.seg{s}")


def bundle_digest(segments: list[dict], vk_digests: list[str]) -> str:
    h = hashlib.blake2b(digest_size=32, person=b"ezk-vk-bundle")
    h.update(json.dumps(segments, sort_keys=True, separators=(",", ":")).encode())
    for d in vk_digests:
        h.update(bytes.fromhex(d))
    return h.hexdigest()


@dataclass
class VkBundle:
    header: dict
    vks: list  # VerifyingKey per segment (shared objects where segments share a key)

    @property
    def segments(self) -> list[dict]:
        return self.header["segments"]


def write_vk_bundle(path, header: dict, vk_bytes: list[bytes]) -> int:
    """``header["segments"][s]["vk"]`` must index ``vk_bytes`` (already deduplicated). The body
    stores each distinct constraint system once (segments of one shape share it): u32 count,
    the systems' encodings; u32 count, per key: u32 system index, u8 k, u32 count + fixed
    commitments, u32 count + σ commitments, u32 count + the exact length of each instance
    column, the 32-byte digest of the SRS elements verification uses."""
    from ezk.plonk import VerifyingKey

    systems: dict[bytes, int] = {}
    keys = []
    for b in vk_bytes:
        vk = VerifyingKey.from_bytes(b)
        sw = Writer()
        vk.cs.write(sw)
        keys.append((systems.setdefault(sw.getvalue(), len(systems)), vk))
    w = Writer()
    w.raw(BUNDLE_TAG + bytes([KEY_VERSION]))
    w.u32(len(systems))
    for enc in systems:
        w.blob(enc)
    w.u32(len(keys))
    for index, vk in keys:
        w.u32(index)
        w.u8(vk.k)
        for pts in (vk.fixed_commitments, vk.sigma_commitments):
            w.u32(len(pts))
            for p in pts:
                w.point(p)
        w.u32(len(vk.instance_lengths))
        for n in vk.instance_lengths:
            w.u32(n)
        w.raw(vk.srs_digest)
    return write_key(path, KeyFile("vk", header, w.getvalue()))


def read_vk_bundle(path) -> VkBundle:
    return vk_bundle_from(read_key(path, "vk"), path)


def _read_keys(body: bytes) -> list:
    from ezk.plonk import VerifyingKey
    from ezk.plonk.constraint_system import ConstraintSystem

    r = Reader(body, "verifying key bundle")
    read_tag(r, BUNDLE_TAG, KEY_VERSION, "an ezk verifying key bundle", "run ezk setup again with this version of ezk")
    systems = []
    for _ in range(r.count()):
        sr = Reader(r.blob(), "constraint system")
        systems.append(ConstraintSystem.read(sr))
        sr.done()
    keys = []
    for _ in range(r.count()):
        index, k = r.u32(), r.u8()
        if index >= len(systems):
            raise r.fail("a key names a constraint system it does not hold")
        cs = systems[index]
        fixed = [r.point() for _ in range(r.count())]
        sigma = [r.point() for _ in range(r.count())]
        if len(fixed) != len(cs.fixed) or len(sigma) != len(cs.permutation_columns):
            raise r.fail("its commitments do not match its constraint system")
        lengths = tuple(r.u32() for _ in range(r.count()))
        srs_digest = r.take(32)
        if len(lengths) != len(cs.instance):
            raise r.fail("its instance lengths do not match its constraint system")
        vk = VerifyingKey(k, cs, fixed, sigma, lengths, srs_digest)
        if any(n > vk.domain.usable for n in lengths):  # a bad k or shape is an error here too
            raise r.fail("an instance column is longer than the usable rows")
        keys.append(vk)
    r.done()
    return keys


def vk_bundle_from(key: KeyFile, path) -> VkBundle:
    segs = key.header.get("segments")
    where = f"the verifying key {str(path)!r}"
    try:
        distinct = _read_keys(key.body)
    except ArtifactError as exc:
        if "format version" in str(exc):
            raise ArtifactError(f"{where}: {exc}") from None
        raise ArtifactError(f"{where} holds a malformed segment key.") from None
    except (EzkError, RecursionError):
        raise ArtifactError(f"{where} holds a malformed segment key.") from None
    if not isinstance(segs, list) or not segs:
        raise ArtifactError(f"{where} has no segment list.")
    vks = []
    for s in segs:
        if not isinstance(s, dict) or not isinstance(s.get("vk"), int) or not 0 <= s["vk"] < len(distinct):
            raise ArtifactError(f"{where} names a segment key it does not hold.")
        for side in ("links_in", "links_out"):
            if not isinstance(s.get(side), list) or not all(isinstance(j, int) for j in s[side]):
                raise ArtifactError(f"{where} has a malformed link map.")
        if not isinstance(s.get("public"), list):
            raise ArtifactError(f"{where} has a malformed public map.")
        vks.append(distinct[s["vk"]])
    digests = [vk.digest.hex() for vk in vks]
    if bundle_digest(segs, digests) != key.header.get("vk_digest"):
        raise ArtifactError(f"{where} is inconsistent: its digest does not match its segments.")
    return VkBundle(key.header, vks)


def write_proof_bundle(path, data: dict) -> None:
    Path(path).write_text(json.dumps({"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, **data}))


def read_proof_bundle(path) -> dict:
    d = read_json_artifact(path, "segmented proof", BUNDLE_FORMAT)
    p = Path(path)
    if d.get("version") != BUNDLE_VERSION:
        raise ArtifactError(f"{str(p)!r} is segmented-proof version {d.get('version')!r}; this ezk reads version {BUNDLE_VERSION}.")
    proofs, inst = d.get("proofs"), d.get("instances")
    if not isinstance(proofs, list) or not all(isinstance(x, str) for x in proofs):
        raise ArtifactError(f"{str(p)!r} is malformed: field 'proofs' is not a list of hex strings.")
    if not isinstance(inst, list) or not isinstance(d.get("outputs"), list):
        raise ArtifactError(f"{str(p)!r} is malformed: field 'instances' or 'outputs' is missing.")
    if not all(isinstance(col, list) and all(isinstance(v, str) and v.isascii() and v.isdigit() for v in col)
               for col in inst):
        raise ArtifactError(f"{str(p)!r} is malformed: its instances are not lists of decimal integers.")
    try:
        d["proof_bytes"] = [bytes.fromhex(x) for x in proofs]
    except ValueError:
        raise ArtifactError(f"{str(p)!r} is malformed: a proof is not a hex string.") from None
    d["instance_values"] = [[int(v) for v in col] for col in inst]
    return d


def is_proof_bundle(path) -> bool:
    try:
        return json.loads(Path(path).read_text()).get("format") == BUNDLE_FORMAT
    except (OSError, ValueError, AttributeError):
        return False
