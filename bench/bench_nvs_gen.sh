# NVS generator speed: one `flashkit nvs gen` process on the user's 5-line
# aliyun example (median of many runs), and `flashkit mfg gen` of 1,000 and
# 100,000 devices (wall time). Prints figures; asserts nothing.
# Reference figures (issue 4): nvs_partition_gen.py ~196 ms per invocation,
# mfg_gen.py ~0.4-1.1 s per 1,000 devices.
set -u
: "${FLASHKIT:?}"
runs=${FK_BENCH_RUNS:-300}
big=${FK_BENCH_MFG_BIG:-100000}
tmp=$(mktemp -d)
shm=""
trap 'rm -rf "$tmp" ${shm:+"$shm"}' EXIT

cat > "$tmp/example.csv" <<'EOF'
key,type,encoding,value
aliyun-key,namespace,,
DeviceName,data,string,config
DeviceSecret,data,string,dsj3RuY74pgCBJ3zczKz1LaLK7RGApqh
ProductKey,data,string,a10BnLLzGv4
ProductSecret,data,string,pVfLpS1u3A9JM0go
EOF

times=()
for ((i = 0; i < runs; i++)); do
  t0=$EPOCHREALTIME
  "$FLASHKIT" nvs gen --input "$tmp/example.csv" --output "$tmp/example.bin" --size 0x4000 --version v1
  t1=$EPOCHREALTIME
  times+=("$(( (${t1/./} - ${t0/./}) ))")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
best=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
printf 'machine load before the runs: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
printf 'nvs gen, 5-line example, whole process: median %d.%03d ms, best %d.%03d ms over %d runs (target < 4 ms; nvs_partition_gen.py ~196 ms)\n' \
  $((median / 1000)) $((median % 1000)) $((best / 1000)) $((best % 1000)) "$runs"

cat > "$tmp/conf.csv" <<'EOF'
aliyun-key,namespace,
DeviceName,data,string
DeviceSecret,data,string
ProductKey,data,string
ProductSecret,data,string
EOF
values() {
  awk -v n="$1" 'BEGIN {
    print "DeviceName,DeviceSecret,ProductKey,ProductSecret"
    for (i = 1; i <= n; i++) printf "dev%06d,%032x,a10BnLLzGv4,pVfLpS1u3A9JM0go\n", i, i * 2654435761 % 4294967296
  }' > "$tmp/values-$1.csv"
}
# Where the images go matters more than flashkit: creating 2 files per device
# is kernel work. Figures are given for the benchmark's temp folder (disk) and,
# when available, for /dev/shm (memory), which shows flashkit's own cost.
# Outputs are deleted only at the end: ext4 slows inode allocation for a while
# after many deletions (it skips recently freed inodes), which would charge one
# run for the clean-up of the previous one.
run_mfg() { # n outdir label
  local n=$1 out=$2 label=$3
  sync
  local TIMEFORMAT='%R %U %S' real user sys
  { time "$FLASHKIT" mfg gen --conf "$tmp/conf.csv" --values "$tmp/values-$n.csv" --prefix aliyun --size 0x4000 \
    --version v1 --outdir "$out" -q 2> "$tmp/err" ; } 2> "$tmp/time" || { echo "mfg gen failed: $(tail -3 "$tmp/err")"; return; }
  read -r real user sys < "$tmp/time"
  local files
  files=$(find "$out/bin" -name '*.bin' | wc -l)
  printf 'mfg gen, %d devices to %s (0x4000 images + CSVs, %d CPUs): %s s wall (%.1f us/device), CPU %s s user + %s s system' \
    "$n" "$label" "$(nproc)" "$real" "$(echo "$real $n" | awk '{print $1 * 1e6 / $2}')" "$user" "$sys"
  [ "$n" -eq 1000 ] && printf ' (target: >= 20x faster than mfg_gen.py 0.4-1.1 s)'
  [ "$n" -eq 100000 ] && printf ' (target < 10 s)'
  printf '; %d images\n' "$files"
}
[ -d /dev/shm ] && [ -w /dev/shm ] && shm=$(mktemp -d /dev/shm/fk-bench-XXXXXX)
for n in 1000 "$big"; do
  values "$n"
  run_mfg "$n" "$tmp/out-$n" "disk ($tmp)"
  [ -n "$shm" ] && run_mfg "$n" "$shm/out-$n" "memory (/dev/shm)"
  [ -n "$shm" ] && rm -rf "$shm/out-$n"
done
[ -n "$shm" ] && rm -rf "$shm"
