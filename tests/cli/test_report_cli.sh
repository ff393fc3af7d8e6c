#!/usr/bin/env bash
# attend train --log-grad-norms and attend report, end to end: a tiny seq2seq run logs every
# parameter's gradient norm (kept by --resume through config.toml), the report is one HTML file
# that needs nothing from outside (every <svg> closed, no URL but the SVG namespace, no script),
# bad run directories are one "error:" line and exit 2, and a real browser (headless chromium)
# draws its charts: the screenshot holds the line colours of study/svg.cpp's series and the
# heatmap ramp's ends, and the same page without its SVGs does not (so a blank or broken page
# fails). Without chromium: exit 77 (CTest reports the test as skipped; scripts/setup.sh --browser
# installs it).
# Usage: test_report_cli.sh PATH/TO/attend
set -u
attend=$1
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() {  # check DESCRIPTION CONDITION_EXIT_CODE
  if [[ $2 -eq 0 ]]; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}

tiny=(--model seq2seq --embedding 8 --hidden 8 --batch-size 32 --eval-examples 2
  --max-decode-length 4 --samples 0 --progress off --log-every 1)
"$attend" train "${tiny[@]}" --max-steps 2 --log-grad-norms --out "$tmp/run" >"$tmp/train.log" 2>&1
check "train --log-grad-norms runs" $?
grep -q '^train.log-grad-norms=true' "$tmp/run/config.toml"
check "config.toml records log-grad-norms" $?
# --resume reads config.toml: the flag stays on without being given again.
"$attend" train --out "$tmp/run" --resume --max-steps 4 >>"$tmp/train.log" 2>&1
check "train --resume runs" $?
python3 - "$tmp/run/metrics.jsonl" <<'PY'
import json, sys
train = [r for r in map(json.loads, open(sys.argv[1])) if r.get("split") == "train"]
assert [r["step"] for r in train] == [1, 2, 3, 4], [r["step"] for r in train]
for r in train:
    g = r["grad_norms"]
    assert "encoder.weight_ih_l0" in g or any(k.startswith("encoder") for k in g), sorted(g)
    assert all(v >= 0 for v in g.values()) and any(v > 0 for v in g.values())
    total = sum(v * v for v in g.values()) ** 0.5
    assert abs(total - r["grad_norm"]) <= 1e-3 * r["grad_norm"], (total, r["grad_norm"])
PY
check "every train record, resumed ones included, has grad_norms adding up to grad_norm" $?

out=$("$attend" report "$tmp/run" --examples 2 2>&1)
check "report runs ($out)" $?
html=$tmp/run/report.html
[[ -s $html && $out == "wrote $html" ]]
check "report writes RUN_DIR/report.html and says so" $?
python3 - "$html" <<'PY'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
assert 20_000 < len(html) < 5_000_000, len(html)
opens, closes = len(re.findall(r"<svg\b", html)), html.count("</svg>")
assert opens == closes and opens >= 10, (opens, closes)
depth = 0
for tag in re.findall(r"<svg\b|</svg>", html):
    depth += 1 if tag == "<svg" else -1
    assert depth in (0, 1), "nested or unbalanced <svg>"
urls = [u for u in re.findall(r"https?://[^\s\"'<>]*", html) if u != "http://www.w3.org/2000/svg"]
assert not urls, urls
assert "<script" not in html and "src=" not in html
for want in ("Gradient norm by module", "log10 gradient norm per parameter",
             "validation example 1:", "validation example 2:", "log-grad-norms=true",
             "<h1>seq2seq on toy-en-fr</h1>", "Test metrics"):
    assert want in html, want
PY
check "report.html is self-contained and well formed (svg balanced, no URL, no script)" $?

"$attend" report "$tmp/run" --out "$tmp/other.html" --examples 0 >/dev/null 2>&1 && [[ -s $tmp/other.html ]]
check "report --out writes elsewhere" $?

bad() {  # bad DESCRIPTION EXPECTED_TEXT ARGS...
  local what=$1 want=$2 msg rc
  shift 2
  msg=$("$attend" "$@" 2>&1); rc=$?
  [[ $rc -eq 2 && $(printf '%s\n' "$msg" | wc -l) -eq 1 && $msg == "error: "*"$want"* ]]
  check "$what: $msg" $?
}
bad "missing run directory" "$tmp/nope: no such run directory" report "$tmp/nope"
mkdir -p "$tmp/empty"
bad "no metrics.jsonl" "$tmp/empty/metrics.jsonl: missing" report "$tmp/empty"
mkdir -p "$tmp/corrupt"
head -3 "$tmp/run/metrics.jsonl" >"$tmp/corrupt/metrics.jsonl"
printf '{"step": 4, "split": "train", "train_loss": tru\n' >>"$tmp/corrupt/metrics.jsonl"
bad "corrupt line" "$tmp/corrupt/metrics.jsonl:4: not a JSON object" report "$tmp/corrupt"
[[ ! -e $tmp/corrupt/report.html ]]
check "no report written for a corrupt log" $?

# --- the browser ----------------------------------------------------------------------------
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
  [[ $fail -ne 0 ]] && exit 1
  echo "SKIP: chromium not installed (scripts/setup.sh --browser installs it)"
  exit 77
fi
# The page's top 1200 x 4000 CSS pixels at half resolution (600 x 2000 pixels): decoding a
# full-size screenshot in pure Python takes 7 s, this one 2 s, and it still tells drawn from blank.
shot() {  # shot HTML PNG
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$tmp/profile" --screenshot="$2" --window-size=1200,4000 \
    --force-device-scale-factor=0.5 "file://$1" \
    >"$tmp/chromium.log" 2>&1
  [[ -s $2 ]] || { echo "chromium wrote no screenshot:"; tail -5 "$tmp/chromium.log"; return 1; }
}
# The same page with every SVG taken out: what the counts must tell apart from the report.
python3 -c '
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(re.sub(r"<svg\b.*?</svg>", "", html, flags=re.S))
' "$html" "$tmp/no-svg.html"
shot "$html" "$tmp/report.png" && shot "$tmp/no-svg.html" "$tmp/no-svg.png"
check "chromium renders both pages" $?
# Counts pixels of the colours study/svg.cpp draws with (exact RGB): the first two series colours
# (Tableau #4e79a7, #f28e2b; lines, legend swatches) and the heatmap ramp's two ends (#440154,
# #fde725; colour bar, cells). Decodes the PNG with the standard library only.
count_colours() {
  python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = width * bpp
lo7, hi1 = int.from_bytes(b"\x7f" * stride, "big"), int.from_bytes(b"\x80" * stride, "big")
def up(line, prev):  # bytewise (line + prev) mod 256 on whole rows at once (no carries)
    a, b = int.from_bytes(line, "big"), int.from_bytes(prev, "big")
    return bytearray((((a & lo7) + (b & lo7)) ^ ((a ^ b) & hi1)).to_bytes(stride, "big"))
targets = ["4e79a7", "f28e2b", "440154", "fde725"]
counts = dict.fromkeys(targets, 0)
pixels = {k: bytes.fromhex(k) + (b"\xff" if bpp == 4 else b"") for k in targets}
prev = bytearray(stride)
for y in range(height):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride): line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        line = up(line, prev)
    elif f == 3:
        for i in range(stride):
            line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    for k in targets:
        counts[k] += line.count(pixels[k])
print(" ".join(f"{k}={v}" for k, v in counts.items()))
PY
}
start=$SECONDS
with=$(count_colours "$tmp/report.png") && without=$(count_colours "$tmp/no-svg.png")
check "screenshots decode ($((SECONDS - start)) s): report $with; without its SVGs $without" $?
python3 - "$with" "$without" <<'PY'
import sys
parse = lambda s: {k: int(v) for k, v in (kv.split("=") for kv in s.split())}
w, wo = parse(sys.argv[1]), parse(sys.argv[2])
# At half resolution most line pixels are blended with the white around them; the exact ones
# (flat stretches, legend swatches) still number over a hundred (measured 130 and 33), the ramp's
# ends fill the colour bar's end cells and the heatmap's extreme cells (measured 282 each).
assert w["4e79a7"] >= 60 and w["f28e2b"] >= 15, w
assert w["440154"] >= 50 and w["fde725"] >= 50, w
assert sum(wo.values()) < 50, wo
PY
check "the browser drew the charts (line and heatmap colours), the page without SVGs has none" $?
exit $fail
