#!/usr/bin/env bash
# Runs every benchmark: bench/bench_*.c (built into BUILD/bench/) and
# bench/*.sh (given FLASHKIT, FK_SHARED, FK_SRC, FK_BUILD). They print figures.
set -uo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
export FLASHKIT="$build/flashkit" FK_SHARED="$(cd .. && pwd)/shared" FK_SRC="$PWD" FK_BUILD="$build"
rc=0
for b in "$build"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" || rc=1
  # NVS on a v1 partition too: the ESP8266 SDK 3.x release format.
  if [ "$(basename "$b")" = bench_nvs ]; then
    echo "== bench_nvs --v1"
    "$b" --v1 || rc=1
  fi
done
for s in bench/*.sh; do
  [ -f "$s" ] || continue
  echo "== $(basename "$s")"
  bash "$s" || rc=1
done
exit $rc
