#!/usr/bin/env bash
# Secure Boot v2 on the simulated device, end to end over a real HTTP server
# with firmware built by the cross-compiler: key digests burnt at create
# (DEV.img.sbv2), signed v1 boots, signed v2 arrives by OTA, unsigned v3 and
# v3 signed by an unknown key are refused by the OTA and by the bootloader,
# revoke-key takes a key out, a second key keeps the device updatable.
set -u
. "$(dirname "$0")/lib.bash"
T=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
FK="$FLASHKIT"
BF="$FK_SRC/scripts/build-firmware.sh"
K=$FK_SHARED/vectors/signed/keys
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
sign() { "$FK" secure sign_data --version 2 "$2" --keyfile "$1" -o "$3" >/dev/null || die "sign $2"; }

"$BF" 1.0.0 0x10000 "$T/v1.bin" "$FK" >/dev/null 2>&1 || die "build v1"
"$BF" 2.0.0 0x110000 "$T/v2.bin" "$FK" >/dev/null 2>&1 || die "build v2"
"$BF" 3.0.0 0x10000 "$T/v3.bin" "$FK" >/dev/null 2>&1 || die "build v3"
mkdir -p "$T/www"
sign "$K/rsa3072_a.pem" "$T/v1.bin" "$T/v1s.bin"
sign "$K/rsa3072_a.pem" "$T/v2.bin" "$T/www/v2s.bin"
sign "$K/ecdsa256_b.pem" "$T/v3.bin" "$T/www/v3b.bin"
sign "$K/ecdsa256_a.pem" "$T/v3.bin" "$T/www/v3e.bin"
cp "$T/v3.bin" "$T/www/v3.bin"
"$FK" image verify "$T/www/v2s.bin" >/dev/null 2>&1 && ok || bad "a signed app is still a valid app image"
P=$(free_port)
(cd "$T/www" && exec python3 -m http.server "$P" --bind 127.0.0.1) >/dev/null 2>&1 &
pid=$!
wait_port "$P" || die "http.server did not start"
U="http://127.0.0.1:$P"

# --- keys burnt at create; signed v1 boots ---
"$FK" device create "$T/d.img" --table two_ota --app "$T/v1s.bin" \
  --secure-boot-key "$K/rsa3072_a.pub.pem" --secure-boot-key "$K/ecdsa256_a.pub.pem" >"$T/out" 2>&1 || die "create: $(cat "$T/out")"
grep -q "KEY_DIGEST1" "$T/out" && ok || bad "create names the burnt digests"
grep -q "^key_digest0=a5388a1f" "$T/d.img.sbv2" && ok || bad "eFuse side file holds rsa3072_a's digest"
"$FK" device boot "$T/d.img" >"$T/out" 2>&1 && grep -q "App version:      1.0.0" "$T/out" && ok || bad "signed v1 boots: $(cat "$T/out")"

# --- signed v2 by OTA; unsigned and foreign-signed v3 refused ---
"$FK" device ota "$T/d.img" "$U/v2s.bin" >"$T/out" 2>&1 || bad "ota signed v2: $(tail -3 "$T/out")"
"$FK" device boot "$T/d.img" | grep -q "App version:      2.0.0" && ok || bad "v2 runs"
for img in v3.bin v3b.bin; do
  "$FK" device ota "$T/d.img" "$U/$img" >"$T/out" 2>&1 && bad "ota of $img accepted" || ok
  grep -q "signature" "$T/out" && ok || bad "$img: the refusal names the signature: $(tail -3 "$T/out")"
  "$FK" device boot "$T/d.img" | grep -q "App version:      2.0.0" && ok || bad "still v2 after $img"
done

# --- the bootloader refuses an unsigned app even when otadata selects it ---
"$FK" device create "$T/u.img" --table two_ota --app "$T/v1.bin" --secure-boot-key "$K/rsa3072_a.pub.pem" >"$T/out" 2>&1 ||
  die "create u"
grep -q "not signed by any --secure-boot-key" "$T/out" && ok || bad "create warns about an unsigned app"
"$FK" device boot "$T/u.img" >"$T/out" 2>&1 && bad "unsigned app booted" || ok
grep -q "signature block 0: absent" "$T/out" && ok || bad "boot names the reason: $(cat "$T/out")"
# The same image without keys boots: secure boot is what refuses it.
"$FK" device create "$T/n.img" --table two_ota --app "$T/v1.bin" >/dev/null 2>&1 || die "create n"
[ ! -e "$T/n.img.sbv2" ] && ok || bad "no keys, no eFuse file"
"$FK" device boot "$T/n.img" >/dev/null 2>&1 && ok || bad "unsigned app boots without secure boot"

# --- revocation: key 0 out, the app signed by key 1 takes over ---
"$FK" device revoke-key "$T/d.img" 0 >"$T/out" || bad "revoke-key"
grep -q "^key_revoke0=1" "$T/d.img.sbv2" && ok || bad "KEY_REVOKE0 stored"
"$FK" device boot "$T/d.img" >"$T/out" 2>&1 && bad "app of a revoked key booted" || ok
grep -q "revoked" "$T/out" && ok || bad "boot says revoked: $(cat "$T/out")"
"$FK" device revoke-key "$T/d.img" 0 | grep -q "already" && ok || bad "revoking twice"
"$FK" device revoke-key "$T/d.img" 2 2>/dev/null && bad "revoked an empty slot" || ok
"$FK" device revoke-key "$T/d.img" 7 2>/dev/null && bad "slot 7 accepted" || ok
# An update signed by key 1 (ecdsa256_a) is the way out: OTA runs from the
# factory-less layout's previous slot? No app boots, so flash it as create would.
"$FK" device create "$T/r.img" --table two_ota --app "$T/v1s.bin" \
  --secure-boot-key "$K/rsa3072_a.pub.pem" --secure-boot-key "$K/ecdsa256_a.pub.pem" >/dev/null 2>&1 || die "create r"
"$FK" device ota "$T/r.img" "$U/v3e.bin" >"$T/out" 2>&1 || bad "ota v3 signed by key 1: $(tail -3 "$T/out")"
"$FK" device revoke-key "$T/r.img" 0 >/dev/null || bad "revoke r"
"$FK" device boot "$T/r.img" >"$T/out" 2>&1 && grep -q "App version:      3.0.0" "$T/out" && ok || bad "key 1's app boots after revoking key 0: $(cat "$T/out")"
"$FK" device ota "$T/r.img" "$U/v2s.bin" >"$T/out" 2>&1 && bad "update signed by revoked key 0 accepted" || ok

# --- a damaged eFuse file is named, with its line ---
echo "key_digest0=zz" >"$T/d.img.sbv2"
"$FK" device boot "$T/d.img" 2>"$T/err" >/dev/null && bad "damaged eFuse file accepted" || ok
grep -q "d.img.sbv2:1:" "$T/err" && ok || bad "damaged file named with its line: $(cat "$T/err")"

finish secure_device
