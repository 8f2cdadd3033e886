# device boot / confirm / otadata take their options through the one table
# parser (tools/sim/device_args.c): the command's own rows, the options every
# device command has and the rollback options, in every shape opts.h accepts,
# and bad ones refused with the device image unchanged.
set -u
. "$(dirname "$0")/lib.bash"
FK=$FLASHKIT
. "$(dirname "$0")/refuse.bash"

APP=$FK_SHARED/vectors/image/sdk3_app_2MB_dio_40m/image.bin
"$FK" device create d.img --table two_ota --app "$APP" >/dev/null 2>&1 || die "device create"

# --- refused before the device is touched -----------------------------------------
for c in boot confirm otadata; do
  refuse "$c: unknown option" 2 "device $c: unknown option '--colour'" "$FK" device $c d.img --colour
  refuse "$c: flag given a value" 2 "device $c: option '--rollback' takes no value" "$FK" device $c d.img --rollback=1
  refuse "$c: --sdkconfig without its value" 2 "device $c: option '--sdkconfig' needs a value" "$FK" device $c d.img --sdkconfig
  refuse "$c: bad common value" 2 "--checks md5: expected sum, hash or both" "$FK" device $c d.img --checks=md5
done
refuse "boot: two images" 2 "device boot: unexpected argument 'e.img'" "$FK" device boot d.img e.img
refuse "confirm: --invalid=yes" 2 "device confirm: option '--invalid' takes no value" "$FK" device confirm d.img --invalid=yes
refuse "otadata: an argument too many" 2 "device otadata: unexpected argument 'x'" "$FK" device otadata d.img set ota_0 x
refuse "boot: no image" 2 "device boot: missing DEV.img" "$FK" device boot --json

# --- every shape works: --opt=VALUE, options before the image, -- --------------------
"$FK" device boot --table-offset=0x8000 --json d.img >"$E/j" 2>/dev/null && grep -q '"table_offset":32768' "$E/j" && ok || bad "boot --table-offset=0x8000 --json before the image"
"$FK" device otadata --json d.img show >"$E/j" 2>/dev/null && grep -q '"bootloader_select":' "$E/j" && ok || bad "otadata --json before the image"
"$FK" device otadata d.img set ota_0 --checks=sum >/dev/null 2>&1 && "$FK" device otadata -- d.img show 2>/dev/null | grep -q 'esp_ota_get_boot_partition(): ota_0' && ok || bad "otadata set ota_0, then -- before the image"
"$FK" device boot d.img --rollback --confirm >"$E/o" 2>&1 && grep -q 'esp_ota_mark_app_valid_cancel_rollback(): ESP_OK' "$E/o" && ok || bad "boot --rollback --confirm: $(tail -3 "$E/o")"
"$FK" device confirm d.img --anti-rollback --json >"$E/j" 2>/dev/null && grep -q '"result":"ESP_OK"' "$E/j" && ok || bad "confirm --anti-rollback --json: $(cat "$E/j")"
"$FK" device boot d.img --help | grep -q '^usage: flashkit device boot DEV.img' && ok || bad "boot --help after the image"

# --- --count-ops on every device command, device create included (its own flash) ------
"$FK" device create "$E/c.img" --table two_ota --count-ops >"$E/o" 2>/dev/null && grep -q '^flash operations: [1-9]' "$E/o" && grep -q '^flash time on an ESP8266: ' "$E/o" && ok || bad "create --count-ops: $(cat "$E/o")"
"$FK" device boot d.img --count-ops >"$E/o" 2>/dev/null && grep -q '^flash time on an ESP8266: ' "$E/o" && ok || bad "boot --count-ops: $(tail -3 "$E/o")"

# The simulated bootloader reads the image in 4 KiB pieces (the app after it in 256-byte ones):
# on average a boot's reads are then well over 256 bytes.
"$FK" device boot d.img --count-ops >"$E/o" 2>/dev/null
reads=$(sed -n 's/^flash operations: .*; \([0-9]*\) reads of \([0-9]*\) bytes.*/\1/p' "$E/o")
bytes=$(sed -n 's/^flash operations: .*; \([0-9]*\) reads of \([0-9]*\) bytes.*/\2/p' "$E/o")
[ -n "$reads" ] && [ "$bytes" -gt 65536 ] && [ $((reads * 256)) -lt "$bytes" ] && ok || bad "boot reads in big pieces: $reads reads of $bytes bytes"

finish device_options
