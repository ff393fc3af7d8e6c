#!/usr/bin/env bash
# End to end: `attend datasets list|show` as a user runs them, including bad input.
# Usage: test_datasets_cli.sh PATH/TO/attend
set -u
attend=$1
source "$(dirname "$0")/cli_test_lib.sh"  # fail, check
out=$("$attend" datasets list 2>&1) || { echo "FAIL: list exited $?"; fail=1; }
check "list names the translation data" "toy-en-fr            train  28000  valid  1000  test  1000 pairs" "$out"
check "list names the karate club" "karate               34 nodes, 156 directed edges" "$out"
out=$("$attend" datasets show toy-summarization --samples 1 2>&1) || { echo "FAIL: show exited $?"; fail=1; }
check "show gives split sizes" "train  13000 pairs" "$out"
check "show gives a length histogram" "source length (tokens): min" "$out"
check "show prints a sample" "sample 1:" "$out"
out=$("$attend" datasets show toy-citation 2>&1)
check "graph class balance and split" "split: train 140, validation 500, test 1000 nodes" "$out"
tmp=$(mktemp -d)
printf 'Go.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org\nHi.\tSalut !\n' >"$tmp/pairs.tsv"
out=$("$attend" datasets show "$tmp/pairs.tsv" 2>&1)
check "a user's TSV file" "all    2 pairs" "$out"
printf 'Go.\tVa !\nno tab here\n' >"$tmp/bad.tsv"
out=$("$attend" datasets show "$tmp/bad.tsv" 2>&1); rc=$?
check "bad line names file and line" "$tmp/bad.tsv:2:" "$out"
[[ $rc -ne 0 ]] || { echo "FAIL: bad file exited 0"; fail=1; }
out=$("$attend" datasets show no-such-dataset 2>&1); rc=$?
check "unknown dataset" "neither a bundled dataset" "$out"
[[ $rc -ne 0 ]] || { echo "FAIL: unknown dataset exited 0"; fail=1; }
[[ $(echo "$out" | wc -l) -eq 1 ]] || { echo "FAIL: error is not one line"; fail=1; }
# split: one file of pairs into seeded train/valid/test files that train reads as they are.
for i in $(seq 1 60); do printf 'go %d\tva %d\n' "$i" "$i"; done >"$tmp/all.tsv"
out=$("$attend" datasets split "$tmp/all.tsv" --out "$tmp/split" --seed 1 2>&1) || bad "split exited $?"
check "split counts the pairs" "60 pairs, seed 1" "$out"
check "split gives valid its 5%" "valid       3  $tmp/split/valid.tsv" "$out"
[[ $(cat "$tmp/split/"{train,valid,test}.tsv | sort | md5sum) == $(sort "$tmp/all.tsv" | md5sum) ]] &&
  ok "split: the three files hold every pair once" || bad "split: pairs lost or repeated"
first=$(cat "$tmp/split/test.tsv")
"$attend" datasets split "$tmp/all.tsv" --out "$tmp/split" --seed 1 --overwrite >/dev/null 2>&1
[[ $(cat "$tmp/split/test.tsv") == "$first" ]] && ok "split: the same seed, the same split" ||
  bad "split: seed 1 gave another test split"
expect_error "split: the outputs exist" "$tmp/split/train.tsv: exists already" \
  datasets split "$tmp/all.tsv" --out "$tmp/split"
expect_error "split: a bad line" "$tmp/bad.tsv:2: wrong column count" \
  datasets split "$tmp/bad.tsv" --out "$tmp/split2"
expect_error "split: fractions past 1" "sum to at most 1" \
  datasets split "$tmp/all.tsv" --out "$tmp/split2" --valid 0.6 --test 0.6
out=$("$attend" train --model seq2seq --train-file "$tmp/split/train.tsv" \
  --valid-file "$tmp/split/valid.tsv" --test-file "$tmp/split/test.tsv" --embedding 8 --hidden 8 \
  --epochs 1 --batch-size 8 --progress off --out "$tmp/run" 2>&1) || bad "train on the split exited $?"
check "train reads the split" "54/3/3 pairs" "$out"
rm -rf "$tmp"
exit $fail
