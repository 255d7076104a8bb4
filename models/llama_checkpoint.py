"""Weights of a llama2.c model: seeded random ones, and llama2.c's ``.bin`` checkpoints.

Every matrix is kept as torch's ``nn.Linear`` stores it, ``[out_features, in_features]``, stacked
over layers, float32.

The ``.bin`` formats are those of llama2.c's ``export.py`` (read by ``run.c``):

* legacy (version 0): a header of 7 int32 — dim, hidden_dim, n_layers, n_heads, n_kv_heads,
  vocab_size, seq_len — where a negative vocab_size means the classifier is NOT tied to the
  embedding; then float32 tok_embeddings, attention_norm (every layer), wq, wk, wv, wo, ffn_norm,
  w1, w2, w3, the final norm, two unused RoPE tables of seq_len·head_size/2 floats each, and the
  classifier when untied.
* version 1: uint32 magic "ak42", int32 version 1, the same 7 int32 (vocab_size positive), a
  byte shared_classifier, zero padding to 256 bytes; then float32 attention_norm, ffn_norm,
  final norm, tok_embeddings, wq, wk, wv, wo, w1, w2, w3, and the classifier when untied.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from models.llama_config import LlamaConfig

MAGIC_V1 = 0x616B3432  # "ak42"
_LAYER_ORDER_V0 = ("attention_norm", "wq", "wk", "wv", "wo", "ffn_norm", "w1", "w2", "w3")


class CheckpointError(ValueError):
    """A file that is not a llama2.c checkpoint this reader understands (one sentence)."""


@dataclass
class LlamaWeights:
    tok_embeddings: np.ndarray  # (vocab, dim)
    attention_norm: np.ndarray  # (L, dim)
    wq: np.ndarray  # (L, dim, dim)
    wk: np.ndarray  # (L, kv_dim, dim)
    wv: np.ndarray  # (L, kv_dim, dim)
    wo: np.ndarray  # (L, dim, dim)
    ffn_norm: np.ndarray  # (L, dim)
    w1: np.ndarray  # (L, hidden, dim)
    w2: np.ndarray  # (L, dim, hidden)
    w3: np.ndarray  # (L, hidden, dim)
    norm: np.ndarray  # (dim,)
    output: np.ndarray | None = None  # (vocab, dim); None: tied to tok_embeddings

    @property
    def classifier(self) -> np.ndarray:
        return self.tok_embeddings if self.output is None else self.output


def weight_shapes(cfg: LlamaConfig) -> dict[str, tuple[int, ...]]:
    d, L, h, kv, v = cfg.dim, cfg.n_layers, cfg.ffn_dim, cfg.kv_dim, cfg.vocab_size
    return {"tok_embeddings": (v, d), "attention_norm": (L, d), "wq": (L, d, d), "wk": (L, kv, d),
            "wv": (L, kv, d), "wo": (L, d, d), "ffn_norm": (L, d), "w1": (L, h, d), "w2": (L, d, h),
            "w3": (L, h, d), "norm": (d,), "output": (v, d)}


def random_weights(cfg: LlamaConfig) -> LlamaWeights:
    """llama2.c's initialisation, seeded: N(0, 0.02) for embeddings and linears, N(0, 0.02/√(2L))
    for the residual projections w3 and wo, ones for the RMSNorm weights; classifier tied."""
    rng = np.random.default_rng(cfg.seed)
    shapes = weight_shapes(cfg)
    small = 0.02 / math.sqrt(2 * cfg.n_layers)
    out = {}
    for name in [f.name for f in fields(LlamaWeights) if f.name != "output"]:
        if name.endswith("norm"):
            out[name] = np.ones(shapes[name], np.float32)
        else:
            std = small if name in ("w3", "wo") else 0.02
            out[name] = rng.normal(0.0, std, size=shapes[name]).astype(np.float32)
    return LlamaWeights(**out)


def _check_shapes(cfg: LlamaConfig, w: LlamaWeights) -> None:
    for name, shape in weight_shapes(cfg).items():
        a = getattr(w, name)
        if a is not None and tuple(a.shape) != shape:
            raise ValueError(f"weight {name} has shape {tuple(a.shape)}, the config needs {shape}")


# ---- reading ---------------------------------------------------------------------------------
def _config_from_header(vals, path: str) -> tuple[LlamaConfig, bool]:
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = (int(v) for v in vals)
    shared = vocab > 0
    try:
        cfg = LlamaConfig(dim=dim, n_layers=n_layers, n_heads=n_heads, n_kv_heads=n_kv, vocab_size=abs(vocab),
                          hidden_dim=hidden, max_seq_len=seq_len)
    except ValueError as exc:
        raise CheckpointError(f"{path!r} is not a llama2.c checkpoint: its header is inconsistent ({exc})") from None
    return cfg, shared


def _read_floats(raw: memoryview, offset: int, shape, path: str) -> tuple[np.ndarray, int]:
    n = int(np.prod(shape))
    end = offset + 4 * n
    if end > len(raw):
        raise CheckpointError(f"{path!r} is truncated: the header's sizes need more weights than the file holds")
    return np.frombuffer(raw[offset:end], dtype="<f4").reshape(shape).copy(), end


def read_checkpoint(path) -> tuple[LlamaConfig, LlamaWeights]:
    """The config and weights of a llama2.c ``.bin`` checkpoint (legacy or version 1)."""
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"checkpoint {str(p)!r} does not exist")
    raw = memoryview(p.read_bytes())
    if len(raw) < 28:
        raise CheckpointError(f"{str(p)!r} is not a llama2.c checkpoint: it is shorter than the 28-byte header")
    shapes_of = weight_shapes
    (magic,) = struct.unpack_from("<I", raw, 0)
    if magic == MAGIC_V1:
        (version,) = struct.unpack_from("<i", raw, 4)
        if version != 1:
            raise CheckpointError(f"{str(p)!r} is a llama2.c version-{version} export; only the float32 "
                                  f"formats (legacy and version 1) are supported")
        if len(raw) < 256:
            raise CheckpointError(f"{str(p)!r} is truncated: a version-1 checkpoint has a 256-byte header")
        cfg, _ = _config_from_header(struct.unpack_from("<7i", raw, 8), str(p))
        shared = bool(raw[36])
        shapes = shapes_of(cfg)
        order = ["attention_norm", "ffn_norm", "norm", "tok_embeddings", "wq", "wk", "wv", "wo", "w1", "w2", "w3"]
        off, rope = 256, 0
    else:
        cfg, shared = _config_from_header(struct.unpack_from("<7i", raw, 0), str(p))
        shapes = shapes_of(cfg)
        order = ["tok_embeddings", *_LAYER_ORDER_V0, "norm"]
        off, rope = 28, cfg.max_seq_len * cfg.head_dim  # the two unused RoPE tables: 2 · seq_len · head_size/2
    w: dict[str, np.ndarray] = {}
    for name in order:
        w[name], off = _read_floats(raw, off, shapes[name], str(p))
    off += 4 * rope
    if not shared:
        w["output"], off = _read_floats(raw, off, shapes["output"], str(p))
    if off != len(raw):
        raise CheckpointError(f"{str(p)!r} holds {len(raw) - off} bytes more than its header's sizes need "
                              f"(dim {cfg.dim}, {cfg.n_layers} layers, vocab {cfg.vocab_size}); it is not a "
                              f"llama2.c checkpoint of that shape")
    return cfg, LlamaWeights(**w)


# ---- writing (tests, and users who want a .bin of the random weights) --------------------------
def write_checkpoint(path, cfg: LlamaConfig, w: LlamaWeights, version: int = 0) -> Path:
    """Write ``w`` in llama2.c's legacy (0) or version-1 format."""
    _check_shapes(cfg, w)
    shared = w.output is None
    dims = [cfg.dim, cfg.ffn_dim, cfg.n_layers, cfg.n_heads, cfg.kv_heads]
    p = Path(path)
    with p.open("wb") as f:
        if version == 0:
            f.write(struct.pack("<7i", *dims, cfg.vocab_size if shared else -cfg.vocab_size, cfg.max_seq_len))
            for name in ("tok_embeddings", *_LAYER_ORDER_V0, "norm"):
                f.write(np.ascontiguousarray(getattr(w, name), dtype="<f4").tobytes())
            # the legacy format still carries RoPE tables (run.c skips them): cos, then sin
            hd = cfg.head_dim
            freqs = 1.0 / (10000.0 ** (np.arange(0, hd, 2)[: hd // 2] / hd))
            ang = np.outer(np.arange(cfg.max_seq_len), freqs)
            f.write(np.cos(ang).astype("<f4").tobytes())
            f.write(np.sin(ang).astype("<f4").tobytes())
        elif version == 1:
            head = struct.pack("<Ii7iB", MAGIC_V1, 1, *dims, cfg.vocab_size, cfg.max_seq_len, int(shared))
            f.write(head + b"\0" * (256 - len(head)))
            for name in ("attention_norm", "ffn_norm", "norm", "tok_embeddings", "wq", "wk", "wv", "wo", "w1", "w2", "w3"):
                f.write(np.ascontiguousarray(getattr(w, name), dtype="<f4").tobytes())
        else:
            raise ValueError(f"version must be 0 or 1 (got {version})")
        if not shared:
            f.write(np.ascontiguousarray(w.output, dtype="<f4").tobytes())
    return p
