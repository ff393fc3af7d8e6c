#!/usr/bin/env python3
"""The PyTorch side of bench/bench_decoding.cpp: the same Multi30k Transformer (3+3 layers,
d_model 256, 8 heads, feed-forward 512, dropout 0.1; nn.Transformer with batch_first=True,
post-LN, final LayerNorm on each stack; embeddings * sqrt(d) plus sinusoidal positions; untied
output projection) on the workload bench_decoding --export wrote: the same training batches and
the same decode batches with the same forced step counts (random weights, <eos> output bias
-1e9, so every sentence decodes exactly its batch's steps).

  train  : tokens/s of forward + backward + Adam (lr 5e-4) steps, cross-entropy ignoring padding
  greedy : the tutorials' greedy loop (PyTorch's "Language Translation with nn.Transformer"):
           encode once, then every step re-runs model.decode over the whole prefix with a causal
           mask and appends the argmax; batched over the decode batch, memory padding masked
  beam   : the same loop with K rows per source (plain beam search, no cache): the top K of the
           K*V continuations of each source by summed log-probability each step

One JSON line per run, with the keys bench_decoding prints.
"""
import argparse
import json
import math
import sys
import time
import warnings

import torch
from torch import nn


def read_workload(path):
    with open(path) as f:
        lines = iter(f.read().split("\n"))

    def ids():
        parts = next(lines).split()
        n = int(parts[0])
        return [int(x) for x in parts[1 : 1 + n]]

    _, src_vocab, tgt_vocab = next(lines).split()
    _, pad, bos, eos = next(lines).split()
    w = {"src_vocab": int(src_vocab), "tgt_vocab": int(tgt_vocab),
         "pad": int(pad), "bos": int(bos), "eos": int(eos), "train": [], "test": []}
    n_train = int(next(lines).split()[1])
    for _ in range(n_train):
        b = int(next(lines).split()[1])
        w["train"].append([(ids(), ids()) for _ in range(b)])
    n_test = int(next(lines).split()[1])
    for _ in range(n_test):
        _, b, steps = next(lines).split()
        w["test"].append((int(steps), [ids() for _ in range(int(b))]))
    return w


def pad_rows(rows, pad):
    T = max(len(r) for r in rows)
    t = torch.full((len(rows), T), pad, dtype=torch.long)
    for i, r in enumerate(rows):
        t[i, : len(r)] = torch.tensor(r, dtype=torch.long)
    return t


def causal_mask(t):
    return torch.triu(torch.full((t, t), float("-inf")), diagonal=1)


class Seq2SeqTransformer(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, d=256, heads=8, layers=3, ff=512, dropout=0.1,
                 max_len=256):
        super().__init__()
        self.d = d
        self.src_emb = nn.Embedding(src_vocab, d, padding_idx=0)
        self.tgt_emb = nn.Embedding(tgt_vocab, d, padding_idx=0)
        for e in (self.src_emb, self.tgt_emb):  # N(0, 1/d), as attend
            nn.init.normal_(e.weight, 0.0, d ** -0.5)
        self.transformer = nn.Transformer(d, heads, layers, layers, ff, dropout, batch_first=True)
        self.generator = nn.Linear(d, tgt_vocab)
        self.dropout = nn.Dropout(dropout)
        pos = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
        i = torch.arange(d, dtype=torch.float64)
        angle = pos / torch.pow(10000.0, (i - i % 2) / d)
        pe = torch.where(i % 2 == 0, torch.sin(angle), torch.cos(angle)).float()
        self.register_buffer("pe", pe)

    def embed(self, table, ids):
        return self.dropout(table(ids) * math.sqrt(self.d) + self.pe[: ids.size(1)])

    def encode(self, src, src_kpm):
        return self.transformer.encoder(self.embed(self.src_emb, src), src_key_padding_mask=src_kpm)

    def decode(self, tgt, memory, memory_kpm):
        return self.transformer.decoder(self.embed(self.tgt_emb, tgt), memory,
                                        tgt_mask=causal_mask(tgt.size(1)),
                                        memory_key_padding_mask=memory_kpm)

    def forward(self, src, src_kpm, tgt_in):
        return self.generator(self.decode(tgt_in, self.encode(src, src_kpm), src_kpm))


def greedy(model, src, kpm, steps, bos):
    memory = model.encode(src, kpm)
    ys = torch.full((src.size(0), 1), bos, dtype=torch.long)
    for _ in range(steps):
        out = model.decode(ys, memory, kpm)
        next_word = model.generator(out[:, -1]).argmax(dim=1)
        ys = torch.cat([ys, next_word.unsqueeze(1)], dim=1)
    return ys[:, 1:]


def beam(model, src, kpm, steps, bos, K):
    B = src.size(0)
    memory = model.encode(src, kpm).repeat_interleave(K, 0)  # [B*K, S, d]
    kpm = kpm.repeat_interleave(K, 0)
    ys = torch.full((B * K, 1), bos, dtype=torch.long)
    scores = torch.zeros(B, K)
    scores[:, 1:] = float("-inf")  # one live beam per source at the start
    for _ in range(steps):
        out = model.decode(ys, memory, kpm)
        logp = torch.log_softmax(model.generator(out[:, -1]), dim=-1)  # [B*K, V]
        V = logp.size(1)
        cand = (scores.view(-1, 1) + logp).view(B, K * V)
        scores, idx = cand.topk(K, dim=1)
        rows = (torch.arange(B).unsqueeze(1) * K + idx // V).view(-1)
        ys = torch.cat([ys[rows], (idx % V).view(-1, 1)], dim=1)
    return ys[:, 1:].view(B, K, -1)[:, 0]


def run_decoding(model, w, mode, K):
    model.eval()
    with torch.no_grad():
        model.generator.bias[w["eos"]] = -1e9
    sentences = tokens = 0
    seconds = 0.0
    with torch.no_grad():
        for steps, rows in w["test"]:
            src = pad_rows(rows, w["pad"])
            kpm = src == w["pad"]
            start = time.perf_counter()
            out = greedy(model, src, kpm, steps, w["bos"]) if mode == "greedy" else \
                beam(model, src, kpm, steps, w["bos"], K)
            seconds += time.perf_counter() - start
            sentences += out.size(0)
            tokens += out.numel()
    return {"sentences": sentences, "generated_tokens": tokens, "seconds": seconds,
            "sentences_per_s": sentences / seconds, "tokens_per_s": tokens / seconds}


def run_training(model, w, warmup):
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    loss_fn = nn.CrossEntropyLoss(ignore_index=w["pad"])
    V = w["tgt_vocab"]
    tokens, seconds, ms, last = 0, 0.0, [], 0.0
    for i, pairs in enumerate(w["train"]):
        src = pad_rows([s for s, _ in pairs], w["pad"])
        tgt_in = pad_rows([[w["bos"]] + t for _, t in pairs], w["pad"])
        tgt_out = pad_rows([t + [w["eos"]] for _, t in pairs], w["pad"])
        start = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model(src, src == w["pad"], tgt_in).reshape(-1, V), tgt_out.reshape(-1))
        loss.backward()
        opt.step()
        last = loss.item()
        s = time.perf_counter() - start
        if i < warmup:
            continue
        seconds += s
        ms.append(1000 * s)
        tokens += int((tgt_out != w["pad"]).sum())
    ms.sort()
    n = len(ms)
    median = ms[n // 2] if n % 2 else 0.5 * (ms[n // 2 - 1] + ms[n // 2])
    return {"steps": n, "target_tokens": tokens, "seconds": seconds,
            "tokens_per_s": tokens / seconds, "median_ms": median, "min_ms": ms[0],
            "max_ms": ms[-1], "last_loss": last}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workload", required=True, help="the file bench_decoding --export wrote")
    p.add_argument("--mode", choices=["train", "greedy", "beam"], default="greedy")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    p.add_argument("--beam", type=int, default=5)
    p.add_argument("--warmup", type=int, default=3, help="untimed training steps first")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--flush-denormal", action="store_true")
    a = p.parse_args()
    # nn.TransformerEncoder's eval fast path says its nested tensors are a prototype, once a run.
    warnings.filterwarnings("ignore", message="The PyTorch API of nested tensors")
    torch.set_num_threads(a.threads)
    if a.flush_denormal:
        torch.set_flush_denormal(True)
    torch.manual_seed(a.seed)
    w = read_workload(a.workload)
    model = Seq2SeqTransformer(w["src_vocab"], w["tgt_vocab"])
    j = {"side": "torch", "mode": a.mode, "threads": a.threads,
         "torch": torch.__version__, "flush_denormal": a.flush_denormal,
         "parameters": sum(p.numel() for p in model.parameters())}
    if a.mode == "train":
        j.update(run_training(model, w, a.warmup))
    else:
        j["batch"] = len(w["test"][0][1])
        j["beam"] = a.beam if a.mode == "beam" else 1
        j.update(run_decoding(model, w, a.mode, a.beam))
    print(json.dumps(j))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
