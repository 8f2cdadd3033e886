# Resumable OTA: a 1 MB image through nginx, uninterrupted and with the link
# dropped 5 times (a proxy cuts each connection after ~170 KiB), the same
# drops from python3 -m http.server (no Range: every retry from 0), a link
# that drops every 175 KB without Range, and cut
# by power in the middle then run again - in the same run. Prints body bytes
# transferred, bytes on the wire, wall time, the flash operations and their
# modelled time on an ESP8266. Asserts nothing.
set -u
: "${FLASHKIT:?}" "${FK_SRC:?}"
FK=$FLASHKIT
command -v nginx >/dev/null || { echo "bench_ota_resume: nginx not installed, skipped"; exit 0; }
. "$FK_SRC/tests/cli/servers.bash"

W="$T/www"
mkdir -p "$W"
# A valid ESP8266 app image of exactly 1 MiB: one segment, checksum, SHA-256.
python3 - "$W/big.bin" 1048576 <<'PY'
import hashlib, random, struct, sys
out, total = sys.argv[1], int(sys.argv[2])
code_len = (total - 8 - 8 - 16 - 32) & ~3
rnd = random.Random(13)
code = bytes(rnd.getrandbits(8) for _ in range(code_len))
base = 0x40210010
img = bytearray(b"\xe9\x01\x02\x20" + struct.pack("<I", base + 4) + struct.pack("<II", base, code_len) + code)
chk = 0xEF
for b in code: chk ^= b
L = (len(img) + 1 + 15) & ~15
img += bytes(L - len(img))
img[L - 1] = chk
img += hashlib.sha256(img).digest()
open(out, "wb").write(img)
PY
cat >"$T/table.csv" <<'CSV'
nvs,data,nvs,0x9000,0x4000
otadata,data,ota,0xd000,0x2000
phy_init,data,phy,0xf000,0x1000
ota_0,app,ota_0,0x10000,0x110000
ota_1,app,ota_1,0x120000,0x110000
CSV
APP_SIZE=0x20000 FLASH_SIZE=4MB "$FK_SRC/scripts/build-firmware.sh" 1.0.0 0x10000 "$T/v1.bin" "$FK" >/dev/null 2>&1 || { echo "build v1 failed"; exit 1; }
"$FK" device create "$T/dev0.img" --flash-size 4MB --table "$T/table.csv" --app "$T/v1.bin" >/dev/null || exit 1
chmod -R a+rX "$W"
P=$(free_port) X=$(free_port) PP=$(free_port) XP=$(free_port)
nginx_start "  server { listen 127.0.0.1:$P; root $W; }"
python3 "$FK_SRC/tests/cli/ota_resume_proxy.py" "$X" "$P" "$T/sched" "$T/stats" &
pids+=($!)
(cd "$W" && exec python3 -m http.server "$PP" --bind 127.0.0.1) >/dev/null 2>&1 &
pids+=($!)
python3 "$FK_SRC/tests/cli/ota_resume_proxy.py" "$XP" "$PP" "$T/sched" "$T/stats" &
pids+=($!)
for p in $P $X $PP $XP; do wait_port "$p" || { echo "servers did not start"; exit 1; }; done
URL="http://127.0.0.1:$X/big.bin"
SIZE=$(stat -c %s "$W/big.bin")

# one LABEL [device ota options]: prints a row; sums into the totals of a scenario
body=0 wire=0 ms=0 dev=0 ops=0
one() {
  local t0=$EPOCHREALTIME URL=${URL}
  "$FK" device ota "$T/dev.img" "$URL" --count-ops "$@" >"$T/out" 2>"$T/err"
  local rc=$? t1=$EPOCHREALTIME
  body=$((body + $(sed -n 's/.*transferred \([0-9]*\) bytes over HTTP.*/\1/p' "$T/out" | tail -1)))
  wire=$(awk '{s += $2} END {print s + 0}' "$T/stats")
  ms=$((ms + (${t1/./} - ${t0/./}) / 1000))
  dev=$(awk -v d="$dev" '/^flash time on an ESP8266/ {d += $(NF-1)} END {printf "%.2f", d}' "$T/out")
  ops=$((ops + $(sed -n 's/^flash operations: \([0-9]*\) .*/\1/p' "$T/out")))
  return $rc
}
row() { printf '%-38s %9d %9d %6.3f %8d ms %7.2f s %6d\n' "$1" "$body" "$wire" "$(awk -v a="$body" -v b="$SIZE" 'BEGIN {print a / b}')" "$ms" "$dev" "$ops"; }
start() { cp "$T/dev0.img" "$T/dev.img"; : >"$T/stats"; : >"$T/sched"; body=0 wire=0 ms=0 dev=0 ops=0; }

echo "resumable OTA of a $SIZE-byte image (nginx, Range + ETag; default retry pause 250 ms, doubled)"
printf '%-38s %9s %9s %6s %11s %9s %6s\n' "" "body B" "wire B" "ratio" "wall" "ESP8266" "ops"
start; one; row "uninterrupted"
n_ops=$ops
start; one --no-resume; row "uninterrupted, --no-resume"
start; printf '175000\n175000\n175000\n175000\n175000\n' >"$T/sched"; one; row "5 dropped connections"
drops=$(awk '$1 != "-" && $1 == $2 {n++} END {print n + 0}' "$T/stats")
# Without Range each retry starts at byte 0: the same 5 drops, at the same
# places in the file, cost the bytes before each of them again.
start; printf '175000\n350000\n525000\n700000\n875000\n' >"$T/sched"; URL="http://127.0.0.1:$XP/big.bin" one
row "same 5 drops, http.server (no Range)"
# And a link that drops every 175 KB never brings a whole file without Range.
start; printf '175000\n175000\n175000\n175000\n175000\n' >"$T/sched"
if URL="http://127.0.0.1:$XP/big.bin" one; then r=completed; else r="failed (no progress after 3 retries)"; fi
echo "every connection dropped at 175 KB, http.server: $r"
start; one --power-cut $((n_ops / 2)); one; row "power cut at half, then run again"
echo "($drops connections dropped in each drop scenario; ratio = body bytes / image; ESP8266 = modelled flash time"
echo " summed over runs; --no-resume: without the NVS record; wire: what the proxy sent, which after a power cut"
echo " includes what was still in the socket buffers of the process that died)"
