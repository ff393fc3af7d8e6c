#!/usr/bin/env bash
# End to end: a tiny GPT trained on a text file from the command line — iterations as epochs of
# --eval-interval, validation in bits per character with a sample in metrics.jsonl, --accumulate,
# then attend generate (the same text with and without the key/value cache, and for a seed),
# characters outside the vocabulary named and left out, attend eval, attend attention (one map per
# layer and head) and attend report (bits-per-character chart and the samples). The bad command
# lines are rows in bad_input_rows/gpt.sh.
# Usage: test_gpt_cli.sh PATH/TO/attend
set -u
attend=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/cli_test_lib.sh"  # fail, ok, bad, check
for i in $(seq 80); do printf 'First Citizen:\nWe are accounted poor citizens.\n\n'; done >"$tmp/text.txt"

out=$("$attend" train --model gpt --data "$tmp/text.txt" --layers 2 --heads 2 --width 16 \
  --context 32 --dropout 0 --batch-size 4 --max-steps 30 --eval-interval 10 --eval-batches 2 \
  --accumulate 2 --optimizer adamw --lr 3e-3 --schedule cosine --warmup 5 --min-lr 3e-4 \
  --sample-tokens 20 --progress off --out "$tmp/run" 2>&1) || { bad "training a gpt exited $?"; echo "$out" | tail -5; }
check "train: 3 evaluations of 10 iterations" "trained 3 epochs (30 steps)" "$out"
check "train: peak memory reported" "peak resident memory" "$out"
python3 - "$tmp/run/metrics.jsonl" "$tmp/run/config.json" <<'PY' && ok "metrics.jsonl: bpc = loss / ln 2, a sample per evaluation, rss" || bad "metrics.jsonl"
import json, math, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
valid = [r for r in recs if r.get("split") == "valid"]
assert len(valid) == 3, valid
for r in valid:
    assert abs(r["bpc"] - r["loss"] / math.log(2)) < 1e-6, r
    assert len(r["sample"]) == 20, r["sample"]
    assert r["rss_mb"] > 0 and r["peak_rss_mb"] >= r["rss_mb"] - 1, r
assert valid[-1]["loss"] < valid[0]["loss"], [r["loss"] for r in valid]
cfg = json.load(open(sys.argv[2]))
assert cfg["trainer"]["accumulate"] == 2 and cfg["trainer"]["decay_matrices_only"], cfg["trainer"]
assert cfg["lm"]["eval_interval"] == 10, cfg["lm"]
PY

ck=$tmp/run/best.safetensors
a=$("$attend" generate -c "$ck" --prompt 'First' --tokens 25 --seed 3 2>"$tmp/err") || { bad "generate exited $?"; cat "$tmp/err"; }
b=$("$attend" generate -c "$ck" --prompt 'First' --tokens 25 --seed 3 --no-cache 2>/dev/null)
c=$("$attend" generate -c "$ck" --prompt 'First' --tokens 25 --seed 4 2>/dev/null)
[[ -n $a && $a == "$b" ]] && ok "generate: the cache gives the uncached text" || bad "generate: cached '$a' vs uncached '$b'"
[[ $a == First* && ${#a} -eq 30 ]] && ok "generate: the prompt and 25 characters" || bad "generate: output '$a'"
[[ $a != "$c" ]] && ok "generate: another seed, another sample" || bad "generate: seeds 3 and 4 gave '$a'"
check "generate: tokens per second on standard error" "tokens/s, key/value cache" "$(cat "$tmp/err")"
out=$("$attend" generate -c "$ck" --prompt 'Fiérst Ω' --tokens 5 2>&1 >/dev/null) || bad "generate with unknown characters exited $?"
check "generate: unknown prompt characters named" "'é' (U+00E9), 'Ω' (U+03A9)" "$out"
long=$(printf 'We are accounted poor citizens. %.0s' 1 2 3)
out=$("$attend" generate -c "$ck" --prompt "$long" --tokens 3 2>&1 >/dev/null) || bad "generate with a long prompt exited $?"
check "generate: a prompt past the context keeps its end" "exceed the model's context of 32" "$out"

out=$("$attend" eval -c "$ck" 2>/dev/null) || bad "eval exited $?"
check "eval: bits per character" "bpc" "$out"

out=$("$attend" attention -c "$ck" --input 'First Citizen' --out "$tmp/maps" 2>/dev/null) || bad "attention exited $?"
[[ $(printf '%s\n' "$out" | grep -c '\.svg$') -eq 4 ]] && ok "attention: 2 layers x 2 heads" || bad "attention: $out"
[[ -s $tmp/maps/layer2-head1.svg ]] && ok "attention: layer2-head1.svg" || bad "attention: no layer2-head1.svg"

if "$attend" report "$tmp/run" >/dev/null 2>&1; then
  html=$(cat "$tmp/run/report.html")
  check "report: a bits-per-character chart" "Bits per character" "$html"
  check "report: the samples" 'id="samples"' "$html"
else
  bad "report exited $?"
fi
exit $fail
