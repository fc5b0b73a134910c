"""HTTP GETs to the service are bounded in total, not only per socket read."""

from __future__ import annotations

import socket
import threading
import time

from gate.live.http import get


def test_a_body_that_trickles_in_is_a_problem_not_a_hang() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: application/json\r\n\r\n")
            for _ in range(200):  # one byte every 0.1 s: each read is quick, the whole body never arrives
                if stop.is_set():
                    return
                conn.sendall(b" ")
                time.sleep(0.1)

    server = threading.Thread(target=trickle, daemon=True)
    server.start()
    try:
        answer = get(f"http://127.0.0.1:{port}/openapi.json", {}, timeout=1.0)
    finally:
        stop.set()
        server.join(timeout=5)
        listener.close()
    assert answer.status is None
    assert "did not arrive in time" in (answer.problem or "")
