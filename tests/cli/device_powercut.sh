# Power cut from the shell, as a user would do it: `device ota --count-ops`
# gives the number of flash operations; a few of them are cut (atomic and
# torn): exit status 3 with the message, and `device boot` must start a valid
# app - the old one, or the new one when otadata already names it. Same for
# `device nvs set` and `device create`. The sweep over every cut point runs in
# one process: tests/unit/test_device_powercut.c.
set -u
. "$(dirname "$0")/lib.bash"
T=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
FK="$FLASHKIT"
mkdir -p "$T/www"
APP_SIZE=0x70000 "$FK_SRC/scripts/build-firmware.sh" 1.0.0 0x10000 "$T/v1.bin" "$FK" >/dev/null 2>&1 || bad "build v1"
APP_SIZE=0x70000 "$FK_SRC/scripts/build-firmware.sh" 2.0.0 0x80000 "$T/www/v2.bin" "$FK" >/dev/null 2>&1 || bad "build v2"
printf 'key,type,encoding,value\naliyun-key,namespace,,\nProductKey,data,string,a10BnLLzGv4\n' >"$T/creds.csv"
"$FK" device create "$T/dev0.img" --flash-size 1MB --table two_ota_1mb --nvs "$T/creds.csv" --app "$T/v1.bin" >/dev/null \
  || bad "create"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$T/www" && exec python3 -m http.server "$port" --bind 127.0.0.1) >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
URL="http://127.0.0.1:$port/v2.bin"

boot_state() {
  "$FK" device boot "$1" --json | python3 -c '
import json,sys
j=json.load(sys.stdin)
b=j["booted"]; c=j["configured"]
print(b["label"] if b else "none", j["app"]["version"] if j["app"] else "-", "ok" if (b and c and b["offset"]==c["offset"]) else "fallback")'
}

cp "$T/dev0.img" "$T/dev.img"
n=$("$FK" device ota "$T/dev.img" "$URL" --count-ops | sed -n 's/^flash operations: \([0-9]*\) .*/\1/p')
[ -n "$n" ] && [ "$n" -gt 10 ] && ok || bad "--count-ops gave '$n'"
[ "$(boot_state "$T/dev.img")" = "ota_1 2.0.0 ok" ] && ok || bad "uncut OTA: $(boot_state "$T/dev.img")"
# A few cuts through the command itself (first, middle, last; atomic and
# torn): exit status 3 and the message, then a valid boot. Every cut point is
# swept in-process by tests/unit/test_device_powercut.c.
old=0 new=0
for k in 1 $(( ${n:-2} / 2 )) "${n:-3}"; do
  for mode in "" ":torn"; do
    cp "$T/dev0.img" "$T/dev.img"
    "$FK" device ota "$T/dev.img" "$URL" --power-cut "$k$mode" --seed "$k" >/dev/null 2>"$T/err"
    rc=$?
    [ $rc -eq 3 ] && ok || bad "cut $k$mode: exit $rc: $(cat "$T/err")"
    grep -q "power cut at flash operation $k" "$T/err" && ok || bad "cut $k$mode message"
    s=$(boot_state "$T/dev.img")
    case "$s" in
      "ota_0 1.0.0 ok") old=$((old + 1)); ok ;;
      "ota_1 2.0.0 ok") new=$((new + 1)); ok ;;
      *) bad "cut $k$mode: after reboot: $s" ;;
    esac
  done
done
echo "device ota: 3 of $n cut points x (atomic, torn): $old boots of the old app, $new of the new"
[ $old -gt 0 ] && ok || bad "no cut left the old app"
# A cut past the last operation is no cut: the update completes.
cp "$T/dev0.img" "$T/dev.img"
"$FK" device ota "$T/dev.img" "$URL" --power-cut "$((n + 1))" >/dev/null 2>&1 && ok || bad "cut past the end"
[ "$(boot_state "$T/dev.img")" = "ota_1 2.0.0 ok" ] && ok || bad "cut past the end: $(boot_state "$T/dev.img")"

# NVS set cut at its first operation: the old value; uncut: the new one.
for mode in "" ":torn"; do
  cp "$T/dev0.img" "$T/nvs.img"
  "$FK" device nvs "$T/nvs.img" set aliyun-key ProductKey NEWKEY --power-cut "1$mode" >/dev/null 2>&1
  [ $? -eq 3 ] && ok || bad "nvs set --power-cut 1$mode exit"
  v=$("$FK" device nvs "$T/nvs.img" get aliyun-key ProductKey 2>&1)
  case "$v" in a10BnLLzGv4|NEWKEY) ok ;; *) bad "nvs cut 1$mode: value '$v'" ;; esac
done
"$FK" device nvs "$T/nvs.img" set aliyun-key ProductKey NEWKEY >/dev/null && ok || bad "nvs set after the cut"
[ "$("$FK" device nvs "$T/nvs.img" get aliyun-key ProductKey 2>&1)" = NEWKEY ] && ok || bad "nvs value after the retry"

# create cut part-way: a half-flashed device that does not boot, reported as such.
"$FK" device create "$T/half.img" --flash-size 1MB --table two_ota_1mb --app "$T/v1.bin" --power-cut 3 >/dev/null 2>"$T/err"
[ $? -eq 3 ] && ok || bad "create --power-cut exit"
"$FK" device boot "$T/half.img" >/dev/null 2>&1 && bad "half-flashed device boots" || ok

finish device_powercut
