# device ota resumes: dropped connections (a proxy of this test cuts them on
# schedule) in front of nginx (Range, ETag) and python3 -m http.server (no
# Range), power cuts mid-download followed by a plain run, a file changed on
# the server between attempts, and --combined. After every update the slot
# holds exactly the served image.
set -u
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/servers.bash"
command -v nginx >/dev/null || die "nginx not installed (scripts/deps.sh installs nginx-light)"

FK="$FLASHKIT"
W="$T/www"
mkdir -p "$W"
ota_layout
build_fw 1.0.0 0x10000 "$T/v1.bin" || die "build v1"
build_fw 2.0.0 0x30000 "$W/v2.bin" || die "build v2"
build_fw 3.0.0 0x30000 "$T/v3.bin" || die "build v3"
chmod -R a+rX "$W"
"$FK" device create "$T/dev0.img" --flash-size 1MB --table "$T/table.csv" --app "$T/v1.bin" >/dev/null || die "create"
SIZE=$(stat -c %s "$W/v2.bin")

P_NG=$(free_port) P_PY=$(free_port) X_NG=$(free_port) X_PY=$(free_port)
nginx_start "  server { listen 127.0.0.1:$P_NG; root $W; }"
(cd "$W" && exec python3 -m http.server "$P_PY" --bind 127.0.0.1) >/dev/null 2>&1 &
pids+=($!)
PROXY="$FK_SRC/tests/cli/ota_resume_proxy.py"
python3 "$PROXY" "$X_NG" "$P_NG" "$T/sched_ng" "$T/stats_ng" &
pids+=($!)
python3 "$PROXY" "$X_PY" "$P_PY" "$T/sched_py" "$T/stats_py" &
pids+=($!)
for p in $P_NG $P_PY $X_NG $X_PY; do wait_port "$p" || die "server on $p did not start: $(cat "$T/ng/error.log" 2>/dev/null)"; done
NG="http://127.0.0.1:$X_NG" PY="http://127.0.0.1:$X_PY"

slot_is() { # DEV FILE: ota_1 holds FILE's bytes
  cmp -s -n "$(stat -c %s "$2")" <(dd if="$1" bs=4096 skip=$((0x30000 / 4096)) 2>/dev/null) "$2"
}
running() { # "ota_1 2.0.0": the app the bootloader starts and its version (no python: the suite runs loaded)
  "$FK" device boot "$1" | awk '/Running partition/ {o = $NF} /App version/ {v = $NF}
    END {print (o == "0x00030000)" ? "ota_1" : o == "0x00010000)" ? "ota_0" : o), v}'
}
transferred() { sed -n 's/.*transferred \([0-9]*\) bytes over HTTP.*/\1/p' "$1" | tail -1; }
relayed() { awk '{s += $2} END {print s + 0}' "$1"; }
cuts() { awk '$1 != "-" && $1 == $2 {n++} END {print n + 0}' "$1"; } # connections the proxy dropped
ota() { "$FK" device ota "$T/dev.img" "$@" --retry-delay 20 >"$T/out" 2>"$T/err"; }

# --- dropped connections, nginx: each run cut at several points; only the
# missing bytes are asked for again (Range + If-Range) ---
runs=0 drops=0 worst=0
for sched in "1000" "5000 20000" "300 300 300" "40000 3000 3000 3000" "7 60000" "16000 16000 16000 16000"; do
  cp "$T/dev0.img" "$T/dev.img"
  printf '%s\n' $sched >"$T/sched_ng"
  : >"$T/stats_ng"
  ota "$NG/v2.bin" && ok || bad "drops [$sched]: $(cat "$T/err")"
  [ "$(running "$T/dev.img")" = "ota_1 2.0.0" ] && ok || bad "drops [$sched]: runs $(running "$T/dev.img")"
  slot_is "$T/dev.img" "$W/v2.bin" && ok || bad "drops [$sched]: slot differs from the image"
  n=$(cuts "$T/stats_ng")
  tr=$(transferred "$T/out")
  [ "${tr:-0}" -eq "$SIZE" ] && ok || bad "drops [$sched]: $tr body bytes for a $SIZE-byte image"
  # On the wire (headers too): the image, one sector per drop, 1 KiB of headers per request.
  wire=$(relayed "$T/stats_ng")
  [ "$wire" -le $((SIZE + n * 4096 + (n + 1) * 1024)) ] && ok || bad "drops [$sched]: $wire bytes on the wire"
  [ "$(grep -c 'retrying in' "$T/out")" -eq "$n" ] && ok || bad "drops [$sched]: retries: $(grep -c 'retrying' "$T/out")"
  runs=$((runs + 1)) drops=$((drops + n))
  [ "$wire" -gt "$worst" ] && worst=$wire
done
echo "nginx: $runs runs, $drops drops, every image exact; at most $worst bytes on the wire for $SIZE"

# --- dropped connections, python3 -m http.server (no Range): each retry
# gets the whole file and starts again from 0, never a mix ---
for sched in "20000" "100 30000"; do
  cp "$T/dev0.img" "$T/dev.img"
  printf '%s\n' $sched >"$T/sched_py"
  : >"$T/stats_py"
  ota "$PY/v2.bin" && ok || bad "http.server drops [$sched]: $(cat "$T/err")"
  [ "$(running "$T/dev.img")" = "ota_1 2.0.0" ] && ok || bad "http.server drops [$sched]: $(running "$T/dev.img")"
  slot_is "$T/dev.img" "$W/v2.bin" && ok || bad "http.server drops [$sched]: slot differs"
  grep -q "starting again from 0" "$T/out" && ok || bad "http.server drops [$sched]: no restart reported"
done

# --- retries run out: every request dropped before the body ---
cp "$T/dev0.img" "$T/dev.img"
printf '10\n10\n10\n10\n10\n' >"$T/sched_ng"
"$FK" device ota "$T/dev.img" "$NG/v2.bin" --retries 2 --retry-delay 10 >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && ok || bad "retries exhausted: exit status"
grep -q "in 3 requests" "$T/out" && ok || bad "--retries 2: $(grep requests "$T/out")"
grep -q "boot partition unchanged" "$T/err" && ok || bad "retries exhausted: message"
[ "$(running "$T/dev.img")" = "ota_0 1.0.0" ] && ok || bad "retries exhausted: $(running "$T/dev.img")"
: >"$T/sched_ng"

# --- a server without Range that drops every answer at the same place: the
# retries get no further, so they run out instead of looping for ever ---
cp "$T/dev0.img" "$T/dev.img"
printf '30000\n30000\n30000\n30000\n30000\n30000\n' >"$T/sched_py"
"$FK" device ota "$T/dev.img" "$PY/v2.bin" --retries 2 --retry-delay 10 >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && ok || bad "no progress: exit status"
grep -q "in 3 requests" "$T/out" && ok || bad "no progress: $(grep requests "$T/out")"
[ "$(running "$T/dev.img")" = "ota_0 1.0.0" ] && ok || bad "no progress: $(running "$T/dev.img")"
: >"$T/sched_py"

# --- power cut mid-download, then the same command: only the rest comes ---
cp "$T/dev0.img" "$T/dev.img"
n=$("$FK" device ota "$T/dev.img" "$NG/v2.bin" --count-ops | sed -n 's/^flash operations: \([0-9]*\) .*/\1/p')
[ "${n:-0}" -gt 20 ] && ok || bad "--count-ops: '$n'"
"$FK" device ota "$T/dev.img" "$NG/v2.bin" --count-ops >"$T/out" 2>&1
grep -Eq "^flash time on an ESP8266: [0-9]+\.[0-9]{2} s$" "$T/out" && ok || bad "--count-ops: no modelled time"
resumed=0
for k in $((n / 3)) $((2 * n / 3)); do
  for mode in "" ":torn"; do
    cp "$T/dev0.img" "$T/dev.img"
    "$FK" device ota "$T/dev.img" "$NG/v2.bin" --power-cut "$k$mode" --seed "$k" >/dev/null 2>"$T/err"
    [ $? -eq 3 ] && ok || bad "cut $k$mode: $(cat "$T/err")"
    [ "$(running "$T/dev.img")" = "ota_0 1.0.0" ] && ok || bad "cut $k$mode: after the cut $(running "$T/dev.img")"
    ota "$NG/v2.bin" && ok || bad "after cut $k$mode: $(cat "$T/err")"
    [ "$(running "$T/dev.img")" = "ota_1 2.0.0" ] && ok || bad "after cut $k$mode: $(running "$T/dev.img")"
    slot_is "$T/dev.img" "$W/v2.bin" && ok || bad "after cut $k$mode: slot differs"
    at=$(sed -n 's/.*resuming at .* (\([0-9]*\) of \([0-9]*\) bytes).*/\1/p' "$T/out")
    tr=$(transferred "$T/out")
    if [ -n "$at" ]; then
      resumed=$((resumed + 1))
      [ $((at + tr)) -eq "$SIZE" ] && ok || bad "after cut $k$mode: resumed at $at, then $tr bytes (image $SIZE)"
    fi
  done
done
[ "$resumed" -ge 3 ] && ok || bad "only $resumed of 4 power cuts resumed"
echo "power cuts at 2 points x (atomic, torn): $resumed resumed with only the missing bytes"
grep -q "resuming at [0-9]* KiB of [0-9]* KiB" "$T/out" && ok || bad "no 'resuming at X KiB of Y KiB' line"

# --- the file changes on the server between attempts: a new ETag, a restart
# from 0 (If-Range), and exactly the new image ---
cp "$T/dev0.img" "$T/dev.img"
cp "$W/v2.bin" "$T/v2.keep"
"$FK" device ota "$T/dev.img" "$NG/v2.bin" --power-cut $((n / 2)) >/dev/null 2>&1
[ $? -eq 3 ] && ok || bad "change: cut"
cp "$T/v3.bin" "$W/v2.bin" && touch -d '2001-01-01' "$W/v2.bin"
ota "$NG/v2.bin" && ok || bad "changed file: $(cat "$T/err")"
grep -q "starting again from 0" "$T/out" && ok || bad "changed file: no restart"
[ "$(running "$T/dev.img")" = "ota_1 3.0.0" ] && ok || bad "changed file: runs $(running "$T/dev.img")"
slot_is "$T/dev.img" "$T/v3.bin" && ok || bad "changed file: slot is not exactly the new image"
cp "$T/v2.keep" "$W/v2.bin"

# --- --no-resume: nothing stored, so a cut means a new download ---
cp "$T/dev0.img" "$T/dev.img"
"$FK" device ota "$T/dev.img" "$NG/v2.bin" --no-resume --power-cut $((n / 4)) >/dev/null 2>&1
[ $? -eq 3 ] && ok || bad "--no-resume cut"
ota "$NG/v2.bin" && ok || bad "after a --no-resume cut: $(cat "$T/err")"
grep -q "resuming" "$T/out" && bad "--no-resume: a record was kept" || ok
[ "$(transferred "$T/out")" -eq "$SIZE" ] && ok || bad "after a --no-resume cut: $(transferred "$T/out") bytes"

# --- http.server keeps no record (no Accept-Ranges): a cut restarts from 0 ---
cp "$T/dev0.img" "$T/dev.img"
npy=$("$FK" device ota "$T/dev.img" "$PY/v2.bin" --count-ops | sed -n 's/^flash operations: \([0-9]*\) .*/\1/p')
echo "flash operations of the update: $n with the resume record (nginx), ${npy:-?} without (http.server)"
cp "$T/dev0.img" "$T/dev.img"
"$FK" device ota "$T/dev.img" "$PY/v2.bin" --power-cut $((npy / 2)) >/dev/null 2>&1
[ $? -eq 3 ] && ok || bad "http.server cut"
ota "$PY/v2.bin" && ok || bad "http.server after cut: $(cat "$T/err")"
grep -q "resuming" "$T/out" && bad "http.server: resumed without Range support" || ok
slot_is "$T/dev.img" "$W/v2.bin" && ok || bad "http.server after cut: slot differs"

# --- --combined (1 MB layout, app1 then app2): resume within the half ---
build_fw 2.1.0 0x10000 "$T/app1.bin" || die "build app1"
build_fw 2.1.0 0x30000 "$T/app2.bin" || die "build app2"
python3 - "$T/app1.bin" "$T/app2.bin" "$W/fw.ota.bin" <<'PY'
import sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read()
n = max(len(a), len(b))
open(sys.argv[3], "wb").write(a.ljust(n, b"\xff") + b.ljust(n, b"\xff"))
PY
chmod a+r "$W/fw.ota.bin"
cp "$T/dev0.img" "$T/dev.img"
m=$("$FK" device ota "$T/dev.img" "$NG/fw.ota.bin" --combined --count-ops | sed -n 's/^flash operations: \([0-9]*\) .*/\1/p')
cp "$T/dev0.img" "$T/dev.img"
"$FK" device ota "$T/dev.img" "$NG/fw.ota.bin" --combined --power-cut $((m / 2)) >/dev/null 2>&1
[ $? -eq 3 ] && ok || bad "combined cut"
ota "$NG/fw.ota.bin" --combined && ok || bad "combined resume: $(cat "$T/err")"
grep -q "resuming at" "$T/out" && ok || bad "combined: not resumed"
[ "$(running "$T/dev.img")" = "ota_1 2.1.0" ] && ok || bad "combined: runs $(running "$T/dev.img")"
slot_is "$T/dev.img" "$T/app2.bin" && ok || bad "combined: ota_1 is not app2"
at=$(sed -n 's/.*resuming at .* (\([0-9]*\) of \([0-9]*\) bytes).*/\1/p' "$T/out")
half=$(( $(stat -c %s "$W/fw.ota.bin") / 2 ))
tr=$(transferred "$T/out")
[ -n "$at" ] && [ $((at + tr)) -eq "$half" ] && ok || bad "combined: resumed at '$at' then $tr bytes (half $half)"

"$FK" device ota --help | grep -q -- "--retries N" && ok || bad "help"
"$FK" device ota "$T/dev.img" "$NG/v2.bin" --retries x 2>"$T/err"; [ $? -eq 2 ] && grep -q -- "--retries x" "$T/err" && ok || bad "--retries x"
finish ota_resume
