# Every shared NVS vector through `flashkit nvs gen`: good cases byte-exact
# against the primary reference's expected.bin (run from the case folder, as
# the vectors were made, and from elsewhere to prove `file` paths are taken
# from the CSV's folder); bad cases fail with no output left behind.
set -u
. "$(dirname "$0")/lib.bash"
: "${FLASHKIT:?}" "${FK_SHARED:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

version_num() { case "$1" in *v1*) echo 1 ;; *) echo 2 ;; esac; }

good=0 bad=0
for d in "$FK_SHARED"/vectors/nvs/*/ "$FK_SHARED"/vectors/nvs-real/*/; do
  d=${d%/}
  name=$(basename "$d")
  [ -f "$d/input.csv" ] || continue
  read -r -a args < "$d/args.txt"
  if [ -f "$d/expected.bin" ]; then
    good=$((good + 1))
    out="$tmp/$name.bin"
    # 1. cwd = case folder, the flashkit spelling.
    if (cd "$d" && "$FLASHKIT" nvs gen input.csv "$out" "${args[@]}") && cmp -s "$out" "$d/expected.bin"; then ok; else ko "$name: gen from the case folder"; fi
    rm -f "$out"
    # 2. cwd elsewhere: relative `file` paths must still resolve from the CSV's folder.
    if (cd "$tmp" && "$FLASHKIT" nvs gen "$d/input.csv" "$out" "${args[@]}") && cmp -s "$out" "$d/expected.bin"; then ok; else ko "$name: gen from another folder"; fi
    rm -f "$out"
    # 3. the primary reference's spelling: generate IN OUT SIZE --version N.
    size=${args[1]} ver=$(version_num "${args[*]}")
    if (cd "$d" && "$FLASHKIT" nvs generate input.csv "$out" "$size" --version "$ver") && cmp -s "$out" "$d/expected.bin"; then ok; else ko "$name: generate spelling"; fi
    rm -f "$out"
    # 4. the SDK 3.4 / user's-notes spelling, output to stdout.
    if (cd "$d" && "$FLASHKIT" nvs gen --input input.csv --output - --size "$size" --version "v$ver" > "$out") && cmp -s "$out" "$d/expected.bin"; then ok; else ko "$name: --input/--output spelling"; fi
    rm -f "$out"
  elif [ -f "$d/expected_error.txt" ]; then
    bad=$((bad + 1))
    for cwd in "$d" "$tmp"; do
      out="$tmp/out/$name.bin"
      mkdir -p "$tmp/out"
      (cd "$cwd" && "$FLASHKIT" nvs gen "$d/input.csv" "$out" "${args[@]}") 2> "$tmp/err"
      rc=$?
      if [ $rc -ne 0 ] && [ -z "$(ls -A "$tmp/out")" ] && grep -q . "$tmp/err"; then ok; else ko "$name: rc=$rc, leftovers: $(ls "$tmp/out")"; fi
      # Messages name the file, and the line when a row is at fault.
      case "$name" in
        bad_size_*) ;;
        *) grep -q "input.csv:[0-9]" "$tmp/err" && ok || ko "$name: message lacks file:line: $(cat "$tmp/err")" ;;
      esac
      rm -rf "$tmp/out"
    done
  fi
done
[ "$good" -ge 28 ] && ok || ko "only $good good vectors found"
[ "$bad" -ge 10 ] && ok || ko "only $bad bad vectors found"

# An existing output file is left untouched when generation fails.
echo keep > "$tmp/keep.bin"
"$FLASHKIT" nvs gen "$FK_SHARED/vectors/nvs/bad_encoding/input.csv" "$tmp/keep.bin" --size 0x3000 2>/dev/null && ko "bad_encoding succeeded"
[ "$(cat "$tmp/keep.bin")" = keep ] && ok || ko "failed run clobbered an existing output"
[ -z "$(ls "$tmp" | grep '\.tmp\.')" ] && ok || ko "temporary file left behind"

"$FLASHKIT" nvs gen --help > /dev/null && ok || ko "nvs gen --help"
"$FLASHKIT" nvs --help > /dev/null && ok || ko "nvs --help"

echo "nvs_gen_vectors: $good good vectors, $bad bad vectors; $pass passed, $fail failed"
[ $fail -eq 0 ]
