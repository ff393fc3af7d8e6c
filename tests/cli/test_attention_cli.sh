#!/usr/bin/env bash
# End to end: attend attention on tiny Transformer, Seq2Seq and GAT checkpoints — the files it
# lists exist, one SVG per layer and head (or decoder step map, or GAT layer), attention.json
# holds softmax rows matching the SVGs, --out is not overwritten without --overwrite. The bad
# command lines are rows in bad_input_rows/attention.sh.
# Usage: test_attention_cli.sh PATH/TO/attend
set -u
attend=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/cli_test_lib.sh"  # fail, ok, bad, check
# check_json DIR MAPS: attention.json parses, has MAPS maps, every row sums to 1, and each map's
# SVG has rows x cols cells.
check_json() {
  python3 - "$1" "$2" <<'PY' || { bad "attention.json in $1"; }
import json, re, sys, os
d, want = sys.argv[1], int(sys.argv[2])
j = json.load(open(os.path.join(d, "attention.json")))
assert len(j["maps"]) == want, f'{len(j["maps"])} maps, expected {want}'
for m in j["maps"]:
    assert len(m["values"]) == m["rows"] == len(m["row_labels"]), m["name"]
    for r in m["values"]:
        assert len(r) == m["cols"] == len(m["col_labels"]), m["name"]
        assert abs(sum(r) - 1) < 1e-4, f'{m["name"]}: a row sums to {sum(r)}'
    svg = open(os.path.join(d, m["file"])).read()
    cells = svg[svg.index('<g class="cells">'):]
    cells = cells[:cells.index("</g>")]
    assert cells.count("<rect ") == m["rows"] * m["cols"], m["name"]
print("ok")
PY
}

# --- a Transformer: 2 layers x 2 heads x (encoder, decoder, cross) = 12 maps ------------------
"$attend" train --model transformer --d-model 8 --heads 2 --feedforward 8 --encoder-layers 2 \
  --decoder-layers 2 --max-steps 2 --batch-size 16 --eval-examples 1 --max-decode-length 6 \
  --samples 0 --progress off --out "$tmp/tf" >/dev/null 2>&1 || bad "training a transformer"
out=$("$attend" attention -c "$tmp/tf/best.safetensors" --input "The cat sleeps." --out "$tmp/tf-maps" 2>"$tmp/err") \
  || { bad "attention on a transformer exited $?"; cat "$tmp/err"; }
[[ $(printf '%s\n' "$out" | grep -c '\.svg$') -eq 12 ]] && ok "transformer: 12 SVG files listed" || bad "transformer: files listed: $out"
for f in encoder-layer1-head1 encoder-layer2-head2 decoder-layer1-head2 cross-layer2-head1 cross-layer2-head2; do
  [[ -s "$tmp/tf-maps/$f.svg" ]] && ok "transformer: $f.svg" || bad "transformer: $f.svg missing"
done
check "transformer: attention.json listed" "$tmp/tf-maps/attention.json" "$out"
check "transformer: the source tokens end with <eos>" "The cat sleeps . <eos> ->" "$(cat "$tmp/err")"
check_json "$tmp/tf-maps" 12
grep -q '&lt;eos&gt;' "$tmp/tf-maps/encoder-layer1-head1.svg" && ok "transformer: <eos> label escaped" || bad "no <eos> label"

# the same --out again: refused, files untouched; --overwrite replaces them
before=$(ls -l --time-style=full-iso "$tmp/tf-maps" | md5sum)
err=$("$attend" attention -c "$tmp/tf/best.safetensors" --input "The dog." --out "$tmp/tf-maps" 2>&1)
rc=$?
[[ $rc -eq 2 && "$err" == "error: "*"--overwrite"* ]] && ok "an existing --out is refused" || bad "existing --out: exit $rc: $err"
[[ $(ls -l --time-style=full-iso "$tmp/tf-maps" | md5sum) == "$before" ]] && ok "refused run left the files alone" || bad "files changed"
touch "$tmp/tf-maps/stale.svg"
"$attend" attention -c "$tmp/tf/best.safetensors" --input "The dog." --out "$tmp/tf-maps" --overwrite >/dev/null 2>&1 \
  && [[ ! -e "$tmp/tf-maps/stale.svg" && -s "$tmp/tf-maps/attention.json" ]] && ok "--overwrite replaces --out" || bad "--overwrite"

# --- a Seq2Seq: one map, a row per decoder step; default --out in the working directory ------
"$attend" train --model seq2seq --embedding 8 --hidden 8 --batch-size 32 --max-steps 2 --eval-examples 1 \
  --max-decode-length 5 --samples 0 --progress off --out "$tmp/s2s" >/dev/null 2>&1 || bad "training a seq2seq"
mkdir -p "$tmp/cwd"
out=$(cd "$tmp/cwd" && "$attend" attention -c "$tmp/s2s/best.safetensors" -i "He sells the box." 2>/dev/null) \
  || bad "attention on a seq2seq exited $?"
check "seq2seq: default --out is attention-<checkpoint stem>" "attention-best/decoder-step-attention.svg" "$out"
check_json "$tmp/cwd/attention-best" 1
python3 - "$tmp/cwd/attention-best/attention.json" <<'PY' && ok "seq2seq: one row per output token, one column per source token" || bad "seq2seq rows/cols"
import json, sys
j = json.load(open(sys.argv[1]))
m = j["maps"][0]
assert m["row_labels"] == j["output_tokens"] and len(j["output_tokens"]) >= 1
assert m["col_labels"] == j["source_tokens"] == ["He", "sells", "the", "box", ".", "<eos>"], m["col_labels"]
PY

# --- a GAT on karate: one map per layer, heads x neighbours ------------------------------------
"$attend" train --model gat --data karate --heads 3 --epochs 2 --progress off --out "$tmp/gat" >/dev/null 2>&1 || bad "training a GAT"
out=$("$attend" attention -c "$tmp/gat/best.safetensors" --node 0 --out "$tmp/gat-maps" 2>/dev/null) || bad "attention on a GAT exited $?"
[[ $(printf '%s\n' "$out" | grep -c '/node-.*-layer[12]\.svg$') -eq 2 ]] && ok "gat: one SVG per layer" || bad "gat: files listed: $out"
check_json "$tmp/gat-maps" 2
python3 - "$tmp/gat-maps/attention.json" <<'PY' && ok "gat: 3 heads then 1, the same neighbours in both layers" || bad "gat heads/neighbours"
import json, sys
j = json.load(open(sys.argv[1]))
a, b = j["maps"]
assert a["rows"] == 3 and b["rows"] == 1, (a["rows"], b["rows"])
assert sorted(a["col_labels"]) == sorted(b["col_labels"]) and j["source_tokens"][0] in a["col_labels"]
assert len(a["col_labels"]) > 2  # karate's node 0 has 16 neighbours
PY

exit $fail
