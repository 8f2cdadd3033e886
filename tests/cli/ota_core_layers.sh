#!/usr/bin/env bash
# Issue 11: core/ has no circle, neither in #includes nor in calls. Modules are
# named by file (boot_select.c + boot_select.h = boot_select); an edge X -> Y
# means X includes Y's header or calls a function Y defines. tsort finds loops.
source "$(dirname "$0")/lib.bash"
core="$FK_SRC/core"
inc=$(mktemp) calls=$(mktemp)
trap 'rm -f "$inc" "$calls"' EXIT

for f in "$core"/*.c "$core"/*.h; do
    m=$(basename "${f%.*}")
    echo "$m $m" >>"$inc"
    sed -n 's/^#include "\(.*\)\.h".*/\1/p' "$f" | while read -r h; do
        [ "$h" != "$m" ] && echo "$m $h" >>"$inc"
    done
done
if tsort "$inc" >/dev/null 2>"$inc.err"; then ok "no #include circle in core/"; else bad "#include circle in core/: $(cat "$inc.err")"; fi
rm -f "$inc.err"

objs=$(find "$FK_BUILD" -path '*flashkit_core*' -name '*.o' 2>/dev/null)
check "core objects found in the build" test -n "$objs"
declare -A owner
for o in $objs; do
    m=$(basename "$o" .o); m=${m%.c}
    for s in $(nm --defined-only "$o" | awk '$2 ~ /^[TDBR]$/ {print $3}'); do owner[$s]=$m; done
done
for o in $objs; do
    m=$(basename "$o" .o); m=${m%.c}
    echo "$m $m" >>"$calls"
    for s in $(nm --undefined-only "$o" | awk '{print $2}'); do
        t=${owner[$s]:-}
        [ -n "$t" ] && [ "$t" != "$m" ] && echo "$m $t" >>"$calls"
    done
done
if tsort "$calls" >/dev/null 2>"$calls.err"; then ok "no call circle in core/"; else bad "call circle in core/: $(cat "$calls.err")"; fi
rm -f "$calls.err"
# The bootloader does not reach into the app's OTA API, nor the API into the bootloader.
check "boot_select calls nothing of esp_ota_ops" bash -c "! grep -q '^boot_select esp_ota_ops$' '$calls'"
check "esp_ota_ops calls nothing of boot_select" bash -c "! grep -q '^esp_ota_ops boot_select$' '$calls'"
finish ota_core_layers
