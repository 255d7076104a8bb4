"""Sizes of a llama2.c model (karpathy/llama2.c ``model.py``'s ``ModelArgs``) and its named configs.

The feed-forward width follows llama2.c's rule when ``hidden_dim`` is not given:
``multiple_of · ⌈int(2·4·dim/3) / multiple_of⌉`` (stories260K: dim 64, multiple_of 4 → 172).
"""

from __future__ import annotations

from dataclasses import dataclass

BOS = 1  # llama2.c's tokenizers put the begin-of-sequence token at id 1


@dataclass(frozen=True)
class LlamaConfig:
    dim: int = 64
    n_layers: int = 5
    n_heads: int = 8
    n_kv_heads: int | None = None  # None: as many as n_heads (no grouped-query sharing)
    vocab_size: int = 512
    hidden_dim: int | None = None  # None: llama2.c's rule from dim and multiple_of
    multiple_of: int = 4
    norm_eps: float = 1e-5
    max_seq_len: int = 512
    seed: int = 0  # for the random weights

    def __post_init__(self) -> None:
        for name in ("dim", "n_layers", "n_heads", "vocab_size", "multiple_of", "max_seq_len"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1 (got {getattr(self, name)})")
        if self.n_kv_heads is not None and self.n_kv_heads < 1:
            raise ValueError(f"n_kv_heads must be at least 1 (got {self.n_kv_heads})")
        if self.hidden_dim is not None and self.hidden_dim < 1:
            raise ValueError(f"hidden_dim must be at least 1 (got {self.hidden_dim})")
        if self.dim % self.n_heads:
            raise ValueError(f"dim ({self.dim}) must be a multiple of n_heads ({self.n_heads})")
        if self.n_heads % self.kv_heads:
            raise ValueError(f"n_heads ({self.n_heads}) must be a multiple of n_kv_heads ({self.kv_heads})")
        if self.head_dim % 2:
            raise ValueError(f"the head size dim/n_heads ({self.head_dim}) must be even for rotary embeddings")
        if not self.norm_eps > 0:
            raise ValueError(f"norm_eps must be positive (got {self.norm_eps})")

    @property
    def kv_heads(self) -> int:
        return self.n_heads if self.n_kv_heads is None else self.n_kv_heads

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_heads

    @property
    def kv_dim(self) -> int:
        return self.kv_heads * self.head_dim

    @property
    def ffn_dim(self) -> int:
        if self.hidden_dim is not None:
            return self.hidden_dim
        h = int(2 * (4 * self.dim) / 3)
        return self.multiple_of * ((h + self.multiple_of - 1) // self.multiple_of)

    def parameters(self, tied: bool = True) -> int:
        """Parameter count as llama2.c counts it (the tied classifier once)."""
        d, L = self.dim, self.n_layers
        per_layer = 2 * d + d * d + 2 * d * self.kv_dim + d * d + 3 * d * self.ffn_dim
        return self.vocab_size * d * (1 if tied else 2) + L * per_layer + d


# karpathy/llama2.c README "models" table; stories260K from doc/stories260K.md (multiple_of 4),
# the others trained with train.py's default multiple_of 32.
CONFIGS: dict[str, LlamaConfig] = {
    "stories260k": LlamaConfig(dim=64, n_layers=5, n_heads=8, n_kv_heads=4, vocab_size=512, multiple_of=4,
                               max_seq_len=512),
    "stories15m": LlamaConfig(dim=288, n_layers=6, n_heads=6, n_kv_heads=6, vocab_size=32000, multiple_of=32,
                              max_seq_len=256),
    "stories42m": LlamaConfig(dim=512, n_layers=8, n_heads=8, n_kv_heads=8, vocab_size=32000, multiple_of=32,
                              max_seq_len=1024),
    "stories110m": LlamaConfig(dim=768, n_layers=12, n_heads=12, n_kv_heads=12, vocab_size=32000, multiple_of=32,
                               max_seq_len=1024),
}
