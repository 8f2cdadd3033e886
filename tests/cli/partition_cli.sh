#!/usr/bin/env bash
# flashkit partition: built-in tables, errors that name file and line and
# leave nothing behind, show (text/JSON/SVG), check (options and sdkconfig).
set -u
. "$(dirname "$0")/lib.bash"
vec="$FK_SHARED/vectors/partition"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t"

check "gen --help exits 0" "$FLASHKIT" partition gen --help
check "partition --help exits 0" "$FLASHKIT" partition --help
"$FLASHKIT" partition gen --bogus x y 2>/dev/null
check "unknown option exits 2" test $? -eq 2

# Built-in tables by name equal the SDK's CSVs run through the reference.
for b in singleapp:builtin_singleapp_sdkflags two_ota:builtin_two_ota_sdkflags two_ota_1mb:builtin_two_ota_1mb_sdkflags; do
  name=${b%%:*} case=${b#*:}
  # shellcheck disable=SC2046
  "$FLASHKIT" partition gen -q $(cat "$vec/$case/args.txt") "$name" out.bin
  check "built-in $name == $case" cmp -s out.bin "$vec/$case/expected.bin"
done
"$FLASHKIT" partition gen -q --disable-md5sum two_ota - | cmp -s - "$vec/builtin_two_ota_sdkflags/expected.bin"
check "built-in to stdout" test $? -eq 0

# Errors: file and line named, exit 2, an existing output untouched.
printf 'nvs, data, nvs, 0x9000, 0x6000\n# comment\nphy, data, phyy, 0xf000, 0x1000\n' > bad.csv
echo keep > out.bin
"$FLASHKIT" partition gen bad.csv out.bin 2>err.txt
check "bad row exits 2" test $? -eq 2
check "bad row names file" grep -q "bad.csv" err.txt
check "bad row names line 3" grep -q "Error at line 3" err.txt
check "existing output untouched" grep -q keep out.bin
check "no temp files left" test "$(ls | grep -c tmp)" -eq 0
"$FLASHKIT" partition gen missing.csv out.bin 2>err.txt
check "missing input exits 2" test $? -eq 2
check "missing input named" grep -q "missing.csv" err.txt

# Warnings for names that are keywords of another type.
printf 'ota_0, data, nvs, 0x9000, 0x6000\n' > warn.csv
"$FLASHKIT" partition gen warn.csv w.bin 2>err.txt
check "keyword-name warning" grep -q "which is a partition subtype" err.txt

# show: text, JSON, SVG.
"$FLASHKIT" partition show two_ota --flash-size 4MB > show.txt
check "show lists ota_1" grep -q "ota_1" show.txt
check "show has the free gap to 4MB" grep -q "0x00200000 - 0x003fffff" show.txt
"$FLASHKIT" partition show "$vec/seed_1mb_app1_0x5000_app2_0x85000/expected.bin" -o 0x4000 --disable-md5sum > seed.txt
check "show reads binary tables" grep -q "0x00085000" seed.txt
"$FLASHKIT" partition show two_ota_1mb --json > show.json
check "show --json is JSON" python3 -c "import json,sys; d=json.load(open('show.json')); assert d['partitions'][4]['offset']==0x80000; assert any(r['kind']=='free' for r in d['map'])"
"$FLASHKIT" partition show two_ota --svg layout.svg > /dev/null
check "show --svg writes an SVG" grep -q "<svg" layout.svg
check "svg is well-formed XML" python3 -c "import xml.dom.minidom; xml.dom.minidom.parse('layout.svg')"

# check: the seed's 1 MB layout.
seed="$vec/seed_1mb_app1_0x5000_app2_0x85000/input.csv"
"$FLASHKIT" partition check "$seed" -o 0x4000 --flash-size 1MB --app1 0x5000:0x7B000 --app2 0x85000:0x7B000 > ok.txt
check "seed layout agrees" test $? -eq 0
"$FLASHKIT" partition check "$seed" -o 0x4000 --flash-size 1MB --app1 0x10000:0x7B000 --app2 0x85000:0x70000 > bad.txt
check "disagreement exits 1" test $? -eq 1
check "app1 offset disagreement named" grep -q "App1 offset 0x10000 (--app1) != .*input.csv:3 ota_0 offset 0x5000" bad.txt
check "app2 size disagreement named" grep -q "App2 size 0x70000 (--app2) != .*ota_1 size 0x7b000" bad.txt
cat > sdkconfig <<'SDK'
# Espressif IoT Development Framework Configuration
CONFIG_ESPTOOLPY_FLASHSIZE_1MB=y
# CONFIG_ESPTOOLPY_FLASHSIZE_2MB is not set
CONFIG_APP2_SUPPORT=y
CONFIG_APP1_OFFSET=0x5000
CONFIG_APP1_SIZE=0x7B000
CONFIG_APP2_OFFSET=0x80000
CONFIG_APP2_SIZE=0x7B000
SDK
"$FLASHKIT" partition check "$seed" -o 0x4000 --sdkconfig sdkconfig > sdk.txt
check "sdkconfig disagreement exits 1" test $? -eq 1
check "sdkconfig line named" grep -q "App2 offset 0x80000 (sdkconfig:7 CONFIG_APP2_OFFSET) != .*ota_1 offset 0x85000" sdk.txt
# 2 MB+: APP1 is the boot partition (factory here).
"$FLASHKIT" partition check singleapp --flash-size 2MB --app1 0x10000:0xF0000 >/dev/null
check "2MB singleapp agrees" test $? -eq 0
# Issue 12: a control byte in a CSV is an error naming file and line (it
# used to cut the table short silently, exit 0).
printf 'nvs, data, nvs, 0x9000, 0x6000\nphy\0_init, data, phy, 0xf000, 0x1000\nfactory, app, factory, 0x10000, 1M\n' > nul.csv
"$FLASHKIT" partition gen nul.csv nul.bin 2>err.txt
check "NUL in CSV exits 2" test $? -eq 2
check "NUL in CSV names file and line 2" grep -q "nul.csv: Error at line 2: control byte 0x00" err.txt
check "NUL in CSV writes nothing" test ! -e nul.bin
# A NUL after a whole row used to end the table there: exit 0 with one partition.
printf 'nvs, data, nvs, 0x9000, 0x6000\n\0phy_init, data, phy, 0xf000, 0x1000\nfactory, app, factory, 0x10000, 1M\n' > nul2.csv
"$FLASHKIT" partition gen nul2.csv nul2.bin 2>err.txt
check "NUL after a row exits 2" test $? -eq 2
check "NUL after a row: line 2, column 1" grep -q "nul2.csv: Error at line 2: control byte 0x00 at column 1" err.txt
check "NUL after a row writes nothing" test ! -e nul2.bin
printf 'nvs, data, nvs, 0x9000, 0x6000\r\nphy_init, data, phy, 0xf000, 0x1000\x1b\n' > esc.csv
"$FLASHKIT" partition show esc.csv 2>err.txt >/dev/null
check "ESC in CSV refused by show too" test $? -eq 2
check "ESC named with its line" grep -q "esc.csv: Error at line 2: control byte 0x1b" err.txt
printf 'nvs, data, nvs, 0x9000, 0x6000\n\tphy_init, data, phy, 0xf000, 0x1000\r\n' > tab.csv
"$FLASHKIT" partition gen -q tab.csv tab.bin
check "tab and CR LF stay allowed" test $? -eq 0

# Issue 12: erased flash (all 0xFF) is a binary table with no entries, not a CSV.
head -c 3072 /dev/zero | tr '\0' '\377' > ff.bin
"$FLASHKIT" partition gen ff.bin ff.csv 2>err.txt
check "erased table exits 2" test $? -eq 2
check "erased table explained" grep -q "ff.bin: no partition table entries: file is erased flash (all 0xFF" err.txt
check "erased table: offset named" grep -q "offset 0x0" err.txt
check "erased table: not read as CSV" test "$(grep -c "Field 'type'" err.txt)" -eq 0
check "erased table writes nothing" test ! -e ff.csv

# Issue 12: the MD5 mismatch in hex (the reference's b'' wording follows for scripts).
"$FLASHKIT" partition gen "$vec/bad_bin_md5_mismatch/input.bin" md5.csv 2>err.txt
check "MD5 mismatch exits 2" test $? -eq 2
check "MD5 mismatch in hex" grep -q "MD5 row at offset 0x40 does not match the entries before it: computed e6c39985bd0f443a39e6865e110adaa5, stored e7c39985bd0f443a39e6865e110adaa5" err.txt
# One option parser: --opt=VALUE, -- before a name that starts with '-'.
"$FLASHKIT" partition gen -q --disable-md5sum --offset=0x8000 --flash-size=4MB two_ota eq.bin
check "--opt=value spellings" cmp -s eq.bin "$vec/builtin_two_ota_sdkflags/expected.bin"
cp eq.bin ./-t.bin
"$FLASHKIT" partition gen -q -- -t.bin dash.csv
check "-- before an input named -t.bin" grep -q "^ota_1,app,ota_1,0x110000,960K," dash.csv
"$FLASHKIT" partition show two_ota --svg 2>err.txt
check "missing value exits 2" test $? -eq 2
check "missing value named" grep -q "'--svg' needs a value" err.txt
finish partition_cli
