#!/usr/bin/python3
"""nanoGPT's character-level Shakespeare run, PyTorch side, for bench/gpt_bench.sh: the model of
nanoGPT's model.py (token + learned position embeddings, pre-LN blocks of causal self-attention
and a 4x GELU MLP, final layer norm, output projection tied to the token embedding, GPT-2
initialisation) and train.py's loop (random windows, AdamW with weight decay on matrices only,
linear warmup then cosine decay to min_lr, gradient clipping, validation on eval_iters fixed-size
batches), written here from the papers' and nanoGPT's description with the same choices attend's
`--model gpt` makes, so both sides train the same network on the same data:

  * the data: the whole file as characters, vocabulary = its sorted distinct characters, the first
    90% training and the rest validation (nanoGPT's prepare.py);
  * decay: 2-D weights of matrix products only; biases, layer norms and both embedding tables
    (so the tied output projection too) exempt;
  * schedule: attend's CosineWarmupLR: lr * step / warmup for step <= warmup (steps from 1), then
    min_lr + (lr - min_lr) * (1 + cos(pi * progress)) / 2;
  * validation: the mean loss over eval_iters batches of random windows drawn from a fixed seed
    (the same windows at every evaluation).

Prints one JSON line: ms per iteration (median and mean over the training iterations, evaluation
excluded), the final validation loss, sampling tokens per second with and without nanoGPT's
crop-and-rerun (no key/value cache: nanoGPT has none), and the peak RSS.

Needs Debian's python3-torch: /usr/bin/python3 bench/gpt_pytorch.py --data FILE ...
"""
import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LayerNorm(nn.Module):
    """nn.LayerNorm with an optional bias (PyTorch 1.13's has none to turn off), as nanoGPT's."""

    def __init__(self, width, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class Block(nn.Module):
    def __init__(self, width, heads, dropout, bias):
        super().__init__()
        self.heads = heads
        self.ln_1 = LayerNorm(width, bias)
        self.c_attn = nn.Linear(width, 3 * width, bias=bias)  # q, k, v
        self.attn_proj = nn.Linear(width, width, bias=bias)
        self.ln_2 = LayerNorm(width, bias)
        self.c_fc = nn.Linear(width, 4 * width, bias=bias)
        self.c_proj = nn.Linear(4 * width, width, bias=bias)
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)

    def attention(self, x, mask):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        heads = lambda t: t.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        q, k, v = heads(q), heads(k), heads(v)  # [B, H, T, hd]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))
        att = self.attn_dropout(F.softmax(att.masked_fill(mask[:T, :T], float("-inf")), dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.attn_proj(y))

    def forward(self, x, mask):
        x = x + self.attention(self.ln_1(x), mask)
        return x + self.resid_dropout(self.c_proj(F.gelu(self.c_fc(self.ln_2(x)))))


class GPT(nn.Module):
    def __init__(self, vocab, context, layers, heads, width, dropout, bias):
        super().__init__()
        self.context = context
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(context, width)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(width, heads, dropout, bias) for _ in range(layers))
        self.ln_f = LayerNorm(width, bias)
        self.register_buffer("mask", torch.ones(context, context).triu(1).bool())
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() >= 2:
                # GPT-2: N(0, 0.02), the two residual projections N(0, 0.02 / sqrt(2 L)).
                std = 0.02 / math.sqrt(2 * layers) if name.endswith(("attn_proj.weight", "c_proj.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx):
        T = idx.size(1)
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(T)))
        for b in self.blocks:
            x = b(x, self.mask)
        return F.linear(self.ln_f(x), self.wte.weight)  # tied output projection


def lr_at(step, lr, warmup, total, min_lr):
    if step <= warmup:
        return lr * step / max(warmup, 1)
    progress = min(1.0, (step - warmup) / max(total - warmup, 1))
    return min_lr + (lr - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--context", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=12)
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--beta2", type=float, default=0.99)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--eval-iters", type=int, default=20)
    ap.add_argument("--sample-tokens", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--no-bias", action="store_true",
                    help="no biases in linear layers and layer norms (nanoGPT's train.py)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    text = open(a.data, encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(len(data) * 0.9)
    train, valid = data[:n], data[n:]

    def batch(split, gen=None):
        ix = torch.randint(len(split) - a.context, (a.batch_size,), generator=gen)
        x = torch.stack([split[i : i + a.context] for i in ix])
        y = torch.stack([split[i + 1 : i + 1 + a.context] for i in ix])
        return x, y

    model = GPT(len(chars), a.context, a.layers, a.heads, a.width, a.dropout, not a.no_bias)
    decay = [p for n_, p in model.named_parameters() if p.dim() >= 2 and not n_.startswith(("wte", "wpe"))]
    other = [p for n_, p in model.named_parameters() if not (p.dim() >= 2 and not n_.startswith(("wte", "wpe")))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": other, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, a.beta2))

    @torch.no_grad()
    def evaluate():
        model.eval()
        gen = torch.Generator().manual_seed(1337)
        losses = []
        for _ in range(a.eval_iters):
            x, y = batch(valid, gen)
            losses.append(F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1)).item())
        model.train()
        return sum(losses) / len(losses)

    times = []
    for step in range(1, a.iters + 1):
        t0 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = lr_at(step, a.lr, a.warmup, a.iters, a.min_lr)
        x, y = batch(train)
        loss = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if a.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        loss.item()
        times.append((time.perf_counter() - t0) * 1e3)
    valid_loss = evaluate()

    # Sampling as nanoGPT's generate(): the whole cropped context for every token (no cache).
    model.eval()
    idx = torch.tensor([[stoi.get("\n", 0)]])
    t0 = time.perf_counter()
    with torch.no_grad():
        for _ in range(a.sample_tokens):
            logits = model(idx[:, -a.context :])[:, -1, :] / 0.8
            v, _ = torch.topk(logits, min(200, logits.size(-1)))
            logits[logits < v[:, [-1]]] = -float("inf")
            idx = torch.cat([idx, torch.multinomial(F.softmax(logits, -1), 1)], dim=1)
    sample_s = time.perf_counter() - t0
    print(json.dumps({
        "side": "pytorch", "threads": a.threads, "iters": a.iters,
        "ms_per_iter_median": statistics.median(times), "ms_per_iter_mean": statistics.fmean(times),
        "valid_loss": valid_loss, "sample_tokens_per_s_uncached": a.sample_tokens / sample_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "parameters": sum(p.numel() for p in model.parameters()),
    }))


if __name__ == "__main__":
    main()
