"""Filed aggregation schedules (备案, AGG-3), timeliness of each dataset, and the late-aggregation job (SUP-5).

Filing: the providing department's data manager files a schedule (``models.schedules`` documents the
frequency/deadline model); the big data center approves or rejects it with a reason within 5 working days
(workflow ``aggregation_schedule_filing``). Only an approved schedule is in force; approving a new one
supersedes the one in force (kept, marked ``superseded``). One filing at a time may wait for a decision.

Timeliness (``timeliness_of``) compares ``Dataset.last_batch_at`` — the last committed batch of any way in
(push, file, pull) — with what the dataset owes:

==================  ==============================================================================
basis               expected_by
==================  ==============================================================================
``filed_schedule``  the deadline of the first period not yet covered: a batch counts for every period
                    that had ended when it arrived, so that is the period containing the later of the
                    last batch and the schedule's ``effective_from``; its deadline is the period's end
                    plus ``due_within`` hours / working days
``real_time``       update cycle 实时 (the default when nothing is filed, AGG-2): the last batch (or,
                    before any, the dataset's creation at publication) + 24 hours
``update_cycle``    the last batch (or the creation) + the cycle + a grace: 每日 1 d + 12 h, 每周 7 d + 1 d,
                    每月 31 d + 3 d, 每季度 92 d + 7 d, 每半年 184 d + 10 d, 每年 366 d + 15 d
``irregular``       不定期: nothing is owed, status ``not_applicable``
==================  ==============================================================================

Status: ``late`` when ``now`` is past ``expected_by`` (``late_by_hours`` says by how much); otherwise
``on_time``, or ``no_data`` when no batch has ever arrived; ``not_applicable`` for 不定期 and for entries
no longer published. ``check_timeliness`` (a periodic job, hourly) records one ``late_aggregation``
finding per dataset and missed deadline (the same ``expected_by``): a dataset still late at the next run
adds nothing; once it caught up, a later deadline missed again is a new finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.aggregation import policy
from govdata.aggregation.models import Dataset, Finding
from govdata.aggregation.models.schedules import (
    EVERY_HOURS,
    AggregationSchedule,
    deadline_after,
    period_end_after,
)
from govdata.aggregation.service.common import dataset_for, published_structured, resource_by_code
from govdata.catalog.models import Resource, ResourceVersion
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.core.errors import Conflict, NotFound, invalid
from govdata.core.jobs import job
from govdata.core.policy import authorize
from govdata.core.schemas import Strict
from govdata.core.workdays import WorkCalendar
from govdata.org import service as org_service
from govdata.workflow import service as workflow
from govdata.workflow.schemas import Decision

__all__ = ["CYCLE_ALLOWANCE", "REAL_TIME_TOLERANCE", "SCHEDULE_FILING", "ScheduleFiling", "check_timeliness",
           "dataset_timeliness", "decide_schedule", "department_timeliness", "file_schedule", "get_schedule",
           "list_schedules", "timeliness_of"]

SCHEDULE_FILING = "aggregation_schedule_filing"
REAL_TIME_TOLERANCE = dt.timedelta(hours=24)
_DAY = dt.timedelta(days=1)
#: update cycle -> (cycle, grace)
CYCLE_ALLOWANCE: dict[str, tuple[dt.timedelta, dt.timedelta]] = {
    "每日": (_DAY, dt.timedelta(hours=12)),
    "每周": (7 * _DAY, _DAY),
    "每月": (31 * _DAY, 3 * _DAY),
    "每季度": (92 * _DAY, 7 * _DAY),
    "每半年": (184 * _DAY, 10 * _DAY),
    "每年": (366 * _DAY, 15 * _DAY),
}
MAX_DUE_HOURS = 720
MAX_DUE_WORKDAYS = 30


class ScheduleFiling(Strict):
    frequency: Literal["hourly", "daily", "weekly", "monthly", "quarterly", "half_yearly", "yearly"]
    every_hours: int | None = Field(default=None, description="hourly only: 1, 2, 3, 4, 6, 8 or 12")
    due_within: int = Field(ge=1, le=MAX_DUE_HOURS, description="due this many due_unit after the period ends")
    due_unit: Literal["hours", "workdays"] = "hours"
    reason: str = Field(min_length=1, max_length=2000, description="why real-time aggregation is impossible")


def _check_filing(payload: ScheduleFiling) -> None:
    if payload.frequency == "hourly":
        if payload.every_hours not in EVERY_HOURS:
            raise invalid("every_hours", "按小时汇聚须填写间隔小时数：1、2、3、4、6、8或12",
                          message_en="hourly schedules need every_hours in 1, 2, 3, 4, 6, 8, 12")
        if payload.due_unit == "workdays":
            raise invalid("due_unit", "按小时汇聚的时限须以小时计", message_en="hourly schedules are due in hours")
    elif payload.every_hours is not None:
        raise invalid("every_hours", "仅按小时汇聚时填写间隔小时数", message_en="only for hourly schedules")
    if payload.due_unit == "workdays" and payload.due_within > MAX_DUE_WORKDAYS:
        raise invalid("due_within", f"以工作日计的时限最多{MAX_DUE_WORKDAYS}个工作日",
                      message_en=f"at most {MAX_DUE_WORKDAYS} working days")


def _dataset(session: Session, resource: Resource) -> Dataset:
    dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))
    if dataset is None:
        raise NotFound("数据集", resource.code, "Dataset")
    return dataset


def _in_force(session: Session, dataset_ids: list[int]) -> dict[int, AggregationSchedule]:
    rows = session.scalars(select(AggregationSchedule).where(AggregationSchedule.dataset_id.in_(dataset_ids),
                                                             AggregationSchedule.status == "approved"))
    return {s.dataset_id: s for s in rows}


def file_schedule(session: Session, actor: Actor, code: str, payload: ScheduleFiling) -> AggregationSchedule:
    """File a schedule for the published structured entry ``code``; starts its review by the big data
    center. 409 ``schedule_pending`` while an earlier filing still waits for a decision."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.file_schedule, resource)
    version = published_structured(session, resource)
    _check_filing(payload)
    dataset = session.get(Dataset, dataset_for(session, resource, version).id, with_for_update=True)
    assert dataset is not None
    pending = session.scalar(select(AggregationSchedule.id).where(AggregationSchedule.dataset_id == dataset.id,
                                                                  AggregationSchedule.status == "pending"))
    if pending is not None:
        raise Conflict("该数据集已有待审核的汇聚时限备案，请等待审核结果或先撤回",
                       "A filed schedule of this dataset is still waiting for a decision", code="schedule_pending")
    schedule = AggregationSchedule(dataset_id=dataset.id, resource_id=resource.id, department_id=resource.department_id,
                                   frequency=payload.frequency, every_hours=payload.every_hours,
                                   due_within=payload.due_within, due_unit=payload.due_unit, reason=payload.reason,
                                   status="pending", filed_by=actor.name)
    session.add(schedule)
    session.flush()
    item = workflow.start(session, actor, SCHEDULE_FILING, "aggregation_schedule", schedule.id,
                          f"汇聚时限备案：{version.name}"[:200], resource.department_id)
    schedule.work_item_id = item.id
    session.flush()
    audit.record(session, actor, "aggregation.file_schedule", object_type="dataset", object_id=code,
                 department_id=resource.department_id, purpose=payload.reason,
                 detail={"schedule_id": schedule.id, "work_item": item.id, "frequency": payload.frequency,
                         "every_hours": payload.every_hours, "due_within": payload.due_within,
                         "due_unit": payload.due_unit})
    return schedule


def decide_schedule(session: Session, actor: Actor, code: str, schedule_id: int,
                    decision: Decision) -> AggregationSchedule:
    """Approve (``approve``), reject (``reject``, reason required) or withdraw (``withdraw``, the filing
    department) a pending filing. Approval puts it in force and supersedes the schedule in force."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.decide_schedule, resource)
    schedule = session.get(AggregationSchedule, schedule_id, with_for_update=True)
    if schedule is None or schedule.resource_id != resource.id:
        raise NotFound("汇聚时限备案", schedule_id, "Filed schedule")
    if schedule.status != "pending" or schedule.work_item_id is None:
        raise Conflict("该备案已办结", "This filing has already been decided")
    item = workflow.advance(session, actor, schedule.work_item_id, decision.transition, decision.reason)
    now = utcnow()
    superseded: list[int] = []
    if item.state == "approved":
        for previous in _in_force(session, [schedule.dataset_id]).values():
            previous.status, previous.superseded_at, previous.superseded_by_id = "superseded", now, schedule.id
            superseded.append(previous.id)
        schedule.status, schedule.effective_from = "approved", now
    elif item.state in ("rejected", "withdrawn"):
        schedule.status = item.state
    if item.closed_at is not None:
        schedule.decided_by, schedule.decided_at, schedule.decision_reason = actor.name, now, decision.reason
    session.flush()
    audit.record(session, actor, f"aggregation.decide_schedule.{decision.transition}", object_type="dataset",
                 object_id=code, department_id=resource.department_id, purpose=decision.reason,
                 approver=actor.name if item.state == "approved" else None,
                 detail={"schedule_id": schedule.id, "before": {"status": "pending"},
                         "after": {"status": schedule.status}, "superseded": superseded})
    return schedule


def list_schedules(session: Session, actor: Actor, code: str) -> list[AggregationSchedule]:
    """Every filing of the dataset, newest first (the one in force has status ``approved``)."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.list_schedules, resource)
    return list(session.scalars(select(AggregationSchedule).where(AggregationSchedule.resource_id == resource.id)
                                .order_by(AggregationSchedule.id.desc())))


def get_schedule(session: Session, actor: Actor, schedule_id: int) -> AggregationSchedule:
    """One filing by id (work items name their subject by id)."""
    schedule = session.get(AggregationSchedule, schedule_id)
    if schedule is None:
        raise NotFound("汇聚时限备案", schedule_id, "Filed schedule")
    authorize(actor, policy.get_schedule, schedule)
    return schedule


# --- timeliness ----------------------------------------------------------------------------------------


def _evaluate(dataset: Dataset, resource: Resource, version: ResourceVersion | None,
              schedule: AggregationSchedule | None, now: dt.datetime,
              calendar: Callable[[], WorkCalendar]) -> dict[str, Any]:
    cycle = (version.update_cycle if version is not None else None) or "实时"
    if schedule is not None:
        basis = "filed_schedule"
    elif cycle == "不定期":
        basis = "irregular"
    elif cycle in CYCLE_ALLOWANCE:
        basis = "update_cycle"
    else:
        basis = "real_time"
    last = dataset.last_batch_at
    result: dict[str, Any] = {"basis": basis, "status": "not_applicable", "last_batch_at": last,
                              "expected_by": None, "late_by_hours": None,
                              "schedule_id": schedule.id if schedule is not None else None}
    if basis == "irregular" or version is None or resource.status == "withdrawn":
        return result
    if schedule is not None:
        start = schedule.effective_from or schedule.decided_at or dataset.created_at
        anchor = max(last, start) if last is not None else start
        end = period_end_after(schedule.frequency, schedule.every_hours, anchor)
        expected = deadline_after(end, schedule.due_within, schedule.due_unit, calendar())
    else:
        allowance = sum(CYCLE_ALLOWANCE[cycle], dt.timedelta()) if basis == "update_cycle" else REAL_TIME_TOLERANCE
        expected = (last or dataset.created_at) + allowance
    expected = expected.astimezone(dt.UTC)
    result["expected_by"] = expected
    if now > expected:
        result["status"] = "late"
        result["late_by_hours"] = round((now - expected).total_seconds() / 3600, 2)
    else:
        result["status"] = "on_time" if last is not None else "no_data"
    return result


def _calendar(session: Session) -> Callable[[], WorkCalendar]:
    cache: list[WorkCalendar] = []

    def get() -> WorkCalendar:
        if not cache:
            cache.append(workflow.calendar(session))
        return cache[0]

    return get


def timeliness_of(session: Session, dataset: Dataset, now: dt.datetime | None = None) -> dict[str, Any]:
    """How timely ``dataset`` is at ``now`` (default: the current time); see the module docstring. No actor:
    for pages that already checked their own rule and for the quality score. Returns ``basis``,
    ``status``, ``last_batch_at``, ``expected_by`` (UTC), ``late_by_hours`` and ``schedule_id``."""
    resource = session.get(Resource, dataset.resource_id)
    assert resource is not None
    version = session.get(ResourceVersion, resource.published_version_id) if resource.published_version_id else None
    schedule = _in_force(session, [dataset.id]).get(dataset.id)
    return _evaluate(dataset, resource, version, schedule, now or utcnow(), _calendar(session))


def dataset_timeliness(session: Session, actor: Actor, code: str) -> dict[str, Any]:
    """The timeliness of the dataset of entry ``code`` (``timeliness_of``) for its pages and the API."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.dataset_timeliness, resource)
    return timeliness_of(session, _dataset(session, resource))


def _datasets(session: Session, *conditions: Any) -> list[tuple[Dataset, Resource, ResourceVersion | None]]:
    rows = session.execute(select(Dataset, Resource).join(Resource, Resource.id == Dataset.resource_id)
                           .where(*conditions).order_by(Resource.code)).all()
    version_ids = [r.published_version_id for _, r in rows if r.published_version_id]
    versions = {v.id: v for v in session.scalars(select(ResourceVersion).where(ResourceVersion.id.in_(version_ids)))}
    return [(d, r, versions.get(r.published_version_id or 0)) for d, r in rows]


def department_timeliness(session: Session, actor: Actor, department_id: int) -> list[dict[str, Any]]:
    """Each dataset of the department: ``code``, ``name`` (of the published version) and ``timeliness``."""
    department = org_service.get_department(session, actor, department_id)
    authorize(actor, policy.department_timeliness, department)
    rows = _datasets(session, Resource.department_id == department_id)
    schedules = _in_force(session, [d.id for d, _, _ in rows])
    calendar, now = _calendar(session), utcnow()
    return [{"code": r.code, "name": v.name if v is not None else "",
             "timeliness": _evaluate(d, r, v, schedules.get(d.id), now, calendar)} for d, r, v in rows]


@job("check_timeliness", every_minutes=60,
     description="Compare each dataset's last aggregation with its filed schedule or update cycle; record "
                 "late aggregation (SUP-5) once per missed deadline")
def check_timeliness(session: Session, actor: Actor, now: dt.datetime | None = None) -> dict[str, Any]:
    """Record a ``late_aggregation`` finding for each late dataset, once per missed deadline (audited).
    Returns ``checked``, ``late`` and ``recorded`` (new findings)."""
    authorize(actor, policy.check_timeliness)
    now = now or utcnow()
    rows = _datasets(session, Resource.published_version_id.is_not(None), Resource.status != "withdrawn")
    schedules = _in_force(session, [d.id for d, _, _ in rows])
    calendar = _calendar(session)
    late = [(d, r, t) for d, r, v in rows
            if (t := _evaluate(d, r, v, schedules.get(d.id), now, calendar))["status"] == "late"]
    known: set[tuple[int | None, Any, Any, Any]] = set()
    if late:
        for finding in session.scalars(select(Finding).where(Finding.kind == "late_aggregation",
                                                             Finding.dataset_id.in_([d.id for d, _, _ in late]))):
            detail = finding.detail or {}
            known.add((finding.dataset_id, detail.get("expected_by"), detail.get("basis"), detail.get("schedule_id")))
    recorded = 0
    for dataset, resource, t in late:
        expected = t["expected_by"].isoformat()
        if (dataset.id, expected, t["basis"], t["schedule_id"]) in known:
            continue
        last = t["last_batch_at"]
        detail = {"resource_code": resource.code, "basis": t["basis"], "expected_by": expected,
                  "late_by_hours": t["late_by_hours"], "schedule_id": t["schedule_id"],
                  "last_batch_at": last.isoformat() if last is not None else None}
        finding = Finding(kind="late_aggregation", dataset_id=dataset.id, department_id=resource.department_id,
                          actor_name=actor.name, detail=detail)
        session.add(finding)
        session.flush()
        audit.record(session, actor, "aggregation.check_timeliness", object_type="dataset", object_id=resource.code,
                     department_id=resource.department_id, detail={"finding_id": finding.id, **detail})
        recorded += 1
    return {"checked": len(rows), "late": len(late), "recorded": recorded}
