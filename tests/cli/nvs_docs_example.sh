# The worked example of docs/nvs-csv.md still runs as written: the user's
# aliyun-key CSV through both spellings gives the primary reference's image,
# the dump printed in the doc is the dump we print, and the mfg example works.
set -u
. "$(dirname "$0")/lib.bash"
: "${FLASHKIT:?}" "${FK_SHARED:?}" "${FK_SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
doc="$FK_SRC/docs/nvs-csv.md"
cd "$tmp"
# The CSV block that follows "`creds.csv`:" in the doc.
awk '/`creds.csv`:/ {f = 1; next} f && /^```csv/ {g = 1; next} g && /^```/ {exit} g' "$doc" > creds.csv
cmp -s creds.csv "$FK_SHARED/vectors/nvs/example_aliyun_v1/input.csv" && ok || ko "doc CSV is not the example"
"$FLASHKIT" nvs gen creds.csv nvs.bin --size 0x4000 --version v1 && cmp -s nvs.bin "$FK_SHARED/vectors/nvs/example_aliyun_v1/expected.bin" && ok || ko "nvs gen"
"$FLASHKIT" nvs gen --input creds.csv --output nvs2.bin --size 0x4000 --version v1 && cmp -s nvs.bin nvs2.bin && ok || ko "--input spelling"
sed -n '/^\$ flashkit nvs dump nvs.bin/,/^0 problems/p' "$doc" | tail -n +2 > want.txt
"$FLASHKIT" nvs dump nvs.bin > got.txt && diff want.txt got.txt && ok || ko "dump differs from the doc"
awk '/^\$ cat aliyun.conf.csv/ {f = 1; next} f && /^\$/ {exit} f' "$doc" > aliyun.conf.csv
awk '/^\$ cat devices.csv/ {f = 1; next} f && /^\$/ {exit} f' "$doc" > devices.csv
"$FLASHKIT" mfg gen --conf aliyun.conf.csv --values devices.csv --prefix aliyun --size 0x4000 --version v1 \
  --outdir factory --fileid DeviceName 2> mfg.txt && ok || ko "mfg example: $(cat mfg.txt)"
grep -qF "$(cat mfg.txt)" "$doc" && ok || ko "mfg summary differs from the doc: $(cat mfg.txt)"
"$FLASHKIT" nvs gen factory/csv/aliyun-dev000001.csv x.bin --size 0x4000 --version v1 && cmp -s x.bin factory/bin/aliyun-dev000001.bin && ok || ko "device CSV rebuild"
finish nvs_docs_example
