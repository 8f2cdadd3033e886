# device ota over real HTTP servers on 127.0.0.1: python3 -m http.server (no
# Range support), nginx (HTTP and HTTPS), and a small server of this test for
# the misbehaving cases (chunked, truncated, no length, redirect loop, drop).
# After every failure the boot partition and the running app must be unchanged.
set -u
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/servers.bash"

FK="$FLASHKIT"
W="$T/www"
mkdir -p "$W"
ota_layout
build_fw 1.0.0 0x10000 "$T/v1.bin" || bad "build v1"
build_fw 2.0.0 0x30000 "$W/v2.bin" || bad "build v2"
build_fw 2.0.1 0x10000 "$W/v2-for-ota0.bin" || bad "build v2 for ota_0"
python3 -c "import sys; open(sys.argv[1],'wb').write(b'\xe9' + bytes(0x20010))" "$W/big.bin"
echo '<html>not firmware</html>' >"$W/index.html"
chmod -R a+rX "$W"

"$FK" device create "$T/dev0.img" --flash-size 1MB --table "$T/table.csv" --app "$T/v1.bin" >/dev/null || bad "create"

# running label, app version, otadata checksum
state() {
  "$FK" device boot "$1" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["running"]["label"], j["app"]["version"])'
  dd if="$1" bs=4096 skip=13 count=2 2>/dev/null | md5sum | cut -c1-32
}
fresh() { cp "$T/dev0.img" "$T/dev.img"; before=$(state "$T/dev.img"); }
# expect_fail NAME URL MESSAGE-REGEX [options]
expect_fail() {
  local name=$1 url=$2 re=$3
  shift 3
  fresh
  "$FK" device ota "$T/dev.img" "$url" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  [ $rc -ne 0 ] && ok || bad "$name: exit 0"
  grep -Eq "$re" "$T/err" && ok || bad "$name: message '$(cat "$T/err")' lacks /$re/"
  grep -q "boot partition unchanged" "$T/err" && ok || bad "$name: no 'boot partition unchanged'"
  [ "$(state "$T/dev.img")" = "$before" ] && ok || bad "$name: device state changed"
}
expect_ok() {
  local name=$1 url=$2
  shift 2
  fresh
  if "$FK" device ota "$T/dev.img" "$url" "$@" >"$T/out" 2>"$T/err"; then ok; else bad "$name: $(cat "$T/err")"; fi
  [ "$(state "$T/dev.img" | head -1)" = "ota_1 2.0.0" ] && ok || bad "$name: after OTA: $(state "$T/dev.img" | head -1)"
}

# --- python3 -m http.server (HTTP/1.0 style, Content-Length, no Range) ---
P1=$(free_port)
(cd "$W" && exec python3 -m http.server "$P1" --bind 127.0.0.1) >/dev/null 2>&1 &
pids+=($!)
wait_port "$P1" || bad "http.server did not start"
U="http://127.0.0.1:$P1"
expect_ok "http.server" "$U/v2.bin" --count-ops
grep -q "Running partition type 0 subtype 17 (offset 0x00030000)" "$T/out" && ok || bad "new app line missing"
grep -Eq "^flash operations: [0-9]+ " "$T/out" && ok || bad "--count-ops line missing"
expect_fail "404" "$U/missing.bin" "HTTP 404"
expect_fail "non-image body" "$U/index.html" "not an app image: first byte is 0x3c"
expect_fail "oversize body" "$U/big.bin" "larger than the slot"
expect_fail "linked for ota_0" "$U/v2-for-ota0.bin" "linked for the slot at 0x10000"
expect_fail "connection refused" "http://127.0.0.1:$(free_port)/v2.bin" "cannot connect" --retries 0
expect_fail "bad scheme" "ftp://127.0.0.1/v2.bin" "bad URL"

# --- this test's own server for the misbehaving cases ---
cat >"$T/server.py" <<'PY'
import http.server, socketserver, sys, os, random
root, port = sys.argv[1], int(sys.argv[2])
body = open(os.path.join(root, "v2.bin"), "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def head(self, code, hdrs):
        self.send_response(code)
        for k, v in hdrs: self.send_header(k, v)
        self.end_headers()
    def chunks(self, data, end=True):
        rnd = random.Random(7)
        i = 0
        while i < len(data):
            n = rnd.randint(1, 5000)
            part = data[i:i + n]
            self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
            i += n
        if end: self.wfile.write(b"0\r\n\r\n")
    def do_GET(self):
        p = self.path
        if p == "/chunked":
            self.head(200, [("Transfer-Encoding", "chunked")]); self.chunks(body)
        elif p == "/truncated":
            self.head(200, [("Content-Length", str(len(body)))]); self.wfile.write(body[:len(body) // 2])
            self.close_connection = True
        elif p == "/nolength":
            self.head(200, [("Connection", "close")]); self.wfile.write(body); self.close_connection = True
        elif p == "/short-length":
            self.head(200, [("Content-Length", str(len(body) - 1000))]); self.wfile.write(body[:-1000])
        elif p == "/drop":
            self.head(200, [("Transfer-Encoding", "chunked")]); self.chunks(body[:30000], end=False)
            self.close_connection = True
        elif p == "/loop":
            self.head(302, [("Location", "/loop"), ("Content-Length", "0")])
        elif p == "/redirect":
            self.head(301, [("Location", "/chunked"), ("Content-Length", "0")])
        elif p == "/error500":
            msg = b"internal error"
            self.head(500, [("Content-Length", str(len(msg)))]); self.wfile.write(msg)
        else:
            self.head(404, [("Content-Length", "0")])
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
S(("127.0.0.1", port), H).serve_forever()
PY
P2=$(free_port)
python3 "$T/server.py" "$W" "$P2" >/dev/null 2>&1 &
pids+=($!)
wait_port "$P2" || bad "test server did not start"
U2="http://127.0.0.1:$P2"
expect_ok "chunked" "$U2/chunked"
expect_ok "redirect then chunked" "$U2/redirect"
expect_fail "truncated" "$U2/truncated" "truncated transfer: the connection closed after [0-9]+ of [0-9]+ bytes" --retries 0
expect_fail "missing Content-Length" "$U2/nolength" "neither Content-Length nor chunked"
expect_fail "wrong Content-Length" "$U2/short-length" "incomplete image"
expect_fail "connection drop" "$U2/drop" "(truncated transfer|connection dropped)" --retries 0
expect_fail "redirect loop" "$U2/loop" "redirect loop"
expect_fail "500" "$U2/error500" "HTTP 500" --retries 0

# --- nginx: HTTP and HTTPS, started on free ports with a config of this test ---
if command -v nginx >/dev/null; then
  P3=$(free_port) P4=$(free_port)
  mkdir -p "$T/ng/tmp"
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -days 1 -keyout "$T/ng/key.pem" -out "$T/ng/cert.pem" 2>/dev/null || bad "openssl"
  nginx_start "  server {
    listen 127.0.0.1:$P3;
    root $W;
    location = /loop { return 302 /loop; }
  }
  server {
    listen 127.0.0.1:$P4 ssl;
    ssl_certificate $T/ng/cert.pem;
    ssl_certificate_key $T/ng/key.pem;
    root $W;
  }"
  wait_port "$P3" && wait_port "$P4" || bad "nginx did not start: $(cat "$T/ng/error.log" 2>/dev/null)"
  expect_ok "nginx http" "http://127.0.0.1:$P3/v2.bin"
  expect_fail "nginx 404" "http://127.0.0.1:$P3/none.bin" "HTTP 404"
  expect_fail "nginx redirect loop" "http://127.0.0.1:$P3/loop" "redirect loop"
  expect_fail "nginx oversize" "http://127.0.0.1:$P3/big.bin" "Content-Length.*larger than the slot"
  expect_ok "nginx https" "https://127.0.0.1:$P4/v2.bin" --cacert "$T/ng/cert.pem"
  expect_fail "nginx https untrusted" "https://127.0.0.1:$P4/v2.bin" "TLS"
  expect_ok "nginx https --insecure" "https://127.0.0.1:$P4/v2.bin" --insecure
  expect_fail "nginx https missing CA file" "https://127.0.0.1:$P4/v2.bin" "TLS|CA" --cacert "$T/none.pem"
else
  bad "nginx not installed (scripts/deps.sh installs nginx-light)"
fi

for c in "" create boot ota nvs otadata; do "$FK" device $c --help >/dev/null || bad "device $c --help"; done
finish ota_http
