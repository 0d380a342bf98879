"""JSON routes of database pulls (AGG-5) under /api/v1/datasets/{code}/sources: register, list, read,
change, enable/disable, test the connection, run now, and the runs. Services: ``service.pulls`` and
``service.pull_runs``. The source URL is never returned, only its masked form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from govdata.aggregation import service, source_values
from govdata.aggregation.models import PullRun, PullSource, StreamRun, StreamSubscription
from govdata.web.edge import call

router = APIRouter(prefix="/api/v1/datasets", tags=["aggregation"])


class PullSourceOut(BaseModel):
    id: int
    dataset: str = Field(description="the catalog resource code")
    name: str
    dialect: str
    url: str = Field(description="the connection URL with its password and secret parameters masked as ***")
    table_name: str | None
    query: str | None
    key_columns: list[str]
    watermark_column: str
    columns: dict[str, str] = Field(description="explicit source column → field code entries")
    interval_minutes: int
    mode: str
    enabled: bool
    position: str = Field(description="where the last committed page ended (watermark, then key)")
    backlog: bool = Field(description="the last run stopped at the page cap; the scheduler continues it")
    last_run_at: dt.datetime | None
    last_status: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class PullRunOut(BaseModel):
    id: int
    source_id: int
    actor_name: str
    trigger: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str = Field(description="running | succeeded | failed | rejected")
    rows: int = Field(description="rows read from the source")
    batches: int = Field(description="committed batches (one per page)")
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    batch_ids: list[int | None]
    more: bool = Field(description="stopped at the page cap; the next scheduler tick continues")
    error: str | None


class PullCheckOut(BaseModel):
    ok: bool
    columns: list[str] = Field(description="the columns the table or query yields")
    mapping: dict[str, str] = Field(description="source column → field code, explicit and by equal name")
    order: list[str] = Field(description="paging order: the watermark column, then the key columns")
    unread: list[str] = Field(description="source columns that are not read")


def source_out(source: PullSource, code: str) -> dict[str, Any]:
    return {"id": source.id, "dataset": code, "name": source.name, "dialect": source.dialect,
            "url": source.url_masked, "table_name": source.table_name, "query": source.query,
            "key_columns": source.key_columns, "watermark_column": source.watermark_column,
            "columns": source.column_map or {}, "interval_minutes": source.interval_minutes, "mode": source.mode,
            "enabled": source.enabled, "position": source_values.shown(source.position), "backlog": source.backlog,
            "last_run_at": source.last_run_at, "last_status": source.last_status, "created_by": source.created_by,
            "created_at": source.created_at, "updated_at": source.updated_at}


def run_out(run: PullRun) -> dict[str, Any]:
    return {name: getattr(run, name) for name in PullRunOut.model_fields}


_ERRORS = {409: {"description": "resource_not_published, dataset_not_structured, duplicate (name)"},
           422: {"description": "pull_source_url_invalid, pull_query_refused, validation_failed"}}


@router.get("/{code}/sources", response_model=list[PullSourceOut])
def list_pull_sources(request: Request, code: str) -> object:
    """The database sources of an entry (its department and the overseers)."""
    return call(request, service.list_pull_sources, code, out=lambda rows: [source_out(s, code) for s in rows])


@router.post("/{code}/sources", response_model=PullSourceOut, status_code=201, responses=_ERRORS)
def register_pull_source(request: Request, code: str, payload: service.PullSourceCreate) -> object:
    """Register a database the published structured entry ``code`` is pulled from (the providing
    department's data manager, or the platform administrator; SQLite files: the administrator only). Give
    ``table_name`` or ``query`` (one read-only SELECT). The URL is stored SM4-GCM encrypted."""
    return call(request, service.register_pull_source, code, payload, out=lambda s: source_out(s, code))


@router.get("/{code}/sources/{source_id}", response_model=PullSourceOut)
def get_pull_source(request: Request, code: str, source_id: int) -> object:
    return call(request, service.get_pull_source, code, source_id, out=lambda s: source_out(s, code))


@router.patch("/{code}/sources/{source_id}", response_model=PullSourceOut, responses=_ERRORS)
def update_pull_source(request: Request, code: str, source_id: int, payload: service.PullSourceUpdate) -> object:
    """Change a source; only the fields given. Changing the table, query, watermark or key columns, or the
    database the URL points at, starts the next pull from the beginning (re-read rows count as unchanged)."""
    return call(request, service.update_pull_source, code, source_id, payload, out=lambda s: source_out(s, code))


@router.post("/{code}/sources/{source_id}/enable", response_model=PullSourceOut)
def enable_pull_source(request: Request, code: str, source_id: int) -> object:
    return call(request, service.set_pull_source_enabled, code, source_id, True, out=lambda s: source_out(s, code))


@router.post("/{code}/sources/{source_id}/disable", response_model=PullSourceOut)
def disable_pull_source(request: Request, code: str, source_id: int) -> object:
    return call(request, service.set_pull_source_enabled, code, source_id, False, out=lambda s: source_out(s, code))


@router.post("/{code}/sources/{source_id}/test", response_model=PullCheckOut,
             responses={422: {"description": "pull_source_failed: the reason (unreachable, refused, no table…)"}})
def check_pull_source(request: Request, code: str, source_id: int) -> object:
    """Test the connection: connect (5 s timeout), read the columns (no row), match them to the settings."""
    return call(request, service.check_pull_source, code, source_id)


@router.post("/{code}/sources/{source_id}/run", response_model=PullRunOut)
def run_pull(request: Request, code: str, source_id: int) -> object:
    """Pull now what changed since the stored position. A failure of the source database is recorded on
    the run (status ``failed`` with the error) and answered 200, like a rejected page (``rejected``)."""
    return call(request, lambda session, actor: service.run_pull(session, actor, source_id, code=code), out=run_out)


@router.get("/{code}/sources/{source_id}/runs", response_model=list[PullRunOut])
def list_pull_runs(request: Request, code: str, source_id: int,
                   limit: int = Query(50, ge=1, le=500)) -> object:
    """The runs of a source, newest first."""
    return call(request, service.list_pull_runs, code, source_id, limit, out=lambda rows: [run_out(r) for r in rows])


# --- NATS JetStream subscriptions (service.stream) ------------------------------------------------------

class StreamSubscriptionOut(BaseModel):
    id: int
    dataset: str
    name: str
    server: str = Field(description="the server URL without user, password or token")
    stream: str
    subject: str
    durable: str
    mode: str
    max_messages: int
    enabled: bool
    last_run_at: dt.datetime | None
    last_status: str | None
    created_by: str
    created_at: dt.datetime


class StreamRunOut(BaseModel):
    id: int
    subscription_id: int
    actor_name: str
    trigger: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str = Field(description="running | succeeded | failed")
    messages: int = Field(description="messages fetched")
    batches: int
    replayed: int = Field(description="redelivered messages answered from their batch")
    terminated: int = Field(description="messages that can never be ingested (listed in errors)")
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    batch_ids: list[int | None]
    errors: list[dict[str, Any]]
    error: str | None


def subscription_out(subscription: StreamSubscription, code: str) -> dict[str, Any]:
    return {"id": subscription.id, "dataset": code, "name": subscription.name, "server": subscription.server_masked,
            **{name: getattr(subscription, name) for name in ("stream", "subject", "durable", "mode", "max_messages",
                                                             "enabled", "last_run_at", "last_status", "created_by",
                                                             "created_at")}}


def stream_run_out(run: StreamRun) -> dict[str, Any]:
    return {name: getattr(run, name) for name in StreamRunOut.model_fields}


@router.get("/{code}/streams", response_model=list[StreamSubscriptionOut])
def list_stream_subscriptions(request: Request, code: str) -> object:
    return call(request, service.list_stream_subscriptions, code,
                out=lambda rows: [subscription_out(s, code) for s in rows])


@router.post("/{code}/streams", response_model=StreamSubscriptionOut, status_code=201, responses=_ERRORS)
def register_stream_subscription(request: Request, code: str, payload: service.StreamSubscriptionCreate) -> object:
    """Subscribe the dataset to a NATS JetStream subject through a durable pull consumer. Each message is a
    JSON array or NDJSON of records; its ``Nats-Msg-Id`` header is the idempotency key."""
    return call(request, service.register_stream_subscription, code, payload,
                out=lambda s: subscription_out(s, code))


@router.post("/{code}/streams/{subscription_id}/enable", response_model=StreamSubscriptionOut)
def enable_stream_subscription(request: Request, code: str, subscription_id: int) -> object:
    return call(request, service.set_stream_subscription_enabled, code, subscription_id, True,
                out=lambda s: subscription_out(s, code))


@router.post("/{code}/streams/{subscription_id}/disable", response_model=StreamSubscriptionOut)
def disable_stream_subscription(request: Request, code: str, subscription_id: int) -> object:
    return call(request, service.set_stream_subscription_enabled, code, subscription_id, False,
                out=lambda s: subscription_out(s, code))


@router.post("/{code}/streams/{subscription_id}/consume", response_model=StreamRunOut)
def consume_stream(request: Request, code: str, subscription_id: int,
                   max_messages: int | None = Query(None, ge=1, le=10_000)) -> object:
    """Consume now (waiting at most 1 s for messages); acknowledgements go out after the commit. An
    unreachable server or missing stream is recorded on the run (``failed``), answered 200."""
    return call(request, lambda session, actor: service.consume_stream(session, actor, subscription_id, max_messages,
                                                                        code=code), out=stream_run_out)


@router.get("/{code}/streams/{subscription_id}/runs", response_model=list[StreamRunOut])
def list_stream_runs(request: Request, code: str, subscription_id: int,
                     limit: int = Query(50, ge=1, le=500)) -> object:
    return call(request, service.list_stream_runs, code, subscription_id, limit,
                out=lambda rows: [stream_run_out(r) for r in rows])
