#!/usr/bin/env bash
# Every image vector through the CLI: `image info --esptool` is esptool's stdout
# and exit code, plain `image info` starts with the same lines, `image verify`
# gives the three SDK verdicts, and `image make` rebuilds every vector that
# ships an ELF byte for byte.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
: "${FLASHKIT:?}" "${FK_SHARED:?}"
vec=$FK_SHARED/vectors/image
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
field() { sed -n "s/^$1=//p" "$2"; }

for d in "$vec"/*/; do
  d=${d%/}; name=$(basename "$d")
  [[ -f $d/expected.txt ]] || continue
  chip=$(field chip "$d/expected.txt")
  want_rc=$(field image_info_exit_code "$d/expected.txt")

  "$FLASHKIT" image info --esptool --chip "$chip" "$d/image.bin" > "$tmp/out" 2> "$tmp/err"; rc=$?
  if cmp -s "$tmp/out" "$d/expected_info.txt"; then ok; else bad "$name: info --esptool differs"; diff "$tmp/out" "$d/expected_info.txt" >&2; fi
  [[ $rc == "$want_rc" ]] && ok || bad "$name: info --esptool exit $rc, esptool $want_rc"
  if [[ $rc != 0 ]]; then
    [[ -s $tmp/err || $rc == 2 ]] && ok || bad "$name: no explanation on stderr"
  fi

  # Plain info: same lines minus the banner, then flashkit's own.
  "$FLASHKIT" image info --chip "$chip" "$d/image.bin" > "$tmp/plain" 2> "$tmp/perr"; prc=$?
  if [[ $want_rc == 0 ]]; then
    tail -n +2 "$d/expected_info.txt" > "$tmp/want"
    head -n "$(wc -l < "$tmp/want")" "$tmp/plain" > "$tmp/head"
    cmp -s "$tmp/head" "$tmp/want" && ok || { bad "$name: plain info does not start with esptool's lines"; diff "$tmp/head" "$tmp/want" >&2; }
    [[ $prc == 0 ]] && ok || bad "$name: plain info exit $prc"
    "$FLASHKIT" image info --json "$d/image.bin" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"]' && ok || bad "$name: --json"
  else
    [[ $prc != 0 ]] && grep -q "$name/image.bin" "$tmp/perr" && ok || bad "$name: plain info should fail naming the file"
  fi

  # Without --chip the reader guesses; a good image must be guessed right.
  if [[ $want_rc == 0 ]] && grep -q "(valid)" "$d/expected_info.txt" && ! grep -q "invalid" "$d/expected_info.txt"; then
    "$FLASHKIT" image info --json "$d/image.bin" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["chip"]==sys.argv[1], d["chip"]' "$chip" \
      && ok || bad "$name: chip not guessed as $chip"
  fi

  for cfg in default_sum_only:sum sum_and_hash:both hash_only:hash; do
    key=verdict_sdk_${cfg%%:*}; check=${cfg##*:}
    want=$(field "$key" "$d/expected.txt")
    [[ -n $want ]] || continue
    got=$("$FLASHKIT" image verify "$d/image.bin" --partition-size 0xF0000 --check "$check"); vrc=$?
    [[ $got == "$d/image.bin: $want" ]] && ok || bad "$name $key: got '$got', want '$want'"
    [[ $want == valid* && $vrc == 0 || $want == invalid* && $vrc == 1 ]] && ok || bad "$name $key: exit $vrc"
  done

  if [[ -f $d/app.elf && -f $d/elf2image_args.txt ]]; then
    read -r -a args < "$d/elf2image_args.txt"
    "$FLASHKIT" image make "${args[@]}" -o "$tmp/made.bin" "$d/app.elf" > /dev/null && ok || bad "$name: make failed"
    cmp -s "$tmp/made.bin" "$d/image.bin" && ok || bad "$name: make is not byte-exact"
  fi
done

# Help and usage errors
for sub in info verify make; do
  "$FLASHKIT" image $sub --help > /dev/null && ok || bad "image $sub --help"
done
"$FLASHKIT" image info > /dev/null 2>&1; [[ $? == 2 ]] && ok || bad "info without IMAGE must fail"
"$FLASHKIT" image verify "$vec/sdk3_app_2MB_dio_40m/image.bin" --check maybe 2> "$tmp/e"; [[ $? == 2 ]] && grep -q "maybe" "$tmp/e" && ok || bad "bad --check"

finish image_vectors
