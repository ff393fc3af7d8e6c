#!/usr/bin/env python3
"""Writes attend's bundled spoken-digit bank, toy-digits, into datasets/data/ (or --out DIR).

Needs Debian's espeak-ng (the synthesiser) and sox (resampling and the FLAC file); otherwise the
Python 3 standard library only. Every random choice comes from one random.Random(2016) through
random() only, espeak-ng and sox are deterministic (sox runs with -D, no dither), so running it
again with the same espeak-ng and sox gives byte-identical files (espeak-ng 1.51 and SoX 14.4.2
wrote the committed ones).

Files (loaded by datasets/audio/digits.h, load_toy_digits):

toy-digits.flac
    Every recording back to back, mono, 8 kHz, 8-bit FLAC (8 bits keep the set small; they are
    plenty for synthetic speech, and attend adds its own noise when building utterances).
toy-digits.tsv
    One line per recording after '#' comments: digit<TAB>voice<TAB>index<TAB>start<TAB>length
    (start and length in samples of the FLAC file).

The recordings: the words "zero" .. "nine" spoken by 6 voices (espeak-ng's American, British,
Scottish, RP, Caribbean and New York English, each with its own voice variant, 3 male and 3
female: the "speakers"), 4 renditions each (indices 0..3), 240 in all. Each rendition draws its
speaking rate (140..210 words per minute), pitch (20..80 of espeak-ng's
0..99), word gap and loudness (peak 0.3..0.9). The synthesiser's 22,050 Hz output is resampled to
8 kHz, leading and trailing silence (below 1% of the peak) is cut, and 10 ms of silence is kept at
each end. As with FSDD, index 0 is the test rendition; attend's split for this bank also takes
index 1 for validation (DigitSplitOptions::for_bank).
"""

import argparse
import os
import random
import struct
import subprocess
import tempfile
import wave

VOICES = [  # (name attend uses as the speaker, espeak-ng voice+variant)
    ("us-m1", "en-us+m1"),
    ("gb-f2", "en-gb+f2"),
    ("scotland-m3", "en-gb-scotland+m3"),
    ("rp-f4", "en-gb-x-rp+f4"),
    ("caribbean-f1", "en-029+f1"),
    ("nyc-m2", "en-us-nyc+m2"),
]
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
RENDITIONS = 4
RATE = 8000


def read_wav(path):
    with wave.open(path, "rb") as f:
        assert f.getsampwidth() == 2 and f.getnchannels() == 1
        raw = f.readframes(f.getnframes())
    return list(struct.unpack("<%dh" % (len(raw) // 2), raw))


def write_wav(path, samples, rate):
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(struct.pack("<%dh" % len(samples), *samples))


def synthesise(voice, word, speed, pitch, gap, tmp):
    """espeak-ng at 22,050 Hz, resampled to 8 kHz 16-bit by sox: a list of ints."""
    raw, low = os.path.join(tmp, "raw.wav"), os.path.join(tmp, "low.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-g", str(gap),
                    "-w", raw, word], check=True)
    subprocess.run(["sox", "-D", raw, "-r", str(RATE), "-b", "16", low], check=True)
    return read_wav(low)


def trim_and_scale(x, peak):
    """Cut silence below 1% of the peak at both ends (keeping 10 ms), scale to the peak, and round
    to the 8-bit grid (multiples of 256 in 16-bit units)."""
    top = max(abs(v) for v in x)
    loud = [i for i, v in enumerate(x) if abs(v) >= 0.01 * top]
    keep = RATE // 100
    x = x[max(0, loud[0] - keep):loud[-1] + 1 + keep]
    out = []
    for v in x:
        q = int(round(v * peak * 32768 / top / 256))
        out.append(max(-128, min(127, q)) * 256)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(here, "..", "data"))
    args = parser.parse_args()
    rng = random.Random(2016)
    samples, rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for speaker, voice in VOICES:
            for digit, word in enumerate(WORDS):
                for index in range(RENDITIONS):
                    speed = 140 + int(rng.random() * 71)
                    pitch = 20 + int(rng.random() * 61)
                    gap = int(rng.random() * 5)
                    peak = 0.3 + 0.6 * rng.random()
                    x = trim_and_scale(synthesise(voice, word, speed, pitch, gap, tmp), peak)
                    rows.append((digit, speaker, index, len(samples), len(x)))
                    samples.extend(x)
        wav = os.path.join(tmp, "all.wav")
        write_wav(wav, samples, RATE)
        flac = os.path.join(args.out, "toy-digits.flac")
        # -D: no dither (the samples are already on the 8-bit grid, so this is exact).
        subprocess.run(["sox", "-D", wav, "-b", "8", flac], check=True)
    with open(os.path.join(args.out, "toy-digits.tsv"), "w") as f:
        f.write("# toy-digits: written by datasets/generators/gen_toy_digits.py -- do not edit.\n")
        f.write("# digit<TAB>voice<TAB>index<TAB>start<TAB>length (samples of toy-digits.flac, "
                "8 kHz)\n")
        for r in rows:
            f.write("%d\t%s\t%d\t%d\t%d\n" % r)
    print("wrote %d recordings, %.1f s, to %s" % (len(rows), len(samples) / RATE, flac))


if __name__ == "__main__":
    main()
