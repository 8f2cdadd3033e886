#!/usr/bin/env bash
# App rollback on the simulated device, end to end over a real HTTP server:
# OTA to v2 without confirming, reset, back on v1 with v2 ABORTED; confirm;
# declare invalid; anti-rollback with the eFuse side file; sdkconfig; and
# issue 12 defect 3 (otadata deciding seq 0xFFFFFFFE).
set -u
. "$(dirname "$0")/lib.bash"
T=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
FK="$FLASHKIT"
BF="$FK_SRC/scripts/build-firmware.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
j() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
# secver IN OUT V: the image with descriptor.secure_version = V, checksum and SHA-256 redone.
secver() {
  python3 - "$1" "$2" "$3" <<'PY'
import hashlib, struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
at, pos, chk = 8, 0, 0xEF
for i in range(b[1]):
    addr, n = struct.unpack_from('<II', b, at)
    if pos == 0 and struct.unpack_from('<I', b, at + 8)[0] == 0xABCD5432:
        pos = at + 8
    at += 8 + n
assert pos, "no app descriptor"
struct.pack_into('<I', b, pos + 4, int(sys.argv[3]))
at = 8
for i in range(b[1]):
    n = struct.unpack_from('<I', b, at + 4)[0]
    for x in b[at + 8:at + 8 + n]: chk ^= x
    at += 8 + n
L = (at + 16) & ~15
b[L - 1] = chk
b[L:L + 32] = hashlib.sha256(bytes(b[:L])).digest()
open(sys.argv[2], 'wb').write(b)
PY
}

ELF_OUT="$T/v1.elf" "$BF" 1.0.0 0x10000 "$T/v1.bin" "$FK" >/dev/null 2>&1 || die "build v1"
"$BF" 2.0.0 0x110000 "$T/v2.bin" "$FK" >/dev/null 2>&1 || die "build v2"
"$BF" 3.0.0 0x10000 "$T/v3.bin" "$FK" >/dev/null 2>&1 || die "build v3"
mkdir -p "$T/www"
cp "$T/v2.bin" "$T/v3.bin" "$T/www/"
secver "$T/v1.bin" "$T/v1s1.bin" 1
secver "$T/v2.bin" "$T/www/v2s2.bin" 2
secver "$T/v3.bin" "$T/www/v3s1.bin" 1
"$FK" image verify "$T/www/v2s2.bin" >/dev/null 2>&1 && ok || bad "patched image verifies"
# image make --secure-version: the same bytes as the descriptor patched here, and image info shows it.
"$FK" image make --chip esp8266 --flash_mode dio --flash_freq 40m --flash_size 4MB --elf-sha256 \
  --secure-version 1 "$T/v1.elf" -o "$T/v1s1-make.bin" >/dev/null || bad "image make --secure-version"
cmp -s "$T/v1s1-make.bin" "$T/v1s1.bin" && ok || bad "image make --secure-version differs from the patched descriptor"
"$FK" image info "$T/v1s1-make.bin" | grep -q "Secure version: 1" && ok || bad "image info shows the secure version"
"$FK" image make --chip esp8266 --secure-version 33 "$T/v1.elf" -o "$T/bad.bin" 2>"$T/err" && bad "--secure-version 33 accepted" || ok
grep -q "secure-version 33: expected a number from 0 to 32" "$T/err" && ok || bad "--secure-version message: $(cat "$T/err")"
P=$(free_port)
(cd "$T/www" && exec python3 -m http.server "$P" --bind 127.0.0.1) >/dev/null 2>&1 &
pid=$!
wait_port "$P" || die "http.server did not start"
U="http://127.0.0.1:$P"

# --- the revert a user can watch ---
"$FK" device create "$T/d.img" --table two_ota --app "$T/v1.bin" >/dev/null || die "create"
"$FK" device boot "$T/d.img" --rollback >"$T/out" || bad "first boot"
grep -q "otadata was empty: entry A now names ota_0, VALID" "$T/out" && ok || bad "first boot records ota_0: $(grep rollback "$T/out")"
"$FK" device ota "$T/d.img" "$U/v2.bin" --rollback --no-confirm >"$T/out" 2>&1 || bad "ota --no-confirm: $(tail -3 "$T/out")"
grep -q "NEW -> PENDING_VERIFY" "$T/out" && ok || bad "new app pending"
grep -q "running app state: PENDING_VERIFY" "$T/out" && ok || bad "running state pending"
grep -q "the next boot rolls back to the previous app" "$T/out" && ok || bad "no-confirm warning"
"$FK" device otadata "$T/d.img" --rollback >"$T/out"
grep -q "entry B: seq 2, crc 0x55f63774 ok, state PENDING_VERIFY" "$T/out" && ok || bad "otadata shows pending: $(cat "$T/out")"
s=$("$FK" device boot "$T/d.img" --rollback --json | j '",".join([j["booted"]["label"], "".join(j["aborted_entries"]), j["running_state"]])')
[ "$s" = "ota_0,B,VALID" ] && ok || bad "reset without confirm reverts: $s"
"$FK" device otadata "$T/d.img" --rollback | grep -q "entry B: seq 2, crc 0x55f63774 ok, state ABORTED" && ok || bad "B aborted"
"$FK" device boot "$T/d.img" --rollback | grep -q "App version:      1.0.0" && ok || bad "stays on v1"
# Without rollback the same otadata boots the ESP8266 way (state bytes are label bytes).
"$FK" device boot "$T/d.img" >"$T/out"
grep -q "App version:      2.0.0" "$T/out" && ok || bad "rollback off ignores the states"
grep -q "otadata holds app-rollback states, which this bootloader .* ignores" "$T/out" && ok || bad "rollback-off warning"

# --- confirm, then a broken app rolls itself back ---
"$FK" device ota "$T/d.img" "$U/v2.bin" --rollback --no-confirm >/dev/null 2>&1 || bad "ota again"
"$FK" device confirm "$T/d.img" --rollback >"$T/out" || bad "confirm"
grep -q "esp_ota_mark_app_valid_cancel_rollback() in ota_1: ESP_OK" "$T/out" && ok || bad "confirm text: $(cat "$T/out")"
s=$("$FK" device boot "$T/d.img" --rollback --json | j 'j["booted"]["label"] + "," + j["running_state"]')
[ "$s" = "ota_1,VALID" ] && ok || bad "confirmed app stays: $s"
"$FK" device confirm "$T/d.img" --rollback --invalid >"$T/out" || bad "confirm --invalid"
grep -q "Running partition type 0 subtype 16" "$T/out" && ok || bad "--invalid restarts into ota_0: $(cat "$T/out")"
"$FK" device confirm "$T/d.img" --rollback --invalid >"$T/out" 2>"$T/err" && bad "second --invalid accepted" || ok
grep -q "ESP_ERR_OTA_ROLLBACK_FAILED" "$T/err" && ok || bad "no previous app: $(cat "$T/err")"
# Every device command starts with a power-on: an app left unconfirmed is
# rolled back there, and the update then runs from the previous app.
"$FK" device ota "$T/d.img" "$U/v2.bin" --rollback --no-confirm >/dev/null 2>&1 || bad "ota 3"
"$FK" device ota "$T/d.img" "$U/v2.bin" --rollback >"$T/out" 2>&1 || bad "ota after an unconfirmed one: $(tail -2 "$T/out")"
grep -q "entry B was PENDING_VERIFY .*now ABORTED" "$T/out" && ok || bad "the power-on aborted the unconfirmed app"
grep -q "esp_ota_mark_app_valid_cancel_rollback(): ESP_OK" "$T/out" && ok || bad "the new app confirmed itself"

# --- power cut at every flash operation of an OTA with rollback (update,
# set_boot NEW, restart NEW -> PENDING_VERIFY, confirm VALID), atomic and torn:
# the next power-on runs v1 or v2, never an ABORTED / INVALID app, twice in a row.
"$FK" device create "$T/p0.img" --table two_ota --app "$T/v1.bin" >/dev/null || die "create p0"
"$FK" device boot "$T/p0.img" --rollback >/dev/null || die "boot p0"
cp "$T/p0.img" "$T/p.img"
n=$("$FK" device ota "$T/p.img" "$U/v2.bin" --rollback --count-ops 2>/dev/null | sed -n 's/^flash operations: \([0-9]*\).*/\1/p')
check "ota op count ($n)" test "${n:-0}" -gt 10
cuts=0
for k in $(seq 1 "${n:-0}"); do
  # Every point, atomic or torn in turn (a longer sweep of the same life is in
  # tests/unit/test_rollback_powercut.c).
  mode=$([ $((k % 2)) -eq 0 ] && echo torn || echo atomic)
  cp "$T/p0.img" "$T/p.img"
  "$FK" device ota "$T/p.img" "$U/v2.bin" --rollback --power-cut "$k:$mode" --seed "$k" >/dev/null 2>&1
  [ $? -eq 3 ] && ok || bad "cut $k:$mode: exit status 3 expected"
  prev=
  for b in 1 2; do
    out=$("$FK" device boot "$T/p.img" --rollback 2>&1)
    s="$(sed -n 's/.*App version: *//p' <<<"$out"),$(sed -n 's/.*running app state: //p' <<<"$out")"
    case "$s" in 1.0.0,VALID | 2.0.0,VALID | 2.0.0,PENDING_VERIFY) ok ;; *) bad "cut $k:$mode boot $b: $s" ;; esac
    # An app that was left pending is rolled back at the next power-on.
    [ "$prev" = 2.0.0,PENDING_VERIFY ] && { [ "$s" = 1.0.0,VALID ] && ok || bad "cut $k:$mode: pending v2 not rolled back ($s)"; }
    prev=$s
  done
  cuts=$((cuts + 1))
done
echo "ota_rollback_device: $cuts cuts of a rollback OTA ($n operations, atomic and torn)"

# Misuse: nothing to confirm on a device whose otadata is still erased; usage errors.
"$FK" device create "$T/e.img" --table two_ota --app "$T/v1.bin" >/dev/null || die "create e"
"$FK" device confirm "$T/e.img" >/dev/null 2>"$T/err" && bad "confirm with erased otadata accepted" || ok
grep -q "ESP_FAIL (no active OTA entry" "$T/err" && ok || bad "confirm message: $(cat "$T/err")"
"$FK" device confirm "$T/e.img" --bogus 2>/dev/null; [ $? -eq 2 ] && ok || bad "unknown option: exit 2"
"$FK" device confirm --help >/dev/null && ok || bad "confirm --help"
"$FK" device boot "$T/e.img" --sdkconfig "$T/missing" >/dev/null 2>"$T/err" && bad "missing sdkconfig accepted" || ok
grep -q "missing" "$T/err" && ok || bad "missing sdkconfig named: $(cat "$T/err")"

# --- sdkconfig and anti-rollback (eFuse counter in DEV.img.efuse) ---
cat >"$T/sdkconfig" <<'EOF2'
CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=y
CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK=y
CONFIG_BOOTLOADER_APP_SECURE_VERSION=1
EOF2
"$FK" device create "$T/a.img" --table two_ota --app "$T/v1s1.bin" >/dev/null || die "create a"
rm -f "$T/a.img.efuse"
"$FK" device boot "$T/a.img" --sdkconfig "$T/sdkconfig" >"$T/out" || bad "ar first boot"
grep -q "eFuse secure version 1 (raised at this boot)" "$T/out" && ok || bad "first boot raises: $(grep -i efuse "$T/out")"
grep -q "secure_version_field=0x00000001" "$T/a.img.efuse" && ok || bad "efuse file: $(cat "$T/a.img.efuse")"
"$FK" device ota "$T/a.img" "$U/v2s2.bin" --sdkconfig "$T/sdkconfig" >"$T/out" 2>&1 || bad "ar ota: $(tail -3 "$T/out")"
grep -q "secure_version_field=0x00000003" "$T/a.img.efuse" && ok || bad "confirm raised to 2: $(cat "$T/a.img.efuse")"
"$FK" device ota "$T/a.img" "$U/v3s1.bin" --sdkconfig "$T/sdkconfig" >"$T/out" 2>&1 && bad "older image accepted" || ok
grep -q "ESP_ERR_OTA_SMALL_SEC_VER" "$T/out" && ok || bad "small secure version: $(tail -3 "$T/out")"
s=$("$FK" device boot "$T/a.img" --sdkconfig "$T/sdkconfig" --json | j 'j["booted"]["label"] + "," + str(j["efuse_secure_version"])')
[ "$s" = "ota_1,2" ] && ok || bad "still on v2, counter 2: $s"
echo "secure_version_field=zz" >"$T/a.img.efuse"
"$FK" device boot "$T/a.img" --sdkconfig "$T/sdkconfig" >/dev/null 2>"$T/err" && bad "bad efuse file accepted" || ok
grep -q "a.img.efuse:1: expected secure_version_field" "$T/err" && ok || bad "efuse file message: $(cat "$T/err")"
echo "CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD=99" >>"$T/sdkconfig"
"$FK" device boot "$T/a.img" --sdkconfig "$T/sdkconfig" >/dev/null 2>"$T/err" && bad "width 99 accepted" || ok
grep -q "sdkconfig:4: CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD" "$T/err" && ok || bad "width message: $(cat "$T/err")"

# --- issue 12 defect 3: deciding seq 0xFFFFFFFE ---
"$FK" device create "$T/i.img" --table two_ota --app "$T/v1.bin" >/dev/null || die "create i"
python3 - "$T/i.img" <<'PY'
import struct, sys, zlib
f = open(sys.argv[1], 'r+b')
seq = struct.pack('<I', 0xFFFFFFFE)
f.seek(0xd000); f.write(seq + b'\xff' * 24 + struct.pack('<I', zlib.crc32(seq, 0xFFFFFFFF)))
PY
"$FK" device ota "$T/i.img" "$U/v2.bin" >"$T/out" 2>&1 || bad "ota from seq 0xFFFFFFFE fails: $(tail -2 "$T/out")"
"$FK" device boot "$T/i.img" | grep -q "App version:      2.0.0" && ok || bad "v2 runs after the update"
"$FK" device ota "$T/i.img" "$U/v3.bin" >/dev/null 2>&1 || bad "a later update"
"$FK" device boot "$T/i.img" | grep -q "App version:      3.0.0" && ok || bad "v3 runs after the later update"
dd if="$T/i.img" of="$T/od.bin" bs=4096 skip=13 count=2 2>/dev/null
python3 - "$T/od.bin" <<'PY'
import struct, sys, zlib
f = open(sys.argv[1], 'r+b')
seq = struct.pack('<I', 0xFFFFFFFE)
f.seek(0); f.write(seq + b'\xff' * 24 + struct.pack('<I', zlib.crc32(seq, 0xFFFFFFFF)))
f.seek(0x1000); f.write(b'\xff' * 32)
PY
for t in ota_0 ota_1; do
  said=$("$FK" otadata set "$T/od.bin" --slots 2 --target $t | sed -n 's/.*the bootloader starts //p')
  shown=$("$FK" otadata show "$T/od.bin" --slots 2 | sed -n 's/^bootloader selects: \([a-z_0-9]*\).*/\1/p')
  [ "$said" = "$t" ] && [ "$shown" = "$t" ] && ok || bad "set $t says '$said', show says '$shown'"
done
finish ota_rollback_device
