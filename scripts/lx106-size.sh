#!/usr/bin/env bash
# Builds every core module for the ESP8266 (xtensa-lx106, -Os, warnings are
# errors) and prints, for `make lx106`:
#   - text/data/bss per module and in total
#   - the two halves compared with the SDK's (docs/target.md)
#   - the worst-case stack depth of every public function (GCC's call
#     graphs, scripts/lx106-stack.py; budget 1 KiB for the core's frames)
#   - firmware links with --gc-sections (tests/target/fw): what a firmware
#     pays for the parts it calls, and that the rest costs nothing
#   - the stack high-water marks measured under QEMU by the last
#     `make test-lx106` (when there was one)
#   scripts/lx106-size.sh [OUT_DIR]      (default build/lx106)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/lx106}
target_build=${LX106_BUILD:-build-lx106-target}
mkdir -p "$out"
CC=xtensa-lx106-elf-gcc
CFLAGS=(-Os -std=c11 -Wall -Wextra -Werror -mlongcalls -ffunction-sections -fdata-sections
        --specs=/usr/lib/xtensa-lx106-elf/picolibc.specs -Icore)
objs=()
rm -f "$out"/*.ci "$out"/*.su
for src in core/*.c; do
  obj="$out/$(basename "${src%.c}").o"
  "$CC" "${CFLAGS[@]}" -fstack-usage -fcallgraph-info=su -c "$src" -o "$obj"
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

# The halves the SDK comparison uses (docs/target.md, "Code size").
group() {
  local sum=0 m
  for m in "$@"; do
    [[ -f $out/$m.o ]] || continue
    sum=$((sum + $(xtensa-lx106-elf-size "$out/$m.o" | awk 'NR == 2 { print $1 + $2 }')))
  done
  echo "$sum"
}
# The NVS modules by prefix: their files are being renamed (fk_nvs_*).
nvs=()
for f in core/nvs_*.c core/fk_nvs_*.c; do [[ -f $f ]] && nvs+=("$(basename "${f%.c}")"); done
ota=(esp_ota_ops esp_ota_rollback fk_ota_slots otadata app_image fk_image_fmt boot_select fk_app_start esp_partition fk_ptable_fmt app_desc)
rb=(fk_rollback fk_secure_version fk_ota_config)
echo
echo "against the ESP8266 RTOS SDK 3.x (text+data, whole modules; SDK figures from issue 16):"
printf '  %-52s %7s B   SDK 21.9 KB\n' "NVS engine + API" "$(group "${nvs[@]}")"
printf '  %-52s %7s B   SDK  8.3 KB\n' "OTA+image+boot+partition+app desc" "$(group "${ota[@]}")"
printf '  %-52s %7s B   (no SDK 3.x counterpart)\n' "rollback/anti-rollback (${rb[*]})" "$(group "${rb[@]}")"

echo
echo "worst-case stack per public function (own frames; calls through fk_flash_t end the chain):"
# Over the budget fails the run (make test), after the rest is printed.
stack_rc=0
scripts/lx106-stack.py --budget 1024 "$out" || stack_rc=$?

# Firmware links: only what app_main reaches is kept. Symbols the SDK or
# ROM provides (spi_flash_*, memcpy, libgcc, SHA-256/MD5) stay unresolved on
# purpose: the figures are flashkit's bytes and the firmware's own.
fw=tests/target/fw
FWFLAGS=(-Os -std=c11 -Wall -Wextra -Werror -mlongcalls -mtext-section-literals -ffunction-sections
         -fdata-sections -Icore -nostdlib -T "$fw/fw.ld" -Wl,--gc-sections)
rm -f "$out/libfkcore.a"
xtensa-lx106-elf-ar rcs "$out/libfkcore.a" "${objs[@]}"
echo
echo "firmware links with --gc-sections (tests/target/fw; the whole core archive offered to each):"
printf '  %-26s %7s %6s %6s   %s\n' variant text data bss "left to the SDK/ROM"
fwrow() {
  local name=$1 elf=$2 t d b ext
  read -r t d b < <(xtensa-lx106-elf-size "$elf" | awk 'NR == 2 { print $1, $2, $3 }')
  ext=$(xtensa-lx106-elf-nm -u "$elf" | awk '{ print $2 }' | tr '\n' ' ')
  printf '  %-26s %7d %6d %6d   %s\n' "$name" "$t" "$d" "$b" "${ext:--}"
}
"$CC" "${FWFLAGS[@]}" "$fw/fw_none.c" -o "$out/fw_alone.elf"
fwrow "none, without the core" "$out/fw_alone.elf"
# fwlink NAME VARIANT ARCHIVE [CFLAGS...]: one firmware against one archive.
fwlink() {
  local name=$1 v=$2 lib=$3
  shift 3
  "$CC" "${FWFLAGS[@]}" "$@" -Wl,--unresolved-symbols=ignore-all "$fw/fw_$v.c" "$fw/fw_port.c" "$lib" \
    -o "$out/fw_$name.elf"
  fwrow "$name" "$out/fw_$name.elf"
}
for v in none nvs ota nvs_ota boot; do fwlink "$v" "$v" "$out/libfkcore.a"; done
# The core's compile-time options (docs/target.md): the archive above is
# the default (rollback off as in the SDK, diagnostic text on). Each other
# configuration is a separate archive; the firmware is compiled with the
# same flags (the options size structures in the headers).
cfgar() {
  local dir=$out/cfg-$1 src o
  shift
  mkdir -p "$dir"
  local cobjs=()
  for src in core/*.c; do
    o="$dir/$(basename "${src%.c}").o"
    "$CC" "${CFLAGS[@]}" "$@" -c "$src" -o "$o"
    cobjs+=("$o")
  done
  rm -f "$dir/lib.a"
  xtensa-lx106-elf-ar rcs "$dir/lib.a" "${cobjs[@]}"
}
echo "  -- error codes without texts (-DFK_DIAG=0):"
cfgar codes -DFK_DIAG=0
for v in ota nvs_ota boot; do fwlink "$v-codes" "$v" "$out/cfg-codes/lib.a" -DFK_DIAG=0; done
echo "  -- reasons kept, esp_err_to_name's table left out (-DFK_ERR_NAMES=0):"
cfgar nonames -DFK_ERR_NAMES=0
for v in ota boot; do fwlink "$v-nonames" "$v" "$out/cfg-nonames/lib.a" -DFK_ERR_NAMES=0; done
echo "  -- rollback compiled in (-DCONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=1); ota_features also calls"
echo "     rollback, anti-rollback and Secure Boot v2 (tests/target/fw/fw_ota_features.c):"
rb=-DCONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=1
cfgar rollback "$rb"
for v in ota ota_features boot; do fwlink "$v-rollback" "$v" "$out/cfg-rollback/lib.a" "$rb"; done

if [[ -f $target_build/stack-hwm.txt ]]; then
  echo
  echo "stack high-water marks under QEMU (last make test-lx106; includes the test's own frames and printf):"
  sed 's/^/  /' "$target_build/stack-hwm.txt"
fi
exit $stack_rc
