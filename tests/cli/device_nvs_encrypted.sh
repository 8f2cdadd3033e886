# NVS encryption on the simulated device: `device create --nvs-keys |
# --nvs-keygen` lays a data/nvs_keys partition (carved from the nvs
# partition when the table has none) and an encrypted NVS; `device nvs`
# reads and writes it with the keys; the image equals the SDK generator's
# encrypted vector for the same CSV and key; a wrong, corrupt or erased key
# is reported and changes nothing; bad key options write no device.
set -u
. "$(dirname "$0")/lib.bash"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
FK="$FLASHKIT"
V="$FK_SHARED/vectors/nvs-encrypted"
expect_err() {
  local name=$1 re=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err" && bad "$name: exit 0" || ok
  grep -Eq -- "$re" "$T/err" && ok || bad "$name: '$(cat "$T/err")' lacks /$re/"
}
# hexdump of LEN bytes at OFF of FILE
hexat() { od -An -tx1 -v -j "$(($2))" -N "$(($3))" "$1" | tr -d ' \n'; }
# sector SEC of FILE overwritten with the bytes of SRC (first 4096)
put_sector() { dd if="$3" of="$1" bs=4096 seek=$(($2 / 4096)) count=1 conv=notrunc 2>/dev/null; }
cat >"$T/creds.csv" <<'CSV'
key,type,encoding,value
aliyun-key,namespace,,
DeviceName,data,string,config
DeviceSecret,data,string,dsj3RuY74pgCBJ3zczKz1LaLK7RGApqh
ProductKey,data,string,a10BnLLzGv4
CSV

# --- --nvs-keygen on a built-in table: nvs_keys carved from nvs ---
"$FK" device create "$T/d.img" --table two_ota --nvs "$T/creds.csv" --nvs-keygen >"$T/out" 2>"$T/err" || bad "create keygen: $(cat "$T/err")"
grep -q "^nvs       0x009000  .*12288 bytes, encrypted" "$T/out" && ok || bad "nvs line: $(cat "$T/out")"
grep -q "^nvs_keys  0x00c000  new keys (OS random source) (last sector of nvs, added to the table)" "$T/out" && ok ||
  bad "nvs_keys line: $(cat "$T/out")"
key=$(hexat "$T/d.img" 0xc000 64)
[ ${#key} = 128 ] && [ "$key" != "$(printf 'f%.0s' $(seq 128))" ] && ok || bad "keys written: $key"
grep -qi "${key:0:16}" "$T/out" "$T/err" && bad "key bytes printed" || ok
# The key block's CRC: the runtime reads it back.
python3 - "$T/d.img" <<'PY' && ok || bad "nvs_keys CRC / padding"
import sys, zlib
b = open(sys.argv[1], "rb").read()[0xc000:0xd000]
assert int.from_bytes(b[64:68], "little") == zlib.crc32(b[:64], 0xFFFFFFFF) & 0xFFFFFFFF
assert b[68:] == b"\xff" * (4096 - 68)
PY
dd if="$T/d.img" bs=4096 skip=8 count=1 of="$T/pt.bin" 2>/dev/null
"$FK" partition show "$T/pt.bin" >"$T/pt" 2>&1 || bad "partition show: $(cat "$T/pt")"
grep -Eq "^  nvs +data +nvs +0x00009000 0x00003000" "$T/pt" && ok || bad "nvs shrunk by one sector: $(cat "$T/pt")"
grep -Eq "nvs_keys.*encrypted" "$T/pt" && ok || bad "table row nvs_keys, encrypted: $(cat "$T/pt")"
grep -q "a10BnLLzGv4" "$T/d.img" && bad "plaintext on flash" || ok
grep -q "aliyun-key" "$T/d.img" && bad "namespace name on flash" || ok
[ "$("$FK" device nvs "$T/d.img" get aliyun-key ProductKey 2>&1)" = a10BnLLzGv4 ] && ok || bad "get through the keys"
"$FK" device nvs "$T/d.img" set aliyun-key Counter 42 --type u32 >/dev/null 2>&1 && ok || bad "set u32"
"$FK" device nvs "$T/d.img" set wifi pass hunter2-secret >/dev/null 2>&1 && ok || bad "set string"
[ "$("$FK" device nvs "$T/d.img" get aliyun-key Counter)" = 42 ] && ok || bad "get u32"
[ "$("$FK" device nvs "$T/d.img" get wifi pass)" = hunter2-secret ] && ok || bad "get string"
"$FK" device nvs "$T/d.img" list aliyun-key | grep -Eq "^DeviceSecret +string +dsj3RuY74pgCBJ3zczKz1LaLK7RGApqh$" && ok || bad "list"
grep -q "hunter2" "$T/d.img" && bad "written value in the clear" || ok
# What the runtime wrote decrypts with the CLI: the nvs_keys sector is a key file.
dd if="$T/d.img" bs=4096 skip=12 count=1 of="$T/dkeys.bin" 2>/dev/null
dd if="$T/d.img" bs=4096 skip=9 count=3 of="$T/dnvs.bin" 2>/dev/null
"$FK" nvs decrypt "$T/dnvs.bin" "$T/dkeys.bin" "$T/dplain.bin" >/dev/null 2>"$T/err" && ok || bad "nvs decrypt: $(cat "$T/err")"
"$FK" nvs dump "$T/dplain.bin" >"$T/dump" 2>&1 && ok || bad "nvs dump of the decrypted device NVS"
grep -q "hunter2-secret" "$T/dump" && grep -q "a10BnLLzGv4" "$T/dump" && ok || bad "decrypted dump lacks the values: $(head -c 600 "$T/dump")"
"$FK" nvs dump "$T/dnvs.bin" --keyfile "$T/dkeys.bin" >"$T/dump2" 2>&1 && ok || bad "nvs dump --keyfile"
cmp -s <(tail -n +2 "$T/dump") <(tail -n +2 "$T/dump2") && ok || bad "dump --keyfile differs from the dump of the decrypted image (after the file-name line)"

# --- --nvs-keys: the NVS partition equals the SDK generator's encrypted image ---
cat >"$T/t.csv" <<'CSV'
nvs,      data, nvs,      0x9000,  0x4000,
nvs_keys, data, nvs_keys, 0xd000,  0x1000, encrypted
phy_init, data, phy,      0xf000,  0x1000,
factory,  app,  factory,  0x10000, 0xF0000,
CSV
C="$V/example_aliyun_v1"
"$FK" device create "$T/v.img" --table "$T/t.csv" --nvs "$C/input.csv" --nvs-keys "$C/keys.bin" >"$T/out" 2>"$T/err" || bad "create with keys: $(cat "$T/err")"
dd if="$T/v.img" bs=4096 skip=9 count=4 of="$T/nvs.bin" 2>/dev/null
cmp -s "$T/nvs.bin" "$C/expected.bin" && ok || bad "device NVS differs from the vector's expected.bin"
[ "$(hexat "$T/v.img" 0xd000 68)" = "$(hexat "$C/keys.bin" 0 68)" ] && ok || bad "nvs_keys = keys.bin's first 68 bytes"
grep -q "^nvs_keys  0x00d000  $C/keys.bin$" "$T/out" && ok || bad "nvs_keys line (table's own row): $(cat "$T/out")"
[ "$("$FK" device nvs "$T/v.img" get aliyun-key ProductSecret)" = pVfLpS1u3A9JM0go ] && ok || bad "vector value"

# --- a wrong key: refused, nothing changes; then the right key reads ---
cp "$T/v.img" "$T/w.img"
python3 - "$T/w.img" <<'PY'
import sys, zlib
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
k = bytes((i * 37 + 11) & 0xFF for i in range(64))
b[0xd000:0xe000] = k + zlib.crc32(k, 0xFFFFFFFF).to_bytes(4, "little") + b"\xff" * (4096 - 68)
open(p, "wb").write(b)
PY
sum=$(md5sum <"$T/w.img")
expect_err "wrong key get" "do not decrypt NVS partition 'nvs'.*nothing was changed" "$FK" device nvs "$T/w.img" get aliyun-key ProductKey
expect_err "wrong key set" "do not decrypt" "$FK" device nvs "$T/w.img" set aliyun-key X 1 --type u8
[ "$(md5sum <"$T/w.img")" = "$sum" ] && ok || bad "wrong key changed the image"
put_sector "$T/w.img" 0xd000 "$C/keys.bin"
[ "$("$FK" device nvs "$T/w.img" get aliyun-key DeviceName)" = config ] && ok || bad "right key after a wrong one"

# --- corrupt and erased keys ---
cp "$T/v.img" "$T/c.img"
printf '\x00' | dd of="$T/c.img" bs=1 seek=$((0xd000 + 5)) conv=notrunc 2>/dev/null
expect_err "corrupt keys" "nvs_keys partition 'nvs_keys' at 0xd000: corrupt" "$FK" device nvs "$T/c.img" get aliyun-key DeviceName
head -c 4096 /dev/zero | tr '\0' '\377' >"$T/ff"
put_sector "$T/c.img" 0xd000 "$T/ff"
expect_err "erased keys get" "erased, no keys yet" "$FK" device nvs "$T/c.img" get aliyun-key DeviceName
# A device laid out for encryption whose keys were never made: the first set makes them.
"$FK" device create "$T/e.img" --table "$T/t.csv" >/dev/null 2>&1 || bad "create without keys"
"$FK" device nvs "$T/e.img" set app boots 1 --type u16 >"$T/out" 2>"$T/err" && ok || bad "set with erased keys: $(cat "$T/err")"
grep -q "new keys generated" "$T/err" && ok || bad "keygen note: $(cat "$T/err")"
[ "$(hexat "$T/e.img" 0xd000 4)" != ffffffff ] && ok || bad "keys generated into nvs_keys"
[ "$("$FK" device nvs "$T/e.img" get app boots)" = 1 ] && ok || bad "get after first-set keygen"

# --- a power cut in an encrypted set keeps the old value ---
cp "$T/v.img" "$T/p.img"
"$FK" device nvs "$T/p.img" set aliyun-key DeviceName newname --power-cut 1 >/dev/null 2>&1
[ $? = 3 ] && ok || bad "power cut exit status"
v=$("$FK" device nvs "$T/p.img" get aliyun-key DeviceName)
[ "$v" = config ] || [ "$v" = newname ] && ok || bad "value after the cut: $v"

# --- bad key options: clear errors, no device file ---
expect_err "both key options" "--nvs-keys and --nvs-keygen both given" "$FK" device create "$T/x.img" --table two_ota --nvs-keys "$C/keys.bin" --nvs-keygen
head -c 32 "$C/keys.bin" >"$T/short.bin"
expect_err "short key file" "short.bin: 32 bytes; a key file holds eky and tky, 64 bytes at least" "$FK" device create "$T/x.img" --table two_ota --nvs "$T/creds.csv" --nvs-keys "$T/short.bin"
head -c 64 /dev/zero >"$T/zero.bin"
expect_err "equal halves" "zero.bin: the two 32-byte key halves .* are equal" "$FK" device create "$T/x.img" --table two_ota --nvs-keys "$T/zero.bin"
expect_err "missing key file" "nokeys.bin" "$FK" device create "$T/x.img" --table two_ota --nvs-keys "$T/nokeys.bin"
cat >"$T/small.csv" <<'CSV'
nvs,      data, nvs,      0x9000,  0x2000,
factory,  app,  factory,  0x10000, 0xF0000,
CSV
expect_err "no room for nvs_keys" "no data/nvs_keys partition and no nvs partition of 3 sectors" "$FK" device create "$T/x.img" --table "$T/small.csv" --nvs-keygen
[ -e "$T/x.img" ] && bad "a refused create left a device file" || ok
ls "$T" | grep -q "x.img.tmp" && bad "temp file left" || ok
"$FK" device create --help | grep -q -- "--nvs-keygen" && ok || bad "help lists --nvs-keygen"
"$FK" device nvs --help | grep -q "nvs_keys" && ok || bad "device nvs help mentions nvs_keys"
finish device_nvs_encrypted
