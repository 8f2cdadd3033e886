# Hostile input to `flashkit mfg gen`: config and values CSVs, options. Each
# case asserts the exit status, a message naming file, line and problem, and
# that nothing was written (out/bin and out/csv exist beforehand and stay empty).
set -u
. "$(dirname "$0")/lib.bash"
FK=$FLASHKIT
. "$(dirname "$0")/refuse.bash"

mkdir -p out/bin out/csv
printf 'ns,namespace,\nk,data,u8\ns,data,string\n' >conf.csv
printf 'k,s\n1,a\n2,b\n' >vals.csv
# mg CONF VALUES [options]
mg() { local c=$1 v=$2; shift 2; "$FK" mfg gen --conf "$c" --values "$v" --prefix dev --size 0x3000 --outdir out "$@"; }

printf 'ns,namespace,\nk,data,u8\nk,data,u8\n' >c.csv
refuse "config: key twice in a namespace" 2 "c.csv:3: key 'k' appears twice in namespace 'ns' (first on line 2)" mg c.csv vals.csv
printf 'k,data,u8\n' >c.csv
refuse "config: key before a namespace" 2 "c.csv:1: key 'k' comes before any namespace row" mg c.csv vals.csv
printf 'ns,namespace,\nk,data,u8,5\n' >c.csv
refuse "config: a value in the config" 2 "c.csv:2: the config holds no values (field 4 is '5')" mg c.csv vals.csv
printf 'ns,namespace,\nk,bogus,u8\n' >c.csv
refuse "config: unknown type" 2 "c.csv:2: field 2 (type): unknown type 'bogus'" mg c.csv vals.csv
printf 'ns,namespace,\nk,data,u9\n' >c.csv
refuse "config: unknown encoding" 2 "c.csv:2: field 3 (encoding): unsupported encoding 'u9'" mg c.csv vals.csv
printf 'ns,namespace,\nk,data,\n' >c.csv
refuse "config: missing encoding" 2 "c.csv:2: field 3 (encoding): missing encoding" mg c.csv vals.csv
printf 'ns,namespace,\nabcdefghijklmnop,data,u8\n' >c.csv
refuse "config: key of 16 bytes" 2 "c.csv:2: key 'abcdefghijklmnop' is 16 bytes; at most 15" mg c.csv vals.csv
printf 'ns,namespace,\n,data,u8\n' >c.csv
refuse "config: empty key" 2 "c.csv:2: field 1 (key): empty" mg c.csv vals.csv
: >c.csv
refuse "config: empty file" 2 "c.csv: no rows" mg c.csv vals.csv
printf 'ns,namespace,\nk,data,u8\000\n' >c.csv
refuse "config: NUL byte (defect 2)" 2 "c.csv:2: column 10: control byte 0x00 (NUL) is not allowed" mg c.csv vals.csv
printf 'ns,namespace,\nk,data,u8\x1b]0;pwned\x07\n' >c.csv
refuse "config: terminal escape sequence" 2 "c.csv:2: column 10: control byte 0x1b (ESC)" mg c.csv vals.csv
# 112 bytes of binary without control bytes: the message shows at most 40,
# escaped (issue 12: it echoed all 112 raw bytes).
head -c 4000 /dev/urandom | tr -d '\000-\037\177,"#' | head -c 112 >c.csv
refuse "config: binary file, echo escaped and cut" 2 "c.csv:1: key '" mg c.csv vals.csv
"$FK" mfg gen --conf c.csv --values vals.csv --prefix dev --size 0x3000 --outdir out 2>"$E/err"
len=$(grep -o "key '.*' is" "$E/err" | wc -c)
[ "$len" -gt 10 ] && [ "$len" -lt 220 ] && ok || bad "binary key echo is $len bytes: $(head -c 400 "$E/err")"
# What is echoed is valid UTF-8 without control bytes, whatever the input.
iconv -f utf-8 -t utf-8 "$E/err" >/dev/null 2>&1 && ! tr -d '\n' <"$E/err" | LC_ALL=C grep -q '[[:cntrl:]]' &&
  ok || bad "raw bytes in the message: $(od -c "$E/err" | head -3)"
printf 'x,s\n1,a\n' >v.csv
refuse "values: a config key without a column" 2 "v.csv:1: key 'k' of conf.csv line 2 has no column in the header" mg conf.csv v.csv
printf 'k,s\n' >v.csv
refuse "values: no device rows" 2 "v.csv: no device rows after the header" mg conf.csv v.csv
: >v.csv
refuse "values: empty file" 2 "v.csv: no header line (expected the key names)" mg conf.csv v.csv
printf 'k,s\n1,a\000\n' >v.csv
refuse "values: NUL byte (defect 2)" 2 "v.csv:2: column 4: control byte 0x00 (NUL)" mg conf.csv v.csv
printf 'k,s\n1,a\n2,\001\n' >v.csv
refuse "values: SOH on line 3" 2 "v.csv:3: column 3: control byte 0x01 (SOH)" mg conf.csv v.csv
printf 'k,s\n300,a\n' >v.csv
refuse "values: u8 out of range (device fails, no files)" 1 "v.csv:2: device 1 (id 1): key 'k': value '300' is out of range for u8" mg conf.csv v.csv --quiet
printf 'k,s\n1,a,b\n' >v.csv
refuse "values: a field too many" 1 "v.csv:2: device 1 (id 1): 3 fields but the header has 2" mg conf.csv v.csv --quiet
refuse "config /dev/zero: an endless input is refused, not read into memory" 2 "/dev/zero: more than 64 MiB: not an input flashkit reads" mg /dev/zero vals.csv
refuse "missing config file" 2 "nope.csv: No such file or directory" mg nope.csv vals.csv
refuse "--fileid not a column" 2 "vals.csv:1: --fileid 'nope' is not a column of the header" mg conf.csv vals.csv --fileid nope
refuse "--jobs 0" 2 "mfg gen: --jobs '0': expected 1..256" mg conf.csv vals.csv --jobs 0
refuse "--jobs not a number" 2 "mfg gen: --jobs 'many': expected 1..256" mg conf.csv vals.csv --jobs many
refuse "--prefix with a slash" 2 "--prefix 'a/b' cannot be used in a file name" mg conf.csv vals.csv --prefix a/b
refuse "--size above 4 GiB" 2 "mfg gen: size '0x100000000' is too large" mg conf.csv vals.csv --size 0x100000000
refuse "--size not a number" 2 "mfg gen: size 'big' is not a number" mg conf.csv vals.csv --size big
refuse "--size too small" 2 "partition size 0x2000 is too small" mg conf.csv vals.csv --size 0x2000
refuse "--version 7" 2 "mfg gen: --version '7': expected v1, v2, 1 or 2" mg conf.csv vals.csv --version 7
refuse "--prefix missing" 2 "mfg gen: needs --conf, --values, --prefix and --size" "$FK" mfg gen --conf conf.csv --values vals.csv --size 0x3000
refuse "--conf without a value" 2 "mfg gen: option '--conf' needs a value" "$FK" mfg gen --conf
refuse "unknown option" 2 "mfg gen: unknown option '--colour'" mg conf.csv vals.csv --colour
refuse "flag given a value" 2 "mfg gen: option '--json' takes no value" mg conf.csv vals.csv --json=1
refuse "unknown command" 2 "mfg: unknown command 'bogus'" "$FK" mfg bogus

finish malformed_mfg
