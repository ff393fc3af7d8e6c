#!/usr/bin/env bash
# End to end: listen-attend-spell on the bundled toy-digits set. A tiny model trains for one epoch
# (to check the plumbing, not the accuracy), then eval (CER/WER), transcribe, attention (the
# alignment over the log-mel features as SVG) and report use its checkpoint; bad input to each is
# one error line and exit 2.
# Usage: test_speech_cli.sh PATH/TO/attend
set -u
attend=$1
source "$(dirname "$0")/cli_test_lib.sh"  # fail, ok, bad, check, expect_error
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tiny=(--listener-hidden 8 --levels 2 --hidden 16 --embedding 8 --attention-dim 8
      --location-filters 2 --location-width 5 --dropout 0)
if [[ $("$attend" version 2>&1) == *"audio: off"* ]]; then
  expect_error "audio off: training las" "without audio support" \
    train --model las --out "$tmp/off" --progress off "${tiny[@]}"
  exit $fail
fi

run=$tmp/run
out=$("$attend" train --model las --data toy-digits --digits singles --epochs 1 --batch-size 16 \
  --spec-augment SM --ctc-weight 0.3 --samples 2 --out "$run" --progress off "${tiny[@]}" 2>&1) \
  || bad "train exited $?: $out"
check "train: data summary" "120/60/60 utterances" "$out"
check "train: test error rates" "test: accuracy" "$out"
check "train: CER" " cer " "$out"
check "train: monotonic alignment share" " monotonic " "$out"
check "train: sample transcription" "reference: " "$out"
[[ -f $run/best.safetensors ]] || bad "no best.safetensors"
grep -q '"spec_augment": "SM"' "$run/config.json" && ok "config.json: spec_augment" ||
  bad "config.json lacks the speech task options"

out=$("$attend" eval -c "$run/best.safetensors" --split valid 2>&1) || bad "eval exited $?: $out"
check "eval: error rates on valid" "valid: accuracy" "$out"
check "eval: per speaker" "cer@" "$out"

# Per-utterance normalisation travels in the checkpoint's feature pipeline: eval uses it too.
urun=$tmp/utterance
out=$("$attend" train --model las --data toy-digits --digits singles --epochs 1 --batch-size 16 \
  --normalization utterance --samples 0 --out "$urun" --progress off "${tiny[@]}" 2>&1) \
  || bad "train --normalization utterance exited $?: $out"
grep -q '"normalization": "utterance"' "$urun/config.json" && ok "config.json: normalization" ||
  bad "config.json lacks the normalisation"
out=$("$attend" eval -c "$urun/best.safetensors" --split valid 2>&1) || bad "eval exited $?: $out"
check "eval of a per-utterance model" "valid: accuracy" "$out"

command -v sox >/dev/null || { echo "SKIPPED: sox is not installed, the audio files need it"; exit $fail; }
sox -n -r 16000 -c 2 -b 16 "$tmp/tone.wav" synth 0.6 sine 300 sine 700
sox -n -r 8000 -b 16 "$tmp/silent.wav" trim 0 0.5
sox -n -r 8000 -b 16 "$tmp/empty.wav" trim 0 0
printf 'not audio\n' >"$tmp/text.wav"
out=$("$attend" transcribe -c "$run/best.safetensors" "$tmp/tone.wav" "$tmp/tone.wav" --beam 3 2>&1) ||
  bad "transcribe exited $?: $out"
[[ $(printf '%s\n' "$out" | grep -c "^$tmp/tone.wav	") -eq 2 ]] && ok "transcribe: FILE<TAB>text per file" ||
  bad "transcribe output: $out"
expect_error "transcribe: missing file" "$tmp/nope.wav" transcribe -c "$run/best.safetensors" "$tmp/nope.wav"
expect_error "transcribe: not audio" "$tmp/text.wav" transcribe -c "$run/best.safetensors" "$tmp/text.wav"
expect_error "transcribe: silent" "$tmp/silent.wav: silent" transcribe -c "$run/best.safetensors" "$tmp/silent.wav"
expect_error "transcribe: empty" "$tmp/empty.wav: empty" transcribe -c "$run/best.safetensors" "$tmp/empty.wav"

out=$("$attend" attention -c "$run/best.safetensors" -i "$tmp/tone.wav" --out "$tmp/maps" 2>&1) ||
  bad "attention exited $?: $out"
check "attention: the alignment map" "$tmp/maps/alignment.svg" "$out"
check "attention: monotonic share" "alignment: " "$out"
grep -q 'class="features"' "$tmp/maps/alignment.svg" && ok "alignment.svg has the features" ||
  bad "alignment.svg lacks the features panel"
expect_error "attention: a node for a speech model" "--node is for a GAT" \
  attention -c "$run/best.safetensors" --node 3 --out "$tmp/maps2"
expect_error "attention: missing audio file" "$tmp/nope.wav" \
  attention -c "$run/best.safetensors" -i "$tmp/nope.wav" --out "$tmp/maps3"

out=$("$attend" report "$run" 2>&1) || bad "report exited $?: $out"
grep -q "validation utterance 1" "$run/report.html" && ok "report: speech alignments" ||
  bad "report.html has no speech alignment"

# Options of the wrong kind of model, and bad values.
expect_error "text option to las" "applies to text models" train --model las --min-freq 2 --out "$tmp/x"
expect_error "speech option to seq2seq" "applies to speech models" train --model seq2seq --spec-augment LD --out "$tmp/x"
expect_error "unknown SpecAugment policy" "--spec-augment" train --model las --spec-augment XX --out "$tmp/x"
expect_error "unknown digit task" "--digits" train --model las --digits pairs --out "$tmp/x"
expect_error "unknown held-out speaker" "nobody" train --model las --held-out-speaker nobody --out "$tmp/x" "${tiny[@]}"
expect_error "even location width" "location-width" train --model las --location-width 4 --out "$tmp/x"
exit $fail
