# `flashkit nvs dump`: every shared image (all three generators' outputs and a
# real old-format image) dumps as text and JSON, and `dump --csv` fed back to
# `nvs gen` rebuilds the primary reference's expected.bin byte for byte.
# Damaged images are reported, not fatal.
set -u
. "$(dirname "$0")/lib.bash"
: "${FLASHKIT:?}" "${FK_SHARED:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trips=0 images=0
have_python=0
command -v python3 > /dev/null && have_python=1

for d in "$FK_SHARED"/vectors/nvs/*/ "$FK_SHARED"/vectors/nvs-real/*/; do
  d=${d%/}
  name=$(basename "$d")
  for img in "$d"/expected.bin "$d"/expected_idfgen.bin "$d"/expected_sdk_v3.4.bin; do
    [ -f "$img" ] || continue
    images=$((images + 1))
    tag="$name/$(basename "$img")"
    "$FLASHKIT" nvs dump "$img" > "$tmp/text" && grep -q "0 problems found" "$tmp/text" && ok || ko "$tag: text dump"
    "$FLASHKIT" nvs dump --json "$img" > "$tmp/json.$images" && ok || ko "$tag: json dump"
    "$FLASHKIT" nvs dump --csv "$img" > "$tmp/dump.csv" || { ko "$tag: csv dump"; continue; }
    # The comment line says how to rebuild: --size and --version of the image.
    read -r -a opts < <(sed -n '1s/.*rebuild with: flashkit nvs gen THIS.csv OUT.bin //p' "$tmp/dump.csv")
    [ "${#opts[@]}" -eq 4 ] && ok || ko "$tag: rebuild options missing"
    if [ -f "$d/args.txt" ]; then
      "$FLASHKIT" nvs gen "$tmp/dump.csv" "$tmp/re.bin" "${opts[@]}" && cmp -s "$tmp/re.bin" "$d/expected.bin" \
        && ok || ko "$tag: gen(dump --csv) differs from expected.bin"
      trips=$((trips + 1))
    else
      # A 1-page device image is below the generator's 3-page minimum: rebuild
      # it larger and check the same data comes back.
      "$FLASHKIT" nvs gen "$tmp/dump.csv" "$tmp/re.bin" --size 0x3000 "${opts[2]}" "${opts[3]}" \
        && "$FLASHKIT" nvs dump --csv "$tmp/re.bin" | tail -n +2 > "$tmp/re.csv" \
        && tail -n +2 "$tmp/dump.csv" | cmp -s - "$tmp/re.csv" && ok || ko "$tag: data does not survive a rebuild"
      trips=$((trips + 1))
    fi
    rm -f "$tmp/re.bin"
  done
done
[ "$images" -ge 60 ] && ok || ko "only $images images found"
# Every JSON dump parses and reports no problem (one interpreter for all of them).
if [ $have_python = 1 ]; then
  python3 - "$tmp"/json.* <<'PY' && ok || ko "a JSON dump does not parse or reports problems"
import json, sys
for path in sys.argv[1:]:
    d = json.load(open(path, encoding="utf-8"))
    assert d["summary"]["problems"] == 0, path
    assert all("entries" in p for p in d["pages"]), path
PY
fi

# Values the dialect must quote survive the round trip (comma, quote, spaces, '#', newline).
cat > "$tmp/q.csv" <<'EOF'
key,type,encoding,value
q,namespace,,
comma,data,string,"a,b"
quote,data,string,"say ""hi"""
spaces,data,string,"  padded  "
hash,data,string,"#not a comment"
nl,data,string,"two
lines"
"#k",data,u8,7
EOF
"$FLASHKIT" nvs gen "$tmp/q.csv" "$tmp/q.bin" --size 0x3000 && ok || ko "quoted CSV"
"$FLASHKIT" nvs dump --csv "$tmp/q.bin" > "$tmp/q2.csv" && "$FLASHKIT" nvs gen "$tmp/q2.csv" "$tmp/q2.bin" --size 0x3000 \
  && cmp -s "$tmp/q.bin" "$tmp/q2.bin" && ok || ko "quoted values round trip"
grep -q '"two' "$tmp/q2.csv" && ok || ko "newline value not quoted"

# Damage: a flipped entry byte and a broken page header are reported, exit 3, no crash.
img="$FK_SHARED/vectors/nvs/example_aliyun_v1/expected.bin"
cp "$img" "$tmp/bad.bin" && chmod u+w "$tmp/bad.bin"
printf '\x00' | dd of="$tmp/bad.bin" bs=1 seek=$((64 + 32 + 10)) conv=notrunc status=none   # DeviceName key byte
printf "\x07" | dd of="$tmp/bad.bin" bs=1 seek=$((4096 + 4)) conv=notrunc status=none      # page 1 seq
"$FLASHKIT" nvs dump "$tmp/bad.bin" > "$tmp/bad.txt"; rc=$?
[ $rc -eq 3 ] && ok || ko "damaged image: exit $rc, expected 3"
grep -q "entry CRC BAD" "$tmp/bad.txt" && ok || ko "bad entry CRC not reported"
grep -q "header CRC BAD" "$tmp/bad.txt" && ok || ko "bad header CRC not reported"
grep -q "DeviceSecret" "$tmp/bad.txt" && ok || ko "entries after the damaged one not shown"
"$FLASHKIT" nvs dump --csv "$tmp/bad.bin" > "$tmp/bad.csv" 2> /dev/null
grep -q "^DeviceSecret,data,string," "$tmp/bad.csv" && ! grep -q "DeviceName" "$tmp/bad.csv" && ok || ko "csv of a damaged image"
"$FLASHKIT" nvs dump --json "$tmp/bad.bin" > "$tmp/bad.json"
if [ $have_python = 1 ]; then
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["summary"]["problems"]>=2' "$tmp/bad.json" && ok || ko "damaged JSON"
fi
# Random damage to every kind of image: the dump never fails (exit 0 or 3), its
# JSON parses, and its CSV always goes back through nvs gen.
if [ $have_python = 1 ]; then
  python3 - "$FLASHKIT" "$FK_SHARED" "$tmp" <<'PY' && ok || ko "damaged images"
import glob, json, random, subprocess, sys
fk, shared, tmp = sys.argv[1:]
random.seed(7)
imgs = sorted(glob.glob(shared + "/vectors/nvs*/*/expected*.bin"))
for it in range(40):
    data = bytearray(open(random.choice(imgs), "rb").read())
    for _ in range(random.randint(1, 40)):
        pos = random.randrange(len(data))
        if random.random() < 0.3:
            pos = pos // 4096 * 4096 + random.randrange(64)  # headers and bitmaps
        data[pos] = random.randrange(256) if random.random() < 0.5 else data[pos] & random.randrange(256)
    open(tmp + "/fz.bin", "wb").write(data)
    for mode in ([], ["--json"], ["--csv"]):
        r = subprocess.run([fk, "nvs", "dump", tmp + "/fz.bin"] + mode, capture_output=True)
        assert r.returncode in (0, 3), (mode, r.returncode, r.stderr[-300:])
        if mode == ["--json"]:
            json.loads(r.stdout.decode("utf-8"))
        if mode == ["--csv"]:
            open(tmp + "/fz.csv", "wb").write(r.stdout)
            g = subprocess.run([fk, "nvs", "gen", tmp + "/fz.csv", tmp + "/fz2.bin", "--size",
                                str(len(data) + 0x3000), "--version", "2"], capture_output=True)
            assert g.returncode == 0, g.stderr[-300:]
PY
fi
# Space left, as the device engine measures it: the example has room for a
# v1-maximum string and blob; a full one-page device image has no free page.
"$FLASHKIT" nvs dump --json "$FK_SHARED/vectors/nvs/example_aliyun_v1/expected.bin" > "$tmp/room.json"
"$FLASHKIT" nvs dump --json "$FK_SHARED/vectors/nvs-real/old_blob_format/expected.bin" > "$tmp/full.json"
if [ $have_python = 1 ]; then
  python3 - "$tmp/room.json" "$tmp/full.json" <<'PY' && ok || ko "largest writable values"
import json, sys
room, full = (json.load(open(p))["summary"] for p in sys.argv[1:])
assert room["writable"] and room["largest_string_bytes"] == 1984 and room["largest_blob_bytes"] == 1984, room
assert not full["writable"] and full["mount_error"] == "ESP_ERR_NVS_NO_FREE_PAGES", full
PY
fi
head -c 100 "$img" > "$tmp/short.bin"
"$FLASHKIT" nvs dump "$tmp/short.bin" 2> "$tmp/err" && ko "100-byte file accepted" || { grep -q "short.bin" "$tmp/err" && ok || ko "short file message"; }
"$FLASHKIT" nvs dump --help > /dev/null && ok || ko "dump --help"

echo "nvs_dump_roundtrip: $images images dumped, $trips round trips; $pass passed, $fail failed"
[ $fail -eq 0 ]
