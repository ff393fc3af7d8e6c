# Shared by the CLI test scripts (source it): `fail`, which the script exits with, ok and bad (one
# result line each; bad sets fail), check() and expect_error().
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

# expect_error DESCRIPTION EXPECTED_SUBSTRING attend-args...: "$attend" with those arguments exits 2
# with one line of output containing EXPECTED_SUBSTRING.
expect_error() {
  local what=$1 expect=$2
  shift 2
  local out rc
  out=$("$attend" "$@" 2>&1); rc=$?
  check "$what" "$expect" "$out"
  [[ $rc -eq 2 ]] || bad "$what: exit $rc, expected 2"
  [[ $(printf '%s\n' "$out" | wc -l) -eq 1 ]] || bad "$what: error is not one line: $out"
}
