# Hostile input to the remaining front ends: where output goes (devices,
# FIFOs, links), project commands' options, an OTA server that does not speak
# HTTP. Each refusal asserts the exit status, the message and that nothing
# was written.
set -u
. "$(dirname "$0")/lib.bash"
FK=$FLASHKIT
. "$(dirname "$0")/refuse.bash"

printf 'key,type,encoding,value\nns,namespace,,\nk,data,u8,7\n' >in.csv
"$FK" nvs gen in.csv ref.bin --size 0x3000 2>/dev/null || die "nvs gen"

# --- output nodes (defect 1): written directly, write errors fail ------------
# Devices are reached through links in this folder: a binary with the old bug
# replaces the link, never the system's /dev/full or /dev/stdout.
ln -s /dev/full full
ln -s /dev/stdout stdout
refuse "nvs gen to /dev/full" 1 "full: write failed: No space left on device" "$FK" nvs gen in.csv full --size 0x3000
refuse "partition gen to /dev/full" 2 "full: write failed" "$FK" partition gen two_ota full
refuse "nvs gen to stdout on /dev/full" 1 "write failed: No space left on device" sh -c "'$FK' nvs gen in.csv - --size 0x3000 >/dev/full"
[ -L full ] && [ -c /dev/full ] && ok || bad "the device was replaced by a file"
n=$("$FK" nvs gen in.csv stdout --size 0x3000 | cmp - ref.bin && echo same)
[ "$n" = same ] && [ -L stdout ] && ok || bad "nvs gen -o /dev/stdout: the bytes did not reach stdout"
mkfifo pipe
cat pipe >got.bin &
"$FK" nvs gen in.csv pipe --size 0x3000 && ok || bad "nvs gen into a FIFO failed"
wait
[ -p pipe ] && ok || bad "the FIFO was replaced by a file"
cmp -s got.bin ref.bin && ok || bad "the FIFO's reader did not get the image"
"$FK" nvs gen in.csv real.bin --size 0x3000 && ln -s real.bin link.bin && "$FK" nvs gen in.csv link.bin --size 0x3000 --version v1
[ -L link.bin ] && ! cmp -s real.bin ref.bin && ok || bad "a symlinked output lost its link or its target kept the old bytes"
rm -f pipe got.bin real.bin link.bin

# --- project front ends on the one option parser ------------------------------
refuse "new: bad flash size" 2 "new: --flash-size 3MB: use 1MB, 2MB or 4MB" "$FK" new p --flash-size 3MB
refuse "new: bad table" 2 "new: --table dual: use singleapp, two_ota or custom" "$FK" new p --table dual
refuse "new: two names" 2 "new: one project name only ('p' and 'q')" "$FK" new p q
refuse "new: no name" 2 "new: give the project name" "$FK" new
refuse "new: unknown option" 2 "new: unknown option '--force'" "$FK" new p --force
refuse "new: option without value" 2 "new: option '--table' needs a value" "$FK" new p --table
refuse "build: a positional argument" 2 "build: unexpected argument 'now'" "$FK" build now
refuse "build: unknown option" 2 "build: unknown option '--fast'" "$FK" build --fast
refuse "build: flag with a value" 2 "build: option '--merge' takes no value" "$FK" build --merge=1
refuse "build: missing project" 1 "nope" "$FK" build --project nope
refuse "defconfig: unknown option" 2 "defconfig: unknown option '--all'" "$FK" defconfig --all
refuse "menuconfig: --project without a value" 2 "menuconfig: option '--project' needs a value" "$FK" menuconfig --project

# --- an OTA server whose reply is not HTTP (issue 12: said "bad URL") ----------
APP=$FK_SHARED/vectors/image/sdk3_app_2MB_dio_40m/image.bin
"$FK" device create d.img --table two_ota --app "$APP" >/dev/null 2>&1 || die "device create"
port_file=$E/port
python3 - "$port_file" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
for _ in range(2):
    c, _ = s.accept(); c.recv(4096); c.sendall(b"SSH-2.0-OpenSSH_9.2\r\nnot a web server\r\n"); c.close()
PY
srv=$!
for i in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
port=$(cat "$port_file")
refuse "OTA from a server that is not HTTP" 1 "is not HTTP: it does not start with a status line" "$FK" device ota d.img "http://127.0.0.1:$port/app.bin"
"$FK" device ota d.img "http://127.0.0.1:$port/app.bin" 2>"$E/err" >/dev/null
grep -q "bad URL" "$E/err" && bad "still says bad URL: $(cat "$E/err")" || ok
kill $srv 2>/dev/null; wait $srv 2>/dev/null
refuse "OTA with a URL that is not http" 1 "bad URL" "$FK" device ota d.img "gopher://127.0.0.1/x"

finish malformed_options
