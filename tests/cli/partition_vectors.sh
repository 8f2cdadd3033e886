#!/usr/bin/env bash
# Every shared partition vector through `flashkit partition gen`:
# CSV -> binary == expected.bin, binary -> CSV == expected_decoded.csv,
# bad_* fail with the reference's message and leave no output behind.
set -u
. "$(dirname "$0")/lib.bash"

vec="$FK_SHARED/vectors/partition"
for dir in "$vec"/*/; do
  name=$(basename "$dir")
  args=$(cat "$dir/args.txt" 2>/dev/null || true)
  work=$(mktemp -d)
  cp -r "$dir"/. "$work/"
  if [[ $name == bad_* ]]; then
    input=input.csv
    [ -f "$work/input.bin" ] && input=input.bin
    # shellcheck disable=SC2086
    (cd "$work" && "$FLASHKIT" partition gen -q $args "$input" out.bin >stdout.txt 2>stderr.txt)
    rc=$?
    want=$(cat "$dir/expected_error.txt")
    check "$name: exits non-zero" test "$rc" -ne 0
    check "$name: no output left" test ! -e "$work/out.bin"
    check "$name: message '$want'" grep -qF -- "$want" "$work/stderr.txt"
    check "$name: message names the input" grep -qF -- "$input" "$work/stderr.txt"
  else
    # shellcheck disable=SC2086
    (cd "$work" && "$FLASHKIT" partition gen -q $args input.csv out.bin 2>stderr.txt)
    check "$name: csv->bin exit 0" test $? -eq 0
    check "$name: csv->bin == expected.bin" cmp -s "$work/out.bin" "$dir/expected.bin"
    # shellcheck disable=SC2086
    (cd "$work" && "$FLASHKIT" partition gen -q $args expected.bin out.csv 2>>stderr.txt)
    check "$name: bin->csv exit 0" test $? -eq 0
    check "$name: bin->csv == expected_decoded.csv" cmp -s "$work/out.csv" "$dir/expected_decoded.csv"
    # The round trip also works through stdin/stdout.
    # shellcheck disable=SC2086
    out=$(cd "$work" && "$FLASHKIT" partition gen -q $args - - <input.csv | cmp -s - expected.bin && echo same)
    check "$name: stdin->stdout" test "$out" = same
  fi
  rm -rf "$work"
done
finish partition_vectors
