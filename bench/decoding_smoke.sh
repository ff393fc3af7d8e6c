#!/usr/bin/env bash
# CTest bench/decoding_smoke: bench_decoding on a few Multi30k sentences, so the speed script
# keeps working: greedy and beam-3 decoding with and without the key/value cache decode every
# sentence to its forced length and give the same tokens (checksums), and two training steps run.
#   decoding_smoke.sh BENCH_DECODING DATA_DIR   (exit 77 = skipped without the Multi30k files)
set -euo pipefail
bench=$1 data=$2
[[ -f $data/train.de && -f $data/test_2016_flickr.en ]] || {
  echo "$data has no Multi30k: skipped"
  exit 77
}
export OPENBLAS_NUM_THREADS=1
common=(--data "$data" --train-limit 2000 --limit 12 --batch 4 --threads 1 --train-batch 8 --steps 2
  --warmup 1)
field() { grep -o "\"$1\":[^,}]*" <<<"$2" | cut -d: -f2 | tr -d '"'; }
fail=0
for mode in greedy beam; do
  on=$("$bench" "${common[@]}" --mode $mode --beam 3 --cache on)
  off=$("$bench" "${common[@]}" --mode $mode --beam 3 --cache off)
  for j in "$on" "$off"; do
    [[ $(field sentences "$j") == 12 && $(field generated_tokens "$j") -gt 12 ]] ||
      { echo "FAIL: $mode did not decode 12 sentences to their forced lengths: $j"; fail=1; }
  done
  [[ $(field checksum "$on") == "$(field checksum "$off")" ]] &&
    echo "ok: $mode decodes the same tokens with and without the cache" ||
    { echo "FAIL: $mode cached and uncached outputs differ"; fail=1; }
done
train=$("$bench" "${common[@]}" --mode train)
[[ $(field steps "$train") == 2 && $(field last_loss "$train") =~ ^[0-9]+\.[0-9]+$ ]] &&
  echo "ok: training steps run" || { echo "FAIL: training: $train"; fail=1; }
exit $fail
