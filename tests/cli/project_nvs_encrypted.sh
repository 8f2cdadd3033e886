#!/usr/bin/env bash
# CONFIG_NVS_ENCRYPTION in a project: `flashkit build` encrypts nvs.bin with
# keys kept in build/nvs_keys.bin (or the configured key file), writes the
# nvs_keys partition's image, and the simulated device reads it back.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
F=${FLASHKIT:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$F" new demo --flash-size 4MB --table custom >/dev/null || die "new"
cd demo
sed -i 's/^# CONFIG_NVS_ENCRYPTION is not set/CONFIG_NVS_ENCRYPTION=y/' sdkconfig
grep -q '^CONFIG_NVS_ENCRYPTION=y' sdkconfig || die "scaffold has no CONFIG_NVS_ENCRYPTION line"

# No nvs_keys partition: refused, naming the sdkconfig line and the table, nothing written.
"$F" build >out 2>err && bad "built without nvs_keys" || ok
grep -q "sdkconfig:[0-9]*: CONFIG_NVS_ENCRYPTION=y but partitions.csv has no data/nvs_keys partition" err && ok || bad "message: $(cat err)"
[ ! -e build ] && ok || bad "build/ written on error"

sed -i 's/^nvs,      data, nvs,     0x9000,   0x4000,/nvs,      data, nvs,     0x9000,   0x3000,\nnvs_keys, data, nvs_keys, 0xc000,  0x1000, encrypted/' partitions.csv
"$F" build >out 2>err && ok || bad "build: $(cat err)"
[ "$(stat -c %s build/nvs_keys.bin)" = 4096 ] && ok || bad "nvs_keys.bin size"
[ "$(stat -c %a build/nvs_keys.bin)" = 600 ] && ok || bad "nvs_keys.bin mode $(stat -c %a build/nvs_keys.bin)"
grep -q '"nvs_keys"' build/flasher_args.json && grep -q '0xc000 nvs_keys.bin' build/flash_args && ok || bad "flash args: $(cat build/flash_args)"
! grep -q "DeviceName" build/nvs.bin && ok || bad "plain text in the encrypted nvs.bin"
"$F" nvs gen --input nvs.csv --output ../ref.bin --size 0x3000 --version v1 >/dev/null
"$F" nvs decrypt build/nvs.bin build/nvs_keys.bin ../plain.bin >/dev/null && cmp -s ../plain.bin ../ref.bin && ok || bad "decrypted nvs.bin != nvs gen of nvs.csv"
"$F" nvs encrypt nvs.csv ../enc.bin 0x3000 --version 1 --inputkey build/nvs_keys.bin >/dev/null && cmp -s ../enc.bin build/nvs.bin && ok || bad "nvs.bin != nvs encrypt with the same key"

# The keys outlive a build: the next build reuses them.
cp build/nvs.bin ../n1
"$F" build >/dev/null 2>&1 && cmp -s build/nvs.bin ../n1 && ok || bad "second build changed nvs.bin"

# A configured key file wins; a short or equal-half one is refused.
"$F" nvs generate-key --keyfile mine.bin --outdir . >/dev/null || bad "generate-key"
echo 'CONFIG_FLASHKIT_NVS_KEYS="keys/mine.bin"' >>sdkconfig
"$F" build >/dev/null 2>&1 && ok || bad "build with CONFIG_FLASHKIT_NVS_KEYS"
cmp -s build/nvs_keys.bin keys/mine.bin && ok || bad "nvs_keys.bin is not the configured key file"
head -c 40 keys/mine.bin >short.bin
sed -i 's|^CONFIG_FLASHKIT_NVS_KEYS=.*|CONFIG_FLASHKIT_NVS_KEYS="short.bin"|' sdkconfig
"$F" build >out 2>err && bad "short key file accepted" || ok
grep -q "CONFIG_FLASHKIT_NVS_KEYS: .*short.bin: 40 bytes" err && ok || bad "short key message: $(cat err)"
head -c 32 /dev/zero >eq.bin; head -c 32 /dev/zero >>eq.bin
sed -i 's|^CONFIG_FLASHKIT_NVS_KEYS=.*|CONFIG_FLASHKIT_NVS_KEYS="eq.bin"|' sdkconfig
"$F" build >out 2>err && bad "equal halves accepted" || ok
grep -q "are equal" err && ok || bad "equal halves message: $(cat err)"

# An nvs partition flagged encrypted is refused (nvs_flash_init would be).
sed -i 's|^CONFIG_FLASHKIT_NVS_KEYS=.*|CONFIG_FLASHKIT_NVS_KEYS="keys/mine.bin"|' sdkconfig
sed -i 's/^nvs,      data, nvs,     0x9000,   0x3000,/nvs,      data, nvs,     0x9000,   0x3000, encrypted/' partitions.csv
"$F" build >out 2>err && bad "encrypted-flagged nvs accepted" || ok
grep -q "flagged encrypted" err && ok || bad "flag message: $(cat err)"

finish project_nvs_encrypted
