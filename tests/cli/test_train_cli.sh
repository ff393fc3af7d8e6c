#!/usr/bin/env bash
# End to end: train, resume, eval, translate, summarize and predict as a user runs them, on tiny
# configurations. The errors a user meets (exit code 2, one line naming the culprit) are all in
# test_bad_input_cli.sh.
# Usage: test_train_cli.sh PATH/TO/attend
set -u
attend=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/cli_test_lib.sh"  # fail, check
tiny_s2s=(--model seq2seq --embedding 16 --hidden 24 --batch-size 32 --eval-examples 20
          --max-decode-length 12 --progress lines --samples 2 --seed 3)

# --- train a text model, then use its checkpoint --------------------------------------------
out=$("$attend" train "${tiny_s2s[@]}" --max-steps 12 --out "$tmp/s2s" 2>&1) || { echo "FAIL: train exited $?"; echo "$out" | tail; fail=1; }
check "train reports test BLEU" "test: bleu" "$out"
check "train prints sample translations" "reference:" "$out"
check "train names its run directory" "run directory: $tmp/s2s" "$out"
for f in config.toml config.json metrics.jsonl best.safetensors last.safetensors; do
  [[ -s "$tmp/s2s/$f" ]] && echo "ok: run directory has $f" || { echo "FAIL: $f missing"; fail=1; }
done
check "config.json resolves the defaults" '"attention": "additive"' "$(cat "$tmp/s2s/config.json")"
check "metrics log has a validation record" '"split":"valid"' "$(cat "$tmp/s2s/metrics.jsonl")"

# resume continues from the last checkpoint to more steps (decoding longer is no other run)
out=$("$attend" train "${tiny_s2s[@]/#12/16}" --max-steps 20 --out "$tmp/s2s" --resume 2>&1) || { echo "FAIL: resume exited $?"; echo "$out" | tail; fail=1; }
check "resume trains to the new step count" "(20 steps)" "$out"

out=$("$attend" eval -c "$tmp/s2s/best.safetensors" --eval-examples 10 2>&1) || { echo "FAIL: eval exited $?"; fail=1; }
check "eval prints BLEU on the test split" "test: bleu" "$out"
out=$("$attend" translate -c "$tmp/s2s/best.safetensors" "The cat sleeps." "He sells the box." 2>&1) || { echo "FAIL: translate exited $?"; fail=1; }
[[ $(printf '%s\n' "$out" | wc -l) -eq 2 ]] && echo "ok: translate prints one line per input" || { echo "FAIL: translate output: $out"; fail=1; }
# Standard input: exactly one line out per line in, a blank line for a blank (or only spaces) one,
# so the output stays aligned with the input's references for attend score.
printf 'The dog eats.\n\nA tall actor waits.\n  \r\nThe cat sleeps.\n\n' >"$tmp/in.txt"
"$attend" translate -c "$tmp/s2s/last.safetensors" --beam 3 <"$tmp/in.txt" >"$tmp/out.txt" 2>"$tmp/err.txt" || { echo "FAIL: translate from stdin exited $?"; cat "$tmp/err.txt"; fail=1; }
[[ $(wc -l <"$tmp/out.txt") -eq 6 ]] && ok "translate writes one line per standard input line" || bad "translate stdin output: $(cat -A "$tmp/out.txt")"
blank=$(awk 'length($0) == 0 {printf "%d ", NR}' "$tmp/out.txt")
[[ $blank == "2 4 6 " ]] && ok "blank input lines give blank output lines" || bad "blank output lines: '$blank'"
[[ -z $(awk 'NR == 1 || NR == 3 || NR == 5' "$tmp/out.txt" | grep -x '') ]] && ok "the other lines are translated" || bad "an input line gave no translation"
# The aligned output scores against line-aligned references (blank lines are empty outputs).
printf 'Le chien mange.\nx\nUn grand acteur attend.\nx\nLe chat dort.\nx\n' >"$tmp/ref.txt"
out=$("$attend" score --hyp "$tmp/out.txt" --ref "$tmp/ref.txt" 2>&1) || { echo "FAIL: score of translate's output exited $?: $out"; fail=1; }
check "translate's output scores against its references" "BLEU|nrefs:1|" "$out"

# data given as files: the checkpoint remembers them (as absolute paths) for eval
datadir=$(cd "$(dirname "$0")/../../datasets/data" && pwd)
mkdir -p "$tmp/files"
for split in train valid test; do
  zcat "$datadir/translation.$split.tsv.gz" | head -60 >"$tmp/files/$split.tsv"
done
out=$(cd "$tmp/files" && "$attend" train --train-file train.tsv --valid-file valid.tsv --test-file test.tsv \
      --embedding 8 --hidden 8 --max-steps 2 --samples 0 --progress off --out run 2>&1) || { echo "FAIL: train from files exited $?"; echo "$out" | tail; fail=1; }
out=$(cd / && "$attend" eval -c "$tmp/files/run/best.safetensors" 2>&1) || { echo "FAIL: eval of a run trained from files exited $?: $out"; fail=1; }
check "eval finds the files a run was trained on" "test: bleu" "$out"

# --- a summarizer and the graph models -------------------------------------------------------
out=$("$attend" train --model transformer --data toy-summarization --d-model 16 --heads 2 --feedforward 32 \
      --encoder-layers 1 --decoder-layers 1 --max-steps 4 --batch-size 16 --eval-examples 5 \
      --max-decode-length 8 --samples 0 --progress off --out "$tmp/sum" 2>&1) || { echo "FAIL: summarization train exited $?"; echo "$out" | tail; fail=1; }
check "summarization is scored with ROUGE" "rougeL" "$out"
doc="Lyon can expect heavy rain on Monday. Temperatures will reach a high of 20 degrees."
out=$("$attend" summarize -c "$tmp/sum/best.safetensors" "$doc" 2>/dev/null) || { echo "FAIL: summarize exited $?"; echo "$out"; fail=1; }
# Decoding as trained (--max-decode-length 8: at most 8 words when no <eos> comes) unless told
# otherwise; four steps of training have not learnt to stop early.
[[ $(wc -w <<<"$out") -le 8 ]] && echo "ok: summarize decodes as long as training did" \
  || { echo "FAIL: summarize ignored the trained --max-decode-length: $out"; fail=1; }
out=$("$attend" summarize -c "$tmp/sum/best.safetensors" --max-decode-length 30 "$doc" 2>/dev/null)
[[ $(wc -w <<<"$out") -gt 8 ]] && echo "ok: --max-decode-length overrides the trained length" \
  || { echo "FAIL: --max-decode-length 30 gave: $out"; fail=1; }
out=$("$attend" eval -c "$tmp/sum/best.safetensors" --eval-examples 5 2>&1)
check "eval scores a summarizer with ROUGE, as training did" "ROUGE|nrefs:1" "$out"
[[ $out != *BLEU* ]] && echo "ok: and not with BLEU" || { echo "FAIL: eval of a summarizer printed BLEU"; fail=1; }

# Tied embeddings: the checkpoint records the option, stores the shared table once (under the
# target embedding's name) and loads back tied for summarize and eval.
out=$("$attend" train --model transformer --data toy-summarization --d-model 16 --heads 2 --feedforward 32 \
      --encoder-layers 1 --decoder-layers 1 --max-steps 4 --batch-size 16 --eval-examples 5 \
      --max-decode-length 8 --samples 0 --progress off --tie-embeddings true --out "$tmp/tied" 2>&1) || { echo "FAIL: tied train exited $?"; echo "$out" | tail; fail=1; }
check "config.json records tie-embeddings" '"tie-embeddings": "true"' "$(cat "$tmp/tied/config.json")"
[[ $(grep -ac '"output.weight"' "$tmp/tied/best.safetensors") -eq 0 ]] && grep -aq '"target_embedding.weight"' "$tmp/tied/best.safetensors" \
  && echo "ok: the tied table is stored once" || { echo "FAIL: tied checkpoint tensors"; fail=1; }
out=$("$attend" summarize -c "$tmp/tied/best.safetensors" "$doc" 2>&1) || { echo "FAIL: summarize with tied embeddings exited $?"; echo "$out"; fail=1; }
out=$("$attend" eval -c "$tmp/tied/last.safetensors" --eval-examples 5 2>&1) || { echo "FAIL: eval with tied embeddings exited $?"; echo "$out"; fail=1; }
check "eval of a tied checkpoint scores it" "loss" "$out"
# A joint vocabulary (here: the same text on both sides) ties the source embedding as well.
for split in train valid test; do
  zcat "$datadir/translation.$split.tsv.gz" | head -40 | awk -F'\t' '{print $1 "\t" $1}' >"$tmp/files/copy.$split.tsv"
done
out=$(cd "$tmp/files" && "$attend" train --model transformer --train-file copy.train.tsv --valid-file copy.valid.tsv \
      --test-file copy.test.tsv --d-model 16 --heads 2 --feedforward 16 --encoder-layers 1 --decoder-layers 1 \
      --max-steps 2 --samples 0 --progress off --tie-embeddings true --out joint 2>&1) || { echo "FAIL: joint-vocabulary train exited $?"; echo "$out" | tail; fail=1; }
check "config.json records the joint vocabulary" '"joint_vocabulary": true' "$(cat "$tmp/files/joint/config.json")"
[[ $(grep -ac '"target_embedding.weight"' "$tmp/files/joint/best.safetensors") -eq 0 ]] && grep -aq '"source_embedding.weight"' "$tmp/files/joint/best.safetensors" \
  && echo "ok: a joint vocabulary's table is stored once" || { echo "FAIL: joint checkpoint tensors"; fail=1; }
out=$("$attend" translate -c "$tmp/files/joint/best.safetensors" "The cat sleeps." 2>&1) || { echo "FAIL: translate with a joint vocabulary exited $?"; echo "$out"; fail=1; }

out=$("$attend" train --model gat --data karate --epochs 40 --lr 0.01 --progress off --out "$tmp/gat" 2>&1) || { echo "FAIL: gat train exited $?"; echo "$out" | tail; fail=1; }
check "gat reports test accuracy" "test: accuracy" "$out"
out=$("$attend" predict -c "$tmp/gat/best.safetensors" --nodes 0 33 5 2>&1) || { echo "FAIL: predict exited $?"; fail=1; }
check "predict names the classes" "Mr. Hi" "$out"
out=$("$attend" train --model gat-graph --data toy-motifs --hidden 8 --heads 2 --layers 2 --max-steps 6 \
      --progress off --out "$tmp/gg" 2>&1) || { echo "FAIL: gat-graph train exited $?"; echo "$out" | tail; fail=1; }
out=$("$attend" predict -c "$tmp/gg/best.safetensors" --nodes 0 1 2>&1) || { echo "FAIL: graph predict exited $?"; fail=1; }
check "graph predict prints an accuracy" "accuracy:" "$out"

# options from a config file (CLI11's TOML; the command line overrides it)
printf '[train]\nmodel = "gat"\ndata = "karate"\nepochs = 3\nlr = 0.02\n' >"$tmp/gat.toml"
out=$("$attend" --config "$tmp/gat.toml" train --epochs 2 --progress off --out "$tmp/fromconfig" 2>&1) || { echo "FAIL: train from a config file exited $?"; echo "$out" | tail; fail=1; }
check "config file chooses the model" "gat (" "$out"
check "command line overrides the config file" "trained 2 epochs" "$out"

exit $fail
