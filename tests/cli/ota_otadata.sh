# flashkit otadata show/set/init against every otadata vector, plus errors.
set -u
. "$(dirname "$0")/lib.bash"
V="$FK_SHARED/vectors/otadata"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
kv() { sed -n "s/^$2=//p" "$1" | tr -d '\r'; }

for d in "$V"/*/; do
  kind=$(kv "$d/input.txt" kind)
  slots=$(kv "$d/input.txt" ota_slots)
  opts=(--slots "$slots")
  [ "$(kv "$d/input.txt" factory)" = yes ] && opts+=(--factory)
  [ "$(kv "$d/input.txt" test)" = yes ] && opts+=(--test)
  if [ "$kind" = select ]; then
    out=$("$FLASHKIT" otadata show "$d/otadata.bin" "${opts[@]}" --json) || { bad "$d: show failed"; continue; }
    got=$(printf '%s' "$out" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["bootloader_select"]); print(",".join(j["try_order"])); print(j["app_boot_partition"]); print(j["reason"])')
    want=$(printf '%s\n%s\n%s\n%s' "$(kv "$d/expected.txt" bootloader_select)" "$(kv "$d/expected.txt" bootloader_try_order)" \
      "$(kv "$d/expected.txt" app_get_boot_partition)" "$(kv "$d/expected.txt" reason)")
    [ "$got" = "$want" ] && ok || bad "$d: got [$got] want [$want]"
    "$FLASHKIT" otadata show "$d/otadata.bin" "${opts[@]}" | grep -q "^bootloader selects: $(kv "$d/expected.txt" bootloader_select | sed 's/[()]/./g')" \
      && ok || bad "$d: text output"
  else
    cp "$d/before.bin" "$T/od.bin"
    "$FLASHKIT" otadata set "$T/od.bin" "${opts[@]}" --target "$(kv "$d/input.txt" target)" >/dev/null || { bad "$d: set failed"; continue; }
    cmp -s "$T/od.bin" "$d/expected_after.bin" && ok || bad "$d: set result differs from expected_after.bin"
  fi
done

# init: 0x2000 bytes of 0xFF; then the SDK's sequence from erased.
"$FLASHKIT" otadata init "$T/init.bin" && [ "$(od -An -tx1 -v "$T/init.bin" | tr -s ' \n' '\n' | sort -u | grep -v '^$')" = ff ] \
  && [ "$(stat -c %s "$T/init.bin")" = 8192 ] && ok || bad "init"
for step in "ota_0 A 1" "ota_1 B 2" "ota_0 A 3" "ota_1 B 4" "ota_1 A 4"; do
  set -- $step
  out=$("$FLASHKIT" otadata set "$T/init.bin" --slots 2 --target "$1")
  case "$out" in *"entry $2 = seq $3,"*) ok ;; *) bad "sequence step $step: $out" ;; esac
done
sel=$("$FLASHKIT" otadata show "$T/init.bin" --slots 2 | sed -n 's/^bootloader selects: //p')
case "$sel" in "ota_1 (both valid, max seq 4"*) ok ;; *) bad "after sequence: $sel" ;; esac

# Errors: clear message, non-zero exit, file untouched.
cp "$T/init.bin" "$T/keep.bin"
"$FLASHKIT" otadata set "$T/init.bin" --slots 2 --target ota_2 2>"$T/err" && bad "ota_2 of 2 accepted"
grep -q "only 2 OTA slots" "$T/err" && cmp -s "$T/init.bin" "$T/keep.bin" && ok || bad "ota_2 message: $(cat "$T/err")"
"$FLASHKIT" otadata set "$T/init.bin" --slots 2 --target bogus 2>"$T/err" && bad "bogus target accepted"
grep -q "expected ota_K" "$T/err" && ok || bad "bogus target message"
head -c 4096 "$T/init.bin" >"$T/small.bin"
"$FLASHKIT" otadata show "$T/small.bin" --slots 2 2>"$T/err" && bad "4 KiB otadata accepted"
grep -q "small.bin: 4096 bytes" "$T/err" && ok || bad "small message: $(cat "$T/err")"
"$FLASHKIT" otadata show "$T/missing.bin" --slots 2 2>/dev/null && bad "missing file accepted" || ok
"$FLASHKIT" otadata show "$T/init.bin" 2>/dev/null && bad "show without --slots accepted" || ok
for c in "" show set init; do "$FLASHKIT" otadata $c --help >/dev/null || bad "otadata $c --help"; done

finish ota_otadata
