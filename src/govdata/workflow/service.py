"""The workflow mechanism's services: start an item, advance it, read its history, the inbox, the calendar.

Other contexts call ``start`` and ``advance`` from their own services (inside their transaction) and then
react to the item's new state; they never write work items themselves.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.core.errors import Conflict, FieldError, Invalid, NotFound
from govdata.core.policy import authorize
from govdata.core.workdays import WorkCalendar
from govdata.workflow import policy
from govdata.workflow.models import CalendarDay, WorkItem, WorkStep
from govdata.workflow.process import REGISTRY, ItemView, Process, Transition
from govdata.workflow.schemas import CalendarDaySet

LOCAL = ZoneInfo("Asia/Shanghai")
FIELD_LABELS = {"reason": "原因"}


def calendar(session: Session) -> WorkCalendar:
    days = session.scalars(select(CalendarDay)).all()
    return WorkCalendar(extra_holidays=[d.day for d in days if d.kind == "holiday"],
                        extra_workdays=[d.day for d in days if d.kind == "workday"])


def _process(name: str) -> Process:
    process = REGISTRY.get(name)
    if process is None:
        raise NotFound("流程", name, "Process")
    return process


def _enter(session: Session, item: WorkItem, process: Process, state_name: str, now: dt.datetime) -> None:
    state = process.states[state_name]
    item.state = state.name
    item.entered_at = now
    item.holder_role = state.holder_role
    item.holder_department_id = {"owner": item.owner_department_id,
                                 "counterpart": item.counterpart_department_id}.get(state.holder_scope or "")
    item.deadline_at = None
    item.deadline_fallback = False
    if state.final:
        item.closed_at = now
        item.holder_role = None
    elif days := (item.deadline_days or {}).get(state.name, state.deadline_workdays):
        result = calendar(session).add_workdays(now.astimezone(LOCAL), days)
        item.deadline_at = result.deadline.astimezone(dt.UTC)
        item.deadline_fallback = result.fallback


def view(item: WorkItem) -> ItemView:
    return ItemView(item.owner_department_id, item.holder_role, item.holder_department_id)


def start(session: Session, actor: Actor, process_name: str, subject_type: str, subject_id: int, title: str,
          owner_department_id: int, counterpart_department_id: int | None = None,
          deadline_days: dict[str, int] | None = None) -> WorkItem:
    """Open an item in the process's initial state. ``counterpart_department_id`` holds the states scoped
    "counterpart"; ``deadline_days`` overrides the process's deadline (working days) of the states named."""
    authorize(actor, policy.start)
    process = _process(process_name)
    now = utcnow()
    item = WorkItem(process=process.name, subject_type=subject_type, subject_id=subject_id, title=title,
                    owner_department_id=owner_department_id, created_by=actor.name, state=process.initial,
                    counterpart_department_id=counterpart_department_id, deadline_days=deadline_days)
    _enter(session, item, process, process.initial, now)
    session.add(item)
    session.flush()
    session.add(WorkStep(item_id=item.id, transition="start", from_state=None, to_state=item.state,
                         actor_name=actor.name, user_id=actor.user_id, department_id=actor.department_id, at=now,
                         deadline_at=item.deadline_at))
    audit.record(session, actor, f"workflow.{process.name}.start", object_type="work_item", object_id=item.id,
                 department_id=owner_department_id,
                 detail={"subject": f"{subject_type}:{subject_id}", "state": item.state,
                         "deadline_at": item.deadline_at})
    return item


def advance(session: Session, actor: Actor, item_id: int, transition_name: str, reason: str | None = None,
            data: dict[str, object] | None = None) -> WorkItem:
    """Take one transition. 409 when it is not open from the current state, 403 when the actor may not take
    it, 422 when a required field (always the reason of a rejection) is missing."""
    item = session.get(WorkItem, item_id, with_for_update=True)
    if item is None:
        raise NotFound("待办事项", item_id, "Work item")
    process = _process(item.process)
    transition = process.transition(transition_name)
    if transition is None or item.state not in transition.sources:
        label = process.states[item.state].label
        raise Conflict(f"当前状态“{label}”下不能执行“{transition.label if transition else transition_name}”",
                       f"Transition {transition_name!r} is not allowed in state {item.state!r}")
    authorize(actor, policy.advance, (transition, view(item)))
    _require(transition, reason)
    now = utcnow()
    was_overdue = item.overdue
    before = item.state
    _enter(session, item, process, transition.target, now)
    session.add(WorkStep(item_id=item.id, transition=transition.name, from_state=before, to_state=item.state,
                         actor_name=actor.name, user_id=actor.user_id, department_id=actor.department_id, at=now,
                         reason=reason, data=data, deadline_at=item.deadline_at, was_overdue=was_overdue))
    session.flush()
    audit.record(session, actor, f"workflow.{process.name}.{transition.name}", object_type="work_item",
                 object_id=item.id, department_id=item.owner_department_id, purpose=reason,
                 detail={"subject": f"{item.subject_type}:{item.subject_id}", "before": {"state": before},
                         "after": {"state": item.state, "deadline_at": item.deadline_at},
                         "was_overdue": was_overdue})
    return item


def _require(transition: Transition, reason: str | None) -> None:
    values = {"reason": (reason or "").strip()}
    missing = [f for f in transition.requires if not values.get(f)]
    if missing:
        raise Invalid([FieldError(f, "missing", f"“{transition.label}”须填写{FIELD_LABELS.get(f, f)}")
                       for f in missing])


def open_transitions(actor: Actor, item: WorkItem) -> list[Transition]:
    """The transitions this actor could take now (for buttons); the same rule ``advance`` applies."""
    return [t for t in _process(item.process).open_from(item.state)
            if actor.kind == "platform" or policy.advance(actor, (t, view(item)))]


def state_label(item: WorkItem) -> str:
    return _process(item.process).states[item.state].label


def get_item(session: Session, actor: Actor, item_id: int) -> tuple[WorkItem, list[WorkStep]]:
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NotFound("待办事项", item_id, "Work item")
    authorize(actor, policy.get_item, item)
    steps = session.scalars(select(WorkStep).where(WorkStep.item_id == item.id).order_by(WorkStep.id)).all()
    return item, list(steps)


def item_for(session: Session, subject_type: str, subject_id: int) -> WorkItem | None:
    """The latest item about a subject (for the subject's own service, which has already authorized)."""
    return session.scalar(select(WorkItem).where(WorkItem.subject_type == subject_type,
                                                 WorkItem.subject_id == subject_id).order_by(WorkItem.id.desc()))


def inbox(session: Session, actor: Actor, limit: int = 50) -> list[WorkItem]:
    """Open items waiting for this person: a role they hold, in their department or any; nearest deadline
    first, items without a deadline last."""
    authorize(actor, policy.inbox)
    if not actor.roles:
        return []
    query = select(WorkItem).where(
        WorkItem.closed_at.is_(None), WorkItem.holder_role.in_(sorted(actor.roles)),
        or_(WorkItem.holder_department_id.is_(None), WorkItem.holder_department_id == actor.department_id))
    query = query.order_by(WorkItem.deadline_at.is_(None), WorkItem.deadline_at, WorkItem.id).limit(limit)
    return list(session.scalars(query))


def list_calendar_days(session: Session, actor: Actor) -> list[CalendarDay]:
    authorize(actor, policy.list_calendar_days)
    return list(session.scalars(select(CalendarDay).order_by(CalendarDay.day)))


def set_calendar_day(session: Session, actor: Actor, payload: CalendarDaySet) -> CalendarDay:
    """Declare a day a holiday or an adjusted working day (replacing an earlier declaration of that day)."""
    authorize(actor, policy.set_calendar_day)
    day = session.scalar(select(CalendarDay).where(CalendarDay.day == payload.day))
    before = {"kind": day.kind, "note": day.note} if day else None
    if day is None:
        day = CalendarDay(day=payload.day, kind=payload.kind, note=payload.note, set_by=actor.name)
        session.add(day)
    else:
        day.kind, day.note, day.set_by = payload.kind, payload.note, actor.name
    session.flush()
    audit.record(session, actor, "workflow.set_calendar_day", object_type="calendar_day", object_id=str(payload.day),
                 detail={"before": before, "after": {"kind": day.kind, "note": day.note}})
    return day
