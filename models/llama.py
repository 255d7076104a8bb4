"""llama2.c's Llama-2 architecture (karpathy/llama2.c ``model.py``) as an ONNX graph, built with
``onnx.helper`` — no torch.

The graph uses the operator patterns ``torch.onnx.export`` (opset 17) writes for ``model.py``'s
``Transformer.forward`` in inference mode, so that ezk sees what a user's export contains:

    tokens ─Gather(tok_embeddings)─┬─ RMSNorm: x · Div(1, Sqrt(ReduceMean(Pow(x, 2)) + eps)) · w
                                   │  MatMul(wq|wk|wv) ─ Reshape heads ─ rotary on interleaved pairs:
                                   │    Reshape(…, hd/2, 2) ─ Gather(0|1) ─ r·cos − i·sin, r·sin + i·cos
                                   │    ─ Unsqueeze ─ Concat ─ Reshape
                                   │  k, v: Unsqueeze ─ Expand ─ Reshape (grouped-query heads)
                                   │  q·kᵀ ─ Div(√hd) ─ Add(causal mask of −inf) ─ Softmax ─ ·v
                                   │    (or, attention="sdpa", torch's scaled_dot_product_attention export)
                                   │  ─ Transpose/Reshape ─ MatMul(wo)
                                   ├─ + ─ RMSNorm ─ MatMul(w2)(Mul(x·Sigmoid(x) for x = MatMul(w1), MatMul(w3)))
                                   └─ +                      … n_layers blocks …
                                   ─ RMSNorm ─ Gather([-1], axis 1) ─ MatMul(classifierᵀ) → logits [1, 1, vocab]

Like ``model.py``'s inference path, only the last position's logits are computed (the next
token); ``all_logits=True`` keeps every position's.  Weights are llama2.c's seeded random init
(``models.llama_checkpoint.random_weights``) or read from a llama2.c ``.bin`` checkpoint.

    python -m models.llama --config stories260k --tokens 16 --out DIR [--checkpoint model.bin]

writes ``DIR/network.onnx`` and ``DIR/input.json`` (EZKL's format: token ids).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models.llama_checkpoint import CheckpointError, LlamaWeights, random_weights, read_checkpoint
from models.llama_config import BOS, CONFIGS, LlamaConfig

OPSET = 17


def rope_tables(head_dim: int, n_tokens: int) -> tuple[np.ndarray, np.ndarray]:
    """llama2.c's precompute_freqs_cis: cos and sin of t·θ_i, θ_i = 10000^(−2i/head_dim), float32."""
    freqs = 1.0 / (10000.0 ** (np.arange(0, head_dim, 2, dtype=np.float32)[: head_dim // 2] / head_dim))
    ang = np.outer(np.arange(n_tokens, dtype=np.float32), freqs.astype(np.float32)).astype(np.float32)
    return np.cos(ang), np.sin(ang)


class _LlamaGraph:
    """Accumulates nodes and initializers with readable, unique names."""

    def __init__(self, cfg: LlamaConfig, n_tokens: int, sdpa: bool = False) -> None:
        self.cfg, self.T, self.sdpa = cfg, n_tokens, sdpa
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._names: set[str] = set()

    def const(self, name: str, value) -> str:
        if name not in self._names:
            self._names.add(name)
            self.inits.append(numpy_helper.from_array(np.asarray(value), name=name))
        return name

    def scalar(self, value: float) -> str:
        return self.const(f"const_{value!r}", np.array(value, dtype=np.float32))

    def ints(self, *values: int) -> str:
        return self.const("ints_" + "_".join(str(v) for v in values), np.array(values, dtype=np.int64))

    def one(self, op: str, inputs: list[str], name: str, **attrs) -> str:
        out = f"{name}_output_0"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def linear(self, x: str, w: np.ndarray, name: str) -> str:
        """x @ wᵀ for an nn.Linear weight w [out, in] (torch exports MatMul with wᵀ as initializer)."""
        wt = self.const(f"{name}.weight_t", np.ascontiguousarray(np.asarray(w, np.float32).T))
        return self.one("MatMul", [x, wt], f"/{name}/MatMul")

    def rmsnorm(self, x: str, weight: np.ndarray, name: str) -> str:
        """torch's export of x * rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight."""
        p = f"/{name}"
        sq = self.one("Pow", [x, self.scalar(2.0)], f"{p}/Pow")
        ms = self.one("ReduceMean", [sq], f"{p}/ReduceMean", axes=[-1], keepdims=1)
        ms = self.one("Add", [ms, self.scalar(float(np.float32(self.cfg.norm_eps)))], f"{p}/Add")
        r = self.one("Div", [self.scalar(1.0), self.one("Sqrt", [ms], f"{p}/Sqrt")], f"{p}/Div")
        y = self.one("Mul", [x, r], f"{p}/Mul")
        return self.one("Mul", [y, self.const(f"{name}.weight", np.asarray(weight, np.float32))], f"{p}/Mul_1")

    def rotary(self, x: str, n_heads: int, name: str) -> str:
        """apply_rotary_emb on x [1, T, n, hd]: pairs (2i, 2i+1) turned by the position's angle."""
        T, hd = self.T, self.cfg.head_dim
        cos, sin = rope_tables(hd, T)
        c = self.const("freqs_cos", cos.reshape(1, T, 1, hd // 2))
        s = self.const("freqs_sin", sin.reshape(1, T, 1, hd // 2))
        pairs = self.one("Reshape", [x, self.ints(1, T, n_heads, -1, 2)], f"{name}/Reshape_pairs")
        xr = self.one("Gather", [pairs, self.const("index_0", np.array(0, np.int64))], f"{name}/Gather_r", axis=4)
        xi = self.one("Gather", [pairs, self.const("index_1", np.array(1, np.int64))], f"{name}/Gather_i", axis=4)
        out_r = self.one("Sub", [self.one("Mul", [xr, c], f"{name}/Mul_rc"), self.one("Mul", [xi, s], f"{name}/Mul_is")],
                         f"{name}/Sub")
        out_i = self.one("Add", [self.one("Mul", [xr, s], f"{name}/Mul_rs"), self.one("Mul", [xi, c], f"{name}/Mul_ic")],
                         f"{name}/Add")
        last = self.ints(-1)
        both = [self.one("Unsqueeze", [out_r, last], f"{name}/Unsqueeze_r"),
                self.one("Unsqueeze", [out_i, last], f"{name}/Unsqueeze_i")]
        stacked = self.one("Concat", both, f"{name}/Concat", axis=-1)
        return self.one("Reshape", [stacked, self.ints(1, T, n_heads, hd)], f"{name}/Reshape_flat")

    def repeat_kv(self, x: str, name: str) -> str:
        """[1, T, kv, hd] → [1, T, kv·n_rep, hd], each kv head repeated n_rep times in place."""
        c, T = self.cfg, self.T
        rep = c.n_heads // c.kv_heads
        if rep == 1:
            return x
        x = self.one("Unsqueeze", [x, self.ints(3)], f"{name}/Unsqueeze")
        x = self.one("Expand", [x, self.ints(1, T, c.kv_heads, rep, c.head_dim)], f"{name}/Expand")
        return self.one("Reshape", [x, self.ints(1, T, c.n_heads, c.head_dim)], f"{name}/Reshape")

    def attention(self, x: str, w: LlamaWeights, layer: int) -> str:
        c, T = self.cfg, self.T
        p = f"layers.{layer}.attention"
        q = self.linear(x, w.wq[layer], f"{p}.wq")
        k = self.linear(x, w.wk[layer], f"{p}.wk")
        v = self.linear(x, w.wv[layer], f"{p}.wv")
        q = self.one("Reshape", [q, self.ints(1, T, c.n_heads, c.head_dim)], f"/{p}/Reshape_q")
        k = self.one("Reshape", [k, self.ints(1, T, c.kv_heads, c.head_dim)], f"/{p}/Reshape_k")
        v = self.one("Reshape", [v, self.ints(1, T, c.kv_heads, c.head_dim)], f"/{p}/Reshape_v")
        q = self.rotary(q, c.n_heads, f"/{p}/rotary_q")
        k = self.repeat_kv(self.rotary(k, c.kv_heads, f"/{p}/rotary_k"), f"/{p}/repeat_k")
        v = self.repeat_kv(v, f"/{p}/repeat_v")
        q = self.one("Transpose", [q], f"/{p}/Transpose_q", perm=[0, 2, 1, 3])  # [1, H, T, hd]
        v = self.one("Transpose", [v], f"/{p}/Transpose_v", perm=[0, 2, 1, 3])  # [1, H, T, hd]
        if self.sdpa:
            scores = self.sdpa_scores(q, self.one("Transpose", [k], f"/{p}/Transpose_k", perm=[0, 2, 1, 3]), p)
        else:  # model.py's manual path: q·kᵀ/√hd + mask (its buffer of −inf above the diagonal)
            k = self.one("Transpose", [k], f"/{p}/Transpose_k", perm=[0, 2, 3, 1])  # [1, H, hd, T]
            scores = self.one("MatMul", [q, k], f"/{p}/MatMul_qk")
            scores = self.one("Div", [scores, self.scalar(float(np.float32(math.sqrt(c.head_dim))))], f"/{p}/Div")
            mask = np.triu(np.full((T, T), -np.inf, dtype=np.float32), 1).reshape(1, 1, T, T)
            scores = self.one("Add", [scores, self.const("mask", mask)], f"/{p}/Add_mask")
        att = self.one("Softmax", [scores], f"/{p}/Softmax", axis=-1)
        y = self.one("MatMul", [att, v], f"/{p}/MatMul_av")
        y = self.one("Transpose", [y], f"/{p}/Transpose_y", perm=[0, 2, 1, 3])
        y = self.one("Reshape", [y, self.ints(1, T, -1)], f"/{p}/Reshape_y")
        return self.linear(y, w.wo[layer], f"{p}.wo")

    def sdpa_scores(self, q: str, k: str, p: str) -> str:
        """torch.onnx's export of F.scaled_dot_product_attention(q, k, v, is_causal=True) (opset
        ≥ 14, what model.py's flash path exports): the scale 1/√hd from Shape/Slice/Cast/Sqrt/Div,
        its square root applied to q and to kᵀ, and a causal mask from ConstantOfShape/Trilu/
        Equal/Where(−inf, 0) added before the softmax."""
        p = f"/{p}/sdpa"
        shape_q = self.one("Shape", [q], f"{p}/Shape_q")
        hd = self.one("Slice", [shape_q, self.ints(-1), self.ints(2**62)], f"{p}/Slice_hd")
        hd = self.one("Cast", [hd], f"{p}/Cast_hd", to=TensorProto.FLOAT)
        scale = self.one("Div", [self.scalar(1.0), self.one("Sqrt", [hd], f"{p}/Sqrt_hd")], f"{p}/Div_scale")
        root = self.one("Sqrt", [scale], f"{p}/Sqrt_scale")
        kt = self.one("Transpose", [k], f"{p}/Transpose_k", perm=[0, 1, 3, 2])
        qs = self.one("Mul", [q, root], f"{p}/Mul_q")
        ks = self.one("Mul", [kt, root], f"{p}/Mul_k")
        scores = self.one("MatMul", [qs, ks], f"{p}/MatMul_qk")
        lq = self.one("Slice", [shape_q, self.ints(-2), self.ints(-1)], f"{p}/Slice_lq")
        lk = self.one("Slice", [self.one("Shape", [k], f"{p}/Shape_k"), self.ints(-2), self.ints(-1)], f"{p}/Slice_lk")
        size = self.one("Concat", [lq, lk], f"{p}/Concat_size", axis=0)
        ones = self.one("ConstantOfShape", [size], f"{p}/ConstantOfShape",
                        value=numpy_helper.from_array(np.array([1.0], np.float32)))
        lower = self.one("Trilu", [ones], f"{p}/Trilu", upper=0)
        above = self.one("Equal", [lower, self.scalar(0.0)], f"{p}/Equal")
        mask = self.one("Where", [above, self.scalar(float("-inf")), self.scalar(0.0)], f"{p}/Where")
        return self.one("Add", [scores, mask], f"{p}/Add_mask")

    def feed_forward(self, x: str, w: LlamaWeights, layer: int) -> str:
        p = f"layers.{layer}.feed_forward"
        a = self.linear(x, w.w1[layer], f"{p}.w1")
        silu = self.one("Mul", [a, self.one("Sigmoid", [a], f"/{p}/Sigmoid")], f"/{p}/Mul_silu")
        gated = self.one("Mul", [silu, self.linear(x, w.w3[layer], f"{p}.w3")], f"/{p}/Mul_gate")
        return self.linear(gated, w.w2[layer], f"{p}.w2")


ATTENTION = ("manual", "sdpa")


def build_llama(cfg: LlamaConfig, weights: LlamaWeights | None = None, n_tokens: int = 16,
                all_logits: bool = False, attention: str = "manual") -> onnx.ModelProto:
    """The ONNX model of llama2.c's Transformer over ``n_tokens`` tokens (random weights when None).
    ``attention``: "manual" (model.py's path without flash attention: a −inf mask buffer) or
    "sdpa" (what torch exports for model.py's flash path, F.scaled_dot_product_attention)."""
    if not 1 <= n_tokens <= cfg.max_seq_len:
        raise ValueError(f"tokens must be between 1 and the model's max_seq_len {cfg.max_seq_len} (got {n_tokens})")
    if attention not in ATTENTION:
        raise ValueError(f"attention must be one of {', '.join(ATTENTION)} (got {attention!r})")
    w = random_weights(cfg) if weights is None else weights
    g = _LlamaGraph(cfg, n_tokens, sdpa=attention == "sdpa")
    emb = g.const("tok_embeddings.weight", np.asarray(w.tok_embeddings, np.float32))
    x = g.one("Gather", [emb, "tokens"], "/tok_embeddings/Gather", axis=0)  # [1, T, dim]
    for layer in range(cfg.n_layers):
        h = g.attention(g.rmsnorm(x, w.attention_norm[layer], f"layers.{layer}.attention_norm"), w, layer)
        x = g.one("Add", [x, h], f"/layers.{layer}/Add")
        h = g.feed_forward(g.rmsnorm(x, w.ffn_norm[layer], f"layers.{layer}.ffn_norm"), w, layer)
        x = g.one("Add", [x, h], f"/layers.{layer}/Add_1")
    x = g.rmsnorm(x, w.norm, "norm")
    n_out = n_tokens
    if not all_logits:  # model.py: logits = self.output(h[:, [-1], :])
        x = g.one("Gather", [x, g.const("index_last", np.array([-1], np.int64))], "/Gather_last", axis=1)
        n_out = 1
    wt = g.const("output.weight_t", np.ascontiguousarray(np.asarray(w.classifier, np.float32).T))
    g.nodes.append(helper.make_node("MatMul", [x, wt], ["logits"], name="/output/MatMul"))
    graph = helper.make_graph(
        g.nodes, "llama2c",
        inputs=[helper.make_tensor_value_info("tokens", TensorProto.INT64, [1, n_tokens])],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, n_out, cfg.vocab_size])],
        initializer=g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="ezk.models.llama")
    model.ir_version = 8
    meta = model.metadata_props.add()
    tied = w.output is None
    meta.key, meta.value = "llama_config", json.dumps({**asdict(cfg), "hidden_dim": cfg.ffn_dim, "tokens": n_tokens,
                                                       "tied": tied, "parameters": cfg.parameters(tied)})
    onnx.checker.check_model(model)
    return model


def sample_tokens(cfg: LlamaConfig, n_tokens: int, seed: int | None = None) -> list[int]:
    """BOS followed by seeded random token ids (a prompt of n_tokens)."""
    rng = np.random.default_rng(cfg.seed + 1 if seed is None else seed)
    rest = rng.integers(0, cfg.vocab_size, size=n_tokens - 1)
    return [BOS % cfg.vocab_size] + [int(t) for t in rest]


def write_llama(out_dir, cfg: LlamaConfig | None = None, n_tokens: int = 16, checkpoint=None,
                all_logits: bool = False, tokens: list[int] | None = None,
                attention: str = "manual") -> tuple[Path, Path]:
    """Write ``network.onnx`` and ``input.json`` into ``out_dir``; weights from ``checkpoint`` (a
    llama2.c ``.bin``, whose header gives the config) or random for ``cfg``."""
    weights = None
    if checkpoint is not None:
        cfg, weights = read_checkpoint(checkpoint)
    cfg = cfg or CONFIGS["stories260k"]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model_path, input_path = out / "network.onnx", out / "input.json"
    onnx.save(build_llama(cfg, weights, n_tokens, all_logits, attention), model_path)
    ids = sample_tokens(cfg, n_tokens) if tokens is None else [int(t) for t in tokens]
    if len(ids) != n_tokens or not all(0 <= t < cfg.vocab_size for t in ids):
        raise ValueError(f"the prompt must be {n_tokens} token ids in [0, {cfg.vocab_size})")
    input_path.write_text(json.dumps({"input_data": [ids]}))
    return model_path, input_path


def _main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="stories260k", choices=sorted(CONFIGS), help="named llama2.c config")
    ap.add_argument("--tokens", type=int, default=16, help="prompt length (tokens in the input)")
    ap.add_argument("--out", required=True, help="output folder for network.onnx and input.json")
    ap.add_argument("--checkpoint", help="a llama2.c .bin checkpoint (its header overrides --config)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random weights and prompt")
    ap.add_argument("--all-logits", action="store_true", help="output every position's logits, not just the last")
    ap.add_argument("--attention", default="manual", choices=ATTENTION,
                    help="manual: model.py's −inf mask buffer; sdpa: torch's export of scaled_dot_product_attention")
    args = ap.parse_args(argv)
    try:
        cfg = LlamaConfig(**{**asdict(CONFIGS[args.config]), "seed": args.seed})
        model_path, _ = write_llama(args.out, cfg, args.tokens, args.checkpoint, args.all_logits,
                                    attention=args.attention)
    except (CheckpointError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    meta = json.loads(onnx.load(str(model_path), load_external_data=False).metadata_props[0].value)
    print(json.dumps({"model": str(model_path), **meta}))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
