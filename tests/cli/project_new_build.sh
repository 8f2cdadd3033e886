#!/usr/bin/env bash
# flashkit new + build for every flash size and table kind: the artifacts are
# what the other flashkit tools (partition gen, nvs gen) make from the same
# inputs with the SDK build's options, flash_args and flasher_args.json agree,
# and the scaffold's sdkconfig is exactly what defconfig makes of its defaults.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
F=${FLASHKIT:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

for cmd in new build menuconfig defconfig; do
  "$F" $cmd --help > h.out && grep -q "usage: flashkit $cmd" h.out && ok || die "$cmd --help"
done

# Value of an option in a project's sdkconfig.
cfg() { sed -n "s/^CONFIG_$2=\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" "$1/sdkconfig"; }

for fs in 1MB 2MB 4MB; do
  for t in singleapp two_ota custom; do
    p=p_${fs}_$t
    "$F" new $p --flash-size $fs --table $t > new.out || die "new $p"
    grep -q "next: cd $p && flashkit build" new.out && ok || die "new $p: no next step"
    for f in sdkconfig sdkconfig.defaults nvs.csv README.md; do [[ -s $p/$f ]] || die "$p/$f missing"; done
    if [[ $t == custom ]]; then [[ -s $p/partitions.csv ]] && ok || die "$p/partitions.csv missing"
    else [[ ! -e $p/partitions.csv ]] && ok || die "$p/partitions.csv for a built-in table"; fi
    # defconfig on the scaffold changes nothing: sdkconfig is Kconfig's own output.
    cp $p/sdkconfig sc.before
    (cd $p && "$F" defconfig > /dev/null) || die "defconfig $p"
    cmp -s sc.before $p/sdkconfig && ok || { diff sc.before $p/sdkconfig; die "defconfig changed $p/sdkconfig"; }

    (cd $p && "$F" build > ../build.out) || die "build $p"
    off=$(cfg $p PARTITION_TABLE_OFFSET)
    case $t in
      singleapp) table=singleapp ;;
      two_ota) [[ $fs == 1MB ]] && table=two_ota_1mb || table=two_ota ;;
      custom) table=$p/partitions.csv ;;
    esac
    "$F" partition gen -q --disable-md5sum --flash-size $fs --offset $off $table ref.bin
    cmp -s ref.bin $p/build/partition-table.bin && ok || die "$p: partition-table.bin differs from partition gen"
    # The table's rows, as CSV, tell where the nvs and otadata partitions are.
    "$F" partition gen -q --disable-md5sum --offset $off ref.bin ref.csv
    nvs_size=$(awk -F, '$2=="data" && $3=="nvs" {print $5}' ref.csv)
    nvs_off=$(awk -F, '$2=="data" && $3=="nvs" {print $4}' ref.csv)
    "$F" nvs gen $p/nvs.csv nvsref.bin --size $nvs_size --version v1 > /dev/null
    cmp -s nvsref.bin $p/build/nvs.bin && ok || die "$p: nvs.bin differs from nvs gen --version v1"
    grep -qx "$nvs_off nvs.bin" $p/build/flash_args && ok || die "$p: nvs.bin not at $nvs_off in flash_args"
    ota=$(awk -F, '$2=="data" && $3=="ota" {print $4}' ref.csv)
    if [[ -n $ota ]]; then
      [[ $(stat -c %s $p/build/ota_data_initial.bin) == 8192 ]] && ok || die "$p: otadata size"
      [[ -z $(tr -d '\377' < $p/build/ota_data_initial.bin | head -c 1) ]] && ok || die "$p: otadata not all 0xFF"
      grep -qx "$ota ota_data_initial.bin" $p/build/flash_args && ok || die "$p: otadata not in flash_args"
    else
      [[ ! -e $p/build/ota_data_initial.bin ]] && ok || die "$p: otadata written for a table without one"
    fi
    head -1 $p/build/flash_args | grep -qx -- "--flash_mode dio --flash_freq 40m --flash_size $fs" && ok \
      || die "$p: flash_args options line: $(head -1 $p/build/flash_args)"
    grep -qx "$off partition-table.bin" $p/build/flash_args && ok || die "$p: table not at $off"
    # flasher_args.json: valid JSON whose flash_files are exactly flash_args' lines.
    python3 - "$p/build" <<'PY' || die "$p: flasher_args.json"
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/flasher_args.json"))
lines = open(d + "/flash_args").read().split("\n")
files = {l.split()[0]: l.split()[1] for l in lines[1:] if l}
assert j["flash_files"] == files, (j["flash_files"], files)
assert j["write_flash_args"][1] == j["flash_settings"]["flash_mode"]
assert j["partition-table"]["file"] == "partition-table.bin"
PY
    ok
  done
done

# --project from elsewhere, --json.
"$F" build --project p_2MB_two_ota --json > b.json
python3 -c 'import json,sys; j=json.load(open("b.json")); assert j["flash_size"]=="2MB" and j["app1"]["label"]=="ota_0" and j["app1"]["offset"]==0x10000, j' \
  && ok || die "build --json"

# Refusals.
if "$F" new p_2MB_singleapp 2> e.txt; then die "new over an existing folder"; fi
grep -q 'p_2MB_singleapp: already exists' e.txt && ok || die "exists message"
if "$F" new q --flash-size 3MB 2> e.txt; then die "3MB accepted"; fi
grep -q -- '--flash-size 3MB: use 1MB, 2MB or 4MB' e.txt && ok || die "flash size message"
if "$F" new q --table ota 2> e.txt; then die "bad table accepted"; fi
[[ ! -e q ]] && ok || die "q created despite errors"
if "$F" build --project nowhere 2> e.txt; then die "build without sdkconfig"; fi
grep -q 'nowhere/sdkconfig: No such file or directory' e.txt && ok || die "missing sdkconfig message"

finish project_new_build
