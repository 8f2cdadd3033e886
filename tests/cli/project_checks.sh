#!/usr/bin/env bash
# flashkit build's layout checks: each rule fails with one line naming both
# sides, all problems are reported together, and nothing is written.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
F=${FLASHKIT:?}
SRC=${FK_SRC:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# line OPTION DIR: line number of CONFIG_OPTION in DIR/sdkconfig
line() { grep -n "^CONFIG_$1=" "$2/sdkconfig" | cut -d: -f1; }
set_opt() { sed -i "s|^CONFIG_$2=.*|CONFIG_$2=$3|" "$1/sdkconfig"; }
fresh() { rm -rf "$1"; "$F" new "$1" "${@:2}" > /dev/null; }
# expect_fail DIR MESSAGE [build args]: the build fails, says MESSAGE, writes nothing.
expect_fail() {
  local dir=$1 msg=$2
  shift 2
  local before
  before=$(cd "$dir" && find . -type f -newer sdkconfig -o -type f -name '*.bin' | sort | xargs -r md5sum 2>/dev/null || true)
  if (cd "$dir" && "$F" build "$@" > ../out.txt 2> ../err.txt); then die "$dir: build passed, expected: $msg"; fi
  grep -qF -- "$msg" err.txt || { cat err.txt; die "$dir: missing message: $msg"; }
  local after
  after=$(cd "$dir" && find . -type f -newer sdkconfig -o -type f -name '*.bin' | sort | xargs -r md5sum 2>/dev/null || true)
  [[ $before == "$after" ]] || die "$dir: files changed by a failed build"
  [[ ! -s out.txt ]] || die "$dir: a failed build printed a result"
  ok
}

# --- app locations vs the table (the notes' rule) ---
fresh a --flash-size 1MB --table two_ota
set_opt a APP2_OFFSET 0x85000
set_opt a APP1_SIZE 0x7B000
expect_fail a "sdkconfig:$(line APP2_OFFSET a): CONFIG_APP2_OFFSET=0x85000 but built-in partitions_two_ota.1MB.csv:7 ota_1 starts at 0x80000"
grep -qF "sdkconfig:$(line APP1_SIZE a): CONFIG_APP1_SIZE=0x7B000 but built-in partitions_two_ota.1MB.csv:6 ota_0 is 0x70000 bytes" err.txt && ok || die "second problem not reported"
grep -qF "build: 2 problems in .; nothing written" err.txt && ok || die "problem count"
[[ ! -e a/build ]] && ok || die "a/build created"

fresh b --flash-size 2MB --table singleapp
set_opt b APP1_OFFSET 0x20000
expect_fail b "sdkconfig:$(line APP1_OFFSET b): CONFIG_APP1_OFFSET=0x20000 but built-in partitions_singleapp.csv:5 factory starts at 0x10000"

# The notes' 1 MB layout in a custom table, with App2 moved in the CSV only.
fresh c --flash-size 1MB --table custom
sed -i 's/^ota_1,    app,  ota_1,   0x85000, 0x7B000,/ota_1,    app,  ota_1,   0x86000, 0x7A000,/' c/partitions.csv
expect_fail c "sdkconfig:$(line APP2_OFFSET c): CONFIG_APP2_OFFSET=0x85000 but partitions.csv:12 ota_1 starts at 0x86000"
grep -qF "CONFIG_APP2_SIZE=0x7B000 but partitions.csv:12 ota_1 is 0x7A000 bytes" err.txt && ok || die "App2 size"

fresh d --flash-size 2MB --table two_ota
echo "CONFIG_APP2_SUPPORT=y" >> d/sdkconfig
expect_fail d "sdkconfig:$(line APP2_SUPPORT d): CONFIG_APP2_SUPPORT=y but sdkconfig:$(line ESPTOOLPY_FLASHSIZE_2MB d): flash size 2MB (0x200000 bytes); APP2 options exist only for 1MB flash"

fresh e --flash-size 1MB --table custom
sed -i '/^ota_1,/d' e/partitions.csv
expect_fail e "sdkconfig:$(line APP2_SUPPORT e): CONFIG_APP2_SUPPORT=y but partitions.csv has no ota_1 app partition for App2"

# --- table offset, flash size ---
fresh g --flash-size 2MB --table custom
set_opt g PARTITION_TABLE_OFFSET 0x9000
expect_fail g "sdkconfig:$(line PARTITION_TABLE_OFFSET g): CONFIG_PARTITION_TABLE_OFFSET=0x9000 puts the table at 0x9000-0x9FFF but partitions.csv:7 nvs starts at 0x9000 (partitions must start at or after 0xA000)"
set_opt g PARTITION_TABLE_OFFSET 0x7800
expect_fail g "CONFIG_PARTITION_TABLE_OFFSET=0x7800 is not a multiple of 0x1000: the table fills one flash sector"

fresh h --flash-size 2MB --table custom
sed -i 's/^CONFIG_ESPTOOLPY_FLASHSIZE_2MB=y/# CONFIG_ESPTOOLPY_FLASHSIZE_2MB is not set/; s/^# CONFIG_ESPTOOLPY_FLASHSIZE_1MB is not set/CONFIG_ESPTOOLPY_FLASHSIZE_1MB=y/; s/^CONFIG_ESPTOOLPY_FLASHSIZE="2MB"/CONFIG_ESPTOOLPY_FLASHSIZE="1MB"/' h/sdkconfig
expect_fail h "sdkconfig:$(line ESPTOOLPY_FLASHSIZE_1MB h): flash size 1MB (0x100000 bytes) but partitions.csv:11 ota_1 ends at 0x200000"
sed -i 's/^CONFIG_ESPTOOLPY_FLASHSIZE="1MB"/CONFIG_ESPTOOLPY_FLASHSIZE="4MB"/' h/sdkconfig
expect_fail h "CONFIG_ESPTOOLPY_FLASHSIZE=\"4MB\" but CONFIG_ESPTOOLPY_FLASHSIZE_1MB=y at line $(line ESPTOOLPY_FLASHSIZE_1MB h)"

# --- otadata, NVS ---
fresh i --flash-size 2MB --table custom
sed -i 's/^otadata,  data, ota,     0xd000,   0x2000,/otadata,  data, ota,     0xd000,   0x1000,/' i/partitions.csv
expect_fail i "partitions.csv:8 otadata is 0x1000 bytes but the bootloader needs an otadata partition of at least 0x2000 (two sectors)"

fresh j --flash-size 1MB --table custom     # nvs partition of 0x3000: two usable pages
for n in $(seq 1 300); do echo "k$n,data,u8,1"; done >> j/nvs.csv
expect_fail j "nvs.csv:249: "
grep -qF "(for partitions.csv:11 nvs, 0x3000 bytes)" err.txt && ok || die "j: partition named"

fresh k --flash-size 2MB --table custom
sed -i 's/^nvs,      data, nvs,     0x9000,   0x4000,/nvs,      data, nvs,     0x9000,   0x2000,/' k/partitions.csv
expect_fail k "partitions.csv:7 nvs is 0x2000 bytes, too small for an NVS image from nvs.csv"
sed -i '/^nvs,/d' k/partitions.csv
expect_fail k "nvs.csv is there to be flashed but partitions.csv has no data/nvs partition"
echo 'CONFIG_FLASHKIT_NVS_CSV="creds.csv"' >> k/sdkconfig
expect_fail k "CONFIG_FLASHKIT_NVS_CSV=\"creds.csv\" but creds.csv: No such file or directory"

# --- the sdkconfig itself ---
fresh l --table custom
rm l/partitions.csv
expect_fail l "sdkconfig:$(line PARTITION_TABLE_CUSTOM_FILENAME l): CONFIG_PARTITION_TABLE_CUSTOM_FILENAME names partitions.csv: No such file or directory"

fresh m --flash-size 2MB --table two_ota
set_opt m PARTITION_TABLE_FILENAME '"partitions_two_ota.1MB.csv"'
expect_fail m "sdkconfig:$(line PARTITION_TABLE_FILENAME m): CONFIG_PARTITION_TABLE_FILENAME=\"partitions_two_ota.1MB.csv\" but CONFIG_PARTITION_TABLE_TWO_OTA (line $(line PARTITION_TABLE_TWO_OTA m)) selects \"partitions_two_ota.csv\""

fresh n
echo "CONFIG_PARTITION_TABLE_TWO_OTA=y" >> n/sdkconfig
expect_fail n "sdkconfig:$(line PARTITION_TABLE_TWO_OTA n): CONFIG_PARTITION_TABLE_TWO_OTA=y but CONFIG_PARTITION_TABLE_SINGLE_APP=y at line $(line PARTITION_TABLE_SINGLE_APP n): only one may be chosen"

fresh o
set_opt o PARTITION_TABLE_OFFSET 0x8G00
expect_fail o "sdkconfig:$(line PARTITION_TABLE_OFFSET o): CONFIG_PARTITION_TABLE_OFFSET=0x8G00 is not a number"
printf 'CONFIG_A=1\nCONFIG_S="unterminated\n' > o/sdkconfig
expect_fail o "sdkconfig:2: string value has no closing quote"

fresh q --table custom
sed -i 's/^phy_init, data, phy,     0xf000,   0x1000,/phy_init, data, nosuch,  0xf000,   0x1000,/' q/partitions.csv
expect_fail q "partitions.csv:9: Value 'nosuch' is not valid"

# --- app images ---
fresh r --flash-size 1MB --table two_ota
head -c $((0x71000)) /dev/zero > big.bin
expect_fail r "big.bin: 0x71000 bytes but built-in partitions_two_ota.1MB.csv:6 ota_0 is 0x70000 bytes" --app ../big.bin
head -c 4096 /dev/urandom > junk.bin
expect_fail r "junk.bin: not a bootable ESP8266 app image for built-in partitions_two_ota.1MB.csv:6 ota_0" --app ../junk.bin
bash "$SRC/scripts/build-firmware.sh" 2.0 0x80000 app_80000.bin "$F" > /dev/null
expect_fail r "app_80000.bin: linked to run from flash offset 0x80000 (code at 0x40280010) but built-in partitions_two_ota.1MB.csv:6 ota_0 starts at 0x10000" --app ../app_80000.bin
(cd r && "$F" build --app2 ../app_80000.bin > /dev/null) && ok || die "app2 linked for ota_1 refused"
cmp -s app_80000.bin r/build/app2.bin && ok || die "app2.bin not copied"
fresh s
sed -i 's/^CONFIG_FLASHKIT_DEMO_APP=y/# CONFIG_FLASHKIT_DEMO_APP is not set/' s/sdkconfig
expect_fail s "--merge needs an app image for the boot slot: give --app FILE" --merge

# --- many problems at once; an earlier build stays as it was ---
fresh t --flash-size 1MB --table custom
(cd t && "$F" build > /dev/null) || die "t: first build"
sum_before=$(md5sum t/build/* | md5sum)
set_opt t APP1_OFFSET 0x6000
set_opt t PARTITION_TABLE_OFFSET 0x5000
sed -i 's/^ota_1,.*/ota_1,    app,  ota_1,   0x85000, 0x8B000,/' t/partitions.csv
expect_fail t "build: 4 problems in .; nothing written"
grep -qF "CONFIG_APP1_OFFSET=0x6000 but partitions.csv:9 ota_0 starts at 0x5000" err.txt && ok || die "t: app1"
grep -qF "CONFIG_PARTITION_TABLE_OFFSET=0x5000 puts the table at 0x5000-0x5FFF but partitions.csv:9 ota_0 starts at 0x5000" err.txt && ok || die "t: offset"
grep -qF "flash size 1MB (0x100000 bytes) but partitions.csv:12 ota_1 ends at 0x110000" err.txt && ok || die "t: flash size"
grep -qF "CONFIG_APP2_SIZE=0x7B000 but partitions.csv:12 ota_1 is 0x8B000 bytes" err.txt && ok || die "t: app2 size"
[[ $(md5sum t/build/* | md5sum) == "$sum_before" ]] && ok || die "t: earlier build changed"

finish project_checks
