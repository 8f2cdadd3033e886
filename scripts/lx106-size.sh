#!/usr/bin/env bash
# Builds every core module for the ESP8266 (xtensa-lx106, -Os, warnings are
# errors) and prints text/data/bss per module and in total.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/lx106}
mkdir -p "$out"
CC=xtensa-lx106-elf-gcc
CFLAGS=(-Os -std=c11 -Wall -Wextra -Werror -mlongcalls -ffunction-sections -fdata-sections
        --specs=/usr/lib/xtensa-lx106-elf/picolibc.specs -Icore)
objs=()
for src in core/*.c; do
  obj="$out/$(basename "${src%.c}").o"
  "$CC" "${CFLAGS[@]}" -c "$src" -o "$obj"
  objs+=("$obj")
done
# Firmware-style examples use only the SDK's API names: they must compile
# for the ESP8266 against the core's headers (compile only; not sized).
for src in examples/*.c; do
  [ -f "$src" ] || continue
  "$CC" "${CFLAGS[@]}" -c "$src" -o "$out/example_$(basename "${src%.c}").o"
done
echo "core on xtensa-lx106 ($($CC --version | head -n1)), -Os:"
xtensa-lx106-elf-size -t "${objs[@]}" | sed "s|$out/||"
