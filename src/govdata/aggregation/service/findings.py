"""Supervision findings (SUP-5): what the platform's checks recorded for the supervisor to look at.

A finding (``models.Finding``, table ``aggregation_findings``) names its kind — ``scope_expansion``,
``late_aggregation``, ``misuse`` … —, the department concerned, optionally the dataset, who or what caused
it (``actor_name``) and a ``detail`` with the figures. Findings are never updated nor deleted.

- ``record_finding(session, kind, …)`` — for the checks of any context (no actor, no policy: the calling
  service or job authorizes and audits). With ``key`` it records at most one finding per kind and key, so a
  check run every hour does not repeat itself (the key is kept as ``detail["key"]``).
- ``list_findings`` — the findings an actor may see: overseers all of them, a department its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govdata.aggregation import policy
from govdata.aggregation.models import Dataset, Finding
from govdata.catalog.models import Resource
from govdata.core.actor import Actor
from govdata.core.policy import authorize
from govdata.core.schemas import Strict
from govdata.org.models import Department

__all__ = ["FINDING_KINDS", "FindingFilter", "finding_out", "list_findings", "record_finding"]

#: kind -> Chinese label, and the violation of Art. 26 it evidences
FINDING_KINDS: dict[str, str] = {
    "scope_expansion": "超范围采集",
    "duplicate_collection": "重复采集",
    "late_aggregation": "未按时汇聚（迟报）",
    "misuse": "违规使用共享数据",
}


class FindingFilter(Strict):
    kind: str | None = Field(default=None, max_length=32)
    department_id: int | None = None
    since: dt.datetime | None = Field(default=None, description="recorded at or after")
    until: dt.datetime | None = Field(default=None, description="recorded before")
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=500)

    @model_validator(mode="after")
    def _a_range_in_order(self) -> FindingFilter:
        """A reversed range would find nothing without saying why."""
        if self.since is not None and self.until is not None and _aware(self.until) < _aware(self.since):
            raise ValueError("截止时间早于起始时间，请调换两个时间")
        return self


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def record_finding(session: Session, kind: str, *, actor_name: str, department_id: int | None,
                   detail: dict[str, Any], dataset_id: int | None = None, key: str | None = None) -> Finding | None:
    """Add a finding in the caller's transaction; with ``key``, None when one of this kind and key exists."""
    if key is not None:
        known = session.scalar(select(Finding.id).where(Finding.kind == kind,
                                                        Finding.detail["key"].as_string() == key).limit(1))
        if known is not None:
            return None
        detail = {**detail, "key": key}
    finding = Finding(kind=kind, dataset_id=dataset_id, department_id=department_id, actor_name=actor_name[:200],
                      detail=detail)
    session.add(finding)
    session.flush()
    return finding


def finding_out(finding: Finding, department_name: str | None = None, resource_code: str | None = None) -> dict[str, Any]:
    return {"id": finding.id, "kind": finding.kind, "kind_label": FINDING_KINDS.get(finding.kind, finding.kind),
            "created_at": finding.created_at, "department_id": finding.department_id,
            "department_name": department_name, "dataset_id": finding.dataset_id, "resource_code": resource_code,
            "actor_name": finding.actor_name, "detail": finding.detail or {}}


def list_findings(session: Session, actor: Actor, filt: FindingFilter) -> tuple[list[dict[str, Any]], int]:
    """Findings visible to ``actor`` matching ``filt``, newest first, with the department's name and the
    dataset's resource code; and how many match in all."""
    authorize(actor, policy.list_findings)
    query = select(Finding).where(policy.findings_visible_to(actor))
    if filt.kind:
        query = query.where(Finding.kind == filt.kind)
    if filt.department_id is not None:
        query = query.where(Finding.department_id == filt.department_id)
    if filt.since is not None:
        query = query.where(Finding.created_at >= _aware(filt.since))
    if filt.until is not None:
        query = query.where(Finding.created_at < _aware(filt.until))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (select(Finding, Department.name, Resource.code)
            .join(Department, Department.id == Finding.department_id, isouter=True)
            .join(Dataset, Dataset.id == Finding.dataset_id, isouter=True)
            .join(Resource, Resource.id == Dataset.resource_id, isouter=True)
            .where(Finding.id.in_(query.with_only_columns(Finding.id)))
            .order_by(Finding.created_at.desc(), Finding.id.desc()).offset(filt.offset).limit(filt.limit))
    return [finding_out(f, name, code) for f, name, code in session.execute(rows)], total


def _aware(value: dt.datetime) -> dt.datetime:
    """Times given without an offset are Beijing time, as users enter them."""
    return value.replace(tzinfo=dt.timezone(dt.timedelta(hours=8))) if value.tzinfo is None else value
