# Sourced by the CLI tests: counters, ok/bad, check "description" command...,
# finish NAME. Failures go to stderr; each test ends with the line
# "NAME: N passed, N failed" and fails if any check did.
: "${FLASHKIT:?FLASHKIT must point at the flashkit binary}"
: "${FK_SHARED:?FK_SHARED must point at the shared folder}"
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  echo "FAIL: $*" >&2
}
ko() { bad "$@"; }
# For tests where one failure makes the rest meaningless.
die() {
  echo "FAIL: $*" >&2
  exit 1
}

check() {
  local what=$1
  shift
  if "$@"; then ok; else bad "$what"; fi
}

finish() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
