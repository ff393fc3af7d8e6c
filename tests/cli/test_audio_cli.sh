#!/usr/bin/env bash
# End to end: `attend version` and `attend datasets list|show` on speech data, and every kind of
# bad audio input the issue lists (a one-line error naming the file, exit 2; or a documented
# conversion). The odd files are made here with sox.
# Usage: test_audio_cli.sh PATH/TO/attend
set -u
attend=$1
source "$(dirname "$0")/cli_test_lib.sh"  # fail, ok, bad, check, expect_error
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$attend" version 2>&1)
if [[ $out == *"audio: off"* ]]; then
  # Built without libsndfile/FFTW/libsamplerate: speech data says so and fails cleanly.
  printf 'RIFF' >"$tmp/x.wav"
  expect_error "audio off: a WAV file" "audio: off" datasets show "$tmp/x.wav"
  exit $fail
fi
check "version names the audio libraries" "audio: on (libsndfile-" "$out"

out=$("$attend" datasets list 2>&1)
check "list names the toy speech set" "toy-digits           240 recordings of the ten digits, 6 voices, 8000 Hz" "$out"
out=$("$attend" datasets show toy-digits 2>&1) || bad "show toy-digits exited $?"
check "toy-digits: utterances and split" "utterances 240 (train 120, valid 60, test 60)" "$out"
check "toy-digits: durations" "duration: total 101.4 s" "$out"
check "toy-digits: encoding" "encodings: FLAC PCM_S8 (240)" "$out"
check "toy-digits: characters" "characters 15:" "$out"

command -v sox >/dev/null || { echo "SKIPPED: sox is not installed, the odd files need it"; exit $fail; }
# Odd but valid files: 8 channels of 24 bits, 44.1 kHz stereo FLAC, digital silence, no samples.
sox -n -r 16000 -c 8 -b 24 "$tmp/eight.wav" synth 0.5 sine 440
sox -n -r 44100 -c 2 -b 16 "$tmp/stereo.flac" synth 0.3 sine 300 sine 500
sox -n -r 16000 -b 16 "$tmp/silent.wav" trim 0 0.5
sox -n -r 16000 -b 16 "$tmp/empty.wav" trim 0 0
out=$("$attend" datasets show "$tmp/eight.wav" 2>&1) || bad "show eight.wav exited $?"
check "8 channels of 24 bits are read (mixed down)" "channels: 8 (1)" "$out"
check "24-bit encoding named" "PCM_24" "$out"
printf 'eight.wav\tone two\nstereo.flac\tthree\nsilent.wav\tfour\nempty.wav\tfive\n' >"$tmp/all.tsv"
out=$("$attend" datasets show "$tmp/all.tsv" 2>&1) || bad "show all.tsv exited $?"
check "manifest: utterances" "utterances 4 (all 4)" "$out"
check "manifest: rates seen" "sample rates: 16000 Hz (3), 44100 Hz (1)" "$out"
check "manifest: silent and empty counted" "silent (peak below -80 dBFS): 2; shorter than one 25 ms frame: 1" "$out"
check "manifest: words" "transcript length (words): min 1, mean 1.2, max 2" "$out"

# Bad input: one line naming the file (and manifest line), exit 2.
head -c 9000 "$tmp/eight.wav" >"$tmp/cut.wav"
expect_error "truncated WAV" "$tmp/cut.wav: truncated" datasets show "$tmp/cut.wav"
head -c 2000 "$tmp/stereo.flac" >"$tmp/cut.flac"
expect_error "truncated FLAC" "$tmp/cut.flac:" datasets show "$tmp/cut.flac"
echo "not audio at all" >"$tmp/text.wav"
expect_error "non-audio file" "$tmp/text.wav: not an audio file" datasets show "$tmp/text.wav"
expect_error "missing audio file" "$tmp/nope.flac: no such file" datasets show "$tmp/nope.flac"
printf 'silent.wav\tone\nmissing.wav\ttwo\n' >"$tmp/missing.tsv"
expect_error "manifest names a missing file" "$tmp/missing.tsv:2: audio file 'missing.wav' does not exist" \
  datasets show "$tmp/missing.tsv"
printf 'silent.wav\tone\ncut.wav\ttwo\n' >"$tmp/cut.tsv"
expect_error "manifest names a truncated file" "$tmp/cut.tsv:2: $tmp/cut.wav: truncated" datasets show "$tmp/cut.tsv"
exit $fail
