"""Shapes of the workflow context."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from govdata.core.schemas import ReadModel, Strict


class Decision(Strict):
    transition: str = Field(min_length=1, max_length=30)
    reason: str | None = Field(default=None, max_length=2000)


class StepRead(ReadModel):
    transition: str
    from_state: str | None
    to_state: str
    actor_name: str
    at: dt.datetime
    reason: str | None
    data: dict[str, Any] | None
    deadline_at: dt.datetime | None
    was_overdue: bool


class ItemRead(ReadModel):
    id: int
    process: str
    subject_type: str
    subject_id: int
    title: str
    state: str
    state_label: str | None = None
    owner_department_id: int
    holder_role: str | None
    holder_department_id: int | None
    entered_at: dt.datetime
    deadline_at: dt.datetime | None
    deadline_fallback: bool
    overdue: bool
    closed_at: dt.datetime | None
    steps: list[StepRead] = []


class CalendarDaySet(Strict):
    day: dt.date
    kind: Literal["holiday", "workday"]
    note: str | None = Field(default=None, max_length=200)


class CalendarDayRead(ReadModel):
    day: dt.date
    kind: str
    note: str | None
    set_by: str
