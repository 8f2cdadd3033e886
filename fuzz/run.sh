#!/usr/bin/env bash
# Runs the libFuzzer harnesses built in BUILD (mk/fuzz.mk builds them).
#   fuzz/run.sh regress BUILD SECONDS  every earlier crash input, every seed,
#                                      then SECONDS of fuzzing per harness;
#                                      exit 1 if anything crashes (make test)
#   fuzz/run.sh fuzz BUILD SECONDS     the same, the long run (make fuzz)
# Only harness names matching $FUZZ_ONLY (a grep -E pattern) run, if set.
# Seeds come from each harness's FUZZ_SEEDS / FUZZ_SEEDS_SRC / FUZZ_SEED_TEXT
# lines, made at run time; corpora and crashes stay in BUILD (outside the tree).
set -euo pipefail
mode=${1:?mode}
build=$(cd "${2:?build dir}" && pwd)
secs=${3:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
vectors=${FK_VECTORS:-$root/../shared/vectors}

# Seed folder of one harness, made fresh from its source's seed lines.
make_seeds() {
  local src=$1 out=$2 n=0 line g f
  rm -rf "$out"; mkdir -p "$out"
  while IFS= read -r line; do
    case $line in
      "// FUZZ_SEEDS: "*) base=$vectors; set -f; globs=(${line#*: }); set +f ;;
      "// FUZZ_SEEDS_SRC: "*) base=$root; set -f; globs=(${line#*: }); set +f ;;
      "// FUZZ_SEED_TEXT: "*) printf '%b' "${line#*: }" >"$out/text-$((n++))"; continue ;;
      *) continue ;;
    esac
    for g in "${globs[@]}"; do
      for f in $(cd "$base" && compgen -G "$g" || true); do
        [ -f "$base/$f" ] && cp "$base/$f" "$out/seed-${f//\//_}"
      done
    done
  done <"$src"
}

total_fail=0
printf '%-18s %12s %10s %8s %s\n' harness execs exec/s corpus result
for src in "$root"/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  [ -n "${FUZZ_ONLY:-}" ] && ! grep -qE "$FUZZ_ONLY" <<<"$name" && continue
  bin=$build/$name
  [ -x "$bin" ] || { echo "$name: not built ($bin)"; total_fail=1; continue; }
  seeds=$build/seeds/$name corpus=$build/corpus/$name crashes=$build/crashes/$name
  make_seeds "$src" "$seeds"
  mkdir -p "$corpus" "$crashes"
  maxlen=$(sed -n 's|^// FUZZ_MAX_LEN: *||p' "$src"); maxlen=${maxlen:-16384}
  log=$build/logs/$name.log; mkdir -p "$build/logs"
  result=ok
  # Crashes found before must stay fixed.
  old=$(find "$crashes" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
  if [ -n "$old" ]; then
    # shellcheck disable=SC2086
    if ! "$bin" -timeout=25 -rss_limit_mb=2048 $old >"$log.replay" 2>&1; then
      result="FAIL (an earlier crash input in $crashes still crashes; see $log.replay)"
    fi
  fi
  if [ "$result" = ok ]; then
    if ! "$bin" "$corpus" "$seeds" -max_total_time="$secs" -max_len="$maxlen" -timeout=${FUZZ_TIMEOUT:-20} \
         -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" >"$log" 2>&1; then
      result="FAIL (crash saved in $crashes; see $log)"
    fi
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  printf '%-18s %12s %10s %8s %s\n' "$name" "${execs:-?}" "${rate:-?}" "$(ls "$corpus" | wc -l)" "$result"
  if [ "$result" != ok ]; then
    total_fail=1
    grep -m3 -E "ERROR: |fuzz property failed|SUMMARY" "$log" "$log.replay" 2>/dev/null | sed 's/^/    /' || true
  fi
done
[ "$mode" = regress ] || [ "$mode" = fuzz ] || { echo "run.sh: unknown mode $mode"; exit 2; }
exit $total_fail
