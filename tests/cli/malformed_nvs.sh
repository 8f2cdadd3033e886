# Hostile input to `flashkit nvs gen`: each case asserts the exit status, a
# message naming the file, line and problem, and that nothing was written
# (the folder is byte-for-byte what it was: no output, no temp file).
set -u
. "$(dirname "$0")/lib.bash"
FK=$FLASHKIT
. "$(dirname "$0")/refuse.bash"

hdr='key,type,encoding,value\nns,namespace,,\n'
# row TEXT: a CSV with the header, a namespace and TEXT (printf escapes).
row() { printf "$hdr$1" >in.csv; }
gen() { "$FK" nvs gen in.csv o.bin --size 0x3000 "$@"; }

# --- control bytes (issue 12, defect 2) -------------------------------------
row 'k,data,string,a\000b\n';  refuse "NUL in a value" 1 "in.csv:3: column 16: control byte 0x00 (NUL) is not allowed" gen
row 'k\001,data,u8,1\n';       refuse "SOH in a key" 1 "in.csv:3: column 2: control byte 0x01 (SOH)" gen
row 'k,data,string,\033[2J\n'; refuse "ESC (terminal control)" 1 "in.csv:3: column 15: control byte 0x1b (ESC)" gen
row 'k,data,string,x\177\n';   refuse "DEL" 1 "in.csv:3: column 16: control byte 0x7f (DEL)" gen
row 'k,data,string,a\vb\n';    refuse "vertical tab" 1 "control byte 0x0b (VT)" gen
row 'k,data,string,a\fb\n';    refuse "form feed" 1 "control byte 0x0c (FF)" gen
printf 'key,type,encoding,value\r\nns,namespace,,\r\n\r\nk,data,u8,1\r\nj,data,string,\000\r\n' >in.csv
refuse "NUL after CRLF lines and a blank line: line counted right" 1 "in.csv:5: column 15: control byte 0x00" gen
head -c 4096 /dev/urandom | tr -d '\n\r' | tr '\000-\010' '\001' >in.csv
refuse "a binary file as the CSV" 1 "in.csv:1: column" gen
# --- whitespace around fields (defect 6: refused, as Espressif's generator) --
row 'k2 , data , u8 , 5\n';    refuse "spaces around the key" 1 "in.csv:3: field 1 (key): 'k2 ' has spaces around it" gen
row 'k2,data , u8,5\n';        refuse "space after the type" 1 "in.csv:3: field 2 (type): 'data ' has spaces around it" gen
row 'k2,data, u8,5\n';         refuse "space before the encoding" 1 "in.csv:3: field 3 (encoding): ' u8' has spaces around it" gen
row 'k2,data,u8\t,5\n';        refuse "tab after the encoding" 1 "field 3 (encoding)" gen
printf 'key,type,encoding,value\nns ,namespace,,\n' >in.csv
refuse "space after a namespace name" 1 "in.csv:2: field 1 (key): 'ns ' has spaces around it" gen
# --- rows ---------------------------------------------------------------------
row 'k,data,u8,300\n';         refuse "u8 out of range" 1 "in.csv:3: key 'k': value '300' is out of range for u8 (0..255)" gen
row 'k,data,u8,-1\n';          refuse "u8 negative" 1 "value '-1' is out of range for u8" gen
row 'k,data,i8,200\n';         refuse "i8 out of range" 1 "out of range for i8 (-128..127)" gen
row 'k,data,u16,70000\n';      refuse "u16 out of range" 1 "out of range for u16" gen
row 'k,data,i32,2147483648\n'; refuse "i32 out of range" 1 "out of range for i32" gen
row 'k,data,u8,0x10\n';        refuse "hex integer (the reference takes decimal only)" 1 "in.csv:3: key 'k'" gen
row 'k,data,u8,abc\n';         refuse "integer that is no number" 1 "in.csv:3: key 'k'" gen
row 'k,data,hex2bin,abc\n';    refuse "hex2bin odd length" 1 "hex2bin value has an odd number of digits (3)" gen
row 'k,data,hex2bin,zz\n';     refuse "hex2bin not hex" 1 "'z' at character 1 is not a hex digit" gen
row 'k,data,base64,abc\n';     refuse "base64 bad padding" 1 "invalid base64: incorrect padding" gen
row 'k,data,string,"abc\n';    refuse "unclosed quote" 1 "in.csv:3: field 4: quoted field has no closing quote" gen
row 'k,data,string,"a"x\n';    refuse "text after a closing quote" 1 "in.csv:3: field 4: unexpected text after the closing quote" gen
row 'k,data,string,a,b\n';     refuse "a comma too many" 1 "in.csv:3: 5 fields but the header has 4" gen
row 'k,data,bogus,1\n';        refuse "unknown encoding" 1 "unsupported encoding 'bogus'" gen
row 'k,bogus,u8,1\n';          refuse "unknown type" 1 "in.csv:3: field 'type': unknown type 'bogus'" gen
row 'abcdefghijklmnop,data,u8,1\n'; refuse "key of 16 bytes" 1 "'abcdefghijklmnop' is 16 bytes long" gen
row ',data,u8,1\n';            refuse "empty key" 1 "in.csv:3: field 'key': empty key" gen
row 'k,file,binary,nofile.bin\n'; refuse "file row naming a missing file" 1 "file 'nofile.bin': No such file or directory" gen
row 'k,file,binary,/dev/zero\n';  refuse "file row naming an endless input" 1 "file '/dev/zero': File too large" gen
printf 'key,type,encoding,value\nk,data,u8,1\n' >in.csv
refuse "data before any namespace" 1 "in.csv:2: key 'k' comes before any namespace row" gen
printf 'k,data,u8,1\n' >in.csv;              refuse "no header" 1 "in.csv:1: header has no 'key' column" gen
printf 'key,type,value\n' >in.csv;           refuse "header without encoding" 1 "in.csv:1: header has no 'encoding' column" gen
printf 'key,type,encoding,value,key\n' >in.csv; refuse "header naming a column twice" 1 "header names column 'key' twice" gen
: >in.csv;                                   refuse "empty file" 1 "in.csv: no header line" gen
printf '# only a comment\n' >in.csv;         refuse "only comments" 1 "in.csv: no header line" gen
row "k,data,string,$(head -c 2000 /dev/zero | tr '\0' a)\n"
refuse "string too long for v1" 1 "in.csv:3: key 'k'" gen --version v1
row "k,data,hex2bin,$(head -c 30000 /dev/zero | tr '\0' a)\n"
refuse "data larger than the partition" 1 "in.csv" gen
# --- options --------------------------------------------------------------------
row 'k,data,u8,1\n'
refuse "size above 4 GiB (issue 12: was 'not a number')" 2 "size '0x100000000' is too large (at most 0xffffffff" "$FK" nvs gen in.csv o.bin --size 0x100000000
refuse "size 5 GB in decimal" 2 "size '5000000000' is too large" "$FK" nvs gen in.csv o.bin --size 5000000000
refuse "negative size" 2 "size '-0x3000' is negative" "$FK" nvs gen in.csv o.bin --size -0x3000
refuse "size that is no number" 2 "size '12kq' is not a number" "$FK" nvs gen in.csv o.bin --size 12kq
refuse "size too small" 1 "partition size 0x1000 is too small" "$FK" nvs gen in.csv o.bin --size 0x1000
refuse "size not a multiple of 4096" 1 "partition size 0x3001 is not a multiple of 4096" "$FK" nvs gen in.csv o.bin --size 0x3001
refuse "unknown version" 2 "--version 'v3': expected v1, v2, 1 or 2" "$FK" nvs gen in.csv o.bin --size 0x3000 --version v3
refuse "--size without its value" 2 "option '--size' needs a value" "$FK" nvs gen in.csv o.bin --size
refuse "unknown option" 2 "nvs gen: unknown option '--bogus'" "$FK" nvs gen in.csv o.bin --size 0x3000 --bogus
refuse "value on --size= empty" 2 "size '' is not a number" "$FK" nvs gen in.csv o.bin --size=
refuse "an argument too many" 2 "nvs gen: unexpected argument 'extra'" "$FK" nvs gen in.csv o.bin 0x3000 extra
refuse "no output" 2 "needs an input CSV, an output file and a size" "$FK" nvs gen in.csv
refuse "missing input" 1 "nonexist.csv: No such file or directory" "$FK" nvs gen nonexist.csv o.bin --size 0x3000
refuse "output in a missing folder" 1 "nodir/o.bin: cannot create: No such file or directory" "$FK" nvs gen in.csv nodir/o.bin --size 0x3000
mkdir adir
refuse "output is a folder" 1 "adir: is a directory" "$FK" nvs gen in.csv adir --size 0x3000
refuse "nvs: unknown command" 2 "nvs: unknown command 'frobnicate'" "$FK" nvs frobnicate
# Output to a device node that fails writes (issue 12, defect 1): the device
# stays and the command fails. Through a link in this folder, so a binary
# with the old bug replaces the link, never the system's /dev/full.
ln -s /dev/full full
refuse "output to the device /dev/full" 1 "full: write failed: No space left on device" "$FK" nvs gen in.csv full --size 0x3000
[ -L full ] && [ -c /dev/full ] && ok || bad "the device was replaced by a file"

finish malformed_nvs
