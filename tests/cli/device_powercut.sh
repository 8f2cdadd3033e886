# Power cut from the shell, as a user would sweep it: `device ota --count-ops`
# gives the number of flash operations, then every one of them is cut (atomic
# and torn) and `device boot` must start a valid app: the old one, or the new
# one when otadata already names it - never a fallback, never nothing.
# Same for `device nvs set` (old or new value afterwards) and `device create`.
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
old=0 new=0
for k in $(seq 1 "${n:-0}"); do
  for mode in "" ":torn"; do
    cp "$T/dev0.img" "$T/dev.img"
    "$FK" device ota "$T/dev.img" "$URL" --power-cut "$k$mode" --seed "$k" >/dev/null 2>"$T/err"
    rc=$?
    [ $rc -eq 3 ] || [ $rc -eq 0 ] && ok || bad "cut $k$mode: exit $rc: $(cat "$T/err")"
    [ $rc -eq 3 ] && { grep -q "power cut at flash operation $k" "$T/err" && ok || bad "cut $k$mode message"; }
    s=$(boot_state "$T/dev.img")
    case "$s" in
      "ota_0 1.0.0 ok") old=$((old + 1)); ok ;;
      "ota_1 2.0.0 ok") new=$((new + 1)); ok ;;
      *) bad "cut $k$mode: after reboot: $s" ;;
    esac
  done
done
echo "device ota: $n cut points x (atomic, torn): $old boots of the old app, $new of the new"
[ $old -gt 0 ] && ok || bad "no cut left the old app"

# NVS set under power cuts: the value is the old or the new one, never lost.
cp "$T/dev0.img" "$T/nvs0.img"
k=1 done_at=0
while [ $k -le 60 ]; do
  for mode in "" ":torn"; do
    cp "$T/nvs0.img" "$T/nvs.img"
    "$FK" device nvs "$T/nvs.img" set aliyun-key ProductKey NEWKEY --power-cut "$k$mode" >/dev/null 2>&1
    rc=$?
    v=$("$FK" device nvs "$T/nvs.img" get aliyun-key ProductKey 2>&1)
    case "$v" in a10BnLLzGv4|NEWKEY) ok ;; *) bad "nvs cut $k$mode: value '$v'" ;; esac
    [ $rc -eq 0 ] && done_at=$k
  done
  [ $done_at -gt 0 ] && break
  k=$((k + 1))
done
[ $done_at -gt 0 ] && ok || bad "nvs set never completed within 60 operations"
echo "device nvs set: $((done_at - 1)) cut points"

# create cut part-way: a half-flashed device that does not boot, reported as such.
"$FK" device create "$T/half.img" --flash-size 1MB --table two_ota_1mb --app "$T/v1.bin" --power-cut 3 >/dev/null 2>"$T/err"
[ $? -eq 3 ] && ok || bad "create --power-cut exit"
"$FK" device boot "$T/half.img" >/dev/null 2>&1 && bad "half-flashed device boots" || ok

finish device_powercut
