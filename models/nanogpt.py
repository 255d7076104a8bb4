"""nanoGPT (karpathy's architecture) as an ONNX graph, built with ``onnx.helper`` — no torch.

The graph mirrors what ``torch.onnx.export`` (opset 17) writes for nanoGPT's ``GPT.forward``
in inference mode, so that ezk sees the same operators a user's export contains:

    idx ─Gather(wte)─ + wpe[:T] ─┬─ LayerNorm ─ MatMul(c_attn) + b ─ Split(q,k,v)
                                 │    Reshape/Transpose per head ─ q·kᵀ ─ ·1/√d ─ Where(causal, -10)
                                 │    ─ Softmax ─ ·v ─ Transpose/Reshape ─ MatMul(c_proj) + b
                                 ├─ + (residual) ─ LayerNorm ─ MatMul(c_fc) + b ─ GELU(erf) ─ MatMul + b
                                 └─ + (residual)            … n_layer blocks …
                                 ─ LayerNorm(ln_f) ─ MatMul(wteᵀ)  → logits [1, T, vocab]

Weights are seeded N(0, 0.02) as in nanoGPT's ``_init_weights`` (LayerNorm weights 1, biases 0
unless ``random_biases``); the causal mask's fill value is -10, as in EZKL's nanoGPT example.

    python -m models.nanogpt --out DIR [--n-layer 1 --n-head 2 --n-embd 16 --block-size 8 --vocab 65]

writes ``DIR/network.onnx`` and ``DIR/input.json`` (EZKL's format: token ids).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
MASK_VALUE = -10.0


@dataclass(frozen=True)
class NanoGPTConfig:
    """Sizes of a nanoGPT; the defaults are the 'micro' model (4.5k parameters)."""

    vocab_size: int = 65
    block_size: int = 8  # tokens in the (fixed-length) input
    n_layer: int = 1
    n_head: int = 2
    n_embd: int = 16
    seed: int = 0
    random_biases: bool = False  # nanoGPT initialises biases to 0; random ones exercise more of a circuit

    def __post_init__(self) -> None:
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head})")
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


MICRO = NanoGPTConfig()
TINY = NanoGPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=64)


class _GraphBuilder:
    """Accumulates nodes and initializers with unique, readable names."""

    def __init__(self, cfg: NanoGPTConfig) -> None:
        self.cfg = cfg
        self.rng = np.random.default_rng(cfg.seed)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []

    def weight(self, name: str, shape: tuple[int, ...], kind: str = "normal") -> str:
        if kind == "normal":
            value = self.rng.normal(0.0, 0.02, size=shape)
        elif kind == "ones":
            value = np.ones(shape)
        elif kind == "bias":
            value = self.rng.normal(0.0, 0.02, size=shape) if self.cfg.random_biases else np.zeros(shape)
        else:  # pragma: no cover - programming error
            raise ValueError(kind)
        return self.const(name, value.astype(np.float32))

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(value), name=name))
        return name

    def node(self, op: str, inputs: list[str], name: str, n_out: int = 1, **attrs) -> list[str]:
        outputs = [f"{name}_output_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, **attrs))
        return outputs

    def one(self, op: str, inputs: list[str], name: str, **attrs) -> str:
        return self.node(op, inputs, name, **attrs)[0]

    def layer_norm(self, x: str, prefix: str) -> str:
        w = self.weight(f"{prefix}.weight", (self.cfg.n_embd,), "ones")
        b = self.weight(f"{prefix}.bias", (self.cfg.n_embd,), "bias")
        return self.one("LayerNormalization", [x, w, b], f"/{prefix}/LayerNormalization", axis=-1, epsilon=1e-5)

    def linear(self, x: str, prefix: str, n_in: int, n_out: int) -> str:
        w = self.weight(f"{prefix}.weight_t", (n_in, n_out))
        b = self.weight(f"{prefix}.bias", (n_out,), "bias")
        y = self.one("MatMul", [x, w], f"/{prefix}/MatMul")
        return self.one("Add", [b, y], f"/{prefix}/Add")

    def attention(self, x: str, prefix: str) -> str:
        c = self.cfg
        T, C, H = c.block_size, c.n_embd, c.n_head
        D = C // H
        qkv = self.linear(x, f"{prefix}.c_attn", C, 3 * C)
        split = self.const(f"{prefix}.split", np.array([C, C, C], dtype=np.int64))
        q, k, v = self.node("Split", [qkv, split], f"/{prefix}/Split", n_out=3, axis=2)
        heads = self.const(f"{prefix}.heads_shape", np.array([1, T, H, D], dtype=np.int64))

        def per_head(t: str, tag: str, perm: list[int]) -> str:
            r = self.one("Reshape", [t, heads], f"/{prefix}/Reshape_{tag}")
            return self.one("Transpose", [r], f"/{prefix}/Transpose_{tag}", perm=perm)

        qh = per_head(q, "q", [0, 2, 1, 3])  # [1, H, T, D]
        kh = per_head(k, "k", [0, 2, 3, 1])  # [1, H, D, T]
        vh = per_head(v, "v", [0, 2, 1, 3])  # [1, H, T, D]
        att = self.one("MatMul", [qh, kh], f"/{prefix}/MatMul_qk")
        inv_sqrt_d = self.const(f"{prefix}.inv_sqrt_d", np.array(1.0 / math.sqrt(D), dtype=np.float32))
        att = self.one("Mul", [att, inv_sqrt_d], f"/{prefix}/Mul_scale")
        # torch exports masked_fill(mask == 0, v) as Where(constant bool mask, v, att)
        future = ~np.tril(np.ones((T, T), dtype=bool))
        mask = self.const(f"{prefix}.causal_mask", future.reshape(1, 1, T, T))
        fill = self.const(f"{prefix}.mask_value", np.array(MASK_VALUE, dtype=np.float32))
        att = self.one("Where", [mask, fill, att], f"/{prefix}/Where")
        att = self.one("Softmax", [att], f"/{prefix}/Softmax", axis=-1)
        y = self.one("MatMul", [att, vh], f"/{prefix}/MatMul_av")  # [1, H, T, D]
        y = self.one("Transpose", [y], f"/{prefix}/Transpose_y", perm=[0, 2, 1, 3])
        merged = self.const(f"{prefix}.merged_shape", np.array([1, T, C], dtype=np.int64))
        y = self.one("Reshape", [y, merged], f"/{prefix}/Reshape_y")
        return self.linear(y, f"{prefix}.c_proj", C, C)

    def mlp(self, x: str, prefix: str) -> str:
        C = self.cfg.n_embd
        h = self.linear(x, f"{prefix}.c_fc", C, 4 * C)
        # GELU, exact form as torch exports it: x · (erf(x / √2) + 1) · 0.5
        sqrt2 = self.const(f"{prefix}.sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))
        one = self.const(f"{prefix}.one", np.array(1.0, dtype=np.float32))
        half = self.const(f"{prefix}.half", np.array(0.5, dtype=np.float32))
        e = self.one("Erf", [self.one("Div", [h, sqrt2], f"/{prefix}/gelu/Div")], f"/{prefix}/gelu/Erf")
        g = self.one("Mul", [h, self.one("Add", [e, one], f"/{prefix}/gelu/Add")], f"/{prefix}/gelu/Mul")
        g = self.one("Mul", [g, half], f"/{prefix}/gelu/Mul_1")
        return self.linear(g, f"{prefix}.c_proj", 4 * C, C)


def build_nanogpt(cfg: NanoGPTConfig = MICRO) -> onnx.ModelProto:
    """The ONNX model of a nanoGPT with the given sizes and seeded random weights."""
    b = _GraphBuilder(cfg)
    T, C = cfg.block_size, cfg.n_embd
    wte = b.weight("wte.weight", (cfg.vocab_size, C))
    wte_value = numpy_helper.to_array(b.inits[-1])
    wpe = b.rng.normal(0.0, 0.02, size=(T, C)).astype(np.float32)

    x = b.one("Gather", [wte, "idx"], "/wte/Gather", axis=0)  # [1, T, C]
    x = b.one("Add", [x, b.const("wpe.weight_T", wpe)], "/Add_pos")
    for layer in range(cfg.n_layer):
        p = f"h.{layer}"
        x = b.one("Add", [x, b.attention(b.layer_norm(x, f"{p}.ln_1"), f"{p}.attn")], f"/{p}/Add")
        x = b.one("Add", [x, b.mlp(b.layer_norm(x, f"{p}.ln_2"), f"{p}.mlp")], f"/{p}/Add_1")
    x = b.layer_norm(x, "ln_f")
    lm_head = b.const("lm_head.weight_t", np.ascontiguousarray(wte_value.T))  # tied to wte
    b.nodes.append(helper.make_node("MatMul", [x, lm_head], ["logits"], name="/lm_head/MatMul"))

    graph = helper.make_graph(
        b.nodes,
        "nanogpt",
        inputs=[helper.make_tensor_value_info("idx", TensorProto.INT64, [1, T])],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, T, cfg.vocab_size])],
        initializer=b.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="ezk.models.nanogpt")
    model.ir_version = 8
    meta = model.metadata_props.add()
    meta.key, meta.value = "nanogpt_config", json.dumps(asdict(cfg))
    onnx.checker.check_model(model)
    return model


def sample_tokens(cfg: NanoGPTConfig, seed: int | None = None) -> list[int]:
    """A seeded sequence of block_size token ids."""
    rng = np.random.default_rng(cfg.seed + 1 if seed is None else seed)
    return [int(t) for t in rng.integers(0, cfg.vocab_size, size=cfg.block_size)]


def count_parameters(model: onnx.ModelProto) -> int:
    """Parameters as nanoGPT counts them (the tied lm_head and the constant mask excluded)."""
    skip = ("lm_head.weight_t", ".causal_mask", ".split", "_shape", ".inv_sqrt_d", ".mask_value", ".sqrt2", ".one", ".half")
    return sum(int(np.prod(t.dims)) for t in model.graph.initializer if not t.name.endswith(skip))


def write_nanogpt(out_dir: str | Path, cfg: NanoGPTConfig = MICRO) -> tuple[Path, Path]:
    """Write ``network.onnx`` and ``input.json`` into ``out_dir``; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model_path, input_path = out / "network.onnx", out / "input.json"
    onnx.save(build_nanogpt(cfg), model_path)
    input_path.write_text(json.dumps({"input_data": [sample_tokens(cfg)]}))
    return model_path, input_path


def _main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output folder for network.onnx and input.json")
    for field, default in asdict(MICRO).items():
        if isinstance(default, bool):
            ap.add_argument(f"--{field.replace('_', '-')}", action="store_true")
        else:
            ap.add_argument(f"--{field.replace('_', '-')}", type=int, default=default)
    args = vars(ap.parse_args())
    out = args.pop("out")
    cfg = NanoGPTConfig(**args)
    model_path, _ = write_nanogpt(out, cfg)
    print(json.dumps({"model": str(model_path), "parameters": count_parameters(onnx.load(model_path)), **asdict(cfg)}))


if __name__ == "__main__":
    _main()
