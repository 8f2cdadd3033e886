# Hostile input to `flashkit nvs encrypt | decrypt | generate-key`, `nvs gen
# --inputkey/--keygen` and `nvs dump --keyfile`: options, key files, images.
# Each case asserts the exit status, a message naming the file and the
# problem, and that nothing was written (the SDK tool leaves partial output
# files on most of these).
set -u
. "$(dirname "$0")/lib.bash"
FK=$FLASHKIT
. "$(dirname "$0")/refuse.bash"

printf 'key,type,encoding,value\nns,namespace,,\nk,data,string,hello\n' >in.csv
"$FK" nvs generate-key --keyfile good.bin --outdir . >/dev/null 2>&1 || die "generate-key failed"
mv keys/good.bin good.bin && rmdir keys
"$FK" nvs encrypt in.csv enc.bin 0x3000 --inputkey good.bin >/dev/null 2>&1 || die "encrypt failed"
: >empty.bin
head -c 63 good.bin >k63.bin
head -c 32 good.bin >k32.bin
{ head -c 32 good.bin; head -c 32 good.bin; } >same.bin
mkdir dir.bin
head -c 5000 enc.bin >odd.bin

# nvs encrypt: options, in the SDK tool's words where it has them.
refuse "encrypt: no key option" 2 "Error. --keygen or --inputkey argument needed." "$FK" nvs encrypt in.csv o.bin 0x3000
refuse "encrypt: both key options" 2 "Error. --keygen and --inputkey both are not allowed." \
  "$FK" nvs encrypt in.csv o.bin 0x3000 --keygen --inputkey good.bin
refuse "encrypt: no SIZE" 2 "nvs encrypt: needs INPUT.csv OUTPUT.bin SIZE" "$FK" nvs encrypt in.csv o.bin --inputkey good.bin
refuse "encrypt: SIZE not a number" 2 "size 'big' is not a number" "$FK" nvs encrypt in.csv o.bin big --inputkey good.bin
refuse "encrypt: SIZE too small" 1 "partition size 0x2000 is too small" "$FK" nvs encrypt in.csv o.bin 0x2000 --inputkey good.bin
refuse "encrypt: SIZE not whole pages" 1 "partition size 0x3001 is not a multiple of 4096" \
  "$FK" nvs encrypt in.csv o.bin 0x3001 --inputkey good.bin
refuse "encrypt: --version 3" 2 "--version '3': expected 1 or 2" "$FK" nvs encrypt in.csv o.bin 0x3000 --version 3 --inputkey good.bin
refuse "encrypt: unknown option" 2 "--bogus" "$FK" nvs encrypt in.csv o.bin 0x3000 --inputkey good.bin --bogus
refuse "encrypt: output not .bin" 2 'Error: `o.img`. Only `.bin` extension allowed.' \
  "$FK" nvs encrypt in.csv o.img 0x3000 --inputkey good.bin
refuse "encrypt: --inputkey not .bin" 2 'Error: `in.csv`. Only `.bin` extension allowed.' \
  "$FK" nvs encrypt in.csv o.bin 0x3000 --inputkey in.csv
refuse "encrypt: --keyfile not .bin" 2 'Error: `k.txt`. Only `.bin` extension allowed.' \
  "$FK" nvs encrypt in.csv o.bin 0x3000 --keygen --keyfile k.txt
# Key files.
refuse "encrypt: key file missing" 1 "nokey.bin: cannot read the key file: No such file or directory" \
  "$FK" nvs encrypt in.csv o.bin 0x3000 --inputkey nokey.bin
refuse "encrypt: key file is a folder" 1 "dir.bin: cannot read the key file: Is a directory" \
  "$FK" nvs encrypt in.csv o.bin 0x3000 --inputkey dir.bin
refuse "encrypt: empty key file (the SDK makes a random key)" 1 "empty.bin: the key file is empty" \
  "$FK" nvs encrypt in.csv o.bin 0x3000 --inputkey empty.bin
refuse "encrypt: 63-byte key file" 1 "k63.bin: the key file has 63 bytes; it needs at least 64" \
  "$FK" nvs encrypt in.csv o.bin 0x3000 --inputkey k63.bin
refuse "encrypt: random halves, equal" 1 "same.bin: the key's two halves (bytes 0-31 and 32-63) are equal" \
  "$FK" nvs encrypt in.csv o.bin 0x3000 --inputkey same.bin
# The CSV.
printf 'key,type,encoding,value\nns,namespace,,\nk,data,u8,1\000\n' >nul.csv
refuse "encrypt: NUL in the CSV" 1 "nul.csv:3: column 12: control byte 0x00 (NUL)" \
  "$FK" nvs encrypt nul.csv o.bin 0x3000 --inputkey good.bin
refuse "encrypt: CSV missing" 1 "nothere.csv: No such file or directory" \
  "$FK" nvs encrypt nothere.csv o.bin 0x3000 --inputkey good.bin
{
  printf 'key,type,encoding,value\nns,namespace,,\n'
  for i in $(seq 1 300); do echo "k$i,data,u32,$i"; done
} >big.csv
refuse "encrypt: data does not fit, --keygen makes no key" 1 "the data does not fit" \
  "$FK" nvs encrypt big.csv o.bin 0x3000 --version 1 --keygen --keyfile k.bin
# --outdir that cannot be a folder.
refuse "encrypt: --outdir is a file" 1 "in.csv/o.bin: cannot create: Not a directory" \
  "$FK" nvs encrypt in.csv o.bin 0x3000 --inputkey good.bin --outdir in.csv

# nvs decrypt.
refuse "decrypt: too few arguments" 2 "nvs decrypt: needs INPUT.bin KEYS.bin OUTPUT.bin" "$FK" nvs decrypt enc.bin good.bin
refuse "decrypt: input not .bin" 2 'Error: `in.csv`. Only `.bin` extension allowed.' "$FK" nvs decrypt in.csv good.bin o.bin
refuse "decrypt: key not .bin" 2 'Error: `in.csv`. Only `.bin` extension allowed.' "$FK" nvs decrypt enc.bin in.csv o.bin
refuse "decrypt: output not .bin" 2 'Error: `o.txt`. Only `.bin` extension allowed.' "$FK" nvs decrypt enc.bin good.bin o.txt
refuse "decrypt: 32-byte key (the SDK uses XTS-AES-128 and writes noise)" 1 "k32.bin: the key file has 32 bytes" \
  "$FK" nvs decrypt enc.bin k32.bin o.bin
refuse "decrypt: empty key" 1 "empty.bin: the key file is empty" "$FK" nvs decrypt enc.bin empty.bin o.bin
refuse "decrypt: image missing" 1 "none.bin" "$FK" nvs decrypt none.bin good.bin o.bin
refuse "decrypt: image not whole pages" 1 "odd.bin: 5000 bytes is not a whole number of 4096-byte NVS pages" \
  "$FK" nvs decrypt odd.bin good.bin o.bin
refuse "decrypt: empty image" 1 "empty.bin: 0 bytes is not a whole number" "$FK" nvs decrypt empty.bin good.bin o.bin

# nvs generate-key.
refuse "generate-key: an argument" 2 "unexpected argument" "$FK" nvs generate-key extra
refuse "generate-key: --keyfile not .bin" 2 'Error: `k.pem`. Only `.bin` extension allowed.' \
  "$FK" nvs generate-key --keyfile k.pem
refuse "generate-key: --keyfile that exists" 1 "keys/x.bin: a key file of that name exists" \
  bash -c "mkdir -p keys && cp good.bin keys/x.bin && trap 'rm -r keys' EXIT && '$FK' nvs generate-key --keyfile x.bin"

# nvs gen spellings.
refuse "gen: --keygen with --inputkey" 2 "--keygen and --inputkey both are not allowed" \
  "$FK" nvs gen in.csv o.bin --size 0x3000 --keygen --inputkey good.bin
refuse "gen: --keyfile alone" 2 "--keyfile names the key --keygen writes" "$FK" nvs gen in.csv o.bin --size 0x3000 --keyfile k.bin
refuse "gen: short key" 1 "k63.bin: the key file has 63 bytes" "$FK" nvs gen in.csv o.bin --size 0x3000 --inputkey k63.bin

# nvs dump --keyfile.
refuse "dump: short key" 1 "k32.bin: the key file has 32 bytes" "$FK" nvs dump --keyfile k32.bin enc.bin
refuse "dump: --keyfile without a value" 2 "--keyfile" "$FK" nvs dump enc.bin --keyfile
refuse "dump: encrypted image without a key" 3 "enc.bin: looks encrypted: give --keyfile" "$FK" nvs dump enc.bin
finish malformed_nvs_encrypt
