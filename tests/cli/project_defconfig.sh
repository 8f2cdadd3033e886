#!/usr/bin/env bash
# A real ESP8266 RTOS SDK project's sdkconfig (v3.1 style, with the APP1/APP2
# options and plenty of options flashkit does not know) builds as it is, and
# `flashkit defconfig` applies sdkconfig.defaults through kconfig-conf while
# keeping the unknown options.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
F=${FLASHKIT:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

mkdir sdk
cat > sdk/sdkconfig <<'CFG'
#
# Automatically generated file; DO NOT EDIT.
# Espressif IoT Development Framework Configuration
#
CONFIG_TOOLPREFIX="xtensa-lx106-elf-"
CONFIG_PYTHON="python"
CONFIG_MAKE_WARN_UNDEFINED_VARIABLES=y

#
# Serial flasher config
#
CONFIG_ESPTOOLPY_PORT="/dev/ttyUSB0"
# CONFIG_ESPTOOLPY_BAUD_115200B is not set
CONFIG_ESPTOOLPY_BAUD_921600B=y
CONFIG_ESPTOOLPY_BAUD=921600
CONFIG_ESPTOOLPY_COMPRESSED=y
CONFIG_ESPTOOLPY_FLASHMODE_QIO=y
# CONFIG_ESPTOOLPY_FLASHMODE_DIO is not set
CONFIG_ESPTOOLPY_FLASHMODE="qio"
# CONFIG_ESPTOOLPY_FLASHFREQ_80M is not set
CONFIG_ESPTOOLPY_FLASHFREQ_40M=y
CONFIG_ESPTOOLPY_FLASHFREQ="40m"
CONFIG_ESPTOOLPY_FLASHSIZE_1MB=y
# CONFIG_ESPTOOLPY_FLASHSIZE_2MB is not set
CONFIG_ESPTOOLPY_FLASHSIZE="1MB"
CONFIG_ESPTOOLPY_BEFORE_RESET=y
CONFIG_ESPTOOLPY_BEFORE="default_reset"

#
# Partition Table
#
# CONFIG_PARTITION_TABLE_SINGLE_APP is not set
# CONFIG_PARTITION_TABLE_TWO_OTA is not set
CONFIG_PARTITION_TABLE_CUSTOM=y
CONFIG_PARTITION_TABLE_CUSTOM_FILENAME="partitions_ota.csv"
CONFIG_PARTITION_TABLE_FILENAME="partitions_ota.csv"
CONFIG_PARTITION_TABLE_OFFSET=0x4000
CONFIG_APP2_SUPPORT=y
CONFIG_APP1_OFFSET=0x5000
CONFIG_APP1_SIZE=0x7B000
CONFIG_APP2_OFFSET=0x85000
CONFIG_APP2_SIZE=0x7b000

#
# FreeRTOS
#
CONFIG_FREERTOS_HZ=100
CONFIG_LWIP_MAX_SOCKETS=10
# CONFIG_LWIP_IPV6 is not set
CONFIG_WIFI_PPT_TASKSTACK_SIZE=5120
CONFIG_SSL_USING_MBEDTLS=y
CFG
cat > sdk/partitions_ota.csv <<'CSV'
# Name,   Type, SubType, Offset,  Size
ota_0,    0,    ota_0,   0x5000,  0x7B000
otadata,  data, ota,     0x80000, 0x2000
nvs,      data, nvs,     0x82000, 0x3000
ota_1,    0,    ota_1,   0x85000, 0x7B000
CSV

(cd sdk && "$F" build --json > ../b.json) || die "SDK v3.1 sdkconfig does not build"
python3 - <<'PY' || die "build --json of the SDK project"
import json
j = json.load(open("b.json"))
assert j["flash_size"] == "1MB" and j["flash_mode"] == "qio" and j["table_offset"] == 0x4000, j
assert j["app1"] == {"label": "ota_0", "offset": 0x5000, "size": 0x7B000}, j["app1"]
assert j["app2"] == {"label": "ota_1", "offset": 0x85000, "size": 0x7B000}, j["app2"]
files = {f["file"]: f["offset"] for f in j["files"]}
assert files == {"partition-table.bin": 0x4000, "ota_data_initial.bin": 0x80000}, files
PY
ok
head -1 sdk/build/flash_args | grep -qx -- '--flash_mode qio --flash_freq 40m --flash_size 1MB' && ok || die "flash_args"
[[ ! -e sdk/build/nvs.bin ]] && ok || die "nvs.bin without an NVS CSV"

# The same file in SDK >= v3.2 form (no APP options): the table decides.
grep -v -e '^CONFIG_APP' sdk/sdkconfig > sdk/sdkconfig.v32
mkdir v32 && cp sdk/partitions_ota.csv v32/ && cp sdk/sdkconfig.v32 v32/sdkconfig
(cd v32 && "$F" build --json > ../b32.json) || die "v3.2 style sdkconfig"
python3 -c 'import json; j=json.load(open("b32.json")); assert j["app1"]["offset"]==0x5000 and j["app2"]["offset"]==0x85000, j' \
  && ok || die "v3.2 app1/app2 derived from the table"

# defconfig: the defaults override, the rest of sdkconfig stays, unknown options survive once each.
printf '# CI: faster flash\nCONFIG_ESPTOOLPY_FLASHFREQ_80M=y\n' > sdk/sdkconfig.defaults
(cd sdk && "$F" defconfig > ../d.out 2> ../d.err) || die "defconfig"
[[ ! -s d.err ]] && ok || die "defconfig warned: $(cat d.err)"
grep -q 'wrote sdkconfig (applied sdkconfig.defaults)' d.out && ok || die "defconfig message: $(cat d.out)"
c=sdk/sdkconfig
grep -qx 'CONFIG_ESPTOOLPY_FLASHFREQ_80M=y' $c && grep -qx 'CONFIG_ESPTOOLPY_FLASHFREQ="80m"' $c \
  && grep -qx '# CONFIG_ESPTOOLPY_FLASHFREQ_40M is not set' $c && ok || die "default not applied"
for l in 'CONFIG_ESPTOOLPY_FLASHMODE="qio"' 'CONFIG_PARTITION_TABLE_OFFSET=0x4000' 'CONFIG_APP2_SUPPORT=y' \
         'CONFIG_APP1_OFFSET=0x5000' 'CONFIG_APP2_SIZE=0x7b000' 'CONFIG_PARTITION_TABLE_CUSTOM_FILENAME="partitions_ota.csv"'; do
  grep -qxF "$l" $c && ok || die "lost: $l"
done
for l in 'CONFIG_FREERTOS_HZ=100' 'CONFIG_ESPTOOLPY_BAUD=921600' '# CONFIG_LWIP_IPV6 is not set' \
         'CONFIG_TOOLPREFIX="xtensa-lx106-elf-"' 'CONFIG_ESPTOOLPY_BEFORE="default_reset"'; do
  [[ $(grep -cxF "$l" $c) == 1 ]] && ok || die "unknown option not kept exactly once: $l"
done
(cd sdk && "$F" build > /dev/null) || die "build after defconfig"
head -1 sdk/build/flash_args | grep -q -- '--flash_freq 80m' && ok || die "80m not in flash_args"
cp $c again.before
(cd sdk && "$F" defconfig > /dev/null)
cmp -s again.before $c && ok || die "defconfig is not idempotent"

# Kconfig rules apply: APP2 options vanish when the flash is no longer 1MB.
printf 'CONFIG_ESPTOOLPY_FLASHSIZE_4MB=y\n' > sdk/sdkconfig.defaults
(cd sdk && "$F" defconfig > /dev/null)
grep -q '^CONFIG_APP2' $c && die "APP2 options kept on 4MB" || ok
grep -qx 'CONFIG_ESPTOOLPY_FLASHSIZE="4MB"' $c && ok || die "4MB"

# No sdkconfig yet: the defaults on top of the Kconfig defaults.
mkdir fresh
printf 'CONFIG_PARTITION_TABLE_TWO_OTA=y\nCONFIG_ESPTOOLPY_FLASHSIZE_1MB=y\n' > fresh/sdkconfig.defaults
(cd fresh && "$F" defconfig > /dev/null) || die "defconfig without sdkconfig"
for l in 'CONFIG_APP2_SUPPORT=y' 'CONFIG_APP1_SIZE=0x70000' 'CONFIG_APP2_OFFSET=0x80000' \
         'CONFIG_PARTITION_TABLE_FILENAME="partitions_two_ota.1MB.csv"' 'CONFIG_PARTITION_TABLE_OFFSET=0x8000'; do
  grep -qxF "$l" fresh/sdkconfig && ok || die "fresh: $l"
done
(cd fresh && "$F" build > /dev/null) && ok || die "Kconfig defaults do not build"

# A broken defaults file: named with its line; sdkconfig untouched.
cp fresh/sdkconfig keep
printf 'CONFIG_OK=y\nESPTOOLPY_FLASHSIZE_2MB=y\n' > fresh/sdkconfig.defaults
if (cd fresh && "$F" defconfig 2> ../e.txt > /dev/null); then die "broken defaults accepted"; fi
grep -qF 'sdkconfig.defaults:2: expected CONFIG_NAME=value' e.txt && ok || die "defaults error: $(cat e.txt)"
cmp -s keep fresh/sdkconfig && ok || die "sdkconfig changed by a failed defconfig"

finish project_defconfig
