#!/usr/bin/env bash
# Builds the demo firmware with the real cross-compiler for the slots the demo
# and the 1 MB layouts use, and checks it with `image info` / `image verify`:
# the descriptor's version, the link address per slot, and that an app1 build
# is refused in the app2 slot with a message naming the slot it was linked for.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
: "${FLASHKIT:?}" "${FK_SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build="$FK_SRC/scripts/build-firmware.sh"
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

export SOURCE_DATE_EPOCH=1700000000
ELF_OUT="$tmp/v1.elf" "$build" 1.2.3 0x10000 "$tmp/v1.bin" "$FLASHKIT" > /dev/null && ok || bad "build v1"
"$build" 2.0.0-beta 0x110000 "$tmp/v2.bin" "$FLASHKIT" > /dev/null && ok || bad "build v2 for 0x110000"
"$build" 1.2.3 0x10000 "$tmp/v1again.bin" "$FLASHKIT" > /dev/null && cmp -s "$tmp/v1.bin" "$tmp/v1again.bin" && ok || bad "build is not reproducible"

"$FLASHKIT" image info --json "$tmp/v1.bin" > "$tmp/v1.json" && ok || bad "info v1"
[[ $(jget "$tmp/v1.json" 'd["app_desc"]["version"]') == 1.2.3 ]] && ok || bad "v1 descriptor version"
[[ $(jget "$tmp/v1.json" 'd["app_desc"]["project_name"]') == flashkit_demo ]] && ok || bad "v1 project name"
[[ $(jget "$tmp/v1.json" 'd["app_desc"]["date"]') == "Nov 14 2023" ]] && ok || bad "SOURCE_DATE_EPOCH date"
[[ $(jget "$tmp/v1.json" 'd["sdk3_app"]') == True ]] && ok || bad "v1 is an SDK 3.x app with a valid SHA-256"
[[ $(jget "$tmp/v1.json" 'hex(d["linked_offset"])') == 0x10000 ]] && ok || bad "v1 linked offset"
[[ $(jget "$tmp/v1.json" 'd["flash_size"]') == 4MB ]] && ok || bad "v1 flash size"
[[ $(jget "$tmp/v1.json" 'd["app_desc"]["app_elf_sha256"]') == $(sha256sum < "$tmp/v1.elf" | cut -d' ' -f1) ]] && ok || bad "descriptor holds the ELF's SHA-256"
"$FLASHKIT" image info --json "$tmp/v2.bin" > "$tmp/v2.json" && [[ $(jget "$tmp/v2.json" 'd["app_desc"]["version"]') == 2.0.0-beta ]] && ok || bad "v2 descriptor version"
# 0x110000 has the same low 20 bits as 0x10000: same link address
[[ $(jget "$tmp/v2.json" 'hex(d["linked_offset"])') == 0x10000 ]] && ok || bad "v2 linked offset"
"$FLASHKIT" image info "$tmp/v2.bin" | grep -q "Version:        2.0.0-beta" && ok || bad "text info shows the version"

for s in 0x10000 0x110000; do
  "$FLASHKIT" image verify "$tmp/v2.bin" --check both --slot-offset $s --partition-size 0xF0000 > /dev/null && ok || bad "v2 in slot $s"
done
"$FLASHKIT" image verify "$tmp/v1.bin" --slot-offset 0x90000 --partition-size 0xF0000 > /dev/null 2> "$tmp/warn"
grep -q "linked for flash offset 0x10000" "$tmp/warn" && ok || bad "window warning above 1 MiB"

# 1 MB two-OTA layout (ota_0 0x5000, ota_1 0x85000, 0x77000 each)
APP_SIZE=0x77000 "$build" 1.0.0 0x5000 "$tmp/app1.bin" "$FLASHKIT" > /dev/null && ok || bad "build app1"
APP_SIZE=0x77000 "$build" 1.0.0 0x85000 "$tmp/app2.bin" "$FLASHKIT" > /dev/null && ok || bad "build app2"
"$FLASHKIT" image verify "$tmp/app1.bin" --slot-offset 0x5000 --partition-size 0x77000 > /dev/null && ok || bad "app1 in ota_0"
"$FLASHKIT" image verify "$tmp/app2.bin" --slot-offset 0x85000 --partition-size 0x77000 > /dev/null && ok || bad "app2 in ota_1"
out=$("$FLASHKIT" image verify "$tmp/app1.bin" --slot-offset 0x85000 --partition-size 0x77000); rc=$?
[[ $rc == 1 ]] && ok || bad "app1 in ota_1 must be refused (exit $rc)"
[[ $out == *"linked for the slot at 0x5000"* && $out == *"0x85000"* ]] && ok || bad "refusal names both slots: $out"
out=$("$FLASHKIT" image verify "$tmp/app2.bin" --slot-offset 0x5000 --partition-size 0x77000); rc=$?
[[ $rc == 1 && $out == *"linked for the slot at 0x85000"* ]] && ok || bad "app2 in ota_0 must be refused: $out"

# The same through a partition table: the built-in two_ota_1mb has ota_0 0x10000 and ota_1 0x80000
"$FLASHKIT" image verify "$tmp/v1.bin" --table two_ota_1mb --slot ota_0 > /dev/null && ok || bad "v1 in two_ota_1mb ota_0"
out=$("$FLASHKIT" image verify "$tmp/v1.bin" --table two_ota_1mb --slot ota_1); rc=$?
[[ $rc == 1 && $out == *"linked for the slot at 0x10000"* && $out == *"0x80000"* ]] && ok || bad "v1 in two_ota_1mb ota_1: $out"
printf '# Name, Type, SubType, Offset, Size\nnvs, data, nvs, 0x9000, 0x4000\notadata, data, ota, 0xd000, 0x2000\nphy_init, data, phy, 0xf000, 0x1000\napp1, app, ota_0, 0x10000, 0x70000\napp2, app, ota_1, 0x80000, 0x70000\n' > "$tmp/t.csv"
"$FLASHKIT" image verify "$tmp/v1.bin" --table "$tmp/t.csv" --slot ota_1 > /dev/null; [[ $? == 1 ]] && ok || bad "subtype name in a CSV table"
"$FLASHKIT" image verify "$tmp/v1.bin" --table "$tmp/t.csv" --slot app1 > /dev/null && ok || bad "label in a CSV table"
"$FLASHKIT" image verify "$tmp/v1.bin" --table two_ota --slot nvs 2> "$tmp/e"; [[ $? == 2 ]] && grep -q "not an app partition" "$tmp/e" && ok || bad "data partition as slot"
"$FLASHKIT" image verify "$tmp/v1.bin" --slot ota_0 2> /dev/null; [[ $? == 2 ]] && ok || bad "--slot without --table"

# Bad arguments
"$build" "" 0x10000 "$tmp/x.bin" "$FLASHKIT" 2> /dev/null && bad "empty version accepted" || ok
"$build" 1.0 0x10800 "$tmp/x.bin" "$FLASHKIT" 2> /dev/null && bad "unaligned offset accepted" || ok
"$build" 0123456789012345678901234567890123 0x10000 "$tmp/x.bin" "$FLASHKIT" 2> /dev/null && bad "long version accepted" || ok
[[ ! -e $tmp/x.bin ]] && ok || bad "failed build left an output"
"$build" --help > /dev/null && ok || bad "--help"

finish image_firmware
