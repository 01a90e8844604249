"""A tiny asyncio HTTP/1.1 server for the stand-ins' JSON REST APIs."""

import asyncio
import errno
import json
import logging

log = logging.getLogger(__name__)
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
           500: "Internal Server Error", 503: "Service Unavailable"}
BIND_RETRY_SECONDS = 15


async def _serve_one(reader, writer, handle):
    try:
        request = await asyncio.wait_for(reader.readline(), 10)
        method, path, _ = request.decode("latin-1").split(" ", 2)
        length = 0
        while True:
            line = (await reader.readline()).decode("latin-1").strip()
            if not line:
                break
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        raw = await reader.readexactly(length) if length else b""
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            status, payload = 400, {"error": "body is not JSON"}
        else:
            status, payload = handle(method, path, body if isinstance(body, dict) else {})
    except (ValueError, asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        writer.close()
        return
    # A str is sent as text (health answers), anything else as JSON.
    text = isinstance(payload, str)
    data = (payload if text else json.dumps(payload)).encode()
    kind = "text/plain; charset=utf-8" if text else "application/json"
    head = (f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}\r\nContent-Type: {kind}\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n")
    writer.write(head.encode() + data)
    try:
        await writer.drain()
    finally:
        writer.close()


async def serve(host, port, handle):
    """Serve `handle(method, path, body) -> (status, dict or str)` on host:port.

    The port may still be held by the previous process for a moment (a SysV restart does not wait
    for it to exit), so binding is retried for a while, as a slow JVM start would hide the race.
    """
    for attempt in range(BIND_RETRY_SECONDS * 2):
        try:
            server = await asyncio.start_server(lambda r, w: _serve_one(r, w, handle), host, port,
                                                reuse_address=True)
            break
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or attempt == BIND_RETRY_SECONDS * 2 - 1:
                raise
            await asyncio.sleep(0.5)
    log.info("REST API listening on %s:%s", host, port)
    return server
