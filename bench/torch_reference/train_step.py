#!/usr/bin/env python3
"""PyTorch side of bench/train_bench.cpp: the same SFT training step on the same checkpoint.

Run by train_bench as a subprocess; prints one JSON object on its last stdout line. It loads
the checkpoint folder the bench wrote with transformers' LlamaForCausalLM (eager attention,
float32) when transformers is importable, else with the plain-torch Llama below, then for each
step: loss = model(ids, labels=ids).loss (HF's mean over the shifted label tokens), backward,
torch.optim.AdamW step, zero_grad(set_to_none=True). One warm-up step, then --steps timed
steps. When torch itself is missing it prints {"error": ...} and exits 3, so the bench can
report our figure alone.
"""
import argparse
import json
import math
import os
import resource
import struct
import sys
import time


def emit(obj, code=0):
    print(json.dumps(obj), flush=True)
    sys.exit(code)


def openblas_core():
    """The OpenBLAS kernel set torch's BLAS calls run on ("" when it cannot be asked)."""
    try:
        import ctypes

        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except Exception:  # noqa: BLE001 - informational only
        return ""


def read_safetensors(path, torch):
    """Every tensor of a float32/bf16 safetensors file (header: u64 LE length + JSON)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = bytearray(data[b:e])
        if info["dtype"] == "F32":
            t = torch.frombuffer(raw, dtype=torch.float32)
        elif info["dtype"] == "BF16":
            t = torch.frombuffer(raw, dtype=torch.bfloat16).float()
        else:
            raise ValueError(f"{name}: dtype {info['dtype']} not handled by the plain-torch reference")
        out[name] = t.reshape(info["shape"]).clone()
    return out


def plain_torch_llama(model_dir, torch):
    """A Llama causal LM in plain torch, equal in arithmetic to transformers 4.47's eager path."""
    nn = torch.nn
    F = torch.nn.functional
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    hidden = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads") or heads
    head_dim = cfg.get("head_dim") or hidden // heads
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    if cfg.get("rope_scaling"):
        raise ValueError("plain-torch reference: rope_scaling not handled")

    class RMSNorm(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(hidden))

        def forward(self, x):
            var = x.pow(2).mean(-1, keepdim=True)
            return self.weight * (x * torch.rsqrt(var + eps))

    def rotate_half(x):
        x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
        return torch.cat((-x2, x1), dim=-1)

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            bias = cfg.get("attention_bias", False)
            self.q_proj = nn.Linear(hidden, heads * head_dim, bias=bias)
            self.k_proj = nn.Linear(hidden, kv_heads * head_dim, bias=bias)
            self.v_proj = nn.Linear(hidden, kv_heads * head_dim, bias=bias)
            self.o_proj = nn.Linear(heads * head_dim, hidden, bias=bias)

        def forward(self, x, cos, sin, mask):
            b, t, _ = x.shape
            q = self.q_proj(x).view(b, t, heads, head_dim).transpose(1, 2)
            k = self.k_proj(x).view(b, t, kv_heads, head_dim).transpose(1, 2)
            v = self.v_proj(x).view(b, t, kv_heads, head_dim).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            rep = heads // kv_heads
            if rep > 1:
                k = k.repeat_interleave(rep, dim=1)
                v = v.repeat_interleave(rep, dim=1)
            w = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(head_dim) + mask
            w = F.softmax(w, dim=-1, dtype=torch.float32)
            o = torch.matmul(w, v).transpose(1, 2).reshape(b, t, heads * head_dim)
            return self.o_proj(o)

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            inter = cfg["intermediate_size"]
            bias = cfg.get("mlp_bias", False)
            self.gate_proj = nn.Linear(hidden, inter, bias=bias)
            self.up_proj = nn.Linear(hidden, inter, bias=bias)
            self.down_proj = nn.Linear(inter, hidden, bias=bias)

        def forward(self, x):
            return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.self_attn = Attention()
            self.mlp = MLP()
            self.input_layernorm = RMSNorm()
            self.post_attention_layernorm = RMSNorm()

        def forward(self, x, cos, sin, mask):
            x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
            return x + self.mlp(self.post_attention_layernorm(x))

    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed_tokens = nn.Embedding(cfg["vocab_size"], hidden)
            self.layers = nn.ModuleList([Layer() for _ in range(cfg["num_hidden_layers"])])
            self.norm = RMSNorm()

    class LlamaLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = Inner()
            self.lm_head = nn.Linear(hidden, cfg["vocab_size"], bias=False)
            if cfg.get("tie_word_embeddings", False):
                self.lm_head.weight = self.model.embed_tokens.weight

        def forward(self, ids, labels):
            b, t = ids.shape
            inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
            freqs = torch.arange(t, dtype=torch.float32)[:, None] * inv[None, :]
            emb = torch.cat((freqs, freqs), dim=-1)
            cos, sin = emb.cos()[None, None], emb.sin()[None, None]
            mask = torch.full((t, t), torch.finfo(torch.float32).min).triu(1)[None, None]
            x = self.model.embed_tokens(ids)
            for layer in self.model.layers:
                x = layer(x, cos, sin, mask)
            logits = self.lm_head(self.model.norm(x)).float()
            return F.cross_entropy(
                logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
            )

    model = LlamaLM()
    weights = {}
    for name in sorted(os.listdir(model_dir)):
        if name.startswith("model") and name.endswith(".safetensors"):
            weights.update(read_safetensors(os.path.join(model_dir, name), torch))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [m for m in missing if not (m == "lm_head.weight" and cfg.get("tie_word_embeddings", False))]
    if missing or unexpected:
        raise ValueError(f"plain-torch reference: missing {missing}, unexpected {unexpected}")
    return model, lambda ids: model(ids, ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--ids", required=True, help="JSON file: [batch][seq] token ids")
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--plain", action="store_true", help="skip transformers even when importable")
    args = ap.parse_args()

    try:
        import torch
    except Exception as e:  # noqa: BLE001
        emit({"error": f"torch is not importable by {sys.executable}: {e}"}, 3)

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with open(args.ids) as f:
        ids = torch.tensor(json.load(f), dtype=torch.int64)

    impl = None
    fallback_reason = ""
    if not args.plain:
        try:
            import transformers
            from transformers import LlamaForCausalLM

            model = LlamaForCausalLM.from_pretrained(
                args.model, torch_dtype=torch.float32, attn_implementation="eager"
            )
            impl = f"transformers {transformers.__version__} LlamaForCausalLM (eager attention)"
            step_loss = lambda x: model(input_ids=x, labels=x).loss  # noqa: E731
        except ImportError as e:
            fallback_reason = str(e)
    if impl is None:
        model, step_loss = plain_torch_llama(args.model, torch)
        impl = f"plain-torch Llama (transformers not importable: {fallback_reason})" if not args.plain else "plain-torch Llama"
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)

    phase = [0.0, 0.0, 0.0]  # forward (loss), backward, optimizer step + zero_grad

    def step(timed):
        t0 = time.perf_counter()
        loss = step_loss(ids)
        value = float(loss.detach())
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        opt.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        if timed:
            phase[0] += t1 - t0
            phase[1] += t2 - t1
            phase[2] += t3 - t2
        return value

    t0 = time.perf_counter()
    first_loss = step(False)  # warm-up: allocates the AdamW state and the autograd buffers
    warm_s = time.perf_counter() - t0
    losses = []
    t0 = time.perf_counter()
    for _ in range(args.steps):
        losses.append(step(True))
    elapsed = time.perf_counter() - t0
    tokens = ids.numel() * args.steps
    emit(
        {
            "impl": impl,
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "blas_core": openblas_core(),
            "parameters": sum(p.numel() for p in params),
            "warmup_s": warm_s,
            "elapsed_s": elapsed,
            "forward_s": phase[0],
            "backward_s": phase[1],
            "optimizer_s": phase[2],
            "tokens_per_s": tokens / elapsed,
            "loss_first": first_loss,
            "loss_last": losses[-1] if losses else first_loss,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }
    )


if __name__ == "__main__":
    main()
