"""Working-day arithmetic for statutory deadlines of approval workflows.

Chinese administrative deadlines are counted in working days (工作日): statutory
holidays are skipped and adjusted working days (调休, usually a Saturday or Sunday)
count.  The official schedule comes from the ``chinese_calendar`` package, which only
knows the years for which the State Council has published a schedule; it raises
``NotImplementedError`` for anything else.  Administrators can configure extra
holidays / working days for years the package does not cover yet; those override the
package for the configured dates.  For years nobody covers we fall back to plain
Monday–Friday and flag the result so the UI can say "按周末推算，未含法定节假日".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar
from chinese_calendar import constants as _cc_constants

__all__ = [
    "END_OF_DAY",
    "WorkCalendar",
    "WorkdayResult",
    "package_year_range",
]

#: Time of day at which a deadline expires.
END_OF_DAY = time(23, 59, 59)

_ONE_DAY = timedelta(days=1)


def package_year_range() -> tuple[int, int]:
    """Inclusive ``(first, last)`` year covered by the installed ``chinese_calendar``.

    Mirrors the package's own validation (``min/max`` of its holidays table), so any
    date whose year lies in this range can be passed to ``chinese_calendar.is_workday``
    without ``NotImplementedError``.
    """
    years = [d.year for d in _cc_constants.holidays]
    return min(years), max(years)


_PACKAGE_FIRST_YEAR, _PACKAGE_LAST_YEAR = package_year_range()


def _as_date(value: date | datetime) -> date:
    # datetime is a subclass of date, so test it first.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected date or datetime, got {type(value).__name__}")


def _end_of_day(value: date | datetime) -> datetime:
    """End of the calendar day of ``value``; keeps the tzinfo of a datetime."""
    tz = value.tzinfo if isinstance(value, datetime) else None
    return datetime.combine(_as_date(value), END_OF_DAY, tzinfo=tz)


@dataclass(frozen=True, slots=True)
class WorkdayResult:
    """Outcome of :meth:`WorkCalendar.add_workdays`.

    ``deadline`` is the last moment (23:59:59) of the final working day.
    ``fallback`` is True if any day walked lay in a year without a known holiday
    schedule, i.e. the deadline was computed with plain weekends only.
    """

    deadline: datetime
    fallback: bool


class WorkCalendar:
    """China working-day calendar with optional admin overrides.

    ``extra_holidays`` / ``extra_workdays`` take precedence over the package for those
    exact dates.  A year counts as covered by the admin configuration as soon as any
    extra date is configured in it.
    """

    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> None:
        self._extra_holidays = frozenset(_as_date(d) for d in extra_holidays)
        self._extra_workdays = frozenset(_as_date(d) for d in extra_workdays)
        clash = self._extra_holidays & self._extra_workdays
        if clash:
            listed = ", ".join(sorted(d.isoformat() for d in clash))
            raise ValueError(f"dates configured both as holiday and as workday: {listed}")
        self._admin_years = frozenset(d.year for d in self._extra_holidays | self._extra_workdays)

    # -- introspection -------------------------------------------------------------

    @property
    def extra_holidays(self) -> frozenset[date]:
        return self._extra_holidays

    @property
    def extra_workdays(self) -> frozenset[date]:
        return self._extra_workdays

    @staticmethod
    def package_covers(d: date | datetime) -> bool:
        """True if the ``chinese_calendar`` package has the schedule for ``d``'s year."""
        return _PACKAGE_FIRST_YEAR <= _as_date(d).year <= _PACKAGE_LAST_YEAR

    def known(self, d: date | datetime) -> bool:
        """True if the package or the admin configuration covers ``d``'s year."""
        day = _as_date(d)
        return self.package_covers(day) or day.year in self._admin_years

    # -- single days ---------------------------------------------------------------

    def is_workday(self, d: date | datetime) -> bool:
        day = _as_date(d)
        if day in self._extra_holidays:
            return False
        if day in self._extra_workdays:
            return True
        if self.package_covers(day):
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    # -- arithmetic ----------------------------------------------------------------

    def add_workdays(self, start: date | datetime, n: int) -> WorkdayResult:
        """Deadline at the end of the ``n``-th working day after ``start``'s day.

        The start day itself never counts (a request filed on a Friday with ``n=1``
        is due at the end of the next working day).  ``n=0`` means "end of the start
        day".  If ``start`` is a datetime the deadline keeps its tzinfo; a plain date
        gives a naive datetime.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = _as_date(start)
        if n == 0:
            return WorkdayResult(deadline=_end_of_day(start), fallback=not self.known(day))
        fallback = False
        remaining = n
        while remaining:
            day += _ONE_DAY
            if not self.known(day):
                fallback = True
            if self.is_workday(day):
                remaining -= 1
        tz = start.tzinfo if isinstance(start, datetime) else None
        return WorkdayResult(deadline=datetime.combine(day, END_OF_DAY, tzinfo=tz), fallback=fallback)

    def workdays_between(self, a: date | datetime, b: date | datetime) -> int:
        """Number of working days in the half-open interval ``(a, b]``; 0 if ``b <= a``."""
        day, end = _as_date(a), _as_date(b)
        count = 0
        while day < end:
            day += _ONE_DAY
            if self.is_workday(day):
                count += 1
        return count

    def overdue_workdays(self, deadline: date | datetime, now: date | datetime) -> int:
        """Working days elapsed since ``deadline`` passed; 0 if not overdue.

        A plain date means the end of that day (in the other argument's timezone when
        that one is an aware datetime).  For two aware datetimes ``now`` is converted to
        the deadline's timezone before comparing calendar days.  Mixing a naive and an
        aware datetime raises ``TypeError`` as usual.
        """
        if isinstance(deadline, datetime):
            deadline_dt = deadline
        else:
            tz = now.tzinfo if isinstance(now, datetime) else None
            deadline_dt = datetime.combine(_as_date(deadline), END_OF_DAY, tzinfo=tz)
        if isinstance(now, datetime):
            now_dt = now
        else:
            now_dt = datetime.combine(_as_date(now), END_OF_DAY, tzinfo=deadline_dt.tzinfo)
        if deadline_dt.tzinfo is not None and now_dt.tzinfo is not None:
            now_dt = now_dt.astimezone(deadline_dt.tzinfo)
        if now_dt <= deadline_dt:
            return 0
        return self.workdays_between(deadline_dt.date(), now_dt.date())
