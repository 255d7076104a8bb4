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
  ``"bundle_layout"`` 2: the commitments are stored uncompressed (64 bytes: decoding needs no
  square root, which was most of a verifier's time reading the bundle); a bundle without it
  (layout 1, compressed) is still read.
* ``pk.key`` — kind pk, a manifest: the same header plus ``"files"``, one proving-key file per
  segment (``pk.key.seg<i>``, beside it), each an ordinary pk file whose header names the
  segment and its vk digest. A prover (or a Dask worker) reads only its segment's file.

Proof bundle ``proof.json``: {"format": "ezk-segmented-proof", "version": 2, "proofs": [hex per
segment], "instances": [[field elements per segment, EZKL's little-endian hex (``ezk.felts``)]],
"outputs", "vk_digest", "compiled_digest"}. Version 1 wrote the instances as decimal strings; it
is refused with one sentence (prove again).
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path

from ezk import _native
from ezk.artifacts import KeyFile, read_json_artifact, read_key, write_key
from ezk.errors import ArtifactError, EzkError
from ezk.felts import ints_to_le_hex, le_hex_to_frvec
from ezk.plonk.keygen import KEY_VERSION, VK_MAGIC
from ezk.plonk.serial import Reader, Writer, read_tag

BUNDLE_TAG = b"ezk-vk-bundle\x00"  # the body's tag; its version follows the PLONK keys' (KEY_VERSION)
BUNDLE_FORMAT = "ezk-segmented-proof"
BUNDLE_LAYOUT = 2  # the vk bundle body: 1 compressed commitments, 2 uncompressed (see module doc)
BUNDLE_VERSION = 2  # 2: instances in little-endian hex (ezk.felts), as every other ezk proof file


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
    commitments, u32 count + σ commitments (64-byte uncompressed points, layout 2), u32 count +
    the exact length of each instance column, the 32-byte digest of the SRS elements
    verification uses."""
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
            w.raw(_native.G1Vec.from_points(list(pts)).to_bytes(False) if pts else b"")
        w.u32(len(vk.instance_lengths))
        for n in vk.instance_lengths:
            w.u32(n)
        w.raw(vk.srs_digest)
    return write_key(path, KeyFile("vk", {**header, "bundle_layout": BUNDLE_LAYOUT}, w.getvalue()))


def read_vk_bundle(path) -> VkBundle:
    return vk_bundle_from(read_key(path, "vk"), path)


def _points(r: Reader, size: int) -> tuple[list, bytes]:
    """A u32 count and that many points (one native batch decode); the points and their
    compressed encodings, as a PLONK verifying key writes them."""
    count = r.count()
    raw = r.take(size * count)
    try:
        vec = _native.G1Vec.from_bytes(bytes(raw), size == 32)
    except ValueError:
        raise r.fail("a point is not on the curve") from None
    pts = [vec[i] for i in range(count)]
    return pts, (bytes(raw) if size == 32 else vec.to_bytes(True))


def _vk_digest(k: int, cs_encoding: bytes, fixed: tuple[list, bytes], sigma: tuple[list, bytes],
               lengths: tuple, srs_digest: bytes) -> bytes:
    """``VerifyingKey.digest`` from the bytes read, without encoding the key again: the same
    Blake2b over ``VK_MAGIC ‖ k ‖ constraint system ‖ fixed ‖ σ ‖ instance lengths ‖ SRS
    digest`` (``ezk.plonk.keygen``)."""
    h = hashlib.blake2b(digest_size=32, person=b"ezk-plonk-vk")
    h.update(VK_MAGIC + bytes([k]) + cs_encoding)
    for pts, enc in (fixed, sigma):
        h.update(struct.pack("<I", len(pts)) + enc)
    h.update(struct.pack("<I", len(lengths)) + b"".join(struct.pack("<I", n) for n in lengths) + srs_digest)
    return h.digest()


def _read_keys(body: bytes, layout: int) -> list:
    from ezk.plonk import VerifyingKey
    from ezk.plonk.circuit import domain_of
    from ezk.plonk.constraint_system import ConstraintSystem

    size = {1: 32, 2: 64}[layout]
    r = Reader(body, "verifying key bundle")
    read_tag(r, BUNDLE_TAG, KEY_VERSION, "an ezk verifying key bundle", "run ezk setup again with this version of ezk")
    systems = []
    for _ in range(r.count()):
        enc = bytes(r.blob())
        sr = Reader(enc, "constraint system")
        systems.append((ConstraintSystem.read(sr), enc))
        sr.done()
    keys = []
    domains: dict[tuple[int, int], object] = {}  # keys of one shape and size share their domain
    for _ in range(r.count()):
        index, k = r.u32(), r.u8()
        if index >= len(systems):
            raise r.fail("a key names a constraint system it does not hold")
        cs, enc = systems[index]
        fixed, sigma = _points(r, size), _points(r, size)
        if len(fixed[0]) != len(cs.fixed) or len(sigma[0]) != len(cs.permutation_columns):
            raise r.fail("its commitments do not match its constraint system")
        lengths = tuple(r.u32() for _ in range(r.count()))
        srs_digest = r.take(32)
        if len(lengths) != len(cs.instance):
            raise r.fail("its instance lengths do not match its constraint system")
        vk = VerifyingKey(k, cs, fixed[0], sigma[0], lengths, srs_digest)
        if (index, k) not in domains:
            domains[(index, k)] = domain_of(cs, k)  # a bad k or shape is an error here
        vk.__dict__["domain"] = domains[(index, k)]  # VerifyingKey's cached properties, filled
        if any(n > vk.domain.usable for n in lengths):
            raise r.fail("an instance column is longer than the usable rows")
        vk.__dict__["digest"] = _vk_digest(k, enc, fixed, sigma, lengths, srs_digest)
        keys.append(vk)
    r.done()
    return keys


_DECODED: dict[bytes, "VkBundle"] = {}  # decoded bundles by their file's content (newest last)
_DECODED_MAX = 4


def vk_bundle_from(key: KeyFile, path) -> VkBundle:
    """The decoded bundle; one already decoded in this process from the same bytes (header and
    body) is returned again, so a verifier checking many proofs decodes its keys once."""
    seen = hashlib.blake2b(json.dumps(key.header, sort_keys=True).encode() + b"\0" + key.body,
                           digest_size=32).digest()
    if seen in _DECODED:
        return _DECODED[seen]
    bundle = _decode_bundle(key, path)
    _DECODED[seen] = bundle
    while len(_DECODED) > _DECODED_MAX:
        del _DECODED[next(iter(_DECODED))]
    return bundle


def _decode_bundle(key: KeyFile, path) -> VkBundle:
    segs = key.header.get("segments")
    where = f"the verifying key {str(path)!r}"
    layout = key.header.get("bundle_layout", 1)
    if layout not in (1, 2):
        raise ArtifactError(f"{where} is a key bundle of layout {layout!r}; this ezk reads layouts 1 and 2: run ezk "
                            f"setup again with this version of ezk.")
    try:
        distinct = _read_keys(key.body, layout)
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
    """``data["instances"]``: per segment, its public instance values (ints); written as hex."""
    body = {**data, "instances": [ints_to_le_hex(col) for col in data["instances"]]}
    Path(path).write_text(json.dumps({"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, **body}))


def read_proof_bundle(path) -> dict:
    d = read_json_artifact(path, "segmented proof", BUNDLE_FORMAT)
    p = Path(path)
    if d.get("version") == 1:
        raise ArtifactError(f"{str(p)!r} is a segmented proof of format version 1 (decimal instances); this ezk "
                            f"reads version {BUNDLE_VERSION} (hex instances): run ezk prove again.")
    if d.get("version") != BUNDLE_VERSION:
        raise ArtifactError(f"{str(p)!r} is segmented-proof version {d.get('version')!r}; this ezk reads version {BUNDLE_VERSION}.")
    proofs, inst = d.get("proofs"), d.get("instances")
    if not isinstance(proofs, list) or not all(isinstance(x, str) for x in proofs):
        raise ArtifactError(f"{str(p)!r} is malformed: field 'proofs' is not a list of hex strings.")
    if not isinstance(inst, list) or not isinstance(d.get("outputs"), list):
        raise ArtifactError(f"{str(p)!r} is malformed: field 'instances' or 'outputs' is missing.")
    try:
        d["proof_bytes"] = [bytes.fromhex(x) for x in proofs]
    except ValueError:
        raise ArtifactError(f"{str(p)!r} is malformed: a proof is not a hex string.") from None
    if any(x != b.hex() for x, b in zip(proofs, d["proof_bytes"])):
        raise ArtifactError(f"{str(p)!r} is malformed: a proof is not lowercase hex.")
    d["instance_vectors"] = [le_hex_to_frvec(col, f"{str(p)!r}: the instances of segment {s}")
                             for s, col in enumerate(inst)]
    d["instance_values"] = [v.to_ints() for v in d["instance_vectors"]]
    return d


def is_proof_bundle(path) -> bool:
    try:
        return json.loads(Path(path).read_text()).get("format") == BUNDLE_FORMAT
    except (OSError, ValueError, AttributeError):
        return False
