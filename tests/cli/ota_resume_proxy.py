# A TCP proxy for the resume tests that drops connections on schedule:
#   python3 ota_resume_proxy.py LISTEN_PORT UPSTREAM_PORT SCHEDULE_FILE STATS_FILE
# Each new connection takes the first number K off SCHEDULE_FILE (one per
# line) and is closed, both ways, after K bytes of the upstream's answer
# (headers included); with the file empty it is not cut. Every connection
# appends "K_or_- bytes_relayed request_line" to STATS_FILE, so the test can
# count what crossed the "link".
import socket, sys, threading

listen_port, up_port, sched_path, stats_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lock = threading.Lock()


def next_cut():
    with lock:
        try:
            lines = [l for l in open(sched_path).read().split() if l]
        except FileNotFoundError:
            lines = []
        if not lines:
            return None
        open(sched_path, "w").write("\n".join(lines[1:]) + ("\n" if lines[1:] else ""))
        return int(lines[0])


def serve(client):
    cut = next_cut()
    up = socket.create_connection(("127.0.0.1", up_port))
    first = b""
    relayed = 0
    done = threading.Event()

    def upward():
        nonlocal first
        try:
            while not done.is_set():
                b = client.recv(65536)
                if not b:
                    break
                if not first:
                    first = b.split(b"\r\n", 1)[0]
                up.sendall(b)
        except OSError:
            pass
        try:
            up.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    t = threading.Thread(target=upward, daemon=True)
    t.start()
    try:
        while True:
            b = up.recv(65536)
            if not b:
                break
            if cut is not None and relayed + len(b) >= cut:
                client.sendall(b[: cut - relayed])
                relayed = cut
                break
            client.sendall(b)
            relayed += len(b)
    except OSError:
        pass
    done.set()
    # The link goes: the client sees the answer end short of its length.
    for s in (client, up):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
    with lock:
        with open(stats_path, "a") as f:
            f.write("%s %d %s\n" % ("-" if cut is None else cut, relayed, first.decode("latin-1")))


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen_port))
srv.listen(16)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
