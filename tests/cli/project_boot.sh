#!/usr/bin/env bash
# Done-when of the project set-up: `flashkit new p && cd p && flashkit build
# --merge` gives a flash image that `flashkit device boot` boots, for the
# built-in and custom layouts (the notes' 1 MB APP1/APP2 layout included), with
# the project's NVS credentials readable by the device's NVS engine.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
F=${FLASHKIT:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
command -v xtensa-lx106-elf-gcc >/dev/null || die "xtensa-lx106-elf-gcc missing (scripts/deps.sh installs it): the demo app cannot be built"

# json FILE EXPR: evaluates a Python expression over the JSON in FILE (as j).
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

boot_case() { # name flash table expected-boot-label expected-offset
  local p=$1
  "$F" new $p --flash-size $2 --table $3 > /dev/null || die "new $p"
  (cd $p && "$F" build --merge > ../build.out) || die "build --merge $p"
  local img=$p/build/flash_image.bin
  [[ $(stat -c %s $img) == $(( ${2%MB} * 1048576 )) ]] && ok || die "$p: image is not the flash size"
  "$F" device boot $img --json > boot.json || die "$p: device boot failed"
  [[ $(json boot.json 'j["running"]["label"]') == "$4" ]] && ok || die "$p: running $(json boot.json 'j["running"]')"
  [[ $(json boot.json 'j["running"]["offset"]') == $(($5)) ]] && ok || die "$p: offset"
  [[ $(json boot.json 'j["app"]["project_name"]') == flashkit_demo ]] && ok || die "$p: app descriptor"
  [[ $("$F" device nvs $img get aliyun-key DeviceName) == config ]] && ok || die "$p: NVS DeviceName"
  [[ $("$F" device nvs $img get aliyun-key ProductKey) == a10BnLLzGv4 ]] && ok || die "$p: NVS ProductKey"
}

boot_case p 2MB singleapp factory 0x10000
boot_case q 4MB two_ota ota_0 0x10000
boot_case r 1MB two_ota ota_0 0x10000
boot_case s 1MB custom ota_0 0x5000

# The notes' layout: App2 (ota_1 at 0x85000) holds its own build; select it
# in otadata as esp_ota_set_boot_partition() would and boot again.
cp s/build/ota_data_initial.bin od.bin
"$F" otadata set od.bin --slots 2 --target ota_1 > /dev/null
off=$(awk '$2=="ota_data_initial.bin" {print $1}' s/build/flash_args)
[[ $off == 0x80000 ]] && ok || die "otadata offset $off"
dd if=od.bin of=s/build/flash_image.bin bs=1 seek=$((off)) conv=notrunc status=none
"$F" device boot s/build/flash_image.bin --json > boot.json || die "boot of ota_1"
[[ $(json boot.json 'j["running"]["label"]') == ota_1 && $(json boot.json 'j["running"]["offset"]') == $((0x85000)) ]] \
  && ok || die "ota_1 (App2) did not boot: $(json boot.json 'j["running"]')"

# --merge with a user's own app image, instead of the demo.
cp p/build/app.bin mine.bin
sed -i 's/^CONFIG_FLASHKIT_DEMO_APP=y/# CONFIG_FLASHKIT_DEMO_APP is not set/' p/sdkconfig
rm p/build/app.bin
(cd p && "$F" build --merge --app ../mine.bin > /dev/null) || die "build --merge --app"
cmp -s mine.bin p/build/app.bin && ok || die "app.bin is not the given image"
"$F" device boot p/build/flash_image.bin > /dev/null && ok || die "boot with --app"

finish project_boot
