#!/usr/bin/env bash
# make demo: the user's OTA notes, end to end on the simulated device.
#   scripts/demo.sh BUILD_DIR
# Builds firmware v1 and v2 for the ESP8266, flashes v1 and the aliyun-key
# credentials onto a 4 MB two-OTA device, serves v2 with python3 -m
# http.server on 127.0.0.1:8070 (another free port if taken), boots, reads
# ProductKey from NVS, runs the OTA, reboots into ota_1; then, on a device
# with app rollback, an unconfirmed update reverted and a confirmed one kept.
# Artifacts stay in BUILD_DIR/demo/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
FK="$build/flashkit"
out="$build/demo"
[[ -x $FK ]] || { echo "demo: $FK not found: build first (make)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/www"
server=
cleanup() {
  if [[ -n $server ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    echo "demo: HTTP server stopped"
  fi
}
trap cleanup EXIT
if [[ -t 1 ]]; then
  step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  step() { printf '\n== %s\n' "$*"; }
fi

step "0. Flash layouts: the SDK's two-OTA tables for 1 MB and 4 MB flash, and the notes' custom 1 MB layout"
"$FK" partition gen -q --disable-md5sum --flash-size 1MB two_ota_1mb "$out/partition-table-1MB.bin"
"$FK" partition show "$out/partition-table-1MB.bin" --disable-md5sum --flash-size 1MB --svg "$out/layout-1MB.svg"
echo
"$FK" partition gen -q --disable-md5sum --flash-size 4MB two_ota "$out/partition-table-4MB.bin"
"$FK" partition show "$out/partition-table-4MB.bin" --disable-md5sum --flash-size 4MB --svg "$out/layout-4MB.svg"
echo
cat >"$out/partitions_seed_1MB.csv" <<'CSV'
# The notes' 1 MB layout: App1 0x5000/0x7B000, App2 0x85000/0x7B000, table at 0x4000
# Name,   Type, SubType, Offset,   Size, Flags
ota_0,    app,  ota_0,   0x5000,   0x7B000,
otadata,  data, ota,     0x80000,  0x2000,
phy_init, data, phy,     0x82000,  0x1000,
nvs,      data, nvs,     0x83000,  0x2000,
ota_1,    app,  ota_1,   0x85000,  0x7B000,
CSV
"$FK" partition check "$out/partitions_seed_1MB.csv" --offset 0x4000 --flash-size 1MB \
  --app1 0x5000:0x7B000 --app2 0x85000:0x7B000
echo "(pictures of the layouts: $out/layout-1MB.svg, $out/layout-4MB.svg)"

step "1. Build firmware v1 (for ota_0 at 0x10000) and v2 (for ota_1 at 0x110000) with xtensa-lx106-elf-gcc"
"$root/scripts/build-firmware.sh" 1.0.0 0x10000 "$out/flashkit_demo-v1.bin" "$FK"
"$root/scripts/build-firmware.sh" 2.0.0 0x110000 "$out/www/flashkit_demo.bin" "$FK"

step "2. Credentials CSV (namespace aliyun-key) -> NVS v1, and the device: 4 MB, two_ota table, v1 in ota_0"
cat >"$out/my_single_mfg_config.csv" <<'CSV'
key,type,encoding,value
aliyun-key,namespace,,
DeviceName,data,string,config
DeviceSecret,data,string,dsj3RuY74pgCBJ3zczKz1LaLK7RGApqh
ProductKey,data,string,a10BnLLzGv4
ProductSecret,data,string,pVfLpS1u3A9JM0go
CSV
"$FK" device create "$out/device.img" --flash-size 4MB --table two_ota \
  --nvs "$out/my_single_mfg_config.csv" --app "$out/flashkit_demo-v1.bin"

step "3. HTTP server (the notes: python -m SimpleHTTPServer 8070)"
port=8070
if ! python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1])))' "$port" 2>/dev/null; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  echo "demo: port 8070 is taken, using $port"
fi
(cd "$out/www" && exec python3 -m http.server "$port" --bind 127.0.0.1) >"$out/http.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  kill -0 "$server" 2>/dev/null || { echo "demo: the HTTP server did not start:" >&2; cat "$out/http.log" >&2; exit 1; }
  sleep 0.1
done
url="http://127.0.0.1:$port/flashkit_demo.bin"
echo "serving $out/www/flashkit_demo.bin (v2) at $url"

step "4. First boot: the bootloader runs v1 from ota_0"
"$FK" device boot "$out/device.img"

step "5. The app reads its credentials from NVS"
pk=$("$FK" device nvs "$out/device.img" get aliyun-key ProductKey)
echo "aliyun-key/ProductKey = $pk"
"$FK" device nvs "$out/device.img" list aliyun-key

step "6. OTA: download v2 into ota_1, set it as boot partition, restart"
"$FK" device ota "$out/device.img" "$url"

step "7. Second boot: the bootloader reads otadata and runs the new image"
"$FK" device boot "$out/device.img"
state=$("$FK" device boot "$out/device.img" --json | python3 -c '
import json,sys
j=json.load(sys.stdin)
print(j["running"]["label"], "0x%x" % j["running"]["offset"], j["app"]["version"])')
read -r label offset version <<<"$state"
pk2=$("$FK" device nvs "$out/device.img" get aliyun-key ProductKey)

step "Evidence"
echo "running partition : $label at $offset"
echo "app version       : $version (was 1.0.0)"
echo "ProductKey in NVS : $pk2 (unchanged by the update)"
"$FK" otadata show <(dd if="$out/device.img" bs=4096 skip=13 count=2 2>/dev/null) --slots 2 | sed 's|^/dev/fd/[0-9]*|otadata|'
if [[ $label == ota_1 && $version == 2.0.0 && $pk2 == "$pk" ]]; then
  echo "demo: OK - v1 (ota_0) -> OTA over HTTP -> v2 (ota_1); device image: $out/device.img"
else
  echo "demo: FAILED - expected ota_1 running 2.0.0" >&2
  exit 1
fi

# App rollback (ESP-IDF's CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE) on a second device.
rb="$out/device-rollback.img"
printf 'CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=y\n' >"$out/sdkconfig.rollback"
rbopt=(--sdkconfig "$out/sdkconfig.rollback")
running() { "$FK" device boot "$rb" "${rbopt[@]}" --json | python3 -c '
import json,sys
j=json.load(sys.stdin)
print(j["booted"]["label"], j["app"]["version"], j["running_state"])'; }
step "8. Rollback: a device whose bootloader has app rollback; v1 runs from ota_0"
"$FK" device create "$rb" --flash-size 4MB --table two_ota --app "$out/flashkit_demo-v1.bin" >/dev/null
"$FK" device boot "$rb" "${rbopt[@]}" | grep -E "boot: (start|rollback)|running app state|App version"

step "9. OTA to v2, and v2 never confirms itself (--no-confirm): it runs PENDING_VERIFY"
"$FK" device ota "$rb" "$url" "${rbopt[@]}" --no-confirm | grep -E "boot: (start|rollback)|running app state|App version|not confirmed"
"$FK" device otadata "$rb" "${rbopt[@]}"

step "10. Reset without confirming: the bootloader marks v2 ABORTED and runs v1 again"
"$FK" device boot "$rb" "${rbopt[@]}" | grep -E "boot: (start|rollback)|running app state|App version"
"$FK" device otadata "$rb" "${rbopt[@]}"
read -r rlabel rversion rstate <<<"$(running)"

step "11. OTA to v2 again; this time the new app confirms itself (VALID) and stays"
"$FK" device ota "$rb" "$url" "${rbopt[@]}" | grep -E "boot: (start|rollback)|running app state|App version|mark_app_valid"
read -r clabel cversion cstate <<<"$(running)"
if [[ $rlabel == ota_0 && $rversion == 1.0.0 && $clabel == ota_1 && $cversion == 2.0.0 && $cstate == VALID ]]; then
  echo "demo: OK - rollback: unconfirmed v2 reverted to v1 (ota_0), confirmed v2 stays (ota_1, VALID); device image: $rb"
else
  echo "demo: FAILED - rollback: after the reset $rlabel $rversion $rstate, after confirming $clabel $cversion $cstate" >&2
  exit 1
fi
