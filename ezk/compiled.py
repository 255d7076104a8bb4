"""The compiled-circuit artifact (``--compiled-circuit model.compiled``): the quantized graph
and the settings it was compiled with, in one ``.npz`` (allow_pickle=False).

Entry ``__meta__`` is UTF-8 JSON bytes: {"format": "ezk-compiled-circuit", "version", "digest",
"settings", "graph", "extra"}; every other entry is an int64 array named by the graph (or by the
layout, which extends ``extra`` and the arrays).  ``digest`` = SHA-256 over the canonical meta
JSON (digest excluded) and every array's name, shape and bytes, checked on load."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ezk.errors import ArtifactError
from ezk.graph.ir import Graph
from ezk.settings import Settings

FORMAT = "ezk-compiled-circuit"
VERSION = 1


@dataclass
class Compiled:
    graph: Graph
    settings: Settings
    extra: dict = field(default_factory=dict)
    extra_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    digest: str = ""  # set by save_compiled / load_compiled: what keys and proofs are bound to


def _digest(meta: dict, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(meta, sort_keys=True, separators=(",", ":")).encode())
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(k.encode() + b"\0" + str(a.dtype).encode() + repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save_compiled(path, compiled: Compiled) -> str:
    arrays = compiled.graph.arrays()
    for k, v in compiled.extra_arrays.items():
        arrays[f"x.{k}"] = np.asarray(v)
    meta = {"format": FORMAT, "version": VERSION, "settings": compiled.settings.to_json(),
            "graph": compiled.graph.to_json(), "extra": compiled.extra}
    meta["digest"] = _digest(meta, arrays)
    buf = io.BytesIO()
    np.savez_compressed(buf, __meta__=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    Path(path).write_bytes(buf.getvalue())
    compiled.digest = meta["digest"]
    return meta["digest"]


def _check_npz_headers(path: str) -> None:
    """Every member's ``.npy`` header must describe a plain (non-object) array whose byte size
    equals what the zip directory says the member holds: numpy allocates from the header's
    shape, so a header claiming 10¹² elements must be refused before ``np.load`` reads it."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            with zf.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"unsupported .npy version {version}")
                header_len = f.tell()
            if dtype.hasobject:
                raise ValueError("an array holds Python objects")
            count = 1
            for dim in shape:
                count *= int(dim)
            if count * dtype.itemsize != info.file_size - header_len:
                raise ValueError(f"member {info.filename!r} claims more data than it holds")


def load_compiled(path) -> Compiled:
    p = Path(path)
    if not p.is_file():
        raise ArtifactError(f"compiled circuit {str(p)!r} does not exist (run ezk compile-circuit)")
    try:
        _check_npz_headers(str(p))
        with np.load(str(p), allow_pickle=False) as z:
            meta = json.loads(bytes(z["__meta__"]).decode())
            arrays = {k: z[k] for k in z.files if k != "__meta__"}
    except (OSError, ValueError, KeyError, EOFError, zlib.error, NotImplementedError, zipfile.BadZipFile,
            UnicodeDecodeError, MemoryError):
        raise ArtifactError(f"{str(p)!r} is not an ezk compiled circuit (run ezk compile-circuit)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ArtifactError(f"{str(p)!r} is not an ezk compiled circuit (format {meta.get('format') if isinstance(meta, dict) else None!r})")
    if meta.get("version") != VERSION:
        raise ArtifactError(f"{str(p)!r} is compiled-circuit version {meta.get('version')!r}; this ezk reads version {VERSION}")
    digest = meta.pop("digest", None)
    if digest != _digest(meta, arrays):
        raise ArtifactError(f"{str(p)!r} is corrupt (its digest does not match its contents)")
    try:
        graph = Graph.from_parts(meta["graph"], arrays)
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise ArtifactError(f"{str(p)!r} holds a malformed graph ({exc})") from None
    settings = Settings.from_json(meta["settings"], source=f"the settings inside {str(p)!r}")
    extra_arrays = {k[2:]: v for k, v in arrays.items() if k.startswith("x.")}
    return Compiled(graph=graph, settings=settings, extra=meta.get("extra", {}), extra_arrays=extra_arrays,
                    digest=digest)
