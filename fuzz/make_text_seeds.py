#!/usr/bin/env python3
"""Writes the text seeds of fuzz/corpus: short excerpts of the bundled datasets in datasets/data
(and a few hand-written files in the same formats), one directory per fuzz target. Multi-file
inputs are the files joined with a zero byte, as the targets split them. Run from anywhere:
    /usr/bin/python3 fuzz/make_text_seeds.py
Running it again rewrites the same bytes. The checkpoint and config seeds come from
fuzz/make_seeds.cpp (scripts/fuzz.sh --seeds)."""
import gzip
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "datasets", "data")
CORPUS = os.path.join(HERE, "corpus")


def lines(name, n):
    with gzip.open(os.path.join(DATA, name), "rt", encoding="utf-8") as f:
        return [next(f) for _ in range(n)]


def write(target, name, text):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    # Translation pairs: TSV, and the same as two line-aligned files.
    pairs = lines("translation.train.tsv.gz", 8)
    write("tsv_pairs", "toy_en_fr.tsv", "".join(pairs))
    write("tsv_pairs", "attribution_crlf.tsv",
          "\ufeffGo.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM)\r\n"
          "\r\nI'm 19.\tJ\u2019ai 19 ans.\tCC-BY 2.0\r\n")
    write("tsv_pairs", "header.tsv", "english\tfrench\nWhat?\tQuoi\u202f?\n")
    src = "".join(p.split("\t")[0] + "\n" for p in pairs)
    tgt = "".join(p.split("\t")[1] for p in pairs)
    write("parallel_text", "toy_en_fr", src + "\0" + tgt)

    # Document-summary pairs: JSONL, and the same as CSV (quoted, with a doubled quote) and TSV.
    docs = [json.loads(l) for l in lines("summarization.train.jsonl.gz", 2)]
    write("jsonl_pairs", "toy_summarization.jsonl",
          "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs))
    write("jsonl_pairs", "cnn_dm_fields.jsonl",
          '{"article": "A \\"quoted\\" caf\\u00e9 story.\\nSecond line.", "highlights": "Caf\u00e9.",'
          ' "id": 7}\n\n{"article": "x", "highlights": "y", "document": "d", "summary": "s"}\n')

    def csv_field(s):
        return '"' + s.replace('"', '""') + '"'
    rows = ["document,summary"] + [
        csv_field(d["document"]) + "," + csv_field(d["summary"]) for d in docs]
    write("csv_pairs", "toy_summarization.csv", "\n".join(rows) + "\n")
    write("csv_pairs", "multiline.csv",
          'id,document,summary\r\n1,"He said ""hi""\nthen left.",Left\r\n2,plain,"a, b"\r\n')
    write("csv_pairs", "tabs.tsv", "summary\tdocument\nShort.\tA longer text.\n")

    # LINQS: the first papers of toy-citation with their first 6 features, and citations among them.
    content = []
    for l in lines("toy-citation.content.gz", 6):
        f = l.rstrip("\n").split("\t")
        content.append("\t".join([f[0]] + f[1:7] + [f[-1]]) + "\n")
    ids = [c.split("\t")[0] for c in content]
    cites = [f"{ids[0]}\t{ids[1]}\n", f"{ids[2]}\t{ids[1]}\n", f"{ids[3]}\t{ids[4]}\n",
             f"{ids[5]}\t{ids[0]}\n"]
    write("linqs", "toy_citation", "".join(content) + "\0" + "".join(cites))
    write("linqs", "cora_style",
          "31336 0 1 0 Neural_Networks\n1061127 1 0 0 Rule_Learning\n"
          "1106406 0 0 1 Reinforcement_Learning\n\0"
          "31336 1061127\n1106406 31336\n1061127 1106406\n31336 31336\n")

    # Edge lists: the karate club (weighted edges, label-only nodes file) and a feature table.
    with open(os.path.join(DATA, "karate.edges.txt"), encoding="utf-8") as f:
        edges = f.read()
    with open(os.path.join(DATA, "karate.labels.txt"), encoding="utf-8") as f:
        labels = f.read()
    write("edge_list", "karate", edges + "\0" + labels)
    write("edge_list", "features_csv", "0,1\n1,2\n2,0\n# comment\n3,1\n\0"
          "f1,f2,label\n0.5,1,0\n1e-3,-2,1\n0,0,-1\n3.25,4,2\n")
    write("edge_list", "no_nodes_file", "0 1 0.5\n1 2 2\n2 2 1\n")

    # Planetoid text split: features, labels, edges, train, val, test.
    write("planetoid", "small",
          "\0".join(["# 5 4 6\n0 0 1\n0 3 1\n1 1 0.5\n2 2 1\n3 0 1\n4 3 2\n",
                     "0\n1\n2\n-1\n1\n",
                     "0 1\n1 0\n1 2\n2 1\n3 4\n4 3\n2 2\n",
                     "0\n1\n", "2\n", "4\n"]))

    # Graph classification: the first motif graphs.
    write("graph_set", "toy_motifs.jsonl", "".join(lines("toy-motif-graphs.jsonl.gz", 3)))

    # Tokenizer: sentences with elision, non-breaking spaces, numbers, quotes; saved vocabularies.
    write("tokenizer", "french.txt",
          "L'homme qu\u2019il a vu aujourd'hui\u202f: \u00ab\u00a0Peut-\u00eatre\u00a0\u00bb, "
          "dit-il \u2014 3,5 % de 1,000\u2026 \u00c9t\u00e9 ?!")
    write("tokenizer", "english.txt", pairs[0].split("\t")[0] + ' "Don\'t" (I\'m) 3.14!!')
    write("tokenizer", "vocab.json", json.dumps(
        {"format": "attend-vocab", "version": 1,
         "tokens": ["<pad>", "<bos>", "<eos>", "<unk>", "le", "chat", "l'", "!"]}))
    write("tokenizer", "vocab.txt", "<pad>\n<bos>\n<eos>\n<unk>\nthe\ncat\n.\n")


if __name__ == "__main__":
    main()
