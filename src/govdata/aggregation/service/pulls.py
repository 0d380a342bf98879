"""Aggregation services: database pull sources (AGG-5) — register, change, enable, test the connection, list.
Running a pull is in ``service.pull_runs``.

A source belongs to one published structured catalog entry and its providing department. Its URL is kept
only SM4-GCM encrypted (``core.crypto.encrypt_field``, bound to the row id); pages, the API and audit
entries show it masked (``sources.masked``) or not at all. SQLite files live on the platform's own server,
so only the platform administrator may register them, and only inside ``GOVDATA_SOURCE_SQLITE_DIR``;
departments register networked databases inside ``GOVDATA_SOURCE_ALLOWED_NETWORKS`` (``source_urls``: the
URL's parameters, its host and where it resolves are checked here and again at every connection).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from govdata.aggregation import policy, source_urls, sources
from govdata.aggregation.models import PullRun, PullSource
from govdata.aggregation.service.common import resource_by_code
from govdata.aggregation.service.ingest import target_of
from govdata.catalog.models import Resource
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.crypto import decrypt_field, encrypt_field
from govdata.core.db import settings_of
from govdata.core.errors import Conflict, DomainError, FieldError, Invalid, NotFound, invalid
from govdata.core.policy import authorize

__all__ = ["PullSourceCreate", "PullSourceUpdate", "check_pull_source", "get_pull_source", "list_pull_runs",
           "list_pull_sources", "register_pull_source", "set_pull_source_enabled", "update_pull_source"]

MAX_INTERVAL = 7 * 24 * 60


class PullSourceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=100)
    url: str | None = Field(None, min_length=1, max_length=2000,
                            description="SQLAlchemy URL; a password written as *** keeps the stored one")
    table_name: str | None = Field(None, max_length=200, description="table, or schema.table (or give query)")
    query: str | None = Field(None, max_length=sources.MAX_QUERY, description="one read-only SELECT")
    key_columns: list[str] | None = Field(None, max_length=10)
    watermark_column: str | None = Field(None, min_length=1, max_length=100)
    columns: dict[str, str] | None = Field(None, description="source column → field code; columns named like "
                                                             "a field code map to it without an entry")
    interval_minutes: int | None = Field(None, ge=1, le=MAX_INTERVAL)
    mode: Literal["all", "partial"] | None = None
    enabled: bool | None = None


class PullSourceCreate(PullSourceUpdate):
    name: str = Field(..., min_length=1, max_length=100)
    url: str = Field(..., min_length=1, max_length=2000)
    watermark_column: str = Field(..., min_length=1, max_length=100,
                                  description="monotonic: an update time or an increasing id")
    interval_minutes: int = Field(60, ge=1, le=MAX_INTERVAL)
    mode: Literal["all", "partial"] = "all"
    enabled: bool = True


def _context(source: PullSource) -> str:
    return f"pull_source:{source.id}"


def _stored_url(session: Session, source: PullSource) -> URL:
    raw = decrypt_field(settings_of(session).resolved_secret_key, source.url_enc, _context(source))
    return sources.stored_url(raw)


def source_url(session: Session, source: PullSource) -> URL:
    """The decrypted URL, checked as a new one would be, for connecting only (never shown, logged or
    audited); where it may connect is checked again by ``sources.reading``."""
    return sources.parse_url(_stored_url(session, source).render_as_string(hide_password=False))


def reach(session: Session) -> source_urls.Reach:
    """Where sources may connect, as the administrator set it."""
    return source_urls.reach_of(settings_of(session))


def _source(session: Session, code: str, source_id: int) -> tuple[Resource, PullSource]:
    resource = resource_by_code(session, code)
    source = session.get(PullSource, source_id)
    if source is None or source.resource_id != resource.id:
        raise NotFound("数据源", source_id, "Pull source")
    return resource, source


def _parse(session: Session, actor: Actor, raw: str, old: URL | None = None) -> URL:
    url = sources.parse_url(raw)
    if old is not None:
        url = sources.with_kept_password(url, old)
    if sources.backend_of(url) == "sqlite" and not (actor.kind == "platform" or actor.has("platform_admin")):
        raise invalid("url", "SQLite文件位于平台服务器上，只能由平台管理员登记为数据源", code="pull_source_url_invalid",
                      message_en="only the platform administrator may register a SQLite file")
    source_urls.check_url(url, reach(session))
    return url


def _configure(session: Session, resource: Resource, source: PullSource, data: dict[str, Any]) -> None:
    """Check and apply the non-URL settings in ``data`` (the fields that were given)."""
    items = {item.field_code: item for item in target_of(session, resource).version.items}
    if "table_name" in data or "query" in data:
        table_name = (data.get("table_name") or "").strip() or None
        query = (data.get("query") or "").strip() or None
        if bool(table_name) == bool(query):
            raise invalid("table_name", "请填写表名或查询语句（二选一）", message_en="give a table name or a query")
        source.table_name = sources.check_name(table_name, "table_name", dotted=True) if table_name else None
        source.query = sources.check_query(query) if query else None
    if data.get("watermark_column") is not None:
        source.watermark_column = sources.check_name(data["watermark_column"], "watermark_column")
    if data.get("columns") is not None:
        errors, targets = [], set()
        for column, code in data["columns"].items():
            sources.check_name(column, f"columns.{column}")
            if code not in items:
                errors.append(FieldError(f"columns.{column}", "validation_failed", f"“{code}”不是该目录已发布的信息项"))
            elif code in targets:
                errors.append(FieldError(f"columns.{column}", "validation_failed", f"信息项“{code}”被映射了两次"))
            targets.add(code)
        if errors:
            raise Invalid(errors)
        source.column_map = dict(data["columns"])
    if data.get("key_columns") is not None:
        source.key_columns = [sources.check_name(k, "key_columns") for k in data["key_columns"] if k.strip()]
    if not source.key_columns:
        # default: the columns that feed the entry's key items
        feeding = {code: column for column, code in (source.column_map or {}).items()}
        source.key_columns = [feeding.get(code, code) for code, item in items.items() if item.is_key]
    if not source.key_columns:
        raise invalid("key_columns", "该目录没有主键信息项，请指定数据源的主键列",
                      message_en="the entry has no key items: name the source's key columns")
    for name in ("interval_minutes", "mode", "enabled"):
        if data.get(name) is not None:
            setattr(source, name, data[name])


def _settings(source: PullSource) -> dict[str, Any]:
    """What the audit entry records about a source: everything but the URL."""
    return {"name": source.name, "dialect": source.dialect, "table_name": source.table_name, "query": source.query,
            "key_columns": source.key_columns, "watermark_column": source.watermark_column,
            "columns": source.column_map, "interval_minutes": source.interval_minutes, "mode": source.mode,
            "enabled": source.enabled}


def _endpoint(url: URL) -> dict[str, Any]:
    return {"host": url.host, "port": url.port, "database": url.database}


def _name_free(session: Session, resource: Resource, name: str, source_id: int | None = None) -> None:
    other = session.scalar(select(PullSource.id).where(PullSource.resource_id == resource.id,
                                                       PullSource.name == name))
    if other is not None and other != source_id:
        raise Conflict(f"该目录已有名为“{name}”的数据源", f"a source named {name} exists", code="duplicate")


def register_pull_source(session: Session, actor: Actor, code: str, payload: PullSourceCreate) -> PullSource:
    """Register a database the entry's dataset is pulled from (not run yet; see ``run_pull``)."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.register_pull_source, resource)
    url = _parse(session, actor, payload.url)
    name = payload.name.strip()
    _name_free(session, resource, name)
    source = PullSource(resource_id=resource.id, department_id=resource.department_id, name=name,
                        dialect=sources.backend_of(url), url_enc="", url_masked=sources.masked(url),
                        key_columns=[], column_map={}, interval_minutes=payload.interval_minutes, mode=payload.mode,
                        enabled=payload.enabled, created_by=actor.name)
    _configure(session, resource, source, payload.model_dump())
    session.add(source)
    session.flush()
    source.url_enc = encrypt_field(settings_of(session).resolved_secret_key,
                                   url.render_as_string(hide_password=False), _context(source))
    audit.record(session, actor, "aggregation.register_pull_source", object_type="pull_source", object_id=source.id,
                 department_id=source.department_id,
                 detail={"resource_code": resource.code, **_endpoint(url), **_settings(source)})
    session.flush()
    return source


#: Changing any of these starts the next pull from the beginning (re-pulled rows count as unchanged).
_RESTART = ("table_name", "query", "watermark_column", "key_columns")


def update_pull_source(session: Session, actor: Actor, code: str, source_id: int,
                       payload: PullSourceUpdate) -> PullSource:
    resource, source = _source(session, code, source_id)
    authorize(actor, policy.update_pull_source, source)
    data = payload.model_dump(exclude_unset=True)
    before = _settings(source)
    detail: dict[str, Any] = {"resource_code": resource.code}
    if data.get("name") is not None:
        _name_free(session, resource, data["name"].strip(), source.id)
        source.name = data["name"].strip()
    restart = False
    if data.get("url") is not None:
        old = _stored_url(session, source)
        url = _parse(session, actor, data["url"], old)
        if url != old:
            restart = _endpoint(url) != _endpoint(old) or url.drivername != old.drivername
            source.dialect, source.url_masked = sources.backend_of(url), sources.masked(url)
            source.url_enc = encrypt_field(settings_of(session).resolved_secret_key,
                                           url.render_as_string(hide_password=False), _context(source))
            detail["url_changed"] = True
            detail.update(_endpoint(url))
    _configure(session, resource, source, data)
    after = _settings(source)
    changes = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    restart = restart or any(k in changes for k in _RESTART)
    if restart and source.position is not None:
        source.position, source.backlog = None, False
        detail["position_reset"] = True
    audit.record(session, actor, "aggregation.update_pull_source", object_type="pull_source", object_id=source.id,
                 department_id=source.department_id, detail={**detail, "changes": changes})
    session.flush()
    return source


def set_pull_source_enabled(session: Session, actor: Actor, code: str, source_id: int, enabled: bool) -> PullSource:
    resource, source = _source(session, code, source_id)
    authorize(actor, policy.set_pull_source_enabled, source)
    if source.enabled != enabled:
        source.enabled = enabled
        audit.record(session, actor, "aggregation.set_pull_source_enabled", object_type="pull_source",
                     object_id=source.id, department_id=source.department_id,
                     detail={"resource_code": resource.code, "name": source.name, "enabled": enabled})
        session.flush()
    return source


def check_pull_source(session: Session, actor: Actor, code: str, source_id: int) -> dict[str, Any]:
    """Connect (short timeout), read the source's columns (no row) and match them to the configuration.
    Success returns the columns and the mapping; a failure is 422 ``pull_source_failed`` with the reason
    (the audit entry of the attempt is kept)."""
    resource, source = _source(session, code, source_id)
    authorize(actor, policy.check_pull_source, source)
    url = source_url(session, source)
    secrets = sources.secrets_of(url)
    items = [(i.field_code, i.data_type) for i in target_of(session, resource).version.items]
    try:
        with sources.reading(url, reach(session), secrets) as connection:
            available = sources.source_columns(connection, source.table_name, source.query, secrets)
        plan = sources.plan_for(available, source.column_map or {}, source.watermark_column, source.key_columns,
                                items)
    except sources.SourceError as exc:
        audit.record(session, actor, "aggregation.check_pull_source", object_type="pull_source",
                     object_id=source.id, department_id=source.department_id, result="failure",
                     detail={"resource_code": resource.code, "error": str(exc)})
        session.flush()
        raise DomainError("pull_source_failed", f"数据源连接或读取失败：{exc}", f"the source failed: {exc}",
                          keep_writes=True) from None
    mapping = {column: code for column, code, _ in plan.fields}
    audit.record(session, actor, "aggregation.check_pull_source", object_type="pull_source", object_id=source.id,
                 department_id=source.department_id, detail={"resource_code": resource.code, "mapping": mapping})
    session.flush()
    unmapped = [c for c in available if c not in plan.names]
    return {"ok": True, "columns": available, "mapping": mapping, "order": plan.order, "unread": unmapped}


def list_pull_sources(session: Session, actor: Actor, code: str) -> list[PullSource]:
    resource = resource_by_code(session, code)
    authorize(actor, policy.list_pull_sources, resource)
    return list(session.scalars(select(PullSource).where(PullSource.resource_id == resource.id)
                                .order_by(PullSource.id)))


def get_pull_source(session: Session, actor: Actor, code: str, source_id: int) -> PullSource:
    _, source = _source(session, code, source_id)
    authorize(actor, policy.get_pull_source, source)
    return source


def list_pull_runs(session: Session, actor: Actor, code: str, source_id: int, limit: int = 50) -> list[PullRun]:
    _, source = _source(session, code, source_id)
    authorize(actor, policy.list_pull_runs, source)
    return list(session.scalars(select(PullRun).where(PullRun.source_id == source.id)
                                .order_by(PullRun.id.desc()).limit(max(1, min(limit, 500)))))
