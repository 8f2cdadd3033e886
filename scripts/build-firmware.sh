#!/usr/bin/env bash
# Builds the demo firmware (examples/firmware) for one app slot:
#   scripts/build-firmware.sh VERSION APP_OFFSET OUT.bin [FLASHKIT]
# APP_OFFSET is the flash offset of the slot it will run from; only its low
# 20 bits matter (0x10000 and 0x110000 give the same image). Environment:
# APP_SIZE (slot size, default 0xF0000), FLASH_MODE (dio), FLASH_FREQ (40m),
# FLASH_SIZE (4MB), ELF_OUT (keep the ELF there), SOURCE_DATE_EPOCH (fixes
# the descriptor's time/date, for reproducible images). The descriptor's
# app_elf_sha256 is filled with the ELF's SHA-256, as ESP-IDF builds do.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ $# -lt 3 || $# -gt 4 || $1 == -h || $1 == --help ]]; then
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  [[ $# -ge 1 && ( $1 == -h || $1 == --help ) ]] && exit 0
  exit 2
fi
version=$1 offset=$2 out=$3
flashkit=${4:-${FLASHKIT:-$root/build/flashkit}}
die() { echo "build-firmware: $*" >&2; exit 1; }

[[ ${#version} -ge 1 && ${#version} -le 31 ]] || die "VERSION '$version' must be 1 to 31 characters (esp_app_desc_t.version is 32 bytes)"
[[ $version =~ ^[A-Za-z0-9._+~-]+$ ]] || die "VERSION '$version': use letters, digits and . _ + ~ - only"
[[ $offset =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]] || die "APP_OFFSET '$offset' is not a number"
off=$((offset))
(( off % 0x1000 == 0 )) || die "APP_OFFSET $offset is not a multiple of 4 KiB (partitions are sector-aligned)"
size=$((${APP_SIZE:-0xF0000}))
low=$((off & 0xFFFFF))
# The cache maps one 1 MiB window: the code cannot extend past its end.
avail=$((0x100000 - low))
(( size > avail )) && size=$avail
(( size > 0x10000 )) || die "slot at $offset leaves only $size bytes of its 1 MiB window"
[[ -x $flashkit ]] || die "flashkit CLI not found at $flashkit (build it first, or pass its path)"
command -v xtensa-lx106-elf-gcc >/dev/null || die "xtensa-lx106-elf-gcc not found (Debian package gcc-xtensa-lx106)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e "s/@IROM_ORG@/$(printf '0x%X' $((0x40200010 + low)))/" -e "s/@IROM_LEN@/$(printf '0x%X' $((size - 0x10)))/" \
  "$root/examples/firmware/app.ld.in" > "$tmp/app.ld"
xtensa-lx106-elf-gcc -std=c11 -Os -mlongcalls -mtext-section-literals -nostdlib -Wall -Wextra -Werror \
  -I"$root/core" -DAPP_VERSION="\"$version\"" -T "$tmp/app.ld" \
  "$root/examples/firmware/app.c" -o "$tmp/app.elf"
"$flashkit" image make --chip esp8266 --flash_mode "${FLASH_MODE:-dio}" --flash_freq "${FLASH_FREQ:-40m}" \
  --flash_size "${FLASH_SIZE:-4MB}" --version=3 --elf-sha256 "$tmp/app.elf" -o "$out" >/dev/null
[[ -n ${ELF_OUT:-} ]] && cp "$tmp/app.elf" "$ELF_OUT"
echo "build-firmware: $out: version $version, linked for flash offset $(printf '0x%x' $low) (mod 1 MiB), $(stat -c %s "$out") bytes"
