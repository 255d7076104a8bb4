"""A plain numpy forward pass of llama2.c's Transformer (float64), written from ``run.c``'s
``forward`` — independent of the ONNX graph, so that the graph can be checked against it.

For every position t (all at once, with a causal mask):

    x = tok_embeddings[token]
    per layer:  xb = rmsnorm(x, attention_norm)
                q, k, v = wq·xb, wk·xb, wv·xb;   rotate each pair (2i, 2i+1) of every head by
                θ = t · 10000^(−2i/head_size)     (llama2.c's interleaved rotary embedding)
                head h attends with kv head h / (n_heads / n_kv_heads), scores / √head_size,
                softmax over positions ≤ t;      x += wo · (att · v)
                x += w2 · (silu(w1·rmsnorm(x, ffn_norm)) ⊙ w3·rmsnorm(x, ffn_norm))
    logits = classifier · rmsnorm(x, norm)
"""

from __future__ import annotations

import numpy as np

from models.llama_checkpoint import LlamaWeights
from models.llama_config import LlamaConfig


def rmsnorm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    ss = np.mean(x * x, axis=-1, keepdims=True) + eps
    return x / np.sqrt(ss) * weight


def rotate(x: np.ndarray, head_size: int) -> np.ndarray:
    """x: (T, n·head_size); each consecutive pair (v0, v1) of a head turned by pos·freq."""
    T = x.shape[0]
    i = np.arange(x.shape[1]) % head_size
    freq = 1.0 / 10000.0 ** ((i[0::2]) / head_size)  # one per pair
    ang = np.arange(T)[:, None] * freq[None, :]
    c, s = np.cos(ang), np.sin(ang)
    v0, v1 = x[:, 0::2], x[:, 1::2]
    out = np.empty_like(x)
    out[:, 0::2] = v0 * c - v1 * s
    out[:, 1::2] = v0 * s + v1 * c
    return out


def reference_logits(cfg: LlamaConfig, w: LlamaWeights, tokens) -> np.ndarray:
    """Logits (T, vocab) at every position, float64."""
    tok = np.asarray(tokens, dtype=np.int64).reshape(-1)
    T, hs, H = tok.size, cfg.head_dim, cfg.n_heads
    group = cfg.n_heads // cfg.kv_heads
    f = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    x = f(w.tok_embeddings)[tok]
    future = np.triu(np.ones((T, T), dtype=bool), 1)
    for layer in range(cfg.n_layers):
        xb = rmsnorm(x, f(w.attention_norm[layer]), cfg.norm_eps)
        q = rotate(xb @ f(w.wq[layer]).T, hs)
        k = rotate(xb @ f(w.wk[layer]).T, hs)
        v = xb @ f(w.wv[layer]).T
        heads = []
        for h in range(H):
            kv = h // group
            qh, kh, vh = q[:, h * hs:(h + 1) * hs], k[:, kv * hs:(kv + 1) * hs], v[:, kv * hs:(kv + 1) * hs]
            att = qh @ kh.T / np.sqrt(hs)
            att = np.where(future, -np.inf, att)
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            heads.append(att @ vh)
        x = x + np.concatenate(heads, axis=1) @ f(w.wo[layer]).T
        xb = rmsnorm(x, f(w.ffn_norm[layer]), cfg.norm_eps)
        h1 = xb @ f(w.w1[layer]).T
        x = x + (h1 / (1.0 + np.exp(-h1)) * (xb @ f(w.w3[layer]).T)) @ f(w.w2[layer]).T
    return rmsnorm(x, f(w.norm), cfg.norm_eps) @ f(w.classifier).T
