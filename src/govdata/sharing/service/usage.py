"""Who used which shared data, and how much (SHR-4, SEC-2): the usage views over the ``share_usage`` ledger.

Every call of the data service API leaves one ``Usage`` row (written by ``service.access`` with the call's
audit entry, ``audit_seq``). These views read that ledger, never data values:

- ``usage_report`` — for a window of days (Beijing calendar days): the daily series of calls, denied calls,
  rows and personal rows; the top consumers (department and system), the top end users, the use per
  resource, and the latest calls with the names of everything they refer to. A provider department sees
  who used its data (``view=provided``), a consumer its own use (``consumed``), both by default; the
  overseers (platform administrator, supervisor, security regulator) see everything and may narrow it.
- ``get_usage`` — one call with the seven facts of Art. 18 from its audit entry (purpose, user, approver,
  data content, time, method, medium), for the people who may see the call even when they may not read
  the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy import ColumnElement, Date, case, cast, false, func, select
from sqlalchemy.orm import Session

from govdata.catalog.models import Resource, ResourceVersion
from govdata.core.actor import Actor
from govdata.core.audit import AuditEntry
from govdata.core.db import utcnow
from govdata.core.errors import MESSAGES, NotFound
from govdata.core.policy import authorize
from govdata.core.schemas import Strict
from govdata.org.models import Department
from govdata.sharing import policy
from govdata.sharing.call_view import ENDPOINT_METHODS
from govdata.sharing.models import Usage
from govdata.sharing.models.requests import ACCESS_METHODS
from govdata.systems.models import BusinessSystem

__all__ = ["ENDPOINT_LABELS", "MAX_DAYS", "REASON_LABELS", "UsageFilter", "get_usage", "local_day", "usage_report",
           "window_start"]

LOCAL = ZoneInfo("Asia/Shanghai")
MAX_DAYS = 180
TOP = 10
ENDPOINT_LABELS = {"record": "单条查询", "query": "条件查询", "changes": "增量同步", "export": "批量导出"}
#: short labels of the reasons a call is refused or fails; other codes show their title (core.errors)
REASON_LABELS = {
    "share_not_granted": "未获授权",
    "share_grant_expired": "不在授权期限内",
    "share_grant_suspended": "授权已暂停",
    "share_grant_revoked": "授权已撤销",
    "share_item_not_granted": "请求了未授权的信息项",
    "share_method_not_granted": "共享方式不符",
    "share_rate_limited": "超过调用频率",
    "share_quota_exceeded": "超过当日配额",
    "not_found": "记录不存在或不在授权范围内",
}


class UsageFilter(Strict):
    view: Literal["all", "provided", "consumed"] = Field(
        default="all", description="provided: calls on the own department's data; consumed: the own department's "
                                   "calls; all: both (overseers: everything)")
    days: int = Field(default=30, ge=1, le=MAX_DAYS, description="Beijing calendar days up to today")
    resource: str | None = Field(default=None, max_length=64, description="resource code")
    provider_department_id: int | None = None
    consumer_department_id: int | None = None
    system_id: int | None = None
    grant_id: int | None = None
    end_user: str | None = Field(default=None, max_length=64)
    result: Literal["success", "denied", "failure"] | None = Field(
        default=None, description="denied: refused (no grant, not in force, beyond it, limits); failure: e.g. "
                                  "an unknown key")
    recent: int = Field(default=50, ge=0, le=500, description="how many of the latest calls to list")


def local_day(session: Session, column: Any) -> ColumnElement[Any]:
    """The Beijing calendar day of a UTC timestamp column, in SQL (one expression per dialect)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("Asia/Shanghai", column), Date)
    return func.date(column, "+8 hours")  # SQLite keeps UTC text; Beijing has no daylight saving time


def window_start(days: int, now: dt.datetime | None = None) -> tuple[dt.date, dt.datetime]:
    """The first Beijing day of a window of ``days`` days ending today, and its midnight in UTC."""
    first = (now or utcnow()).astimezone(LOCAL).date() - dt.timedelta(days=days - 1)
    return first, dt.datetime.combine(first, dt.time(), tzinfo=LOCAL).astimezone(dt.UTC)


def _conditions(actor: Actor, filt: UsageFilter, since: dt.datetime) -> list[ColumnElement[bool]]:
    where = [Usage.at >= since, policy.usage_visible_to(actor)]
    own = actor.department_id if actor.kind == "user" else None
    if filt.view != "all":
        column = Usage.provider_department_id if filt.view == "provided" else Usage.consumer_department_id
        where.append(column == own if own is not None else false())
    for column, value in ((Usage.provider_department_id, filt.provider_department_id),
                          (Usage.consumer_department_id, filt.consumer_department_id),
                          (Usage.system_id, filt.system_id), (Usage.grant_id, filt.grant_id),
                          (Usage.end_user, filt.end_user), (Usage.result, filt.result)):
        if value is not None:
            where.append(column == value)
    if filt.resource:
        where.append(Usage.resource_id.in_(select(Resource.id).where(Resource.code == filt.resource)))
    return where


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


class _Names:
    """Names of the departments, systems and resources the usage rows refer to, a query per kind."""

    def __init__(self, session: Session, department_ids: set[Any], system_ids: set[Any],
                 resource_ids: set[Any]) -> None:
        self.departments: dict[int, str] = {i: name for i, name in session.execute(
            select(Department.id, Department.name).where(Department.id.in_(department_ids - {None})))}
        self.systems: dict[int, str] = {i: name for i, name in session.execute(
            select(BusinessSystem.id, BusinessSystem.name).where(BusinessSystem.id.in_(system_ids - {None})))}
        self.resources: dict[int, tuple[str, str | None]] = {
            rid: (code, name) for rid, code, name in session.execute(
                select(Resource.id, Resource.code, ResourceVersion.name)
                .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id, isouter=True)
                .where(Resource.id.in_(resource_ids - {None})))}

    def resource(self, resource_id: int | None) -> tuple[str | None, str | None]:
        return self.resources.get(resource_id or 0, (None, None))


def _reason_label(code: str | None) -> str | None:
    if code is None:
        return None
    return REASON_LABELS.get(code) or (MESSAGES[code][1] if code in MESSAGES else code)


def _row(u: Usage, names: _Names) -> dict[str, Any]:
    code, name = names.resource(u.resource_id)
    return {"id": u.id, "at": u.at, "grant_id": u.grant_id, "resource_id": u.resource_id, "resource_code": code,
            "resource_name": name, "provider_department_id": u.provider_department_id,
            "provider_department": names.departments.get(u.provider_department_id or 0),
            "consumer_department_id": u.consumer_department_id,
            "consumer_department": names.departments.get(u.consumer_department_id or 0),
            "system_id": u.system_id, "system_name": names.systems.get(u.system_id or 0), "end_user": u.end_user,
            "endpoint": u.endpoint, "endpoint_label": ENDPOINT_LABELS.get(u.endpoint, u.endpoint),
            "medium": u.medium, "rows": u.rows, "personal_rows": u.personal_rows, "result": u.result,
            "reason": u.reason, "reason_label": _reason_label(u.reason),
            "audit_seq": u.audit_seq}


def usage_report(session: Session, actor: Actor, filt: UsageFilter) -> dict[str, Any]:
    """The usage of shared data visible to ``actor`` in the last ``filt.days`` days (module docstring):
    ``totals``, ``daily`` (every day of the window, zeros included), ``top_consumers``, ``top_end_users``,
    ``by_resource`` and ``recent`` (the latest calls, newest first)."""
    authorize(actor, policy.usage_report)
    first, since = window_start(filt.days)
    where = _conditions(actor, filt, since)
    denied = func.sum(case((Usage.result == "denied", 1), else_=0))
    measures = (func.count().label("calls"), denied.label("denied"), func.sum(Usage.rows).label("rows"),
                func.sum(Usage.personal_rows).label("personal_rows"))
    day = local_day(session, Usage.at)
    by_day = {_day(r.day): r for r in session.execute(select(day.label("day"), *measures).where(*where)
                                                      .group_by(day))}
    daily = []
    for n in range(filt.days):
        key = (first + dt.timedelta(days=n)).isoformat()
        r = by_day.get(key)
        daily.append({"day": key, "calls": r.calls if r else 0, "denied": int(r.denied or 0) if r else 0,
                      "rows": int(r.rows or 0) if r else 0, "personal_rows": int(r.personal_rows or 0) if r else 0})
    consumers = session.execute(
        select(Usage.consumer_department_id, Usage.system_id, *measures, func.max(Usage.at).label("last_at"))
        .where(*where).group_by(Usage.consumer_department_id, Usage.system_id)
        .order_by(func.count().desc(), Usage.system_id).limit(TOP)).all()
    end_users = session.execute(
        select(Usage.consumer_department_id, Usage.end_user, *measures).where(*where, Usage.end_user.is_not(None))
        .group_by(Usage.consumer_department_id, Usage.end_user)
        .order_by(func.count().desc(), Usage.end_user).limit(TOP)).all()
    resources = session.execute(
        select(Usage.resource_id, Usage.provider_department_id, *measures).where(*where)
        .group_by(Usage.resource_id, Usage.provider_department_id)
        .order_by(func.count().desc(), Usage.resource_id).limit(2 * TOP)).all()
    recent = session.scalars(select(Usage).where(*where).order_by(Usage.at.desc(), Usage.id.desc())
                             .limit(filt.recent)).all() if filt.recent else []
    names = _Names(session,
                   {r.consumer_department_id for r in (*consumers, *end_users)}
                   | {r.provider_department_id for r in resources}
                   | {d for u in recent for d in (u.provider_department_id, u.consumer_department_id)},
                   {r.system_id for r in consumers} | {u.system_id for u in recent},
                   {r.resource_id for r in resources} | {u.resource_id for u in recent})

    def counts(r: Any) -> dict[str, int]:
        return {"calls": r.calls, "denied": int(r.denied or 0), "rows": int(r.rows or 0),
                "personal_rows": int(r.personal_rows or 0)}

    totals = {k: sum(d[k] for d in daily) for k in ("calls", "denied", "rows", "personal_rows")}
    return {
        "view": filt.view, "days": filt.days, "since": first, "until": first + dt.timedelta(days=filt.days - 1),
        "totals": totals, "daily": daily,
        "top_consumers": [{"consumer_department_id": r.consumer_department_id,
                           "consumer_department": names.departments.get(r.consumer_department_id or 0),
                           "system_id": r.system_id, "system_name": names.systems.get(r.system_id or 0),
                           "last_at": r.last_at if isinstance(r.last_at, dt.datetime) else None, **counts(r)}
                          for r in consumers],
        "top_end_users": [{"end_user": r.end_user, "consumer_department_id": r.consumer_department_id,
                           "consumer_department": names.departments.get(r.consumer_department_id or 0), **counts(r)}
                          for r in end_users],
        "by_resource": [{"resource_id": r.resource_id, "resource_code": names.resource(r.resource_id)[0],
                         "resource_name": names.resource(r.resource_id)[1],
                         "provider_department_id": r.provider_department_id,
                         "provider_department": names.departments.get(r.provider_department_id or 0), **counts(r)}
                        for r in resources],
        "recent": [_row(u, names) for u in recent],
    }


def get_usage(session: Session, actor: Actor, usage_id: int) -> dict[str, Any]:
    """One call of the data service API with the facts its audit entry holds (``audit``: None when the
    entry is not found, which ``govdata audit verify`` would report)."""
    usage = session.get(Usage, usage_id)
    if usage is None:
        raise NotFound("调用记录", usage_id, "Usage record")
    authorize(actor, policy.get_usage, usage)
    names = _Names(session, {usage.provider_department_id, usage.consumer_department_id}, {usage.system_id},
                   {usage.resource_id})
    entry = session.scalar(select(AuditEntry).where(AuditEntry.seq == usage.audit_seq)) \
        if usage.audit_seq is not None else None
    audit = None if entry is None else {
        "seq": entry.seq, "time": entry.time, "action": entry.action, "actor_name": entry.actor_name,
        "purpose": entry.purpose, "approver": entry.approver, "data_content": entry.data_content,
        "method": entry.method, "medium": entry.medium, "client_addr": entry.client_addr, "result": entry.result,
        "detail": entry.detail, "hash": entry.hash}
    # 获取方式 (Art. 18) is the way of sharing the call used — 接口, 库表 or 文件 — which the entry's ``method``
    # (the channel: every data service call is "api") does not say
    method = ENDPOINT_METHODS.get(usage.endpoint or "")
    return {**_row(usage, names), "audit": audit, "access_method": method,
            "access_method_label": ACCESS_METHODS.get(method or "", "")}
