# Shared by the CLI tests: check "description" command...; finish NAME.
# Prints each failure and the closing "N passed, N failed" line.
: "${FLASHKIT:?FLASHKIT must point at the flashkit binary}"
: "${FK_SHARED:?FK_SHARED must point at the shared folder}"
fk_pass=0
fk_fail=0

check() {
  local what=$1
  shift
  if "$@"; then
    fk_pass=$((fk_pass + 1))
  else
    fk_fail=$((fk_fail + 1))
    echo "FAIL: $what" >&2
  fi
}

finish() {
  echo "$1: $fk_pass passed, $fk_fail failed"
  [ "$fk_fail" -eq 0 ]
}
