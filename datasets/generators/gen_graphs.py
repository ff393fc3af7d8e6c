#!/usr/bin/env python3
"""Writes attend's bundled graph datasets into datasets/data/ (or --out DIR).

Python 3 standard library only. Every random choice comes from one seeded random.Random per
dataset and only through Random.random() (whose sequence for an integer seed has been the same
since Python 3.2), gzip headers carry mtime=0 and no file name, and nothing depends on dict or
set order, so running it again gives byte-identical files (tests/datasets/test_bundled_graphs.cpp
regenerates them and compares).

Files (loaded by datasets/bundled_graphs.h):

karate.edges.txt, karate.labels.txt
    Zachary's karate club (W. W. Zachary, "An Information Flow Model for Conflict and Fission in
    Small Groups", J. Anthropological Research 33:452-473, 1977): 34 members, 78 ties. Edge lines
    "u v w" (0-based members, u < v, w = number of contexts in which the two interacted, the
    paper's matrix C as networkx's karate_club_graph reads it); label line k = member k's club
    after the split: 0 = Mr. Hi's, 1 = the Officer's (networkx's "club" attribute), 17 each.
    Lines starting with '#' are comments. Read with load_edge_list.

toy-citation.content.gz, toy-citation.cites.gz, toy-citation.split.txt
    A synthetic citation graph in the LINQS layout of Cora (read with load_linqs): 3,000 papers
    (ids 0..2999, content-file order), 7 classes with Cora's class proportions, a 1,000-word binary
    bag of words (12..24 words per paper, mean 18; each word comes with probability 0.2 from
    the paper's class's 60 preferred words, otherwise from a Zipf-like background over the whole
    vocabulary), and links from a stochastic block model with Cora-like average degree 4 and
    edge homophily 0.81 (p_in and p_out are chosen so that the expected edge count is 6,000, 81%
    of them within a class; a node left isolated then gets one link, as Cora has none). With
    these settings naive Bayes on the words of the 140 training papers reaches about 54% test
    accuracy (an MLP on Cora: 55-59%), on words averaged over 2-hop neighbourhoods about 89%.
    Cites line "<cited> <citing>": the larger id cites the smaller. The split file holds
    the Planetoid split: lines "train ID...", "valid ID...", "test ID..." (20 papers per class
    for training, then 500 validation and 1,000 test papers).

toy-motif-graphs.jsonl.gz
    Graph classification: 2,400 small graphs (10..30 nodes), one JSON object per line:
      {"label": k, "motif": NAME, "split": "train"|"valid"|"test", "num_nodes": n,
       "edges": [[u, v], ...]}
    (undirected edges, u < v, 0-based, sorted). Each graph is a random tree (maximum degree 3)
    with one motif attached to it by a single edge: 0 triangle (3-cycle), 1 square (4-cycle),
    2 star (a hub with 5 leaves, hub degree 6 with the attaching edge), 3 clique5 (K5). Trees have
    no cycles and degrees of at most 4, so the motif is the only cycle structure (triangle class:
    exactly 1 triangle; square: 0 triangles and 1 four-cycle; star: a node of degree 6, no cycle;
    clique5: 10 triangles). Nodes are numbered in random order. 600 graphs per class, split per
    class 480/60/60 (train 1,920, valid 240, test 240). No node features are stored: the label
    depends on structure only (the loader builds degree one-hot or constant features).

Usage: python3 datasets/generators/gen_graphs.py [--out DIR]
"""

import argparse
import gzip
import io
import os
import random
import sys


# ------------------------------------------------------------------------------------------------
# Helpers: integer and choice draws built on Random.random() alone (randrange/choices algorithms
# have changed between Python versions; random() has not).


def randbelow(rng, n):
    return min(int(rng.random() * n), n - 1)


def shuffle(rng, items):
    for i in range(len(items) - 1, 0, -1):
        j = randbelow(rng, i + 1)
        items[i], items[j] = items[j], items[i]


def write_text(path, text):
    with open(path, "wb") as f:
        f.write(text.encode("utf-8"))


def write_gzip(path, text):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    with open(path, "wb") as f:
        f.write(buf.getvalue())


# ------------------------------------------------------------------------------------------------
# Zachary's karate club. Data of the 1977 paper (public domain facts): the 78 ties "u v w", 0-based,
# and the members of Mr. Hi's club after the split; everyone else joined the Officer's club.

KARATE_EDGES = """
0 1 4  0 2 5  0 3 3  0 4 3  0 5 3  0 6 3  0 7 2  0 8 2  0 10 2  0 11 3  0 12 1  0 13 3  0 17 2
0 19 2  0 21 2  0 31 2  1 2 6  1 3 3  1 7 4  1 13 5  1 17 1  1 19 2  1 21 2  1 30 2  2 3 3  2 7 4
2 8 5  2 9 1  2 13 3  2 27 2  2 28 2  2 32 2  3 7 3  3 12 3  3 13 3  4 6 2  4 10 3  5 6 5  5 10 3
5 16 3  6 16 3  8 30 3  8 32 3  8 33 4  9 33 2  13 33 3  14 32 3  14 33 2  15 32 3  15 33 4
18 32 1  18 33 2  19 33 1  20 32 3  20 33 1  22 32 2  22 33 3  23 25 5  23 27 4  23 29 3  23 32 5
23 33 4  24 25 2  24 27 3  24 31 2  25 31 7  26 29 4  26 33 2  27 33 4  28 31 2  28 33 2  29 32 4
29 33 2  30 32 3  30 33 3  31 32 4  31 33 4  32 33 5
"""
KARATE_MR_HI = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 16, 17, 19, 21}


def gen_karate(out):
    v = [int(x) for x in KARATE_EDGES.split()]
    edges = sorted((v[i], v[i + 1], v[i + 2]) for i in range(0, len(v), 3))
    assert len(edges) == 78 and len({(a, b) for a, b, _ in edges}) == 78
    assert all(0 <= a < b < 34 for a, b, _ in edges)
    lines = ["# Zachary's karate club (Zachary 1977): u v weight, 0-based members, 78 ties\n"]
    lines += ["%d %d %d\n" % e for e in edges]
    write_text(os.path.join(out, "karate.edges.txt"), "".join(lines))
    lines = ["# club after the split of member k (line k): 0 = Mr. Hi, 1 = Officer\n"]
    lines += ["%d\n" % (0 if k in KARATE_MR_HI else 1) for k in range(34)]
    write_text(os.path.join(out, "karate.labels.txt"), "".join(lines))
    return "karate: 34 nodes, %d edges, clubs %d/%d" % (
        len(edges), len(KARATE_MR_HI), 34 - len(KARATE_MR_HI))


# ------------------------------------------------------------------------------------------------
# Synthetic citation graph (stochastic block model + class-correlated bag of words).

CITATION_CLASSES = ["Algorithms", "Databases", "Graphics", "Learning", "Networks", "Security",
                    "Theory"]
CITATION_SIZES = [330, 463, 906, 472, 240, 200, 389]  # Cora's class proportions, 3,000 nodes
VOCAB = 1000
PREFERRED_PER_CLASS = 60
PREFERRED_FRACTION = 0.2
TARGET_EDGES = 6000  # average degree 4
TARGET_HOMOPHILY = 0.81


def gen_citation(out):
    rng = random.Random(20240611)
    n = sum(CITATION_SIZES)
    labels = [c for c, size in enumerate(CITATION_SIZES) for _ in range(size)]
    shuffle(rng, labels)

    # Links: every pair independently, with p_in within a class and p_out across classes.
    pairs_in = sum(s * (s - 1) // 2 for s in CITATION_SIZES)
    pairs_out = n * (n - 1) // 2 - pairs_in
    p_in = TARGET_HOMOPHILY * TARGET_EDGES / pairs_in
    p_out = (1 - TARGET_HOMOPHILY) * TARGET_EDGES / pairs_out
    edges = []
    rand = rng.random
    for u in range(n):
        lu = labels[u]
        for v in range(u + 1, n):
            if rand() < (p_in if labels[v] == lu else p_out):
                edges.append((u, v))
    # Cora has no isolated paper: each node the model left without a link gets one, to a node of
    # its own class with probability TARGET_HOMOPHILY.
    linked = [False] * n
    for u, v in edges:
        linked[u] = linked[v] = True
    by_class = [[u for u in range(n) if labels[u] == c] for c in range(len(CITATION_CLASSES))]
    for u in range(n):
        if linked[u]:
            continue
        while True:
            if rng.random() < TARGET_HOMOPHILY:
                v = by_class[labels[u]][randbelow(rng, len(by_class[labels[u]]))]
            else:
                v = randbelow(rng, n)
                if labels[v] == labels[u]:
                    continue
            if v != u:
                break
        edges.append((min(u, v), max(u, v)))
        linked[u] = linked[v] = True
    edges = sorted(set(edges))

    # Words: each class prefers 60 distinct words; the background is Zipf-like over all words
    # (word ranks in a random order, weight 1 / (rank + 10)).
    words = list(range(VOCAB))
    shuffle(rng, words)
    preferred = [words[c * PREFERRED_PER_CLASS:(c + 1) * PREFERRED_PER_CLASS]
                 for c in range(len(CITATION_CLASSES))]
    order = list(range(VOCAB))
    shuffle(rng, order)
    cum, total = [], 0.0
    for rank in range(VOCAB):
        total += 1.0 / (rank + 10)
        cum.append(total)

    def background_word():
        x = rng.random() * total
        lo, hi = 0, VOCAB - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] <= x:
                lo = mid + 1
            else:
                hi = mid
        return order[lo]

    content = []
    nnz = 0
    for u in range(n):
        k = 12 + randbelow(rng, 13)
        bag = set()
        while len(bag) < k:
            if rng.random() < PREFERRED_FRACTION:
                bag.add(preferred[labels[u]][randbelow(rng, PREFERRED_PER_CLASS)])
            else:
                bag.add(background_word())
        nnz += k
        row = ["0"] * VOCAB
        for w in bag:
            row[w] = "1"
        content.append("%d\t%s\t%s\n" % (u, "\t".join(row), CITATION_CLASSES[labels[u]]))
    write_gzip(os.path.join(out, "toy-citation.content.gz"), "".join(content))
    write_gzip(os.path.join(out, "toy-citation.cites.gz"),
               "".join("%d\t%d\n" % (u, v) for u, v in edges))

    # Planetoid split: the first 20 nodes of each class in a random order train, then 500 valid
    # and 1,000 test nodes among the others.
    perm = list(range(n))
    shuffle(rng, perm)
    taken = [0] * len(CITATION_CLASSES)
    train, rest = [], []
    for u in perm:
        if taken[labels[u]] < 20:
            taken[labels[u]] += 1
            train.append(u)
        else:
            rest.append(u)
    valid, test = rest[:500], rest[500:1500]
    split = "".join("%s %s\n" % (name, " ".join(str(u) for u in sorted(ids)))
                    for name, ids in (("train", train), ("valid", valid), ("test", test)))
    write_text(os.path.join(out, "toy-citation.split.txt"), split)

    same = sum(1 for u, v in edges if labels[u] == labels[v])
    return ("toy-citation: %d nodes, %d undirected edges (average degree %.2f), edge homophily "
            "%.3f, %.1f words per node, split %d/%d/%d" % (
                n, len(edges), 2.0 * len(edges) / n, same / len(edges), nnz / n, len(train),
                len(valid), len(test)))


# ------------------------------------------------------------------------------------------------
# Graph classification: a motif attached to a random tree.

MOTIFS = ["triangle", "square", "star", "clique5"]
GRAPHS_PER_CLASS = 600
SPLIT_PER_CLASS = (480, 60, 60)


def motif_edges(name):
    """(number of motif nodes, edges among them); motif node 0 is the one attached to the tree."""
    if name == "triangle":
        return 3, [(0, 1), (1, 2), (0, 2)]
    if name == "square":
        return 4, [(0, 1), (1, 2), (2, 3), (0, 3)]
    if name == "star":
        return 6, [(0, k) for k in range(1, 6)]
    if name == "clique5":
        return 5, [(a, b) for a in range(5) for b in range(a + 1, 5)]
    raise ValueError(name)


def motif_graph(rng, label):
    m, medges = motif_edges(MOTIFS[label])
    n = 10 + randbelow(rng, 21)  # 10..30 nodes in all
    t = n - m                   # tree nodes 0..t-1, motif nodes t..n-1
    degree = [0] * n
    edges = []
    for v in range(1, t):
        while True:
            u = randbelow(rng, v)
            if degree[u] < 3:
                break
        edges.append((u, v))
        degree[u] += 1
        degree[v] += 1
    while True:
        anchor = randbelow(rng, t)
        if degree[anchor] < 3:
            break
    edges.append((anchor, t))
    edges += [(t + a, t + b) for a, b in medges]
    perm = list(range(n))
    shuffle(rng, perm)
    edges = sorted((min(perm[a], perm[b]), max(perm[a], perm[b])) for a, b in edges)
    return n, edges


def gen_motifs(out):
    rng = random.Random(20240612)
    graphs = []
    for label in range(len(MOTIFS)):
        splits = (["train"] * SPLIT_PER_CLASS[0] + ["valid"] * SPLIT_PER_CLASS[1] +
                  ["test"] * SPLIT_PER_CLASS[2])
        for s in splits:
            n, edges = motif_graph(rng, label)
            graphs.append((label, s, n, edges))
    shuffle(rng, graphs)
    lines = []
    for label, s, n, edges in graphs:
        e = ",".join("[%d,%d]" % uv for uv in edges)
        lines.append('{"label":%d,"motif":"%s","split":"%s","num_nodes":%d,"edges":[%s]}\n' %
                     (label, MOTIFS[label], s, n, e))
    write_gzip(os.path.join(out, "toy-motif-graphs.jsonl.gz"), "".join(lines))
    sizes = [g[2] for g in graphs]
    return "toy-motifs: %d graphs, %d classes, %d..%d nodes (mean %.1f), split %s" % (
        len(graphs), len(MOTIFS), min(sizes), max(sizes), sum(sizes) / len(sizes),
        "/".join(str(sum(1 for g in graphs if g[1] == s)) for s in ("train", "valid", "test")))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "data"),
                    help="output directory (default: datasets/data)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for gen in (gen_karate, gen_citation, gen_motifs):
        print(gen(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
