# Hostile input to the simulated device: `device nvs` values and options,
# broken partition tables, `device create` options. Each case asserts the
# exit status, the message and that the device image is unchanged.
set -u
. "$(dirname "$0")/lib.bash"
FK=$FLASHKIT
. "$(dirname "$0")/refuse.bash"

APP=$FK_SHARED/vectors/image/sdk3_app_2MB_dio_40m/image.bin
printf 'key,type,encoding,value\naliyun-key,namespace,,\nDeviceName,data,string,config\n' >creds.csv
"$FK" device create d.img --table two_ota --nvs creds.csv --app "$APP" >/dev/null 2>&1 || die "device create"
nv() { "$FK" device nvs d.img "$@"; }

# --- values are checked before anything is written (defect 5) ----------------
refuse "u8 300 in a new namespace: no namespace entry written" 2 "d.img: set newns/X: '300' is not a u8 value: out of range (0..255)" nv set newns X 300 --type u8
refuse "the namespace of the failed set does not exist" 1 "namespace 'newns': not found in the NVS partition" nv list newns
refuse "u8 negative" 2 "'-1' is not a u8 value" nv set aliyun-key X -1 --type u8
refuse "i8 below range" 2 "'-129' is not a i8 value: out of range (-128..127)" nv set aliyun-key X -129 --type i8
refuse "u32 not a number" 2 "'12ab' is not a u32 value (a number: decimal or 0x hex)" nv set aliyun-key X 12ab --type u32
refuse "u64 beyond 64 bits" 2 "'18446744073709551616' is not a u64 value: out of range" nv set aliyun-key X 18446744073709551616 --type u64
refuse "i64 empty" 2 "'' is not a i64 value" nv set aliyun-key X "" --type i64
refuse "blob odd digits" 2 "blob value must be hex digits in pairs (3 digits given)" nv set aliyun-key B abc --type blob
refuse "blob not hex" 2 "blob value must be hex digits (character 2 is not)" nv set aliyun-key B 0g --type blob
# --- the limit is named (issue 12: bare ESP_ERR_NVS_VALUE_TOO_LONG) -----------
long=$(head -c 5000 /dev/zero | tr '\0' a)
refuse "string too long for v1" 1 "value too long: the string is 5000 bytes; a v1 NVS partition holds at most 1983 (1984 with the NUL)" nv set newns2 S "$long"
refuse "too long: no namespace written" 1 "namespace 'newns2': not found" nv list newns2
refuse "blob too long for v1" 1 "value too long: the blob is 2500 bytes; this v1 NVS partition holds at most 1984" nv set aliyun-key B "$(head -c 2500 /dev/zero | od -v -An -tx1 | tr -d ' \n')" --type blob
# --- names and options ----------------------------------------------------------
refuse "key of 16 characters" 2 "namespace and key names are at most 15 characters" nv set aliyun-key abcdefghijklmnop 1
refuse "empty namespace" 2 "namespace and key names cannot be empty" nv set "" k 1
refuse "unknown --type" 2 "--type u128: expected string, blob, u8" nv set aliyun-key X 1 --type u128
refuse "a value that looks like an option" 2 "device nvs: unknown option '-abc'" nv set aliyun-key X -abc
refuse "set without a value" 2 "expected DEV.img list NAMESPACE | get NAMESPACE KEY | set NAMESPACE KEY VALUE" nv set aliyun-key X
refuse "too many arguments" 2 "device nvs: unexpected argument 'extra'" nv set aliyun-key X 1 extra
refuse "unknown operation" 2 "expected DEV.img list NAMESPACE" nv frob aliyun-key
refuse "--power-cut 0" 2 "--power-cut 0: expected N or N:torn with N >= 1" nv set aliyun-key X 1 --power-cut 0
refuse "--power-cut mode" 2 "--power-cut 3:half: expected N or N:torn" nv set aliyun-key X 1 --power-cut 3:half
refuse "--seed not a number" 2 "--seed abc: expected a number" nv set aliyun-key X 1 --seed abc
refuse "--checks bogus" 2 "--checks md5: expected sum, hash or both" nv list aliyun-key --checks md5
refuse "--table-offset unaligned" 2 "--table-offset 0x8001: expected a 4 KiB-aligned flash offset" nv list aliyun-key --table-offset 0x8001
refuse "--type without a value" 2 "option '--type' needs a value" nv set aliyun-key X 1 --type
refuse "flag with a value" 2 "option '--json' takes no value" nv list aliyun-key --json=yes
# --- broken device images: what is wrong, at which offset ------------------------
cp d.img bad.img
printf '\x12\x34' | dd of=bad.img bs=1 seek=$((0x8020)) conv=notrunc 2>/dev/null
refuse "table row 1 with a bad magic" 1 "bad.img: no valid partition table (looked at 0x8000 and every 4 KiB up to 1 MB): 0x8020 (row 1): magic 12 34 is none of AA 50" "$FK" device nvs bad.img list aliyun-key
cp d.img er.img
head -c 4096 /dev/zero | tr '\0' '\377' | dd of=er.img bs=1 seek=$((0x8000)) conv=notrunc 2>/dev/null
refuse "erased table" 1 "0x8000: erased flash (all 0xFF), no table was written there" "$FK" device boot er.img
refuse "erased table at a given offset" 1 "er.img: no valid partition table at 0x8000: 0x8000: erased flash" "$FK" device boot er.img --table-offset 0x8000
cp d.img big.img
printf '\x00\x00\x00\x7f' | dd of=big.img bs=1 seek=$((0x8000 + 32 * 2 + 8)) conv=notrunc 2>/dev/null
refuse "partition beyond the flash" 1 "(row 2): partition" "$FK" device boot big.img
head -c 5000 /dev/zero >short.img
refuse "not a device image" 1 "short.img: not a device image (the size must be a non-zero multiple of 4 KiB" "$FK" device boot short.img
refuse "missing device" 1 "nope.img: No such file or directory" "$FK" device boot nope.img
# --- device create --------------------------------------------------------------
refuse "create: bad flash size" 2 "--flash-size 3MB: expected one of 1MB, 2MB, 4MB, 8MB, 16MB" "$FK" device create n.img --table two_ota --app "$APP" --flash-size 3MB
refuse "create: unaligned table offset" 2 "--table-offset 0x8800: expected a 4 KiB-aligned flash offset" "$FK" device create n.img --table two_ota --app "$APP" --table-offset 0x8800
refuse "create: NVS version 3" 2 "--nvs-version 3: expected 1 or 2" "$FK" device create n.img --table two_ota --app "$APP" --nvs-version 3
refuse "create: no --table" 2 "device create: DEV.img and --table are required" "$FK" device create n.img --app "$APP"
refuse "create: two image names" 2 "device create: unexpected argument 'm.img'" "$FK" device create n.img m.img --table two_ota
refuse "create: unknown option" 2 "device create: unknown option '--colour'" "$FK" device create n.img --table two_ota --colour
printf 'key,type,encoding,value\nns,namespace,,\nk,data,u8,\000\n' >nul.csv
refuse "create: NUL in the NVS CSV" 1 "nul.csv:3: column 11: control byte 0x00 (NUL)" "$FK" device create n.img --table two_ota --app "$APP" --nvs nul.csv

# --- what must work: negative numbers and -- (defect 4) -------------------------
nv set aliyun-key Neg -5 --type i8 >/dev/null && [ "$(nv get aliyun-key Neg)" = -5 ] && ok || bad "set i8 -5"
nv set aliyun-key Neg64 -0x10 --type i64 >/dev/null && [ "$(nv get aliyun-key Neg64)" = -16 ] && ok || bad "set i64 -0x10"
nv set aliyun-key Dash -- -abc >/dev/null && [ "$(nv get aliyun-key Dash)" = -abc ] && ok || bad "set -- -abc"
nv set --type=i32 aliyun-key Eq -7 >/dev/null && [ "$(nv get aliyun-key Eq)" = -7 ] && ok || bad "--type=i32 before the positionals"

finish malformed_device
