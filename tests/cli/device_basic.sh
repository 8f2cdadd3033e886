# flashkit device create / boot / nvs / ota --combined: layouts, fallback,
# error messages, JSON. (HTTP failure cases: ota_http.sh; power cuts:
# device_powercut.sh.)
set -u
. "$(dirname "$0")/lib.bash"
T=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
FK="$FLASHKIT"
BF="$FK_SRC/scripts/build-firmware.sh"
j() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
# expect_err NAME REGEX cmd...: non-zero exit and the message
expect_err() {
  local name=$1 re=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err" && bad "$name: exit 0" || ok
  grep -Eq -- "$re" "$T/err" && ok || bad "$name: '$(cat "$T/err")' lacks /$re/"
}

"$BF" 1.0.0 0x10000 "$T/v1.bin" "$FK" >/dev/null 2>&1 || bad "build v1"
"$BF" 2.0.0 0x110000 "$T/v2.bin" "$FK" >/dev/null 2>&1 || bad "build v2"
APP_SIZE=0x70000 "$BF" 1.1.0 0x80000 "$T/app2.bin" "$FK" >/dev/null 2>&1 || bad "build app2"
APP_SIZE=0x70000 "$BF" 1.1.0 0x10000 "$T/app1.bin" "$FK" >/dev/null 2>&1 || bad "build app1"
cat >"$T/creds.csv" <<'CSV'
key,type,encoding,value
aliyun-key,namespace,,
DeviceName,data,string,config
ProductKey,data,string,a10BnLLzGv4
CSV

# --- create + boot on the default 4 MB two_ota layout ---
"$FK" device create "$T/d.img" --table two_ota --nvs "$T/creds.csv" --app "$T/v1.bin" >"$T/out" || bad "create"
[ "$(stat -c %s "$T/d.img")" = 4194304 ] && ok || bad "4 MB default size"
grep -q "ota_0     0x010000" "$T/out" && ok || bad "create summary: $(cat "$T/out")"
out=$("$FK" device boot "$T/d.img")
echo "$out" | grep -q "Running partition type 0 subtype 16 (offset 0x00010000)" && ok || bad "boot text"
echo "$out" | grep -q "App version:      1.0.0" && ok || bad "boot app version"
echo "$out" | grep -q " 3 ota_0            OTA app        00   10 00010000 000f0000" && ok || bad "boot table listing"
s=$("$FK" device boot "$T/d.img" --json | j 'j["selected"], j["booted"]["label"], j["app"]["project_name"], j["otadata"]["state"], j["table_offset"]')
[ "$s" = "ota_0 ota_0 flashkit_demo erased 32768" ] && ok || bad "boot json: $s"

# --- NVS through the engine ---
[ "$("$FK" device nvs "$T/d.img" get aliyun-key ProductKey)" = a10BnLLzGv4 ] && ok || bad "nvs get"
"$FK" device nvs "$T/d.img" set aliyun-key Counter 42 --type u32 >/dev/null && ok || bad "nvs set u32"
[ "$("$FK" device nvs "$T/d.img" get aliyun-key Counter)" = 42 ] && ok || bad "nvs get u32"
"$FK" device nvs "$T/d.img" set aliyun-key Blob 00ff10 --type blob >/dev/null && ok || bad "nvs set blob"
"$FK" device nvs "$T/d.img" list aliyun-key | grep -Eq "^Blob +blob +00ff10$" && ok || bad "nvs list blob"
"$FK" device nvs "$T/d.img" set other Name hello >/dev/null && ok || bad "nvs new namespace"
[ "$("$FK" device nvs "$T/d.img" get other Name)" = hello ] && ok || bad "nvs get new namespace"
expect_err "nvs missing key" "key 'Nope' not found in namespace 'aliyun-key'" "$FK" device nvs "$T/d.img" get aliyun-key Nope
expect_err "nvs missing namespace" "namespace 'nosuch'" "$FK" device nvs "$T/d.img" list nosuch
expect_err "nvs bad u8" "'300' is not a u8 value" "$FK" device nvs "$T/d.img" set aliyun-key X 300 --type u8
expect_err "nvs usage" "expected DEV.img list" "$FK" device nvs "$T/d.img" get aliyun-key
"$FK" device boot "$T/d.img" >/dev/null && ok || bad "boots after NVS writes"

# --- fallback: otadata names ota_1 but its image is corrupt ---
cp "$T/d.img" "$T/f.img"
dd if="$T/v2.bin" of="$T/f.img" bs=4096 seek=$((0x110000 / 4096)) conv=notrunc 2>/dev/null
dd if="$T/f.img" bs=4096 skip=13 count=2 of="$T/od.bin" 2>/dev/null
"$FK" otadata set "$T/od.bin" --slots 2 --target ota_1 >/dev/null
dd if="$T/od.bin" of="$T/f.img" bs=4096 seek=13 conv=notrunc 2>/dev/null
[ "$("$FK" device boot "$T/f.img" --json | j 'j["booted"]["label"]')" = ota_1 ] && ok || bad "ota_1 selected"
python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(int(sys.argv[2],0)); b=f.read(1); f.seek(-1,1); f.write(bytes([b[0]^0x5a]))' "$T/f.img" 0x110200
out=$("$FK" device boot "$T/f.img")
echo "$out" | grep -q "ota_1 at 0x00110000 not bootable" && ok || bad "fallback reason: $out"
echo "$out" | grep -q "Configured OTA boot partition at offset 0x00110000, but running from offset 0x00010000" && ok \
  || bad "configured/running warning"
s=$("$FK" device boot "$T/f.img" --json | j 'j["booted"]["label"], len(j["tries"]), j["tries"][0]["ok"]')
[ "$s" = "ota_0 2 False" ] && ok || bad "fallback json: $s"
dd if=/dev/zero of="$T/f.img" bs=4096 seek=16 count=1 conv=notrunc 2>/dev/null
"$FK" device boot "$T/f.img" >"$T/out" 2>&1 && bad "nothing bootable: exit 0" || ok
grep -q "No bootable app partitions" "$T/out" && ok || bad "no bootable message"

# --- 1 MB layout: link address per slot, --combined .ota.bin, a non-default table offset ---
expect_err "app1 image in a 1MB slot of another link" "linked for the slot at 0x80000" \
  "$FK" device create "$T/m.img" --flash-size 1MB --table two_ota_1mb --app "$T/app2.bin"
"$FK" device create "$T/w.img" --flash-size 1MB --table two_ota_1mb --app "$T/app2.bin" --force >/dev/null 2>&1 && ok || bad "--force"
"$FK" device boot "$T/w.img" | grep -q "linked to run from 0x80000 but sits at 0x10000: on an ESP8266 it would crash" && ok \
  || bad "boot warns about the link address"
"$FK" device create "$T/m.img" --flash-size 1MB --table two_ota_1mb --app "$T/app1.bin" >/dev/null && ok || bad "create 1MB"
# One command at a time per device file.
python3 -c 'import fcntl,sys,time; f=open(sys.argv[1],"rb"); fcntl.flock(f,fcntl.LOCK_EX); print("locked",flush=True); time.sleep(3)' "$T/m.img" >"$T/lock" &
lockpid=$!
for _ in $(seq 50); do grep -q locked "$T/lock" && break; sleep 0.05; done
expect_err "device in use" "in use by another flashkit command" "$FK" device boot "$T/m.img"
kill $lockpid 2>/dev/null; wait $lockpid 2>/dev/null
python3 - "$T/app1.bin" "$T/app2.bin" "$T/www.ota.bin" <<'PY'
import sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read()
n = max(len(a), len(b))
open(sys.argv[3], "wb").write(a.ljust(n, b"\xff") + b.ljust(n, b"\xff"))
PY
mkdir -p "$T/www" && mv "$T/www.ota.bin" "$T/www/fw.ota.bin" && cp "$T/app1.bin" "$T/www/app1.bin"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$T/www" && exec python3 -m http.server "$port" --bind 127.0.0.1) >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
expect_err "app1 half into ota_1" "linked for the slot at 0x10000" "$FK" device ota "$T/m.img" "http://127.0.0.1:$port/app1.bin"
"$FK" device ota "$T/m.img" "http://127.0.0.1:$port/fw.ota.bin" --combined >"$T/out" 2>"$T/err" && ok || bad "combined: $(cat "$T/err")"
[ "$("$FK" device boot "$T/m.img" --json | j 'j["running"]["label"], j["running"]["offset"]')" = "ota_1 524288" ] && ok || bad "combined boot"
"$FK" device ota "$T/m.img" "http://127.0.0.1:$port/fw.ota.bin" --combined >/dev/null 2>&1 && ok || bad "combined back to ota_0"
[ "$("$FK" device boot "$T/m.img" --json | j 'j["running"]["label"]')" = ota_0 ] && ok || bad "combined back boot"

# Copy mode (CONFIG_ESP8266_BOOT_COPY_APP): an app1 image goes to ota_1, the bootloader copies it to ota_0.
"$FK" device create "$T/c.img" --flash-size 1MB --table two_ota_1mb --app "$T/app1.bin" >/dev/null || bad "create copy"
cp "$T/app1.bin" "$T/www/app1-v2.bin"
expect_err "app1 into ota_1 without copy mode" "linked for the slot at 0x10000" \
  "$FK" device ota "$T/c.img" "http://127.0.0.1:$port/app1-v2.bin"
"$FK" device ota "$T/c.img" "http://127.0.0.1:$port/app1-v2.bin" --copy-app --count-ops >"$T/out" 2>"$T/err" && ok \
  || bad "copy-mode ota: $(cat "$T/err")"
grep -q "copy mode: ota_1 copied to ota_0, otadata erased" "$T/out" && ok || bad "copy note"
[ "$("$FK" device boot "$T/c.img" --copy-app --json | j 'j["booted"]["label"], j["otadata"]["state"]')" = "ota_0 erased" ] && ok \
  || bad "after copy"
n=$(sed -n 's/^flash operations: \([0-9]*\) .*/\1/p' "$T/out")
[ "${n:-0}" -gt 200 ] && ok || bad "copy counted in --count-ops ($n)"

# device otadata: show / set (through esp_ota_set_boot_partition, image verified) / erase.
cp "$T/d.img" "$T/s.img"
expect_err "select an empty slot" "cannot select ota_1 at 0x110000: ESP_ERR_OTA_VALIDATE_FAILED" \
  "$FK" device otadata "$T/s.img" set ota_1
dd if="$T/v2.bin" of="$T/s.img" bs=4096 seek=$((0x110000 / 4096)) conv=notrunc 2>/dev/null
"$FK" device otadata "$T/s.img" set ota_1 >/dev/null && ok || bad "select ota_1"
[ "$("$FK" device otadata "$T/s.img" --json | j 'j["bootloader_select"], j["entries"][0]["seq"]')" = "ota_1 2" ] && ok || bad "otadata json"
[ "$("$FK" device boot "$T/s.img" --json | j 'j["app"]["version"]')" = 2.0.0 ] && ok || bad "boots the selected app"
"$FK" device otadata "$T/s.img" set ota_0 --power-cut 1:torn >/dev/null 2>&1
[ $? -eq 3 ] && ok || bad "otadata set --power-cut exit"
[ "$("$FK" device boot "$T/s.img" --json | j 'j["booted"]["label"]')" = ota_1 ] && ok || bad "cut select keeps the old choice"
"$FK" device otadata "$T/s.img" erase >/dev/null && ok || bad "otadata erase"
"$FK" device otadata "$T/s.img" | grep -q "entry A: erased" && ok || bad "erased show"
expect_err "select unknown" "no app partition 'nope'" "$FK" device otadata "$T/s.img" set nope

# Factory-reset and test-app GPIOs.
cp "$T/d.img" "$T/g.img"
"$FK" device boot "$T/g.img" --factory-reset nvs >"$T/out" && ok || bad "factory reset boot"
grep -q "factory reset: data erased" "$T/out" && ok || bad "factory reset note"
expect_err "nvs erased by factory reset" "namespace 'aliyun-key'" "$FK" device nvs "$T/g.img" list aliyun-key
expect_err "factory reset unknown label" "'bogus' is not a data partition" "$FK" device boot "$T/g.img" --factory-reset bogus
expect_err "app-test without test partition" "no bootable app" "$FK" device boot "$T/g.img" --app-test
"$FK" device boot "$T/g.img" --app-test 2>&1 | grep -q "test-app GPIO held but the table has no test partition" && ok || bad "app-test why"

cat >"$T/v2v3.csv" <<'CSV'
nvs,data,nvs,0x6000,0x1000
otadata,data,ota,0x7000,0x2000
ota_0,0,ota_0,0x10000,0x70000
ota_1,0,ota_1,0x80000,0x70000
CSV
expect_err "table offset overlap" "overlaps" "$FK" device create "$T/o.img" --flash-size 1MB --table "$T/v2v3.csv" --table-offset 0x6000
"$FK" device create "$T/o.img" --flash-size 1MB --table "$T/v2v3.csv" --table-offset 0x5000 --app "$T/app1.bin" >/dev/null \
  && ok || bad "create at 0x5000"
[ "$("$FK" device boot "$T/o.img" --json | j 'j["table_offset"], j["booted"]["label"]')" = "20480 ota_0" ] && ok || bad "found table at 0x5000"
[ "$("$FK" device boot "$T/o.img" --table-offset 0x5000 --json | j 'j["booted"]["label"]')" = ota_0 ] && ok || bad "--table-offset"
expect_err "wrong --table-offset" "no valid partition table at 0x8000" "$FK" device boot "$T/o.img" --table-offset 0x8000

# --- create errors ---
expect_err "no table" "--table are required" "$FK" device create "$T/x.img" --app "$T/v1.bin"
expect_err "bad table" "nope.csv" "$FK" device create "$T/x.img" --table "$T/nope.csv" --app "$T/v1.bin"
expect_err "bad flash size" "expected one of 1MB" "$FK" device create "$T/x.img" --table two_ota --flash-size 3MB
expect_err "table beyond flash" "does not fit" "$FK" device create "$T/x.img" --table two_ota --flash-size 1MB
expect_err "not an image" "not a valid app image" "$FK" device create "$T/x.img" --table two_ota --app "$T/creds.csv"
expect_err "nvs without partition" "has no data/nvs partition" \
  "$FK" device create "$T/x.img" --table <(printf 'factory,app,factory,0x10000,0xF0000\n') --nvs "$T/creds.csv"
[ -e "$T/x.img" ] && bad "failed create left a file" || ok
"$FK" device create "$T/v2nvs.img" --table singleapp --nvs "$T/creds.csv" --nvs-version 2 --app "$T/v1.bin" >/dev/null && ok \
  || bad "create nvs v2 singleapp"
[ "$("$FK" device nvs "$T/v2nvs.img" get aliyun-key DeviceName)" = config ] && ok || bad "nvs v2 read"
[ "$("$FK" device boot "$T/v2nvs.img" --json | j 'j["booted"]["label"]')" = factory ] && ok || bad "singleapp boots factory"
expect_err "boot missing file" "missing.img" "$FK" device boot "$T/missing.img"
head -c 1000 /dev/zero >"$T/odd.img"
expect_err "boot odd size" "not a device image" "$FK" device boot "$T/odd.img"
expect_err "power-cut syntax" "expected N or N:torn" "$FK" device boot "$T/d.img" --power-cut 0
expect_err "unknown device cmd" "unknown command" "$FK" device frob

finish device_basic
