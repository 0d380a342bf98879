"""Persistence of the workflow mechanism: work items, their steps, and the working-day calendar overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govdata.core.db import Entity, utcnow


class WorkItem(Entity):
    """One case going through a process (e.g. one system registration). The holder fields say who must act
    next (a role, in a department or in any department), so an inbox is one indexed query."""

    __tablename__ = "work_items"
    process: Mapped[str] = mapped_column(String(50))
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(30))
    owner_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    holder_role: Mapped[str | None] = mapped_column(String(30))
    holder_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[dt.datetime | None] = mapped_column()
    deadline_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(100))
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    # The other department of a two-party case (a share request's provider): states with holder_scope
    # "counterpart" are held there.
    counterpart_department_id: Mapped[int | None] = mapped_column(Integer)  # a department id
    # Per-item deadlines in working days by state, overriding the process's (e.g. 5 days instead of 10 when
    # the requested data is already on the platform).
    deadline_days: Mapped[dict[str, int] | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_work_items_subject", "subject_type", "subject_id"),
        Index("ix_work_items_holder", "holder_role", "holder_department_id", "closed_at"),
    )

    @property
    def overdue(self) -> bool:
        return self.closed_at is None and self.deadline_at is not None and self.deadline_at < utcnow()


class WorkStep(Entity):
    """One transition taken: who, when, from which state to which, with the reason and any data."""

    __tablename__ = "work_steps"
    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"), index=True)
    transition: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor_name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    deadline_at: Mapped[dt.datetime | None] = mapped_column()
    was_overdue: Mapped[bool] = mapped_column(Boolean, default=False)


class CalendarDay(Entity):
    """An admin-configured day: a holiday or an adjusted working day, for years the calendar package does
    not cover yet (or to correct it)."""

    __tablename__ = "calendar_days"
    day: Mapped[dt.date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # holiday | workday
    note: Mapped[str | None] = mapped_column(String(200))
    set_by: Mapped[str] = mapped_column(String(100))
