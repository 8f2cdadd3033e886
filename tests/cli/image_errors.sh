#!/usr/bin/env bash
# Bad input to `flashkit image`: every failure names the file and what is
# wrong, exits non-zero, and `make` never leaves a partial output behind.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
: "${FLASHKIT:?}" "${FK_SHARED:?}"
vec=$FK_SHARED/vectors/image
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect() { # expect RC PATTERN -- command...
  local want=$1 pat=$2; shift 3
  "$@" > "$tmp/out" 2> "$tmp/err"; local rc=$?
  [[ $rc == "$want" ]] && ok || bad "$* : exit $rc, want $want"
  grep -q -- "$pat" "$tmp/out" "$tmp/err" && ok || { bad "$* : no '$pat' in output"; cat "$tmp/out" "$tmp/err" >&2; }
}

: > "$tmp/empty.bin"
expect 1 "empty.bin: the file is empty" -- "$FLASHKIT" image info "$tmp/empty.bin"
expect 1 "bad magic byte 0xff" -- "$FLASHKIT" image verify "$tmp/empty.bin"
expect 2 "missing.bin" -- "$FLASHKIT" image info "$tmp/missing.bin"
printf "hello world, not an image, not an ELF file either: %060d" 0 > "$tmp/text.bin"
expect 2 "text.bin: offset 0x0: magic byte 0x68" -- "$FLASHKIT" image info "$tmp/text.bin"
expect 1 "invalid (bad magic byte 0x68)" -- "$FLASHKIT" image verify "$tmp/text.bin"
expect 2 '"ok":false' -- "$FLASHKIT" image info --json "$tmp/text.bin"

# An SDK 3.x image read as ESP32: esptool crashes, flashkit says why.
expect 1 "offset 0x17: hash_appended byte" -- "$FLASHKIT" image info --esptool --chip esp32 "$vec/sdk3_app_2MB_dio_40m/image.bin"
expect 1 "invalid hash_appended byte" -- "$FLASHKIT" image verify --chip esp32 "$vec/sdk3_app_2MB_dio_40m/image.bin"

# Too small a partition, a v2 image (not bootable by the SDK 3.x bootloader)
expect 1 "exceeds partition size 65536" -- "$FLASHKIT" image verify --partition-size 64K "$vec/sdk3_app_2MB_dio_40m/image.bin"
expect 1 "bad magic byte 0xea" -- "$FLASHKIT" image verify "$vec/real_esp8266_v2_user1/image.bin"
expect 2 "partition-size" -- "$FLASHKIT" image verify --partition-size 32MB "$vec/sdk3_app_2MB_dio_40m/image.bin"

# make: bad ELF, bad options, nothing written
cp "$vec/sdk3_app_2MB_dio_40m/app.elf" "$tmp/app.elf"
expect 1 "text.bin: offset 0x0: not an ELF" -- "$FLASHKIT" image make --chip esp8266 "$tmp/text.bin" -o "$tmp/o1.bin"
head -c 40000 "$tmp/app.elf" > "$tmp/cut.elf"
expect 1 "cut.elf: offset 0x133f4" -- "$FLASHKIT" image make "$tmp/cut.elf" -o "$tmp/o2.bin"
expect 1 "512KB" -- "$FLASHKIT" image make --flash_size 512KB "$tmp/app.elf" -o "$tmp/o3.bin"
expect 2 "esp32" -- "$FLASHKIT" image make --chip esp32 "$tmp/app.elf" -o "$tmp/o4.bin"
expect 2 "version 1" -- "$FLASHKIT" image make --version=1 "$tmp/app.elf" -o "$tmp/o5.bin"
expect 2 "no output" -- "$FLASHKIT" image make "$tmp/app.elf"
ls "$tmp"/o*.bin "$tmp"/.*tmp* > /dev/null 2>&1 && bad "a failed make left a file" || ok
# an existing output survives a failed make untouched
echo keep > "$tmp/keep.bin"
"$FLASHKIT" image make "$tmp/text.bin" -o "$tmp/keep.bin" 2> /dev/null
[[ $(cat "$tmp/keep.bin") == keep ]] && ok || bad "failed make clobbered its output"
# stdout output
"$FLASHKIT" image make --flash_mode dio --flash_size 2MB "$tmp/app.elf" -o - > "$tmp/stdout.bin" && cmp -s "$tmp/stdout.bin" "$vec/sdk3_app_2MB_dio_40m/image.bin" && ok || bad "make -o -"

# --offset: an image inside a flash dump
{ head -c 4096 /dev/zero; cat "$vec/sdk3_app_2MB_dio_40m/image.bin"; head -c 5000 /dev/zero; } > "$tmp/dump.bin"
expect 0 "valid (image_len=65920)" -- "$FLASHKIT" image verify --offset 0x1000 --check both "$tmp/dump.bin"
expect 0 "bytes from offset 0x1000" -- "$FLASHKIT" image info --offset 4K "$tmp/dump.bin"
expect 2 "beyond the end of the file" -- "$FLASHKIT" image info --offset 0x100000 "$tmp/dump.bin"

# One option parser: --opt=VALUE everywhere, unknown options refused with the usage, "--" ends options.
expect 0 "bytes from offset 0x1000" -- "$FLASHKIT" image info --offset=0x1000 --chip=esp8266 "$tmp/dump.bin"
expect 0 "valid (image_len=65920)" -- "$FLASHKIT" image verify --offset=4K --check=both --slot-offset=0x10000 "$tmp/dump.bin"
expect 2 "unknown option '--bogus'" -- "$FLASHKIT" image verify --bogus "$tmp/dump.bin"
expect 2 "needs a value" -- "$FLASHKIT" image info "$tmp/dump.bin" --offset
expect 2 "usage: flashkit image make" -- "$FLASHKIT" image make -x "$tmp/app.elf" -o "$tmp/o6.bin"
cp "$tmp/app.elf" "$tmp/-app.elf"
"$FLASHKIT" image make -fm dio -fs 2MB -o "$tmp/o7.bin" -- "$tmp/-app.elf" > /dev/null && cmp -s "$tmp/o7.bin" "$vec/sdk3_app_2MB_dio_40m/image.bin" && ok || bad "make after --"
"$FLASHKIT" image make elf2image --flash-mode=dio --flash-size=2MB "$tmp/app.elf" --output="$tmp/o8.bin" > /dev/null && cmp -s "$tmp/o8.bin" "$vec/sdk3_app_2MB_dio_40m/image.bin" && ok || bad "make with --opt=value spellings"
rm -f "$tmp/o6.bin" "$tmp/o7.bin" "$tmp/o8.bin" "$tmp/-app.elf"

finish image_errors
