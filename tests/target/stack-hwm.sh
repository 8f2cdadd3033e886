#!/usr/bin/env bash
# Stack high-water marks of the last target run, from ctest's log: every
# test image paints its stack and prints what it used at exit (rt_start.c).
#   tests/target/stack-hwm.sh BUILD_DIR    -> BUILD_DIR/stack-hwm.txt + stdout
set -euo pipefail
build=${1:?usage: stack-hwm.sh BUILD_DIR}
log=$build/Testing/Temporary/LastTest.log
[[ -f $log ]] || { echo "stack-hwm: $log: no target run yet (make test-lx106)" >&2; exit 1; }
awk '
  /^[0-9]+\/[0-9]+ Testing: / { name = $3 }
  /^lx106: stack high-water / { printf "%-44s %6d of %6d bytes  (data+bss %d)\n", name, $4, $6, $9 }
' "$log" | sort > "$build/stack-hwm.txt"
echo "stack high-water marks under QEMU (stack painted at start, measured at exit):"
cat "$build/stack-hwm.txt"
