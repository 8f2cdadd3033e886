#!/usr/bin/env bash
# make demo-secure: signed apps (Secure Boot v2 format) on the simulated device.
#   scripts/demo-secure.sh BUILD_DIR
# Builds firmware v1, v2, v3; makes a signing key; signs v1 and v2, leaves v3
# unsigned; burns the key's digest into the emulated eFuse at create; boots
# signed v1, updates to signed v2 over HTTP, and shows the unsigned v3 refused
# by the OTA. Artifacts stay in BUILD_DIR/demo-secure/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
FK="$build/flashkit"
out="$build/demo-secure"
[[ -x $FK ]] || { echo "demo-secure: $FK not found: build first (make)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/www"
server=
cleanup() { [[ -n $server ]] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }; }
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "build v1, v2, v3 and a signing key (ECDSA P-256)"
"$root/scripts/build-firmware.sh" 1.0.0 0x10000 "$out/v1.bin" "$FK" >/dev/null
"$root/scripts/build-firmware.sh" 2.0.0 0x110000 "$out/v2.bin" "$FK" >/dev/null
"$root/scripts/build-firmware.sh" 3.0.0 0x10000 "$out/www/v3.bin" "$FK" >/dev/null
"$FK" secure generate_signing_key --version 2 --scheme ecdsa256 "$out/signing_key.pem"
"$FK" secure extract_public_key --version 2 --keyfile "$out/signing_key.pem" "$out/signing_key.pub.pem"

step "sign v1 and v2 (v3 stays unsigned)"
"$FK" secure sign_data --version 2 "$out/v1.bin" --keyfile "$out/signing_key.pem" -o "$out/v1-signed.bin"
"$FK" secure sign_data --version 2 "$out/v2.bin" --keyfile "$out/signing_key.pem" -o "$out/www/v2-signed.bin"
"$FK" secure signature_info_v2 "$out/www/v2-signed.bin"

step "device with the key digest in eFuse, signed v1 flashed"
"$FK" device create "$out/dev.img" --table two_ota --app "$out/v1-signed.bin" --secure-boot-key "$out/signing_key.pub.pem"
"$FK" device boot "$out/dev.img" | grep -E "App version|Loaded app"

port=8071
while python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',$port))" 2>/dev/null; [[ $? -ne 0 ]]; do port=$((port + 1)); done
(cd "$out/www" && exec python3 -m http.server "$port" --bind 127.0.0.1) >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break; sleep 0.05; done

step "OTA to signed v2: accepted"
"$FK" device ota "$out/dev.img" "http://127.0.0.1:$port/v2-signed.bin" | tail -3
"$FK" device boot "$out/dev.img" | grep "App version"

step "OTA to unsigned v3: refused"
if "$FK" device ota "$out/dev.img" "http://127.0.0.1:$port/v3.bin" >"$out/ota-v3.log" 2>&1; then
  echo "demo-secure: the unsigned v3 was accepted" >&2
  exit 1
fi
grep -i "signature" "$out/ota-v3.log" | head -2
"$FK" device boot "$out/dev.img" | grep "App version"
echo
echo "demo-secure: done (artifacts in $out)"
