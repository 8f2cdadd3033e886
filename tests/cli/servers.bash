# Sourced by the tests and benchmarks that start HTTP servers on 127.0.0.1:
# a scratch folder $T removed on exit with every server in pids[] (and the
# nginx of nginx_start) stopped, free_port, wait_port, and nginx_start.
T=$(mktemp -d)
chmod 755 "$T" # nginx's workers read $T/www as another user
pids=()
servers_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ -f "$T/nginx.pid" ] && kill "$(cat "$T/nginx.pid")" 2>/dev/null
  rm -rf "$T"
}
trap servers_cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# nginx_start SERVER_BLOCKS: nginx in the foreground under $T/ng (a config
# of its own, no system paths), serving the given server { } blocks.
nginx_start() {
  mkdir -p "$T/ng/tmp"
  cat >"$T/ng/nginx.conf" <<NG
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/ng/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $T/ng/tmp; proxy_temp_path $T/ng/tmp; fastcgi_temp_path $T/ng/tmp;
  uwsgi_temp_path $T/ng/tmp; scgi_temp_path $T/ng/tmp;
  types { application/octet-stream bin; text/html html; }
$1
}
NG
  chmod -R a+rX "$T/ng"
  nginx -p "$T/ng" -e "$T/ng/error.log" -c "$T/ng/nginx.conf" &
  pids+=($!)
}

# The two-slot layout the OTA scripts share, in $T/table.csv: 128 KiB slots,
# so the link-address rule applies and the images stay small.
ota_layout() {
  cat >"$T/table.csv" <<'CSV'
nvs,data,nvs,0x9000,0x4000
otadata,data,ota,0xd000,0x2000
phy_init,data,phy,0xf000,0x1000
ota_0,app,ota_0,0x10000,0x20000
ota_1,app,ota_1,0x30000,0x20000
CSV
  export APP_SIZE=0x20000
}

# build_fw VERSION LINK_ADDR OUT: an app image (scripts/build-firmware.sh).
build_fw() {
  "$FK_SRC/scripts/build-firmware.sh" "$1" "$2" "$3" "$FLASHKIT" >/dev/null 2>&1
}
