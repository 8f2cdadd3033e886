# Key files as the SDK tool lays and names them, drawn from the OS random
# source: `nvs generate-key` (4096 bytes, CRC-32 of the 64 key bytes at 64,
# 0xFF after, halves differ, two runs differ, mode 0600, keys/ under --outdir,
# default name keys-MM-DD_HH-MM.bin), `nvs encrypt --keygen` (the
# keygen_example vector: its image decrypts with the key it wrote to the
# example's plain image), `nvs gen --keygen`, and that no run leaves a key
# without its image.
set -u
. "$(dirname "$0")/lib.bash"
FK=$FLASHKIT
V=$FK_SHARED/vectors/nvs-encrypted
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"

# layout FILE: exit 0 when FILE is a key file: eky, tky (halves differ), CRC, 0xFF.
layout() {
  python3 - "$1" <<'PY'
import sys, zlib
b = open(sys.argv[1], "rb").read()
assert len(b) == 4096, len(b)
assert int.from_bytes(b[64:68], "little") == zlib.crc32(b[:64], 0xFFFFFFFF) & 0xFFFFFFFF, "CRC"
assert b[68:] == b"\xff" * (4096 - 68), "tail not 0xFF"
assert b[:32] != b[32:64], "equal halves"
PY
}

# generate-key, named: DIR/keys/NAME, the SDK's line on stdout.
"$FK" nvs generate-key --keyfile a.bin --outdir out >"$W/o1" 2>"$W/e1" && ok || bad "generate-key: $(cat "$W/e1")"
[ -f out/keys/a.bin ] && layout out/keys/a.bin && ok || bad "generate-key: out/keys/a.bin is not a key file"
[ "$(stat -c %a out/keys/a.bin)" = 600 ] && ok || bad "key file mode $(stat -c %a out/keys/a.bin), expected 600"
# The vector's stdout: the tool's line, with the path it wrote.
grep -q '^Created encryption keys: ===>  ' "$V/generate_key_example/stdout.txt" &&
  grep -qx 'Created encryption keys: ===>  out/keys/a.bin' "$W/o1" && ok || bad "generate-key stdout: $(cat "$W/o1")"
"$FK" nvs generate-key --keyfile b --outdir out >/dev/null 2>&1 && [ -f out/keys/b.bin ] && layout out/keys/b.bin &&
  ok || bad "generate-key: a name without extension gets .bin"
cmp -s out/keys/a.bin out/keys/b.bin && bad "two generated keys are equal" || ok
# Default name, in keys/ of the current folder.
mkdir d && (cd d && "$FK" nvs generate-key >../o2 2>&1) && ok || bad "generate-key without options"
n=$(ls d/keys | grep -Ec '^keys-[0-1][0-9]-[0-3][0-9]_[0-2][0-9]-[0-5][0-9]\.bin$')
[ "$n" = 1 ] && layout d/keys/keys-*.bin && ok || bad "default key name: $(ls d/keys)"
# An existing key is never replaced (images encrypted with it would be lost).
before=$(md5sum <out/keys/a.bin)
"$FK" nvs generate-key --keyfile a.bin --outdir out >/dev/null 2>"$W/e1"
rc=$?
[ "$rc" = 1 ] && grep -q "a key file of that name exists; it is not replaced" "$W/e1" &&
  [ "$before" = "$(md5sum <out/keys/a.bin)" ] && ok || bad "existing key file: exit $rc, $(cat "$W/e1")"
! ls out/keys | grep -q tmp && ok || bad "a temporary file was left in keys/"

# The keygen_example vector: its arguments, the key where the SDK puts it,
# and the image decrypts with that key to the example's plain image.
cp -r "$V/keygen_example" kx
chmod -R u+w kx
(cd kx && "$FK" nvs encrypt input.csv enc.bin $(cat args.txt) >out.txt 2>err.txt) && ok || bad "keygen_example: $(cat kx/err.txt)"
[ -f kx/keys/device_keys.bin ] && layout kx/keys/device_keys.bin && ok || bad "keygen_example: keys/device_keys.bin"
diff <(grep . kx/out.txt) <(grep . "$V/keygen_example/stdout.txt") >/dev/null && ok ||
  bad "keygen_example: stdout differs from the SDK's: $(cat kx/out.txt)"
"$FK" nvs decrypt kx/enc.bin kx/keys/device_keys.bin kx/dec.bin >/dev/null 2>&1 &&
  cmp -s kx/dec.bin "$V/example_aliyun_v1/decrypted.bin" && ok || bad "keygen_example: decrypted image differs"
! cmp -s kx/enc.bin "$V/example_aliyun_v1/decrypted.bin" && ok || bad "keygen_example: image not encrypted"
# --outdir: OUTPUT and keys/ both under it, made when missing.
(cd kx && "$FK" nvs encrypt input.csv enc.bin 0x4000 --version 1 --keygen --keyfile k2.bin --outdir o/p >/dev/null 2>&1) &&
  [ -f kx/o/p/enc.bin ] && [ -f kx/o/p/keys/k2.bin ] && ok || bad "--outdir o/p: $(cd kx && find o)"
# An absolute OUTPUT ignores --outdir, with the SDK tool's warning.
(cd kx && "$FK" nvs encrypt input.csv "$W/abs.bin" 0x4000 --version 1 --inputkey keys/device_keys.bin --outdir ign \
  >/dev/null 2>../e5) && [ -f "$W/abs.bin" ] && [ ! -e kx/ign/abs.bin ] &&
  grep -q "absolute path given so outdir is ignored for this file" e5 && ok || bad "absolute OUTPUT with --outdir: $(cat e5)"
# The same with the default key name: one key file appears.
(cd kx && "$FK" nvs encrypt input.csv e3.bin 0x4000 --keygen --outdir o3 >/dev/null 2>&1) &&
  [ "$(ls kx/o3/keys | wc -l)" = 1 ] && ok || bad "--keygen without --keyfile"
# A CSV error with --keygen: neither image nor key.
printf 'key,type,encoding,value\nns,namespace,,\nv,data,u8,300\n' >badcsv.csv
"$FK" nvs encrypt badcsv.csv bad.bin 0x3000 --keygen --keyfile bk.bin --outdir bo >/dev/null 2>"$W/e1"
rc=$?
[ "$rc" = 1 ] && [ ! -e bo/bad.bin ] && [ ! -e bo/keys/bk.bin ] && grep -q "badcsv.csv:3:" "$W/e1" && ok ||
  bad "--keygen with a CSV error: exit $rc, $(find bo 2>/dev/null) $(cat "$W/e1")"
# --keyfile with --inputkey: the SDK's warning, the key file ignored.
(cd kx && "$FK" nvs encrypt input.csv w.bin 0x4000 --version 1 --inputkey keys/device_keys.bin --keyfile zz.bin \
  >/dev/null 2>../e4) && grep -q -- "--keyfile argument will be ignored" e4 && [ ! -e kx/keys/zz.bin ] &&
  cmp -s kx/w.bin kx/enc.bin && ok || bad "--keyfile with --inputkey: $(cat e4)"

# nvs gen --keygen: key in DIR/keys, image decrypts to the plain gen's.
"$FK" nvs gen "$V/example_aliyun_v2/input.csv" g.bin --size 0x4000 --keygen --keyfile gk --outdir go 2>"$W/e1" &&
  [ -f go/keys/gk.bin ] && layout go/keys/gk.bin && ok || bad "nvs gen --keygen: $(cat "$W/e1")"
"$FK" nvs decrypt go/g.bin go/keys/gk.bin gd.bin >/dev/null && cmp -s gd.bin "$V/example_aliyun_v2/decrypted.bin" &&
  ok || bad "nvs gen --keygen: image does not decrypt to the plain one"
"$FK" nvs gen "$V/example_aliyun_v2/input.csv" g2.bin --size 0x4000 --keygen --keyfile gk --outdir go 2>/dev/null
[ $? = 1 ] && [ ! -e go/g2.bin ] && ok || bad "nvs gen --keygen over an existing key: not refused, or image left"

# nvs dump with the wrong key says so instead of showing noise.
"$FK" nvs dump --keyfile out/keys/a.bin "$V/example_aliyun_v1/expected.bin" >"$W/o1" 2>"$W/e1"
rc=$?
[ "$rc" = 3 ] && ! [ -s "$W/o1" ] && grep -q "fail their CRC after decryption with out/keys/a.bin: a wrong key" "$W/e1" &&
  ok || bad "dump with a wrong key: exit $rc, $(head -c 300 "$W/e1")"
# Secrets never reach a terminal or a log: no key byte in any output above.
key_hex=$(od -An -tx1 -N32 out/keys/a.bin | tr -d ' \n')
! grep -rqi "$key_hex" "$W"/o1 "$W"/o2 "$W"/e1 kx/out.txt kx/err.txt && ok || bad "key bytes printed"
finish nvs_encrypt_keys
