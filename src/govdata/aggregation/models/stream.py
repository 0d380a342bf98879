"""Control-plane tables of the aggregation context: NATS JetStream subscriptions and their consume runs (AGG-2).

A ``StreamSubscription`` binds a dataset to a JetStream stream, a subject and a durable pull consumer; the
server URL (which may carry a user and password or a token) is kept only SM4-GCM encrypted. A
``StreamRun`` records every consume, whatever its outcome; messages that can never be ingested (not JSON,
a reused message id with other content) are listed in ``errors``. Nothing here is ever deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govdata.core.db import Entity

__all__ = ["STREAM_RUN_STATUSES", "StreamRun", "StreamSubscription"]

STREAM_RUN_STATUSES = {"running": "进行中", "succeeded": "成功", "failed": "失败"}


class StreamSubscription(Entity):
    __tablename__ = "aggregation_stream_subscriptions"
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    server_enc: Mapped[str] = mapped_column(Text)  # sm4gcm:v1:… of the server URL, context "stream_server:<id>"
    server_masked: Mapped[str] = mapped_column(String(500))
    stream: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200))
    durable: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(8))  # all | partial, per message
    max_messages: Mapped[int] = mapped_column(Integer)  # per consume
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_run_at: Mapped[dt.datetime | None] = mapped_column()
    last_status: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("resource_id", "name"), UniqueConstraint("stream", "durable"))


class StreamRun(Entity):
    __tablename__ = "aggregation_stream_runs"
    subscription_id: Mapped[int] = mapped_column(ForeignKey("aggregation_stream_subscriptions.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[dt.datetime] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))  # running | succeeded | failed
    messages: Mapped[int] = mapped_column(Integer, default=0)  # fetched
    batches: Mapped[int] = mapped_column(Integer, default=0)  # new batches (committed or rejected)
    replayed: Mapped[int] = mapped_column(Integer, default=0)  # redelivered messages already ingested
    terminated: Mapped[int] = mapped_column(Integer, default=0)  # messages that can never be ingested
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)  # rows
    batch_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{seq, msg_id, code, message}]
    error: Mapped[str | None] = mapped_column(Text)
