#!/bin/sh
# flashkit.1 from the CLI itself: help2man turns `flashkit --help` and
# `--version` into the page, and every command's own --help becomes a
# section of it, so the page says exactly what the binary does.
# usage: gen-man.sh HELP2MAN FLASHKIT OUT
set -eu
help2man=$1
fk=$2
out=$3
inc="$out.include"
trap 'rm -f "$inc" "$out.tmp"' EXIT
{
    printf '[COMMANDS]\n'
    "$fk" --help | sed -n 's/^  \([a-z][a-z0-9-]*\)  .*/\1/p' | while read -r cmd; do
        printf '.SS "flashkit %s"\n.nf\n' "$cmd"
        # roff: a leading dot or quote would be a request; backslashes escape
        "$fk" "$cmd" --help 2>&1 | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
        printf '.fi\n'
    done
    printf '[SEE ALSO]\nThe library for host tests of firmware: pkg-config flashkit, docs/library.md.\n'
} >"$inc"
"$help2man" --no-info --no-discard-stderr --section=1 \
    --name="ESP8266 RTOS SDK flash tools: partition tables, NVS, OTA, simulated device" \
    --include="$inc" --output="$out.tmp" "$fk"
mv "$out.tmp" "$out"
