# mfg gen's parallelism (issue 18 item 5): 1,000 aliyun devices written to a
# disk folder and to tmpfs (/dev/shm) with --jobs 1 and 2, plain and with
# --keygen (a key file more per device), against the file-creation floor
# (bench_mfg_files: the same 2,000 files created with nothing generated).
# Best and mean of FK_BENCH_MFG_RUNS runs (default 7). Prints figures only.
set -u
: "${FLASHKIT:?}"
runs=${FK_BENCH_MFG_RUNS:-7}
disk=$(mktemp -d "${FK_BENCH_DISK:-${FK_BUILD:-/tmp}}/fk_mfgjobs.XXXXXX")
shm=""
[ -d /dev/shm ] && shm=$(mktemp -d /dev/shm/fk_mfgjobs.XXXXXX)
trap 'rm -rf "$disk" ${shm:+"$shm"}' EXIT

printf 'aliyun-key,namespace,\nDeviceName,data,string\nDeviceSecret,data,string\nProductKey,data,string\nProductSecret,data,string\n' \
  >"$disk/conf.csv"
{
  echo DeviceName,DeviceSecret,ProductKey,ProductSecret
  for i in $(seq 1 1000); do printf 'dev%d,%032x,a1B2c3D4e5F,%016x\n' "$i" "$i" $((i * 7)); done
} >"$disk/vals.csv"

printf 'machine load before the runs: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
for where in "$disk" ${shm:+"$shm"}; do
  for extra in "" "--keygen"; do
    for jobs in 1 2; do
      best=999999999 sum=0
      for ((r = 0; r < runs; r++)); do
        rm -rf "$where/out"
        t0=$EPOCHREALTIME
        "$FLASHKIT" mfg gen "$disk/conf.csv" "$disk/vals.csv" dev 0x4000 --outdir "$where/out" --jobs "$jobs" --quiet $extra
        t1=$EPOCHREALTIME
        us=$((${t1/./} - ${t0/./}))
        sum=$((sum + us))
        [ "$us" -lt "$best" ] && best=$us
      done
      printf 'mfg gen 1000 devices, %-5s %-8s --jobs %d: best %4d ms, mean %4d ms\n' \
        "$([ "$where" = "$disk" ] && echo disk || echo tmpfs)" "${extra:-plain}" "$jobs" $((best / 1000)) $((sum / runs / 1000))
    done
  done
  [ -x "${FK_BUILD:-}/bench/bench_mfg_files" ] && "$FK_BUILD/bench/bench_mfg_files" "$where/floor" 1000
  rm -rf "$where/out" "$where/floor"
done
