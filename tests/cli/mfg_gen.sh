# `flashkit mfg gen`: 50 devices give exactly what 50 single `nvs gen` runs of
# their CSVs give; bad rows are reported with their line and get no files; ids
# from --fileid; configuration errors stop the run before any output.
set -u
. "$(dirname "$0")/lib.bash"
: "${FLASHKIT:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

mkdir -p data
printf 'certificate bytes \x00\x01\x02' > data/cert.bin
cat > conf.csv <<'EOF'
# the user's credentials, plus one of each kind of value
aliyun-key,namespace,
DeviceName,data,string
DeviceSecret,data,string
ProductKey,data,string
ProductSecret,data,string
factory,namespace,
serial,data,u32
offset,data,i16
mac,data,hex2bin
token,data,base64
cert,file,binary
EOF
{
  echo "DeviceName,DeviceSecret,ProductKey,ProductSecret,serial,offset,mac,token,cert"
  for i in $(seq 1 50); do
    printf 'dev%03d,"s3cr,et%d",a10BnLLzGv4,pVfLpS1u3A9JM0go,%d,-%d,24a16007%04x,%s,data/cert.bin\n' \
      "$i" "$i" "$((1000 + i))" "$i" "$i" "$(printf 'tok%d' "$i" | base64)"
  done
} > values.csv

# Run from another folder: `file` values are relative to the values file.
mkdir run && cd run
"$FLASHKIT" mfg gen --conf ../conf.csv --values ../values.csv --prefix aliyun --size 0x4000 --version v1 --outdir ../out 2> ../err
rc=$?
cd ..
[ $rc -eq 0 ] && ok || ko "mfg gen exit $rc: $(cat err)"
[ "$(ls out/bin | wc -l)" -eq 50 ] && [ "$(ls out/csv | wc -l)" -eq 50 ] && ok || ko "expected 50 images and 50 CSVs"
same=0
for i in $(seq 1 50); do
  "$FLASHKIT" nvs gen "out/csv/aliyun-$i.csv" "single-$i.bin" --size 0x4000 --version v1 && cmp -s "single-$i.bin" "out/bin/aliyun-$i.bin" && same=$((same + 1))
done
[ $same -eq 50 ] && ok || ko "only $same of 50 images equal their single nvs gen"
grep -q '^DeviceSecret,data,string,"s3cr,et7"$' out/csv/aliyun-7.csv && ok || ko "comma value not quoted in the device CSV"
"$FLASHKIT" nvs dump --csv out/bin/aliyun-7.bin | grep -q '^DeviceName,data,string,dev007$' && ok || ko "device 7's image lacks its name"

# --fileid names files by a column; the v2 images differ from v1 only as nvs gen says.
"$FLASHKIT" mfg gen --conf conf.csv --values values.csv --prefix p --size 0x4000 --outdir out2 --fileid DeviceName --jobs 3 2> err
[ $? -eq 0 ] && [ -f out2/bin/p-dev042.bin ] && [ -f out2/csv/p-dev042.csv ] && ok || ko "--fileid: $(cat err)"
"$FLASHKIT" nvs gen out2/csv/p-dev042.csv v2.bin --size 0x4000 && cmp -s v2.bin out2/bin/p-dev042.bin && ok || ko "v2 device image"

# Bad rows: reported with their line, no files for them, the others written, exit 1.
{
  head -n 4 values.csv
  echo 'dev900,s,k,p,notanumber,0,00,AA==,data/cert.bin'
  echo 'dev901,s,k,p,1,99999,00,AA==,data/cert.bin'
  echo 'dev902,s,k,p,1,0,abc,AA==,data/cert.bin'
  echo 'dev903,s,k,p,1,0,00,AA==,data/missing.bin'
  echo 'dev904,too,few'
  echo 'dev003,s,k,p,1,0,00,AA==,data/cert.bin'
} > bad.csv
mkdir -p out3/bin && touch out3/bin/q-dev900.bin   # a stale image of a now-bad device
"$FLASHKIT" mfg gen --conf conf.csv --values bad.csv --prefix q --size 0x4000 --outdir out3 --fileid DeviceName 2> err
rc=$?
[ $rc -eq 1 ] && ok || ko "bad rows: exit $rc"
for l in 5 6 7 8 9 10; do grep -q "bad.csv:$l:" err && ok || ko "line $l not reported: $(cat err)"; done
grep -q "3 written.*6 failed" err && ok || ko "summary: $(tail -1 err)"
[ "$(ls out3/bin | wc -l)" -eq 3 ] && [ ! -e out3/bin/q-dev900.bin ] && ok || ko "files for failed devices: $(ls out3/bin)"
grep -q "already used by line 4" err && ok || ko "duplicate id not reported"

# Configuration problems stop the run before anything is written.
printf 'ns,namespace,\nk,data,u9\n' > badconf.csv
"$FLASHKIT" mfg gen --conf badconf.csv --values values.csv --prefix r --size 0x4000 --outdir out4 2> err
[ $? -eq 2 ] && grep -q "badconf.csv:2:" err && [ ! -e out4/bin/r-1.bin ] && ok || ko "bad config: $(cat err)"
printf 'ns,namespace,\nnope,data,u8\n' > conf2.csv
"$FLASHKIT" mfg gen --conf conf2.csv --values values.csv --prefix r --size 0x4000 --outdir out4 2> err
[ $? -eq 2 ] && grep -q "nope" err && ok || ko "key missing from values: $(cat err)"
printf 'ns,namespace,\nserial,data,u32\nother,namespace,\nserial,data,u32\nns,namespace,\nserial,data,u16\n' > conf3.csv
"$FLASHKIT" mfg gen --conf conf3.csv --values values.csv --prefix r --size 0x4000 --outdir out4 2> err
[ $? -eq 2 ] && grep -q "conf3.csv:6: key 'serial' appears twice in namespace 'ns' (first on line 2)" err && ok || ko "duplicate config key: $(cat err)"
"$FLASHKIT" mfg gen --conf conf.csv --values values.csv --prefix r --size 0x2000 --outdir out4 2> err
[ $? -eq 2 ] && ok || ko "size 0x2000 accepted"
"$FLASHKIT" mfg gen --help > /dev/null && ok || ko "mfg gen --help"

finish mfg_gen
