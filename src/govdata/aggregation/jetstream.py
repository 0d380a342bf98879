"""NATS JetStream for real-time aggregation (AGG-2): fetch from a durable pull consumer, and send the
acknowledgements later (any connection may publish to a message's reply subject, so the platform fetches,
closes, commits, and only then acknowledges). nats-py is asynchronous; these functions are not, so the
services and jobs stay synchronous. Connections fail fast: no reconnects, a 5-second connect timeout.

Every connection first checks the server against ``GOVDATA_SOURCE_ALLOWED_NETWORKS`` and goes to the checked
address (``source_urls.server_connection``); a failure is told as one of ``source_urls``' fixed reasons."""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from govdata.aggregation import source_urls
from govdata.aggregation.source_urls import Reach
from govdata.core.errors import DomainError, invalid

T = TypeVar("T")

CONNECT_TIMEOUT = 5
ACK_WAIT = 120  # seconds a fetched message waits for its acknowledgement before it is redelivered
ACK, NAK, TERM = b"+ACK", b"-NAK", b"+TERM"
_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")


class StreamError(Exception):
    """The NATS server could not be reached, or refused (no such stream, a consumer bound elsewhere…)."""


@dataclass(frozen=True)
class Delivery:
    data: bytes
    headers: dict[str, str]
    stream_seq: int
    delivered: int
    reply: str


def check_server(raw: str, reach: Reach) -> str:
    """The server URL when its form is plain (``source_urls.check_server``) and it may be reached."""
    server = source_urls.check_server(raw)
    source_urls.server_connection(server, reach)
    return server


def masked(server: str) -> str:
    """The server URL without its user, password or token."""
    parts = urlsplit(server)
    if parts.username is None and parts.password is None:
        return server
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"***@{host}").geturl()


def secrets_of(server: str) -> list[str]:
    parts = urlsplit(server)
    return [s for s in (parts.username, parts.password) if s]


def check_name(value: str, what: str) -> str:
    if not _NAME.fullmatch(value.strip()):
        raise invalid(what, "只能由字母、数字、下划线和连字符组成（至多100个字符）", message_en="letters, digits, _ and - only")
    return value.strip()


def check_subject(value: str) -> str:
    subject = value.strip()
    tokens = subject.split(".")
    if not subject or len(subject) > 200 or any(not t or re.search(r"\s", t) for t in tokens) or \
            any(("*" in t and t != "*") or (">" in t and t != ">") for t in tokens) or ">" in tokens[:-1]:
        raise invalid("subject", "不是有效的主题（以点分隔，可用 * 或末尾的 >）", message_en="not a valid subject")
    return subject


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code, also when this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _target(server: str, reach: Reach) -> tuple[str, str | None]:
    try:
        return source_urls.server_connection(server, reach)
    except DomainError:  # not allowed (any more): nothing is connected
        raise StreamError(source_urls.NOT_ALLOWED) from None


async def _connect(target: tuple[str, str | None], seen: list[BaseException]) -> Any:
    import nats

    async def remember(error: Exception) -> None:  # nats-py would log each failed attempt; the caller reports
        seen.append(error)

    url, tls_hostname = target
    return await nats.connect(servers=[url], tls_hostname=tls_hostname, connect_timeout=CONNECT_TIMEOUT,
                              allow_reconnect=False, max_reconnect_attempts=1, reconnect_time_wait=0,
                              error_cb=remember)


def fetch(server: str, stream: str, subject: str, durable: str, max_messages: int, timeout: float,
          reach: Reach) -> list[Delivery]:
    """Up to ``max_messages`` messages from the durable pull consumer (made on first use with explicit
    acknowledgement), waiting at most ``timeout`` seconds; none are acknowledged here."""
    import nats.errors
    from nats.js.api import AckPolicy, ConsumerConfig

    target, seen = _target(server, reach), []

    async def go() -> list[Delivery]:
        nc = await _connect(target, seen)
        try:
            js = nc.jetstream()
            config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=ACK_WAIT)
            psub = await js.pull_subscribe(subject, durable=durable, stream=stream, config=config)
            try:
                messages = await psub.fetch(batch=max_messages, timeout=timeout)
            except (nats.errors.TimeoutError, asyncio.TimeoutError):  # nats-py raises either when none came
                messages = []
            return [Delivery(m.data, dict(m.headers or {}), m.metadata.sequence.stream, m.metadata.num_delivered,
                             m.reply) for m in messages]
        finally:
            await nc.close()

    try:
        return _run(go())
    except (nats.errors.Error, OSError, asyncio.TimeoutError) as exc:
        raise StreamError(source_urls.stream_reason(exc, seen, secrets_of(server))) from exc


def reply(server: str, replies: Sequence[tuple[str, bytes]], reach: Reach) -> None:
    """Publish acknowledgements (``ACK``, ``NAK``, ``TERM``) to the messages' reply subjects."""
    import nats.errors

    if not replies:
        return
    target, seen = _target(server, reach), []

    async def go() -> None:
        nc = await _connect(target, seen)
        try:
            for subject, kind in replies:
                await nc.publish(subject, kind)
            await nc.flush(timeout=CONNECT_TIMEOUT)
        finally:
            await nc.close()

    try:
        _run(go())
    except (nats.errors.Error, OSError, asyncio.TimeoutError) as exc:
        raise StreamError(source_urls.stream_reason(exc, seen, secrets_of(server))) from exc
