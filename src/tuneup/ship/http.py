"""HTTP plumbing shared by the server: request errors as JSON, and a cap on body size."""
from __future__ import annotations

import base64
import binascii
import hmac
import json

from tuneup.exceptions import UserError


class RequestError(UserError):
    """A request the server refuses: answered with `status` and `{"error": message}`, never a 500."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


async def send_json(send, status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": data})


class KeyGate:
    """ASGI middleware: with an API key set, every request but `open` paths (/health) needs it, in the
    X-API-Key header or as the password of HTTP Basic auth (what a browser sends for the upload page once it
    has asked for it). Everything: the API, /metadata, the docs and their schema, the page and its files."""

    CHALLENGE = (b"www-authenticate", b'Basic realm="tuneup: the API key is the password", charset="UTF-8"')

    def __init__(self, app, key: str, open: frozenset[str]):
        self.app, self.key, self.open = app, key.encode(), open

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in self.open or self._has_key(scope["headers"]):
            return await self.app(scope, receive, send)
        await send_json(send, 401, {"error": "missing or wrong API key: send it in the X-API-Key header (a "
                                             "browser: as the password it asks for)"}, [self.CHALLENGE])

    def _has_key(self, headers: list[tuple[bytes, bytes]]) -> bool:
        given = [v for k, v in headers if k == b"x-api-key"]
        for k, v in headers:
            if k == b"authorization" and v[:6].lower() == b"basic ":
                try:
                    given.append(base64.b64decode(v[6:].strip(), validate=True).partition(b":")[2])
                except (binascii.Error, ValueError):
                    pass
        return any(hmac.compare_digest(g, self.key) for g in given)


class BodyLimit:
    """ASGI middleware: bodies over `max_bytes` get 413 before the app reads them (checked on the
    Content-Length header and again while reading, for chunked uploads)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self._reject(send)
        chunks, total, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                return await self._reject(send)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send) -> None:
        mb = self.max_bytes / 1024 / 1024
        await send_json(send, 413, {"error": f"the request body is larger than {mb:g} MB; send fewer or smaller "
                                             "images or rows per request (the server's --max-body-mb)"})
