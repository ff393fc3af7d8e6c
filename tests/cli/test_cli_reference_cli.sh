#!/usr/bin/env bash
# docs/cli.md must be exactly what scripts/gen_cli_reference.sh makes of this attend's --help
# output: a new or changed option without a regenerated page fails here, with the diff.
# Usage: test_cli_reference_cli.sh PATH/TO/attend
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
"$repo/scripts/gen_cli_reference.sh" "$1" - >"$fresh" || { echo "FAIL: gen_cli_reference.sh failed"; exit 1; }
# Every command in the page, so a generator that stopped early cannot pass.
for cmd in train eval translate summarize predict attention report gradcheck gradflow models demo \
  'datasets list' 'datasets show' 'datasets split' version; do
  grep -q "^##* \`attend $cmd\`\$" "$fresh" || { echo "FAIL: no section for 'attend $cmd'"; exit 1; }
done
if diff -u "$repo/docs/cli.md" "$fresh" >/dev/null; then
  echo "ok: docs/cli.md matches --help ($(grep -c '^##' "$fresh") commands)"
else
  diff -u "$repo/docs/cli.md" "$fresh" | head -40
  echo "FAIL: docs/cli.md is out of date: run scripts/gen_cli_reference.sh and commit docs/cli.md"
  exit 1
fi
