#!/usr/bin/env bash
# Every case of vectors/otadata-rollback through the CLI forms of rollback.md
# §9: the slot booted or the call's result lines, and the otadata written
# back, byte for byte. Also: the input file is never changed.
source "$(dirname "$0")/lib.bash"
V="$FK_SHARED/vectors/otadata-rollback"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for d in "$V"/*/; do
    name=$(basename "$d")
    in="$d/input.txt"
    g() { sed -n "s/^$1=//p" "$in"; }
    args=(--slots "$(g ota_slots)")
    [ "$(g factory)" = yes ] && args+=(--factory)
    [ "$(g test)" = yes ] && args+=(--test)
    [ "$(g rollback)" = on ] && args+=(--rollback)
    if [ "$(g anti_rollback)" = on ]; then
        args+=(--anti-rollback --efuse-secure-version "$(g efuse_secure_version)")
        sv=$(g secure_versions)
        [ -n "$sv" ] && args+=(--secure-versions "$sv")
    fi
    bi=$(g bad_images)
    [ -n "$bi" ] && [ "$bi" != none ] && args+=(--bad-images "$bi")
    if [ "$(g kind)" = select ]; then
        src="$d/otadata.bin"
        keys="boot|efuse_secure_version_after"
        out=$("$FLASHKIT" otadata boot "$src" "${args[@]}" -o "$tmp/out.bin" 2>"$tmp/err")
    else
        src="$d/before.bin"
        keys="result|state|restart|erased_partition|efuse_secure_version_after"
        # shellcheck disable=SC2046
        out=$("$FLASHKIT" otadata api "$src" "${args[@]}" --running "$(g running)" -o "$tmp/out.bin" \
            $(g call) $(g arg) 2>"$tmp/err")
    fi
    rc=$?
    want=$(grep -E "^($keys)=" "$d/expected.txt")
    got=$(grep -E "^($keys)=" <<<"$out")
    check "$name: exit 0 ($(cat "$tmp/err"))" test "$rc" -eq 0
    if [ "$want" = "$got" ]; then ok; else bad "$name: printed [$got], expected [$want]"; fi
    check "$name: otadata after, byte for byte" cmp -s "$tmp/out.bin" "$d/expected_after.bin"
    n=$((n + 1))
done
check "50 cases walked (found $n)" test "$n" -ge 50

# otadata show --rollback: the entry and slot a rollback bootloader goes by.
s=$("$FLASHKIT" otadata show "$V/sel_rb_aborted_newest_valid_older/otadata.bin" --slots 2 --rollback --json |
  python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["rollback_active_entry"], j["rollback_select"], j["entries"][0]["state"], j["entries"][1]["state"])')
check "show --rollback --json ($s)" test "$s" = "A ota_0 VALID ABORTED"
"$FLASHKIT" otadata show "$V/sel_rb_aborted_newest_valid_older/otadata.bin" --slots 2 --rollback >"$tmp/show"
check "show --rollback text" grep -q "^with rollback: *ota_0 (entry A, seq 3, VALID)" "$tmp/show"

# Errors name what is wrong; nothing is written.
src="$V/api_mark_valid_pending/before.bin"
rm -f "$tmp/out.bin"
"$FLASHKIT" otadata api "$src" --slots 2 --running ota_9 -o "$tmp/out.bin" mark_valid 2>"$tmp/err"
check "unknown --running: exit 2" test $? -eq 2
check "unknown --running named" grep -q "ota_9" "$tmp/err"
"$FLASHKIT" otadata api "$src" --slots 2 --running ota_0 -o "$tmp/out.bin" fly 2>"$tmp/err"
check "unknown call: exit 2" test $? -eq 2
check "unknown call named" grep -q "unknown call 'fly'" "$tmp/err"
"$FLASHKIT" otadata boot "$src" --slots 2 --efuse-secure-version 3 -o "$tmp/out.bin" 2>"$tmp/err"
check "eFuse without --anti-rollback: exit 2" test $? -eq 2
"$FLASHKIT" otadata boot "$src" --slots 2 --anti-rollback --secure-versions ota_0:x -o "$tmp/out.bin" 2>"$tmp/err"
check "bad secure version: exit 2" test $? -eq 2
check "no output after errors" test ! -e "$tmp/out.bin"
"$FLASHKIT" otadata boot --help >/dev/null
check "boot --help" test $? -eq 0
"$FLASHKIT" otadata api --help >/dev/null
check "api --help" test $? -eq 0
finish ota_rollback_vectors
