# Encrypted mass manufacturing: `mfg gen --keygen` writes one fresh key per
# device as DIR/keys/keys-PREFIX-ID.bin (ESP-IDF mfg_gen.py's name; the
# nvs_keys partition image, 0600) and `--inputkey` uses one key for all; each
# device's image equals `nvs encrypt` of its CSV with its key, dumps with that
# key as the plain image does, and a failed device leaves no key behind.
set -u
. "$(dirname "$0")/lib.bash"
FK=$FLASHKIT
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"

printf 'aliyun-key,namespace,\nDeviceName,data,string\nDeviceSecret,data,string\nProductKey,data,string\nn,data,u32\n' >conf.csv
{
  echo 'DeviceName,DeviceSecret,ProductKey,n'
  for i in $(seq 1 8); do echo "dev$i,secret-$i-$RANDOM,pk,$i"; done
} >vals.csv

# --keygen: 8 devices, 8 distinct keys, each image = nvs encrypt of its CSV with its key.
"$FK" mfg gen --conf conf.csv --values vals.csv --prefix node --size 0x4000 --outdir kg --keygen --quiet 2>e &&
  ok || bad "mfg gen --keygen: $(cat e)"
[ "$(ls kg/keys | wc -l)" = 8 ] && ok || bad "--keygen: $(ls kg/keys | wc -l) key files, expected 8"
[ "$(md5sum kg/keys/* | cut -d' ' -f1 | sort -u | wc -l)" = 8 ] && ok || bad "--keygen: keys repeat"
for i in 1 4 8; do
  k=kg/keys/keys-node-$i.bin
  [ -f "$k" ] && [ "$(stat -c %s "$k")" = 4096 ] && [ "$(stat -c %a "$k")" = 600 ] && ok ||
    bad "device $i: $k missing, not 4096 bytes or not 0600"
  "$FK" nvs encrypt kg/csv/node-$i.csv e$i.bin 0x4000 --inputkey "$k" >/dev/null 2>e &&
    cmp -s e$i.bin kg/bin/node-$i.bin && ok || bad "device $i: image differs from nvs encrypt with its key: $(cat e)"
  "$FK" nvs gen kg/csv/node-$i.csv p$i.bin --size 0x4000 2>/dev/null
  diff <("$FK" nvs dump --json p$i.bin | sed 's|"file":"[^"]*"||') \
    <("$FK" nvs dump --json --keyfile "$k" kg/bin/node-$i.bin | sed 's|"file":"[^"]*"||') >/dev/null &&
    ok || bad "device $i: dump with its key differs from the plain image's"
  grep -q "secret-$i" kg/bin/node-$i.bin && bad "device $i: its secret is in the image in clear" || ok
done
# The key file is the nvs_keys partition image: its CRC is what a device checks.
python3 - kg/keys/keys-node-2.bin <<'PY' && ok || bad "key file layout"
import sys, zlib
b = open(sys.argv[1], "rb").read()
assert int.from_bytes(b[64:68], "little") == zlib.crc32(b[:64], 0xFFFFFFFF) & 0xFFFFFFFF
assert b[68:] == b"\xff" * (4096 - 68) and b[:32] != b[32:64]
PY
# --fileid names key files too.
"$FK" mfg gen --conf conf.csv --values vals.csv --prefix node --size 0x4000 --outdir fid --keygen --fileid DeviceName \
  --quiet 2>e && [ -f fid/keys/keys-node-dev3.bin ] && [ -f fid/bin/node-dev3.bin ] && ok || bad "--fileid: $(ls fid/keys)"

# --inputkey: one key for every device, made by mfg_gen.py's generate-key spelling.
"$FK" mfg generate-key --keyfile one.bin --outdir . >/dev/null 2>e && [ -f keys/one.bin ] &&
  [ "$(stat -c %s keys/one.bin)" = 4096 ] && ok || bad "mfg generate-key: $(cat e)"
"$FK" mfg gen --conf conf.csv --values vals.csv --prefix node --size 0x4000 --outdir ik --inputkey keys/one.bin \
  --quiet 2>e && ok || bad "mfg gen --inputkey: $(cat e)"
[ ! -e ik/keys ] && ok || bad "--inputkey wrote keys/"
for i in 2 7; do
  "$FK" nvs encrypt ik/csv/node-$i.csv i$i.bin 0x4000 --inputkey keys/one.bin >/dev/null 2>&1 &&
    cmp -s i$i.bin ik/bin/node-$i.bin && ok || bad "--inputkey device $i differs from nvs encrypt"
done
# v1 too.
"$FK" mfg gen --conf conf.csv --values vals.csv --prefix node --size 0x3000 --version 1 --outdir v1 \
  --inputkey keys/one.bin --quiet 2>/dev/null &&
  "$FK" nvs encrypt v1/csv/node-5.csv v1.bin 0x3000 --version 1 --inputkey keys/one.bin >/dev/null 2>&1 &&
  cmp -s v1.bin v1/bin/node-5.bin && ok || bad "--version 1 --inputkey differs"

# A failing device: no image, no CSV, no key; the others are written.
{
  echo 'DeviceName,DeviceSecret,ProductKey,n'
  echo 'a,s,pk,1'
  echo 'b,s,pk,notanumber'
  echo 'c,s,pk,3'
} >bad.csv
"$FK" mfg gen --conf conf.csv --values bad.csv --prefix x --size 0x4000 --outdir bd --keygen --quiet 2>e
rc=$?
[ "$rc" = 1 ] && grep -q "bad.csv:3: device 2 (id 2)" e && [ ! -e bd/keys/keys-x-2.bin ] && [ ! -e bd/bin/x-2.bin ] &&
  [ -f bd/keys/keys-x-1.bin ] && [ -f bd/keys/keys-x-3.bin ] && ok || bad "failed device: exit $rc, $(ls bd/keys) $(cat e)"
! ls -a bd/keys bd/bin | grep -q tmp && ok || bad "temporary files left"
# Bad key options stop before any device.
"$FK" mfg gen --conf conf.csv --values vals.csv --prefix node --size 0x4000 --outdir no --keygen --inputkey keys/one.bin \
  2>e
rc=$?
[ "$rc" = 2 ] && grep -q "Error. --keygen and --inputkey both are not allowed." e && [ ! -e no ] && ok ||
  bad "--keygen with --inputkey: exit $rc $(cat e)"
head -c 40 keys/one.bin >short.bin
"$FK" mfg gen --conf conf.csv --values vals.csv --prefix node --size 0x4000 --outdir sk --inputkey short.bin 2>e
rc=$?
[ "$rc" = 2 ] && grep -q "short.bin: the key file has 40 bytes; it needs at least 64" e && [ ! -e sk ] &&
  ok || bad "short --inputkey: exit $rc $(cat e)"
finish mfg_keys
