#!/usr/bin/python3
"""B1-B3 (BENCHMARKS.md), PyTorch side: the models of bench/bench_models.cpp as BENCHMARKS.md
specifies them, with the same timing protocol and the same JSON line per config.

One training step = zero_grad + forward + backward + Adam step (+ reading the loss), timed on a
monotonic clock; median/min/max ms over --steps timed steps after --warmup untimed ones.

  B1 seq2seq-lstm: nn.LSTM(128, 256) encoder, nn.LSTMCell(128, 256) decoder loop fed only
     embed(y_{t-1}) from the encoder's final (h, c), BOS 0; additive attention of size 256
     (W_q with bias, W_k and v without, W_k e_i once); logits = W_o [h_t ; c_t] + b_o.
  B2 transformer-tiny: nn.Transformer(128, 4, 2, 2, 512, dropout=0, batch_first=True,
     norm_first=False), embeddings * sqrt(128) + sinusoidal positions, additive -inf causal mask.
  B3 gat-cora: edge-list GAT without biases (the formulation attend's GATLayer uses: per-head
     a_src / a_dst, LeakyReLU(0.2), softmax over each node's in-edges, dropout 0.6 on the
     coefficients and on both layers' inputs), Xavier-uniform gain 1.414 on W, ELU between the
     layers, loss on nodes 0-139, Adam lr 0.005 with L2 weight decay 5e-4. Real Cora from
     planetoid_txt when present, else a random graph of the same sizes.

Threads: --threads sets torch.set_num_threads (ATen's OpenMP pool). OpenBLAS, which Debian's torch
1.13 calls for float matmul, keeps its own pthread pool sized by OPENBLAS_NUM_THREADS; run.sh
sets it explicitly (the best 2-core setting is torch 1 + OpenBLAS 2, see BENCHMARKS.md).

Needs Debian's python3-torch: run it with /usr/bin/python3.
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from b4_pytorch import openblas_info  # bench/ is the script's directory, so on sys.path


def shifted(y):
    """tgt_in = [BOS=0, y_0 .. y_{T-2}], tgt_out = y."""
    return torch.cat([torch.zeros_like(y[:, :1]), y[:, :-1]], 1), y


# ----------------------------------------------------------------------------------------------
# B1
class AdditiveAttention(nn.Module):
    def __init__(self, q_dim, k_dim, a_dim):
        super().__init__()
        self.query_proj = nn.Linear(q_dim, a_dim)
        self.key_proj = nn.Linear(k_dim, a_dim, bias=False)
        bound = 1.0 / math.sqrt(a_dim)
        self.v = nn.Parameter(torch.empty(a_dim).uniform_(-bound, bound))

    def forward(self, h, pkeys, keys):  # h [B, H], pkeys [B, S, A], keys [B, S, H]
        scores = torch.tanh(self.query_proj(h).unsqueeze(1) + pkeys) @ self.v  # [B, S]
        a = torch.softmax(scores, -1)
        return torch.bmm(a.unsqueeze(1), keys).squeeze(1)  # [B, H]


class Seq2SeqLSTM(nn.Module):
    def __init__(self, V, E, H):
        super().__init__()
        self.src_embed = nn.Embedding(V, E)
        self.tgt_embed = nn.Embedding(V, E)
        self.encoder = nn.LSTM(E, H, batch_first=True)
        self.decoder = nn.LSTMCell(E, H)
        self.attention = AdditiveAttention(H, H, H)
        self.out = nn.Linear(2 * H, V)

    def forward(self, src, tgt_in, tgt_out):
        keys, (h, c) = self.encoder(self.src_embed(src))  # keys [B, S, H]
        pkeys = self.attention.key_proj(keys)
        h, c = h[0], c[0]
        ys = self.tgt_embed(tgt_in)  # [B, T, E]
        feats = []
        for t in range(ys.shape[1]):
            h, c = self.decoder(ys[:, t], (h, c))
            feats.append(torch.cat([h, self.attention(h, pkeys, keys)], 1))
        logits = self.out(torch.stack(feats, 1))  # [B, T, V]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))


def make_b1(smoke, g):
    V, E, H, B, S, T = (50, 16, 32, 4, 6, 6) if smoke else (1000, 128, 256, 32, 24, 24)
    model = Seq2SeqLSTM(V, E, H)
    src = torch.randint(V, (B, S), generator=g)
    tin, tout = shifted(torch.randint(V, (B, T), generator=g))
    sizes = f"vocab {V}, emb {E}, hidden {H}, batch {B}, src {S}, tgt {T}"
    return model, (lambda: model(src, tin, tout)), torch.optim.Adam(model.parameters(), lr=1e-3), \
        sizes, "random tokens (fixed seed)"


# ----------------------------------------------------------------------------------------------
# B2
def sinusoid(max_len, d):
    pos = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe = torch.zeros(max_len, d)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


class TransformerTiny(nn.Module):
    def __init__(self, V, D, heads, F_, L, T):
        super().__init__()
        self.d = D
        self.src_embed = nn.Embedding(V, D)
        self.tgt_embed = nn.Embedding(V, D)
        self.register_buffer("pe", sinusoid(512, D))
        self.transformer = nn.Transformer(D, heads, L, L, F_, dropout=0.0, batch_first=True,
                                          norm_first=False)
        self.out = nn.Linear(D, V)
        self.register_buffer("mask", torch.triu(torch.full((T, T), float("-inf")), 1))

    def forward(self, src, tgt_in, tgt_out):
        s = self.src_embed(src) * math.sqrt(self.d) + self.pe[:src.shape[1]]
        t = self.tgt_embed(tgt_in) * math.sqrt(self.d) + self.pe[:tgt_in.shape[1]]
        logits = self.out(self.transformer(s, t, tgt_mask=self.mask))
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))


def make_b2(smoke, g):
    V, D, heads, F_, L, B, S, T = ((50, 32, 2, 64, 2, 4, 6, 6) if smoke
                                   else (1000, 128, 4, 512, 2, 32, 24, 24))
    model = TransformerTiny(V, D, heads, F_, L, T)
    src = torch.randint(V, (B, S), generator=g)
    tin, tout = shifted(torch.randint(V, (B, T), generator=g))
    sizes = (f"d_model {D}, heads {heads}, ff {F_}, layers {L}+{L}, vocab {V}, batch {B}, "
             f"src {S}, tgt {T}")
    return model, (lambda: model(src, tin, tout)), torch.optim.Adam(model.parameters(), lr=1e-3), \
        sizes, "random tokens (fixed seed)"


# ----------------------------------------------------------------------------------------------
# B3
class GATLayer(nn.Module):
    def __init__(self, fin, fout, heads, concat):
        super().__init__()
        self.heads, self.fout, self.concat = heads, fout, concat
        self.W = nn.Parameter(torch.empty(fin, heads * fout))
        self.att_src = nn.Parameter(torch.empty(1, heads, fout))
        self.att_dst = nn.Parameter(torch.empty(1, heads, fout))
        nn.init.xavier_uniform_(self.W, gain=1.414)
        nn.init.xavier_uniform_(self.att_src)
        nn.init.xavier_uniform_(self.att_dst)

    def forward(self, x, src, dst, p):
        N = x.shape[0]
        x = F.dropout(x, p, self.training)
        wh = (x @ self.W).view(N, self.heads, self.fout)  # [N, H, F]
        a_src = (wh * self.att_src).sum(-1)  # [N, H]
        a_dst = (wh * self.att_dst).sum(-1)
        e = F.leaky_relu(a_src[src] + a_dst[dst], 0.2)  # [E, H]
        e = torch.exp(e - e.max(0, keepdim=True)[0])  # softmax over each node's in-edges:
        denom = torch.zeros(N, self.heads).index_add_(0, dst, e)
        alpha = F.dropout(e / denom[dst], p, self.training)
        out = torch.zeros(N, self.heads, self.fout).index_add_(0, dst,
                                                               alpha.unsqueeze(-1) * wh[src])
        return out.reshape(N, -1) if self.concat else out.mean(1)


class GAT(nn.Module):
    def __init__(self, fin, hidden, heads, classes):
        super().__init__()
        self.gat1 = GATLayer(fin, hidden, heads, True)
        self.gat2 = GATLayer(heads * hidden, classes, 1, False)

    def forward(self, x, src, dst):
        return self.gat2(F.elu(self.gat1(x, src, dst, 0.6)), src, dst, 0.6)


def load_graph(smoke, cora_dir, g):
    if not smoke and os.path.exists(os.path.join(cora_dir, "cora.features.txt")):
        with open(os.path.join(cora_dir, "cora.features.txt")) as f:
            n, nf, _ = map(int, f.readline().split()[1:])
            x = torch.zeros(n, nf)
            for line in f:
                r, c, v = line.split()
                x[int(r), int(c)] = float(v)
        with open(os.path.join(cora_dir, "cora.labels.txt")) as f:
            labels = torch.tensor([int(s) for s in f.read().split()])
        with open(os.path.join(cora_dir, "cora.edges.txt")) as f:
            e = torch.tensor([int(s) for s in f.read().split()]).view(-1, 2)
        e = e[e[:, 0] != e[:, 1]]
        data = f"Cora ({cora_dir}), {n} nodes, {e.shape[0]} directed edges"
        return x, e[:, 0].clone(), e[:, 1].clone(), labels, data, 7
    N, nf, E, C, nnz = (60, 40, 200, 3, 300) if smoke else (2708, 1433, 10556, 7, 49216)
    x = torch.zeros(N, nf)
    x[torch.randint(N, (nnz,), generator=g), torch.randint(nf, (nnz,), generator=g)] = 1.0
    s = torch.randint(N, (2 * E,), generator=g)
    d = torch.randint(N, (2 * E,), generator=g)
    keep = (s != d).nonzero().squeeze(1)[:E]
    data = f"random graph with Cora's sizes ({N} nodes, {E} directed edges, {nnz} nonzero features)"
    return x, s[keep], d[keep], torch.randint(C, (N,), generator=g), data, C


def make_b3(smoke, cora_dir, g):
    x, src, dst, labels, data, C = load_graph(smoke, cora_dir, g)
    N = x.shape[0]
    x = x / x.sum(1, keepdim=True).clamp_min(1e-30)  # row-normalise (zero rows stay zero)
    loops = torch.arange(N)
    src, dst = torch.cat([src, loops]), torch.cat([dst, loops])
    heads, hidden, n_train = (2, 4, 20) if smoke else (8, 8, 140)
    model = GAT(x.shape[1], hidden, heads, C)
    train = torch.arange(n_train)
    target = labels[train]
    sizes = (f"nodes {N}, features {x.shape[1]}, edges {src.numel() - N} + {N} self loops, "
             f"heads {heads}x{hidden}, classes {C}, train nodes 0-{n_train - 1}")
    opt = torch.optim.Adam(model.parameters(), lr=0.005, weight_decay=5e-4)
    return model, (lambda: F.cross_entropy(model(x, src, dst)[train], target)), opt, sizes, data


# ----------------------------------------------------------------------------------------------
def eval_loss(model, loss):
    was = model.training
    model.eval()
    with torch.no_grad():
        v = loss().item()
    model.train(was)
    return v


def run(config, args):
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    if config == "b1":
        model, loss, opt, sizes, data = make_b1(args.smoke, g)
    elif config == "b2":
        model, loss, opt, sizes, data = make_b2(args.smoke, g)
    else:
        model, loss, opt, sizes, data = make_b3(args.smoke, args.cora_dir, g)
    model.train()
    before = eval_loss(model, loss)
    losses, ms = [], []
    clock = time.perf_counter_ns  # monotonic, like std::chrono::steady_clock
    for i in range(args.warmup + args.steps):
        t0 = clock()
        opt.zero_grad(set_to_none=True)
        l = loss()
        l.backward()
        opt.step()
        v = l.item()
        t1 = clock()
        losses.append(v)
        if i >= args.warmup:
            ms.append((t1 - t0) / 1e6)
    after = eval_loss(model, loss)
    med = statistics.median(ms)
    return {"config": config, "name": NAMES[config], "sizes": sizes, "data": data,
            "median_ms": med, "min_ms": min(ms), "max_ms": max(ms),
            "parameters": sum(p.numel() for p in model.parameters()),
            "loss_first": losses[0], "loss_last": losses[-1], "eval_loss_before": before,
            "eval_loss_after": after, "losses": losses}


NAMES = {"b1": "seq2seq-lstm", "b2": "transformer-tiny", "b3": "gat-cora"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", action="append", choices=["b1", "b2", "b3"],
                    help="benchmark to run (repeatable; default all)")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cora-dir", default="/work/shared/datasets/cora/planetoid_txt")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes")
    ap.add_argument("--flush-denormal", action="store_true",
                    help="torch.set_flush_denormal(True): subnormal floats read and written as 0")
    args = ap.parse_args()
    if args.threads < 1 or args.steps < 1 or args.warmup < 0:
        ap.error("--threads and --steps must be >= 1, --warmup >= 0")
    torch.set_num_threads(args.threads)
    flush = torch.set_flush_denormal(True) if args.flush_denormal else False
    core, blas_threads = openblas_info()
    for config in args.config or ["b1", "b2", "b3"]:
        j = run(config, args)
        j.update({"side": "torch", "torch_version": torch.__version__, "threads": args.threads,
                  "torch_threads": torch.get_num_threads(), "flush_denormal": flush,
                  "blas_threads": blas_threads,
                  "core": core, "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
                  "steps": args.steps, "warmup": args.warmup, "smoke": args.smoke,
                  # ru_maxrss is KiB on Linux; the whole process (torch itself included)
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
        print(json.dumps(j), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
