"""The body limit: 413 problem+json past the general limit, raised only for the paths that need more."""

from __future__ import annotations

import asyncio
import json
import threading

from govdata.web.middleware import BodyLimit


async def _ok(scope, receive, send):
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def status_for(path: str, size: int) -> int:
    app = BodyLimit(_ok, max_bytes=1000, path_limits={"/api/v1/datasets/*/records": 5000, "/exact": 3000})
    sent: list[dict] = []
    body = [{"type": "http.request", "body": b"x" * size, "more_body": False}]

    async def receive():
        return body.pop(0)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path, "headers": [(b"content-length", str(size).encode())]}
    # a thread of its own: the browser tests may keep an event loop running in this one
    worker = threading.Thread(target=lambda: asyncio.run(app(scope, receive, send)))
    worker.start()
    worker.join(timeout=10)
    if sent[0]["status"] == 413:
        assert json.loads(sent[1]["body"])["code"] == "body_too_large"
    return sent[0]["status"]


def test_general_limit():
    assert status_for("/api/v1/departments", 900) == 200
    assert status_for("/api/v1/departments", 1100) == 413


def test_raised_for_a_pattern_path_only():
    assert status_for("/api/v1/datasets/101000000-000001/records", 4000) == 200
    assert status_for("/api/v1/datasets/101000000-000001/records", 6000) == 413
    assert status_for("/api/v1/datasets/a/b/records", 4000) == 413  # * is one segment
    assert status_for("/exact", 2500) == 200 and status_for("/exact/more", 2500) == 413
