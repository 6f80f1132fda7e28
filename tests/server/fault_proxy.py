"""A TCP proxy on loopback that injects faults into HTTP/1.1 exchanges between a device and the server:
a request cut off before it reaches the server, a response dropped after the server committed, or a
response truncated half-way. Faults are taken one per request, in order (then everything passes)."""

from __future__ import annotations

import socket
import threading
from collections import deque


def _read_message(sock: socket.socket, buffer: bytearray) -> bytes | None:
    """One HTTP message (head and a Content-Length body) from ``sock``; None when the peer closed."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    head_end = buffer.index(b"\r\n\r\n") + 4
    length = 0
    for line in bytes(buffer[:head_end]).split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(buffer) < head_end + length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    message = bytes(buffer[: head_end + length])
    del buffer[: head_end + length]
    return message


class FaultProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.faults: deque[str] = deque()
        self.seen: list[tuple[str, str]] = []  # (request line, fault applied)
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, *faults: str) -> None:
        """``cut_request``, ``drop_response``, ``truncate_response`` or ``ok``, for the next requests."""
        self.faults.extend(faults)

    def close(self) -> None:
        self._stop = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        from_client, from_server = bytearray(), bytearray()
        try:
            while True:
                request = _read_message(client, from_client)
                if request is None:
                    return
                fault = self.faults.popleft() if self.faults else "ok"
                self.seen.append((request.split(b"\r\n", 1)[0].decode(errors="replace"), fault))
                if fault == "cut_request":
                    return  # the server never sees it; the device sees the connection close
                upstream.sendall(request)
                response = _read_message(upstream, from_server)
                if response is None:
                    return
                if fault == "drop_response":
                    return  # the server has done the work; the device never hears of it
                if fault == "truncate_response":
                    client.sendall(
                        response[: len(response) - max(1, (len(response) - response.index(b"\r\n\r\n")) // 2)]
                    )
                    return
                client.sendall(response)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()
