#!/usr/bin/env bash
# Runs one lx106 test image under QEMU and exits with its exit code:
#   run-qemu.sh IMAGE.elf [ARG...]
# The image sees ARGs as argv[1..], FK_SHARED (absolute) and FK_RT_DIRINDEX
# (a listing of $FK_SHARED/vectors, for its opendir/readdir) as its
# environment, plus every NAME=VALUE word of FK_TARGET_ENV.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: run-qemu.sh IMAGE.elf [ARG...]" >&2; exit 2; }
elf=$1
shift
[[ -f $elf ]] || { echo "run-qemu.sh: $elf: no such image" >&2; exit 2; }
shared=$(realpath "${FK_SHARED:-$(dirname "$0")/../../../shared}")
idx=$(mktemp "${TMPDIR:-/tmp}/fk-lx106-dirs.XXXXXX")
trap 'rm -f "$idx"' EXIT
if [[ -d $shared/vectors ]]; then
  { find "$shared/vectors" -type d -printf '%p\t.\n'
    find "$shared/vectors" -mindepth 1 -printf '%h\t%f\n'; } > "$idx"
fi
# QEMU's option syntax doubles a comma inside a value.
q() { printf '%s' "${1//,/,,}"; }
cfg="enable=on,arg=$(q "$(basename "$elf" .elf)")"
for a in "$@"; do cfg+=",arg=$(q "$a")"; done
for e in "FK_SHARED=$shared" "FK_RT_DIRINDEX=$idx" ${FK_TARGET_ENV:-}; do cfg+=",arg=@env:$(q "$e")"; done
rc=0
qemu-system-xtensa -M sim -cpu lx106 -display none -monitor none -serial none \
  -semihosting-config "$cfg" -kernel "$elf" || rc=$?
exit "$rc"
