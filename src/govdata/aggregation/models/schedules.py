"""Filed aggregation schedules (备案, AGG-3) and the period arithmetic they imply.

Where a department cannot aggregate a dataset in real time, its data manager files a schedule and the big
data center approves it. The model is deliberately small:

- ``frequency``: the data comes in periods aligned to the local calendar (Asia/Shanghai):
  ``hourly`` (blocks of ``every_hours`` hours counted from local midnight; ``every_hours`` divides 24:
  1, 2, 3, 4, 6, 8 or 12), ``daily``, ``weekly`` (Monday to Sunday), ``monthly``, ``quarterly``,
  ``half_yearly`` (January–June, July–December), ``yearly``;
- deadline: the data of a period is due ``due_within`` ``due_unit`` after the period ends, where
  ``due_unit`` is ``hours`` (e.g. daily within 8 hours = "by 08:00 the next morning") or ``workdays``
  (end of the n-th working day after the period's last day, with the platform's working-day calendar;
  not for hourly periods);
- ``reason``: why real time is impossible.

A filing is ``pending`` until the big data center decides (workflow ``aggregation_schedule_filing``);
``approved`` is in force from ``effective_from``; a later approved schedule sets the earlier one to
``superseded`` (``superseded_by_id``); ``rejected`` and ``withdrawn`` stay as history. Nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govdata.catalog.models import Resource
from govdata.core.db import Entity
from govdata.core.workdays import WorkCalendar

__all__ = ["AggregationSchedule", "DUE_UNITS", "FREQUENCIES", "SCHEDULE_STATUSES"]

LOCAL = ZoneInfo("Asia/Shanghai")

FREQUENCIES: dict[str, str] = {
    "hourly": "每N小时", "daily": "每日", "weekly": "每周", "monthly": "每月", "quarterly": "每季度",
    "half_yearly": "每半年", "yearly": "每年",
}
EVERY_HOURS = (1, 2, 3, 4, 6, 8, 12)
DUE_UNITS: dict[str, str] = {"hours": "小时", "workdays": "个工作日"}
SCHEDULE_STATUSES: dict[str, str] = {
    "pending": "待大数据中心审核", "approved": "生效中", "superseded": "已被新备案替代", "rejected": "未通过",
    "withdrawn": "已撤回",
}
_MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}


class AggregationSchedule(Entity):
    __tablename__ = "aggregation_schedules"
    dataset_id: Mapped[int] = mapped_column(ForeignKey("aggregation_datasets.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    frequency: Mapped[str] = mapped_column(String(16))
    every_hours: Mapped[int | None] = mapped_column(Integer)
    due_within: Mapped[int] = mapped_column(Integer)
    due_unit: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    filed_by: Mapped[str] = mapped_column(String(200))
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id"))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    decision_reason: Mapped[str | None] = mapped_column(Text)
    effective_from: Mapped[dt.datetime | None] = mapped_column()
    superseded_at: Mapped[dt.datetime | None] = mapped_column()
    superseded_by_id: Mapped[int | None] = mapped_column(Integer)

    resource: Mapped[Resource] = relationship()

    @property
    def label(self) -> str:
        """E.g. "每日，周期结束后8小时内" or "每4小时，周期结束后1小时内"."""
        freq = f"每{self.every_hours}小时" if self.frequency == "hourly" else FREQUENCIES.get(self.frequency, "")
        return f"{freq}，周期结束后{self.due_within}{DUE_UNITS.get(self.due_unit, '')}内汇聚"


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL)


def _add_months(day: dt.date, months: int) -> dt.date:
    years, index = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + years, index + 1, 1)


def period_end_after(frequency: str, every_hours: int | None, at: dt.datetime) -> dt.datetime:
    """The end of the period that contains ``at``: the first period boundary strictly after it (local time,
    returned aware). A moment exactly on a boundary belongs to the period that starts there."""
    local = at.astimezone(LOCAL)
    today = local.date()
    if frequency == "hourly":
        step = every_hours or 1
        return _local_midnight(today) + dt.timedelta(hours=(local.hour // step + 1) * step)
    if frequency == "daily":
        return _local_midnight(today + dt.timedelta(days=1))
    if frequency == "weekly":
        return _local_midnight(today + dt.timedelta(days=7 - today.weekday()))
    span = _MONTHS[frequency]
    start = dt.date(today.year, (today.month - 1) // span * span + 1, 1)
    return _local_midnight(_add_months(start, span))


def deadline_after(end: dt.datetime, due_within: int, due_unit: str, calendar: WorkCalendar) -> dt.datetime:
    """When the data of the period ending at ``end`` is due (``workdays``: the end of the n-th working day
    after the period's last day, by ``calendar`` — the platform's, with the admins' declared days)."""
    if due_unit == "hours":
        return end + dt.timedelta(hours=due_within)
    last_moment = end.astimezone(LOCAL) - dt.timedelta(microseconds=1)
    return calendar.add_workdays(last_moment, due_within).deadline.astimezone(dt.UTC)
