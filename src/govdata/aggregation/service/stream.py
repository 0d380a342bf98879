"""Aggregation services: change events from NATS JetStream (AGG-2), consumed through a durable pull consumer.

Each message is one batch: a JSON array or NDJSON of records (as the push API takes them), ingested through
the ingest core (``source="stream"``) with the message's ``Nats-Msg-Id`` header as idempotency key (the
stream sequence when absent). Acknowledgements are sent only AFTER the caller's transaction commits (an
``after_commit`` hook on the session): a crash before the commit leaves the messages unacknowledged, they
are redelivered, and a message whose key already names a batch of this dataset with the same SM3 digest
is answered from that batch (``replayed``), not applied twice. A rolled-back transaction sends NAKs, so
the messages come back at once.

Per message: committed or rejected as a whole (``mode=all``; the rejected batch is kept and the message
acknowledged) → ACK; not JSON, too many rows, or a message id reused with other content → TERM (never
redelivered) and listed in the run's ``errors``; a failure that may pass (concurrent write) → NAK for it
and every later message of the fetch, and the run stops. An unreachable server or missing stream fails
the run (recorded, not raised, as one of ``source_urls``' fixed reasons).

The server must be a plain URL whose host lies in ``GOVDATA_SOURCE_ALLOWED_NETWORKS``, checked when the
subscription is registered and at every connection (``jetstream``), acknowledgements included.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from govdata.aggregation import jetstream, policy, source_urls
from govdata.aggregation.models import Batch, StreamRun, StreamSubscription
from govdata.aggregation.service.common import resource_by_code
from govdata.aggregation.service.ingest import Target, commit_batch, target_of, validate_rows
from govdata.aggregation.service.push import MAX_IDEMPOTENCY_KEY
from govdata.aggregation.service.push import parse_records
from govdata.catalog.models import Resource
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.crypto import decrypt_field, encrypt_field, sm3_hex
from govdata.core.db import settings_of, utcnow
from govdata.core.errors import Conflict, DomainError, NotFound
from govdata.core.jobs import job
from govdata.core.policy import authorize

__all__ = ["StreamSubscriptionCreate", "consume_stream", "consume_streams", "list_stream_runs",
           "list_stream_subscriptions", "register_stream_subscription", "set_stream_subscription_enabled"]

log = logging.getLogger("govdata.aggregation.stream")

MAX_MESSAGES = 10_000
_PENDING = "aggregation.stream.pending"  # session.info: [(subscription id, server, reach, [(reply subject, kind)])]


class StreamSubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=100)
    server: str = Field("nats://127.0.0.1:4222", max_length=500,
                        description="NATS server URL; a user and password or token in it are stored encrypted")
    stream: str = Field(..., description="JetStream stream name")
    subject: str = Field(..., description="filter subject of the consumer (wildcards * and a final > allowed)")
    durable: str = Field(..., description="durable pull consumer name, made on first use")
    mode: Literal["all", "partial"] = "all"
    max_messages: int = Field(100, ge=1, le=MAX_MESSAGES, description="messages per consume")
    enabled: bool = True


def _context(subscription: StreamSubscription) -> str:
    return f"stream_server:{subscription.id}"


def _reach(session: Session) -> source_urls.Reach:
    return source_urls.reach_of(settings_of(session))


def _server(session: Session, subscription: StreamSubscription) -> str:
    return decrypt_field(settings_of(session).resolved_secret_key, subscription.server_enc, _context(subscription))


def _subscription(session: Session, code: str | None, subscription_id: int) -> tuple[Resource, StreamSubscription]:
    subscription = session.get(StreamSubscription, subscription_id)
    resource = session.get(Resource, subscription.resource_id) if subscription is not None else None
    if subscription is None or resource is None or (code is not None and resource.code != code):
        raise NotFound("流订阅", subscription_id, "Stream subscription")
    return resource, subscription


def register_stream_subscription(session: Session, actor: Actor, code: str,
                                 payload: StreamSubscriptionCreate) -> StreamSubscription:
    """Subscribe a published structured entry's dataset to a JetStream subject (nothing is fetched yet)."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.register_stream_subscription, resource)
    target_of(session, resource)  # published and structured
    server = jetstream.check_server(payload.server, _reach(session))
    stream, durable = jetstream.check_name(payload.stream, "stream"), jetstream.check_name(payload.durable, "durable")
    subject, name = jetstream.check_subject(payload.subject), payload.name.strip()
    if session.scalar(select(StreamSubscription.id).where(StreamSubscription.resource_id == resource.id,
                                                          StreamSubscription.name == name)) is not None:
        raise Conflict(f"该目录已有名为“{name}”的流订阅", f"a subscription named {name} exists", code="duplicate")
    if session.scalar(select(StreamSubscription.id).where(StreamSubscription.stream == stream,
                                                          StreamSubscription.durable == durable)) is not None:
        raise Conflict(f"流“{stream}”的消费者“{durable}”已被使用", f"consumer {durable} of {stream} is taken",
                       code="duplicate")
    subscription = StreamSubscription(resource_id=resource.id, department_id=resource.department_id, name=name,
                                      server_enc="", server_masked=jetstream.masked(server), stream=stream,
                                      subject=subject, durable=durable, mode=payload.mode,
                                      max_messages=payload.max_messages, enabled=payload.enabled,
                                      created_by=actor.name)
    session.add(subscription)
    session.flush()
    subscription.server_enc = encrypt_field(settings_of(session).resolved_secret_key, server, _context(subscription))
    audit.record(session, actor, "aggregation.register_stream_subscription", object_type="stream_subscription",
                 object_id=subscription.id, department_id=subscription.department_id,
                 detail={"resource_code": resource.code, "name": name, "server": subscription.server_masked,
                         "stream": stream, "subject": subject, "durable": durable, "mode": payload.mode,
                         "max_messages": payload.max_messages, "enabled": payload.enabled})
    session.flush()
    return subscription


def set_stream_subscription_enabled(session: Session, actor: Actor, code: str, subscription_id: int,
                                    enabled: bool) -> StreamSubscription:
    resource, subscription = _subscription(session, code, subscription_id)
    authorize(actor, policy.set_stream_subscription_enabled, subscription)
    if subscription.enabled != enabled:
        subscription.enabled = enabled
        audit.record(session, actor, "aggregation.set_stream_subscription_enabled", object_type="stream_subscription",
                     object_id=subscription.id, department_id=subscription.department_id,
                     detail={"resource_code": resource.code, "enabled": enabled})
        session.flush()
    return subscription


def list_stream_subscriptions(session: Session, actor: Actor, code: str) -> list[StreamSubscription]:
    resource = resource_by_code(session, code)
    authorize(actor, policy.list_stream_subscriptions, resource)
    return list(session.scalars(select(StreamSubscription).where(StreamSubscription.resource_id == resource.id)
                                .order_by(StreamSubscription.id)))


def list_stream_runs(session: Session, actor: Actor, code: str, subscription_id: int,
                     limit: int = 50) -> list[StreamRun]:
    _, subscription = _subscription(session, code, subscription_id)
    authorize(actor, policy.list_stream_runs, subscription)
    return list(session.scalars(select(StreamRun).where(StreamRun.subscription_id == subscription.id)
                                .order_by(StreamRun.id.desc()).limit(max(1, min(limit, 500)))))


# --- consuming ------------------------------------------------------------------------------------------

def consume_stream(session: Session, actor: Actor, subscription_id: int, max_messages: int | None = None,
                   timeout: float = 1.0, code: str | None = None) -> StreamRun:
    """Fetch up to ``max_messages`` (default: the subscription's) and ingest each as a batch; the
    acknowledgements go out after the caller commits (see the module docstring). Returns the run record."""
    resource, subscription = _subscription(session, code, subscription_id)
    authorize(actor, policy.consume_stream, subscription)
    run = StreamRun(subscription_id=subscription.id, actor_name=actor.name, trigger=actor.method,
                    started_at=utcnow(), status="running", messages=0, batches=0, replayed=0, terminated=0,
                    inserted=0, updated=0, unchanged=0, rejected=0, batch_ids=[], errors=[])
    session.add(run)
    session.flush()
    server, reach = _server(session, subscription), _reach(session)
    replies: list[tuple[str, bytes]] = []
    try:
        target = target_of(session, resource)
        limit = max(1, min(max_messages or subscription.max_messages, MAX_MESSAGES))
        deliveries = jetstream.fetch(server, subscription.stream, subscription.subject, subscription.durable,
                                     limit, timeout, reach)
    except DomainError as exc:
        run.status, run.error = "failed", exc.message("zh")
    except jetstream.StreamError as exc:
        run.status, run.error = "failed", f"消息服务不可用：{exc}"
    else:
        run.messages = len(deliveries)
        for n, delivery in enumerate(deliveries):
            kind = _ingest(session, actor, subscription, target, run, delivery)
            if kind is None:  # may pass later: this one and the rest come back
                replies.extend((d.reply, jetstream.NAK) for d in deliveries[n:])
                break
            replies.append((delivery.reply, kind))
        if run.status == "running":
            run.status = "succeeded"
    run.finished_at = utcnow()
    subscription.last_run_at, subscription.last_status = run.started_at, run.status
    audit.record(session, actor, "aggregation.consume_stream", object_type="stream_subscription",
                 object_id=subscription.id, department_id=subscription.department_id, medium="json",
                 result="success" if run.status == "succeeded" else "failure",
                 detail={"resource_code": resource.code, "run_id": run.id, "status": run.status,
                         "messages": run.messages, "batches": run.batches, "batch_ids": run.batch_ids,
                         "replayed": run.replayed, "terminated": run.terminated, "errors": run.errors,
                         "error": run.error})
    session.flush()
    _after_commit(session, subscription.id, server, reach, replies)
    return run


def _ingest(session: Session, actor: Actor, subscription: StreamSubscription, target: Target, run: StreamRun,
            delivery: jetstream.Delivery) -> bytes | None:
    """One message as one batch; returns how to acknowledge it, None when it should come back later."""
    msg_id = delivery.headers.get("Nats-Msg-Id", "").strip()
    key = msg_id if msg_id and len(msg_id) <= MAX_IDEMPOTENCY_KEY and msg_id.isascii() else \
        f"seq:{subscription.stream}:{delivery.stream_seq}"
    digest = sm3_hex(delivery.data)
    prior = session.scalar(select(Batch).where(Batch.dataset_id == target.dataset.id, Batch.source == "stream",
                                               Batch.idempotency_key == key))
    if prior is not None:
        if prior.payload_digest == digest:
            run.replayed += 1
            return jetstream.ACK
        return _terminate(run, delivery, key, "idempotency_key_reused", "消息编号已用于内容不同的消息")
    try:
        rows, medium = parse_records(delivery.data, delivery.headers.get("Content-Type"))
    except DomainError as exc:
        return _terminate(run, delivery, key, exc.code, exc.message("zh"))
    checked = validate_rows(target, rows)
    savepoint = session.begin_nested()
    try:
        body = commit_batch(session, target, actor, checked, source="stream", medium=medium, mode=subscription.mode,
                            digest=digest, idempotency_key=key, action="aggregation.consume_stream")
    except DomainError as exc:
        if not exc.keep_writes:
            savepoint.rollback()
            run.status, run.error = "failed", exc.message("zh")
            return None
        savepoint.commit()  # batch_rejected: the rejected batch, its finding and audit entry are kept
        run.batches += 1
        run.rejected += int(exc.extra.get("rejected") or 0)
        run.batch_ids = [*run.batch_ids, exc.extra.get("batch_id")]
        return jetstream.ACK
    savepoint.commit()
    run.batches += 1
    run.batch_ids = [*run.batch_ids, body["batch_id"]]
    for name in ("inserted", "updated", "unchanged", "rejected"):
        setattr(run, name, getattr(run, name) + body[name])
    return jetstream.ACK


def _terminate(run: StreamRun, delivery: jetstream.Delivery, key: str, code: str, message: str) -> bytes:
    run.terminated += 1
    run.errors = [*run.errors, {"seq": delivery.stream_seq, "key": key, "code": code, "message": message}]
    return jetstream.TERM


# --- acknowledgements after the commit ------------------------------------------------------------------

def _after_commit(session: Session, subscription_id: int, server: str, reach: source_urls.Reach,
                  replies: list[tuple[str, bytes]]) -> None:
    pending = session.info.setdefault(_PENDING, [])
    pending.append((subscription_id, server, reach, replies))
    if not event.contains(session, "after_commit", _send_pending):
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_soft_rollback", _nak_pending)


def _flush(pending: list[tuple[int, str, source_urls.Reach, list[tuple[str, bytes]]]], nak: bool = False) -> None:
    for _, server, reach, replies in pending:
        try:
            jetstream.reply(server, [(subject, jetstream.NAK if nak else kind) for subject, kind in replies], reach)
        except jetstream.StreamError as exc:  # not acknowledged: redelivered later, and answered as replayed
            log.warning("stream acknowledgements not sent: %s", exc)


def _send_pending(session: Session) -> None:
    _flush(session.info.pop(_PENDING, []))


def _nak_pending(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole transaction rolled back, not a savepoint
        _flush(session.info.pop(_PENDING, []), nak=True)


def _forget(session: Session, subscription_id: int) -> None:
    """The subscription's writes were rolled back (its savepoint): NAK its messages now."""
    pending = session.info.get(_PENDING, [])
    mine = [p for p in pending if p[0] == subscription_id]
    session.info[_PENDING] = [p for p in pending if p[0] != subscription_id]
    _flush(mine, nak=True)


@job("consume_streams", every_minutes=1, description="Consume every enabled NATS JetStream subscription")
def consume_streams(session: Session, actor: Actor) -> dict[str, Any]:
    """Consume every enabled subscription (up to its ``max_messages``), each in a savepoint of its own: one
    that fails, even unexpectedly, leaves the others working."""
    authorize(actor, policy.consume_streams)
    ids = session.scalars(select(StreamSubscription.id).where(StreamSubscription.enabled.is_(True))
                          .order_by(StreamSubscription.id)).all()
    summary: dict[str, Any] = {"subscriptions": len(ids), "succeeded": 0, "failed": 0, "messages": 0}
    for subscription_id in ids:
        try:
            with session.begin_nested():
                run = consume_stream(session, actor, subscription_id)
            summary[run.status] += 1
            summary["messages"] += run.messages
        except Exception:  # noqa: BLE001 - one subscription's fault must not stop the others
            log.exception("stream subscription %s failed", subscription_id)
            _forget(session, subscription_id)
            summary["failed"] += 1
    return summary
