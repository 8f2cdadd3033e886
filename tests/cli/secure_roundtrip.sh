#!/usr/bin/env bash
# flashkit secure round trips with keys it generates (every scheme, 1 and 3
# signatures, appending, revocation), and an independent check: every
# signature flashkit writes is verified by the openssl command line from the
# block's fields (RSA-PSS SHA-256 / MGF1-SHA-256 / salt 32; ECDSA over the
# SHA-256 or, for P-384, SHA-384 digest), as are espsecure's own blocks.
set -u
. "$(dirname "$0")/lib.bash"
V=$FK_SHARED/vectors/signed
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fk=$FLASHKIT
img=$V/rsa3072_esp8266_sdk3_2MB/unsigned.bin
[ -f "$img" ] || die "no $img"

# bytes FILE OFFSET COUNT -> stdout
bytes() { dd if="$1" bs=1 skip="$2" count="$3" status=none; }
# little-endian bytes on stdin -> hex, big-endian
le_hex() { xxd -p -c1 | tac | tr -d '\n'; }
# One DER INTEGER from big-endian hex.
der_int() {
  local h=$1
  while [ ${#h} -gt 2 ] && [ "${h:0:2}" = 00 ]; do h=${h:2}; done
  [ $((16#${h:0:2})) -ge 128 ] && h=00$h
  printf '02%02x%s' $((${#h} / 2)) "$h"
}

# openssl_block FILE BLOCK PUBPEM: openssl verifies block BLOCK of FILE.
openssl_block() {
  local f=$1 b=$2 pub=$3 len sec off ver
  len=$(stat -c %s "$f")
  sec=$((len - 4096))
  off=$((sec + b * 1216))
  ver=$(bytes "$f" $((off + 1)) 1 | xxd -p)
  head -c "$sec" "$f" >"$tmp/data"
  if [ "$ver" = 02 ]; then
    openssl dgst -sha256 -binary "$tmp/data" >"$tmp/md"
    bytes "$f" $((off + 812)) 384 | le_hex | xxd -r -p >"$tmp/sig"
    openssl pkeyutl -verify -pubin -inkey "$pub" -in "$tmp/md" -sigfile "$tmp/sig" \
      -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32 \
      -pkeyopt rsa_mgf1_md:sha256 >/dev/null 2>&1
    return
  fi
  local sel w sigoff r s body
  sel=$(bytes "$f" $((off + 2)) 1 | xxd -p)
  if [ "$sel" = 01 ]; then
    openssl dgst -sha384 -binary "$tmp/data" >"$tmp/md"
    w=48 sigoff=149
  else
    openssl dgst -sha256 -binary "$tmp/data" >"$tmp/md"
    case $(bytes "$f" $((off + 36)) 1 | xxd -p) in 01) w=24 ;; *) w=32 ;; esac
    sigoff=101
  fi
  r=$(bytes "$f" $((off + sigoff)) $w | le_hex)
  s=$(bytes "$f" $((off + sigoff + w)) $w | le_hex)
  body=$(der_int "$r")$(der_int "$s")
  printf '30%02x%s' $((${#body} / 2)) "$body" | xxd -r -p >"$tmp/sig"
  openssl pkeyutl -verify -pubin -inkey "$pub" -in "$tmp/md" -sigfile "$tmp/sig" >/dev/null 2>&1
}

# 0. openssl checks the block parse on espsecure's own signatures first.
openssl_block "$V/mixed_rsa3072_ecdsa384/signed.bin" 0 "$V/keys/rsa3072_c.pub.pem" && ok || bad "openssl: espsecure RSA block"
openssl_block "$V/mixed_rsa3072_ecdsa384/signed.bin" 1 "$V/keys/ecdsa384_a.pub.pem" && ok || bad "openssl: espsecure P-384 block"
openssl_block "$V/mixed_rsa3072_ecdsa192/signed.bin" 1 "$V/keys/ecdsa192_a.pub.pem" && ok || bad "openssl: espsecure P-192 block"
openssl_block "$V/ecdsa256_x2/signed.bin" 1 "$V/keys/ecdsa256_b.pub.pem" && ok || bad "openssl: espsecure P-256 block"
# ... and refuses a wrong key, so the checks above mean something.
openssl_block "$V/ecdsa256_x2/signed.bin" 1 "$V/keys/ecdsa256_a.pub.pem" && bad "openssl accepted a wrong key" || ok

# 1. keys of every scheme, readable by openssl, private, never overwritten
schemes="rsa3072 ecdsa192 ecdsa256 ecdsa384"
for s in $schemes; do
  "$fk" secure generate_signing_key --version 2 --scheme "$s" "$tmp/$s.pem" >/dev/null || die "generate $s"
  [ "$(stat -c %a "$tmp/$s.pem")" = 600 ] && ok || bad "$s key is not mode 0600"
  openssl pkey -in "$tmp/$s.pem" -pubout -out "$tmp/$s.ossl.pub.pem" 2>/dev/null && ok || bad "openssl cannot read our $s key"
  "$fk" secure extract_public_key --version 2 --keyfile "$tmp/$s.pem" "$tmp/$s.pub.pem" &&
    cmp -s "$tmp/$s.pub.pem" "$tmp/$s.ossl.pub.pem" && ok || bad "$s public PEM differs from openssl's"
done
grep -q "BEGIN RSA PRIVATE KEY" "$tmp/rsa3072.pem" && ok || bad "RSA key not PKCS#1"
grep -q "BEGIN EC PRIVATE KEY" "$tmp/ecdsa256.pem" && ok || bad "EC key not SEC1"
cp "$tmp/ecdsa256.pem" "$tmp/keep.pem"
"$fk" secure generate_signing_key --version 2 --scheme ecdsa256 "$tmp/ecdsa256.pem" 2>/dev/null && bad "overwrote a key" || ok
cmp -s "$tmp/ecdsa256.pem" "$tmp/keep.pem" && ok || bad "existing key changed"
"$fk" secure generate_signing_key "$tmp/v1.pem" 2>/dev/null && bad "accepted Secure Boot v1" || ok
"$fk" secure generate_signing_key --version 2 --scheme rsa1024 "$tmp/x.pem" 2>/dev/null && bad "accepted rsa1024" || ok
"$fk" secure generate_signing_key --version 2 --scheme rsa3072 "$tmp/rsa_b.pem" >/dev/null || die "generate rsa_b"

# 2. one signature per scheme: flashkit and openssl verify, other keys do not
for s in $schemes; do
  "$fk" secure sign_data --version 2 --keyfile "$tmp/$s.pem" -o "$tmp/$s.signed" "$img" >/dev/null || { bad "sign $s"; continue; }
  [ $(($(stat -c %s "$tmp/$s.signed") % 4096)) -eq 0 ] && ok || bad "$s: signed length"
  "$fk" secure verify_signature --version 2 --keyfile "$tmp/$s.pub.pem" "$tmp/$s.signed" >/dev/null && ok || bad "$s: flashkit rejects its own signature"
  openssl_block "$tmp/$s.signed" 0 "$tmp/$s.ossl.pub.pem" && ok || bad "$s: openssl rejects flashkit's signature"
  for o in $schemes; do
    [ "$o" = "$s" ] && continue
    "$fk" secure verify_signature --version 2 --keyfile "$tmp/$o.pem" "$tmp/$s.signed" >/dev/null 2>&1 && bad "$s: accepted by $o" || ok
  done
done

# 3. three signatures in one run, then the same by appending
"$fk" secure sign_data --version 2 --keyfile "$tmp/rsa3072.pem" "$tmp/ecdsa192.pem" "$tmp/ecdsa384.pem" \
  -o "$tmp/three.bin" "$img" >"$tmp/log" || die "sign three"
grep -q "Signature sector now has 3 signature blocks" "$tmp/log" && ok || bad "three: summary"
b=0
for s in rsa3072 ecdsa192 ecdsa384; do
  "$fk" secure verify_signature --version 2 --keyfile "$tmp/$s.pem" "$tmp/three.bin" >"$tmp/log" 2>&1 &&
    grep -q "Signature block $b verification successful" "$tmp/log" && ok || bad "three: $s in block $b"
  openssl_block "$tmp/three.bin" $b "$tmp/$s.ossl.pub.pem" && ok || bad "three: openssl block $b"
  b=$((b + 1))
done
"$fk" secure sign_data --version 2 --keyfile "$tmp/ecdsa256.pem" -o "$tmp/app1.bin" "$img" >/dev/null &&
  "$fk" secure sign_data --version 2 -a --keyfile "$tmp/rsa3072.pem" "$tmp/rsa_b.pem" -o "$tmp/app3.bin" "$tmp/app1.bin" >"$tmp/log" ||
  bad "append"
grep -q "1 valid signature block(s) already present" "$tmp/log" && ok || bad "append: kept block not reported"
[ "$(stat -c %s "$tmp/app3.bin")" = "$(stat -c %s "$tmp/app1.bin")" ] && ok || bad "append changed the length"
for k in ecdsa256 rsa3072 rsa_b; do
  "$fk" secure verify_signature --version 2 --keyfile "$tmp/$k.pem" "$tmp/app3.bin" >/dev/null && ok || bad "append: $k"
done
"$fk" secure sign_data --version 2 -a --keyfile "$tmp/ecdsa192.pem" -o "$tmp/app4.bin" "$tmp/app3.bin" >/dev/null 2>&1 &&
  bad "a fourth block was appended" || ok
[ -e "$tmp/app4.bin" ] && bad "refused append left a file" || ok
# Without --output the input is replaced (espsecure).
cp "$img" "$tmp/inplace.bin"
# (--keyfile takes every argument after it, as in espsecure: IMAGE goes first.)
"$fk" secure sign_data --version 2 "$tmp/inplace.bin" --keyfile "$tmp/ecdsa256.pem" >/dev/null &&
  "$fk" secure verify_signature --version 2 --keyfile "$tmp/ecdsa256.pem" "$tmp/inplace.bin" >/dev/null && ok || bad "in-place signing"

# 4. revocation and trusted sets (device rule)
"$fk" secure digest_sbv2_public_key --keyfile "$tmp/rsa_b.pem" -o "$tmp/b.digest" >/dev/null || bad "digest"
"$fk" secure verify_signature --version 2 --keyfile "$tmp/rsa3072.pem" --digest "$tmp/b.digest" "$tmp/app3.bin" >/dev/null && ok || bad "trust set"
"$fk" secure verify_signature --version 2 --keyfile "$tmp/rsa3072.pem" --revoke 0 "$tmp/rsa3072.signed" >"$tmp/log" 2>&1 &&
  bad "revoked key accepted" || { grep -q "revoked" "$tmp/log" && ok || bad "revocation reason missing"; }
# The same image stays bootable with a second, non-revoked trusted key.
"$fk" secure verify_signature --version 2 --keyfile "$tmp/rsa3072.pem" --keyfile "$tmp/rsa_b.pem" --revoke 0 "$tmp/app3.bin" >"$tmp/log" &&
  grep -q "Signature block 2 verification successful" "$tmp/log" && ok || bad "revoke slot 0, block 2 (key slot 1) should verify"
"$fk" secure verify_signature --version 2 --keyfile "$tmp/rsa3072.pem" --scheme ecdsa256 "$tmp/rsa3072.signed" >/dev/null 2>&1 &&
  bad "--scheme ecdsa256 accepted an RSA block" || ok

# 5. a flipped bit anywhere in the signed data or a signature is refused
for off in 100 60000 $(( $(stat -c %s "$tmp/rsa3072.signed") - 4096 + 900 )); do
  cp "$tmp/rsa3072.signed" "$tmp/flip.bin"
  byte=$(bytes "$tmp/flip.bin" "$off" 1 | xxd -p)
  printf '%02x' $((16#$byte ^ 1)) | xxd -r -p | dd of="$tmp/flip.bin" bs=1 seek="$off" conv=notrunc status=none
  "$fk" secure verify_signature --version 2 --keyfile "$tmp/rsa3072.pem" "$tmp/flip.bin" >/dev/null 2>&1 &&
    bad "bit flip at $off accepted" || ok
  openssl_block "$tmp/flip.bin" 0 "$tmp/rsa3072.ossl.pub.pem" && bad "openssl accepted a flip at $off" || ok
done

# 6. --app: the sector where the bootloader reads it, right after the image.
# A re-signed (nested) file: the device sees the inner signature only.
nest=$V/resign_without_append_nests/signed.bin
"$fk" secure verify_signature --version 2 --app -k "$V/keys/rsa3072_a.pub.pem" "$nest" >/dev/null && ok || bad "--app: inner signature"
"$fk" secure verify_signature --version 2 -k "$V/keys/rsa3072_a.pub.pem" "$nest" >/dev/null 2>&1 && bad "file rule: inner signature seen" || ok
"$fk" secure verify_signature --version 2 --app -k "$V/keys/ecdsa256_b.pub.pem" "$nest" >/dev/null 2>&1 && bad "--app: outer signature seen" || ok
"$fk" secure verify_signature --version 2 --app -k "$V/keys/rsa3072_a.pub.pem" "$V/bad_truncated_sector/signed.bin" 2>"$tmp/err" >/dev/null &&
  bad "--app: truncated accepted" || { grep -q "no signature sector after the image" "$tmp/err" && ok || bad "--app: truncated reason"; }
"$fk" secure verify_signature --version 2 --app -k "$tmp/ecdsa256.pem" "$tmp/ecdsa256.signed" >/dev/null && ok || bad "--app: our signed app"

finish secure_roundtrip
