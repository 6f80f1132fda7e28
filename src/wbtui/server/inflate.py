"""Compressed request bodies (README "Server hygiene"): a push may arrive gzip-compressed
(``Content-Encoding: gzip``), so a first upload travels in large batches within the 1 MiB limit on the
wire (:class:`wbtui.server.app.Admission` counts the compressed bytes). The body is inflated before the
routes read it, and at most to :data:`MAX_INFLATED` bytes: a small body may not expand without bound
(413). Any other content encoding is refused (415); a broken stream is a bad request (400).
"""

from __future__ import annotations

import zlib

from wbtui.server.guard import send_json

MAX_INFLATED = 16 * 1_048_576


class Inflate:
    """Pure ASGI, inside the admission check: it sees the body as admitted, hands the routes plain JSON."""

    def __init__(self, app, *, max_inflated: int = MAX_INFLATED) -> None:
        self.app, self.max_inflated = app, max_inflated

    async def __call__(self, scope, receive, send) -> None:
        encoding = dict(scope.get("headers") or ()).get(b"content-encoding") if scope["type"] == "http" else None
        if encoding is None:
            await self.app(scope, receive, send)
            return
        if encoding.strip().lower() != b"gzip":
            await send_json(send, 415, b'{"detail":"only gzip bodies are accepted"}')
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(b"".join(chunks), self.max_inflated + 1)
        except zlib.error:
            await send_json(send, 400, b'{"detail":"broken gzip body"}')
            return
        if len(body) > self.max_inflated or inflater.unconsumed_tail:
            await send_json(send, 413, b'{"detail":"request too large"}')
            return
        if not inflater.eof:
            await send_json(send, 400, b'{"detail":"broken gzip body"}')
            return
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")]
        headers.append((b"content-length", str(len(body)).encode()))
        delivered = False

        async def inflated():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app({**scope, "headers": headers}, inflated, send)
