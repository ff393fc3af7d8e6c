#!/usr/bin/env bash
# End to end: a corpus as it ships (SPLIT.de and SPLIT.en, one sentence a line, cased) through
# `attend train` with SentencePiece subwords (BPE, separate models) and epoch checkpoints, resumed;
# the checkpoint alone translating and drawing attention maps over pieces after the data is gone;
# `attend eval` printing sacreBLEU's signature line, the same line `attend score` gives for the
# file eval writes; `attend average --last 2`; word vocabularies joint over both sides; --data
# DIR; and
# `attend datasets show` of the files, a prefix and the directory.
# Usage: test_corpora_cli.sh PATH/TO/attend
set -u
attend=$1
source "$(dirname "$0")/cli_test_lib.sh"  # fail, ok, bad, check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/data"

# SPLIT.de / SPLIT.en: subject, verb, place, drawn with bash's seeded RANDOM.
de=("Ein Mann" "Zwei Hunde" "Eine Frau" "Kinder" "Ein Mädchen" "Drei Jungen" "Ein Koch" "Eine Gruppe"
  "läuft" "spielen" "schläft" "wartet" "singt" "am Strand." "im Park." "auf der Straße!" "vor dem Haus?")
en=("A man" "Two dogs" "A woman" "Children" "A girl" "Three boys" "A cook" "A group"
  "runs" "play" "sleeps" "waits" "sings" "on the beach." "in the park." "on the street!" "in front of the house?")
RANDOM=7
for split in train:150 val:12 test:10; do
  name=${split%:*} n=${split#*:}
  for ((i = 0; i < n; i++)); do
    a=$((RANDOM % 8)) b=$((8 + RANDOM % 5)) c=$((13 + RANDOM % 4))
    echo "${de[a]} ${de[b]} ${de[c]}" >>"$tmp/data/$name.de"
    echo "${en[a]} ${en[b]} ${en[c]}" >>"$tmp/data/$name.en"
  done
done
tiny=(--model transformer --d-model 16 --heads 2 --feedforward 16 --encoder-layers 1 --decoder-layers 1
  --batch-size 16 --eval-examples 10 --max-decode-length 12 --samples 0 --progress off)
files=(--train-pref "$tmp/data/train" --valid-pref "$tmp/data/val" --test-pref "$tmp/data/test"
  --source-lang de --target-lang en)
sp=(--tokenizer sentencepiece --vocab-size 48 --sp-model-type bpe)

out=$("$attend" train "${tiny[@]}" "${files[@]}" "${sp[@]}" --epochs 1 --keep-epoch-checkpoints \
  --out "$tmp/run" 2>&1) || bad "train on parallel text with subwords exited $?: $(tail -3 <<<"$out")"
check "subword vocabularies of --vocab-size pieces" "150/12/10 pairs, vocabularies 48 -> 48" "$out"
out=$("$attend" train "${tiny[@]}" "${files[@]}" "${sp[@]}" --epochs 2 --keep-epoch-checkpoints \
  --out "$tmp/run" --resume 2>&1) || bad "resume exited $?: $(tail -3 <<<"$out")"
[[ -f $tmp/run/epoch-1.safetensors && -f $tmp/run/epoch-2.safetensors ]] &&
  ok "an epoch checkpoint per epoch, across a resume" || bad "epoch checkpoints: $(ls "$tmp/run")"

# eval: the metrics, then the score as sacreBLEU prints it; --output is what was scored.
out=$("$attend" eval -c "$tmp/run/best.safetensors" --output "$tmp/hyp.txt" 2>/dev/null)
check "eval prints the metrics" "test: bleu" "$out"
check "eval prints sacreBLEU's signature" "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:attend-" "$out"
[[ $(wc -l <"$tmp/hyp.txt") -eq 10 ]] && ok "eval --output: a line per test sentence" || bad "eval --output wrote $(wc -l <"$tmp/hyp.txt") lines"
scored=$("$attend" score --hyp "$tmp/hyp.txt" --ref "$tmp/data/test.en" --metric bleu 2>&1)
[[ $(grep '^BLEU' <<<"$out") == "$scored" ]] && ok "eval's BLEU line is score's for the same output" ||
  bad "eval and score differ: '$(grep '^BLEU' <<<"$out")' vs '$scored'"
out=$("$attend" eval -c "$tmp/run/best.safetensors" --lowercase 2>/dev/null)
check "eval --lowercase says case:lc" "BLEU|nrefs:1|case:lc|" "$out"

# --eval-examples limits the validation decodes only: the test score train prints at the end is
# the whole test split's, the one eval prints for best.safetensors (it once scored the first N).
out=$("$attend" train "${tiny[@]}" "${files[@]}" --epochs 6 --lr 0.01 --eval-examples 3 \
  --out "$tmp/whole" 2>&1) || bad "train --eval-examples 3 exited $?: $(tail -3 <<<"$out")"
trained=$(grep '^test:' <<<"$out")
whole=$("$attend" eval -c "$tmp/whole/best.safetensors" 2>/dev/null | grep '^test:')
first=$("$attend" eval -c "$tmp/whole/best.safetensors" --eval-examples 3 2>/dev/null | grep '^test:')
[[ $whole != "$first" ]] || bad "the model scores its first 3 test sentences as all 10 ($whole): the check below cannot tell them apart"
[[ -n $trained && $trained == "$whole" ]] && ok "train's test score covers the whole test split" ||
  bad "train printed '$trained', eval of the whole test split '$whole'"

# average the last two epochs; the result evaluates like any checkpoint.
out=$("$attend" average --last 2 -o "$tmp/avg.safetensors" "$tmp/run" 2>&1)
check "average --last 2" "averaged 2 checkpoints into $tmp/avg.safetensors: epoch-1.safetensors epoch-2.safetensors" "$out"
out=$("$attend" eval -c "$tmp/avg.safetensors" 2>/dev/null) || bad "eval of the average exited $?"
check "the average evaluates" "BLEU|nrefs:1|" "$out"

# The data gone: the checkpoint alone translates (its SentencePiece models are inside).
mv "$tmp/data" "$tmp/gone"
out=$(printf 'Ein Mann läuft im Park.\n\nKinder singen.\n' | "$attend" translate -c "$tmp/avg.safetensors" 2>/dev/null)
rc=$?
[[ $rc -eq 0 && $(printf '%s\n' "$out" | wc -l) -eq 3 ]] && ok "translate without side files: one line per input" ||
  bad "translate exited $rc: $out"
[[ $out != *"▁"* ]] && ok "translations are detokenised" || bad "pieces in the output: $out"
out=$("$attend" attention -c "$tmp/avg.safetensors" --input "Ein Mädchen wartet." --out "$tmp/maps" 2>&1) ||
  bad "attention exited $?: $out"
check "attention maps label the subword pieces" '"▁Ein"' "$(cat "$tmp/maps/attention.json" 2>/dev/null)"
mv "$tmp/gone" "$tmp/data"

# Word vocabularies joint over both sides, from explicit files.
out=$("$attend" train "${tiny[@]}" --train-src "$tmp/data/train.de" --train-tgt "$tmp/data/train.en" \
  --valid-src "$tmp/data/val.de" --valid-tgt "$tmp/data/val.en" --test-src "$tmp/data/test.de" \
  --test-tgt "$tmp/data/test.en" --joint-vocab --max-steps 2 --out "$tmp/words" 2>&1) ||
  bad "train with a joint word vocabulary exited $?: $(tail -3 <<<"$out")"
words=$(tr ' ' '\n' <"$tmp/data/train.de" | cat - <(tr ' ' '\n' <"$tmp/data/train.en") | sed 's/[.!?]$//' | sort -u | wc -l)
check "one vocabulary for both sides: every word and . ! ? with 4 specials" \
  "vocabularies $((words + 7)) -> $((words + 7))" "$out"

# --data DIR with the languages: its train, val and test splits.
out=$("$attend" train "${tiny[@]}" --data "$tmp/data" --source-lang en --target-lang de --max-steps 1 \
  --out "$tmp/dir-run" 2>&1) || bad "train --data DIR exited $?: $(tail -3 <<<"$out")"
check "--data DIR: the splits of the directory, en -> de" "on $tmp/data/train.en: 150/12/10 pairs" "$out"

# --max-source-length: sources cut in training, and by the checkpoint's translate after.
long=$(for i in $(seq 30); do printf 'Ein Mann läuft '; done)
out=$("$attend" train "${tiny[@]}" "${files[@]}" --max-length 16 --max-source-length 5 --max-steps 1 \
  --out "$tmp/cut" 2>&1) || bad "train --max-source-length exited $?: $(tail -3 <<<"$out")"
out=$(echo "$long" | "$attend" translate -c "$tmp/cut/last.safetensors" 2>&1) &&
  ok "a 90-word source cut to fit a max-length 16 model" || bad "translate of a long source: $out"

# datasets show: two files, a prefix with languages, and a directory whose languages it finds.
out=$("$attend" datasets show "$tmp/data/train.de" "$tmp/data/train.en" --samples 1 2>&1)
check "show two files" "all    150 pairs" "$out"
out=$("$attend" datasets show "$tmp/data/val" --source-lang de --target-lang en 2>&1)
check "show a prefix" "all    12 pairs" "$out"
out=$("$attend" datasets show "$tmp/data" 2>&1)
check "show a directory: its languages" "parallel text de -> en" "$out"
check "show a directory: every split" "test   10 pairs" "$out"
check "show a directory: every split" "train  150 pairs" "$out"
gzip "$tmp/data/val.en"
out=$("$attend" datasets show "$tmp/data/val" --source-lang de --target-lang en 2>&1)
check "show finds PREFIX.LANG.gz" "val.en.gz (parallel text)" "$out"
exit $fail
