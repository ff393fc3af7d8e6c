# Shared by the CLI test scripts (source it): `fail`, which the script exits with, ok and bad (one
# result line each; bad sets fail), and check().
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
check() {  # check DESCRIPTION EXPECTED_SUBSTRING OUTPUT
  if [[ "$3" != *"$2"* ]]; then
    bad "$1: output lacks '$2'"; echo "$3" | tail -20
  else
    ok "$1"
  fi
}
