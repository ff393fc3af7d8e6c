# Shared by the CLI test scripts (source it): `fail`, which the script exits with, and check().
fail=0
check() {  # check DESCRIPTION EXPECTED_SUBSTRING OUTPUT
  if [[ "$3" != *"$2"* ]]; then
    echo "FAIL: $1: output lacks '$2'"; echo "$3" | tail -20; fail=1
  else
    echo "ok: $1"
  fi
}
