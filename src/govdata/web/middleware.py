"""Plain ASGI middleware: request ids, the body-size limit, and security headers."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govdata.core.errors import DomainError
from govdata.core.i18n import pick_language


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestContext:
    """Give every request an id (or keep a sane incoming X-Request-ID) and add protective headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        rid = incoming if incoming and len(incoming) <= 64 and incoming.isascii() else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-request-id", rid.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin")]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse bodies over ``max_bytes`` with 413 problem+json, whether announced or streamed.

    ``path_limits`` raises the limit for a few paths (the Excel upload routes, whose own limit is checked
    again by the route with a clearer message; the batch push of records); a ``*`` stands for one path
    segment. It never lowers the limit below ``max_bytes``.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, path_limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = {path: max(limit, max_bytes) for path, limit in (path_limits or {}).items()
                            if "*" not in path}
        self.pattern_limits = [(re.compile("^" + re.escape(path).replace(r"\*", "[^/]+") + "$"), max(limit, max_bytes))
                               for path, limit in (path_limits or {}).items() if "*" in path]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"]) or next(
            (lim for pattern, lim in self.pattern_limits if pattern.match(scope["path"])), self.max_bytes)
        lang = pick_language(_header(scope, b"accept-language"))
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._refuse(send, lang, limit)
            return
        received = 0
        started = False
        exceeded = False  # the limit was hit while the app read the body
        replaced = False  # so the app's own answer to the failed read was swapped for the 413

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started, replaced
            if message["type"] == "http.response.start":
                if exceeded and not started:
                    # FastAPI turns a failed body read into its own 400 "error parsing the body": answer 413
                    started = replaced = True
                    await self._refuse(send, lang, limit)
                    return
                started = True
            elif replaced:
                return
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, lang, limit)

    async def _refuse(self, send: Send, lang: str, limit: int) -> None:
        error = DomainError("body_too_large", f"请求体超过{limit}字节上限", f"Request body exceeds {limit} bytes")
        body = json.dumps(error.problem(lang), ensure_ascii=False).encode()
        headers: list[Any] = [(b"content-type", b"application/problem+json"),
                              (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
