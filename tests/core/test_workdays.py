from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govdata.core.workdays import WorkCalendar, WorkdayResult, package_year_range

CAL = WorkCalendar()
CST = timezone(timedelta(hours=8))


def eod(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 23, 59, 59)


# --- the official schedule as encoded by the package (guards against stale memory) ---


def test_package_agrees_with_official_2025_spring_festival():
    # 国办发明电〔2024〕12号: 1月28日至2月4日放假调休，共8天；1月26日（周日）、2月8日（周六）上班。
    for offset in range(8):
        d = date(2025, 1, 28) + timedelta(days=offset)
        assert chinese_calendar.is_holiday(d)
        assert chinese_calendar.get_holiday_detail(d) == (True, "Spring Festival")
    assert date(2025, 1, 26).weekday() == 6 and chinese_calendar.is_workday(date(2025, 1, 26))
    assert date(2025, 2, 8).weekday() == 5 and chinese_calendar.is_workday(date(2025, 2, 8))
    assert chinese_calendar.get_holiday_detail(date(2025, 2, 8)) == (False, "Spring Festival")
    assert chinese_calendar.is_holiday(date(2025, 1, 25))  # ordinary Saturday


def test_package_agrees_with_official_2025_national_day():
    # 10月1日至8日放假调休，共8天；9月28日（周日）、10月11日（周六）上班。
    for offset in range(8):
        assert chinese_calendar.is_holiday(date(2025, 10, 1) + timedelta(days=offset))
    assert date(2025, 9, 28).weekday() == 6 and chinese_calendar.is_workday(date(2025, 9, 28))
    assert date(2025, 10, 11).weekday() == 5 and chinese_calendar.is_workday(date(2025, 10, 11))
    assert chinese_calendar.is_holiday(date(2025, 9, 27))
    assert chinese_calendar.is_holiday(date(2025, 10, 12))


def test_package_year_range():
    first, last = package_year_range()
    assert first == 2004
    assert last >= 2025
    chinese_calendar.is_workday(date(last, 12, 31))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(last + 1, 1, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(first - 1, 12, 31))


# --- is_workday / known ---


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2025, 1, 24), True),  # Fri
        (date(2025, 1, 25), False),  # Sat
        (date(2025, 1, 26), True),  # Sun, adjusted workday
        (date(2025, 1, 27), True),
        (date(2025, 1, 28), False),
        (date(2025, 2, 4), False),
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Sat, adjusted workday
        (date(2025, 2, 9), False),
        (date(2025, 9, 28), True),  # Sun, adjusted workday
        (date(2025, 10, 1), False),
        (date(2025, 10, 8), False),  # Wed, holiday
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Sat, adjusted workday
        (date(2035, 1, 1), True),  # unknown year: Mon-Fri fallback, even on 元旦
        (date(2035, 1, 6), False),  # Sat
    ],
)
def test_is_workday(d, expected):
    assert CAL.is_workday(d) is expected
    assert CAL.is_workday(datetime.combine(d, datetime.min.time())) is expected


def test_known():
    first, last = package_year_range()
    assert CAL.known(date(2025, 6, 1))
    assert CAL.known(date(first, 1, 1))
    assert CAL.known(date(last, 12, 31))
    assert not CAL.known(date(last + 1, 1, 1))
    assert not CAL.known(date(2035, 1, 1))
    assert not CAL.known(date(first - 1, 12, 31))
    admin = WorkCalendar(extra_holidays=[date(2035, 1, 2)])
    assert admin.known(date(2035, 12, 31))
    assert not admin.known(date(2036, 1, 1))


# --- add_workdays across Spring Festival 2025 ---


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, date(2025, 1, 26)),  # Sat 25th off, Sun 26th adjusted workday
        (2, date(2025, 1, 27)),
        (3, date(2025, 2, 5)),  # 28 Jan - 4 Feb holiday
        (5, date(2025, 2, 7)),  # 26, 27, 5, 6, 7
        (6, date(2025, 2, 8)),  # adjusted Saturday counts
        (7, date(2025, 2, 10)),  # Sun 9th off
    ],
)
def test_add_workdays_spring_festival_2025(n, expected):
    result = CAL.add_workdays(date(2025, 1, 24), n)
    assert result == WorkdayResult(deadline=eod(expected), fallback=False)


def test_add_workdays_start_inside_holiday():
    # filed during the holiday: first working day is 5 Feb
    assert CAL.add_workdays(date(2025, 1, 30), 1).deadline == eod(date(2025, 2, 5))
    assert CAL.add_workdays(date(2025, 1, 30), 4).deadline == eod(date(2025, 2, 8))


# --- add_workdays across National Day 2025 ---


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, date(2025, 9, 28)),  # Sat 27th off, Sun 28th adjusted workday
        (3, date(2025, 9, 30)),
        (4, date(2025, 10, 9)),  # 1-8 Oct holiday
        (5, date(2025, 10, 10)),
        (6, date(2025, 10, 11)),  # adjusted Saturday
        (7, date(2025, 10, 13)),  # Sun 12th off
    ],
)
def test_add_workdays_national_day_2025(n, expected):
    result = CAL.add_workdays(date(2025, 9, 26), n)
    assert result.deadline == eod(expected)
    assert result.fallback is False


def test_add_workdays_keeps_timezone_and_sets_end_of_day():
    start = datetime(2025, 1, 24, 9, 30, tzinfo=CST)
    result = CAL.add_workdays(start, 5)
    assert result.deadline == datetime(2025, 2, 7, 23, 59, 59, tzinfo=CST)
    assert result.deadline.tzinfo is CST
    naive = CAL.add_workdays(datetime(2025, 1, 24, 18, 0), 5).deadline
    assert naive == eod(date(2025, 2, 7)) and naive.tzinfo is None


def test_add_workdays_zero_and_negative():
    assert CAL.add_workdays(date(2025, 1, 24), 0) == WorkdayResult(eod(date(2025, 1, 24)), False)
    assert CAL.add_workdays(date(2035, 1, 24), 0).fallback is True
    with pytest.raises(ValueError):
        CAL.add_workdays(date(2025, 1, 24), -1)


def test_result_is_frozen():
    result = CAL.add_workdays(date(2025, 1, 24), 1)
    with pytest.raises(AttributeError):
        result.deadline = eod(date(2030, 1, 1))  # type: ignore[misc]


# --- fallback outside the package range ---


def test_fallback_outside_package_range():
    # 2035-01-01 (Mon, 元旦) is unknown: plain Mon-Fri, so it counts.
    result = CAL.add_workdays(date(2034, 12, 29), 1)  # Fri
    assert result == WorkdayResult(deadline=eod(date(2035, 1, 1)), fallback=True)
    result = CAL.add_workdays(date(2035, 1, 4), 2)  # Thu -> Fri 5, (Sat, Sun), Mon 8
    assert result == WorkdayResult(deadline=eod(date(2035, 1, 8)), fallback=True)


def test_fallback_when_crossing_out_of_range():
    _, last = package_year_range()
    dec31 = date(last, 12, 31)
    inside = CAL.add_workdays(dec31 - timedelta(days=20), 1)
    assert inside.fallback is False
    crossing = CAL.add_workdays(dec31 - timedelta(days=1), 5)
    assert crossing.fallback is True
    assert crossing.deadline.year == last + 1


# --- admin overrides ---


def test_admin_extra_dates_override():
    assert date(2035, 1, 2).weekday() == 1  # Tue
    assert date(2035, 1, 6).weekday() == 5  # Sat
    cal = WorkCalendar(extra_holidays=[date(2035, 1, 2)], extra_workdays=[date(2035, 1, 6)])
    assert not cal.is_workday(date(2035, 1, 2))
    assert cal.is_workday(date(2035, 1, 6))
    assert cal.is_workday(date(2035, 1, 1))  # not configured: plain weekday rule
    assert not cal.is_workday(date(2035, 1, 7))  # Sun
    # Mon 1 Jan -> Wed 3 (1), Thu 4 (2), Fri 5 (3), Sat 6 (4), Mon 8 (5)
    assert cal.add_workdays(date(2035, 1, 1), 1) == WorkdayResult(eod(date(2035, 1, 3)), False)
    assert cal.add_workdays(date(2035, 1, 1), 4) == WorkdayResult(eod(date(2035, 1, 6)), False)
    assert cal.add_workdays(date(2035, 1, 1), 5) == WorkdayResult(eod(date(2035, 1, 8)), False)
    # 2035 is covered by the admin config, 2036 is not
    assert cal.add_workdays(date(2035, 12, 28), 3).fallback is True
    assert cal.workdays_between(date(2035, 1, 1), date(2035, 1, 8)) == 5
    # default calendar is unaffected
    assert CAL.is_workday(date(2035, 1, 2))
    assert not CAL.is_workday(date(2035, 1, 6))


def test_admin_overrides_package_dates():
    cal = WorkCalendar(extra_holidays=[date(2025, 2, 5)], extra_workdays=[date(2025, 2, 4)])
    assert not cal.is_workday(date(2025, 2, 5))
    assert cal.is_workday(date(2025, 2, 4))
    assert cal.add_workdays(date(2025, 1, 27), 1).deadline == eod(date(2025, 2, 4))
    assert cal.add_workdays(date(2025, 1, 27), 2).deadline == eod(date(2025, 2, 6))


def test_conflicting_admin_dates_rejected():
    with pytest.raises(ValueError):
        WorkCalendar(extra_holidays=[date(2035, 1, 2)], extra_workdays=[date(2035, 1, 2)])


# --- workdays_between / overdue_workdays ---


def test_workdays_between():
    assert CAL.workdays_between(date(2025, 1, 24), date(2025, 2, 8)) == 6
    assert CAL.workdays_between(date(2025, 1, 24), date(2025, 1, 24)) == 0
    assert CAL.workdays_between(date(2025, 1, 24), date(2025, 1, 25)) == 0
    assert CAL.workdays_between(date(2025, 2, 8), date(2025, 1, 24)) == 0
    assert CAL.workdays_between(date(2025, 9, 30), date(2025, 10, 8)) == 0
    assert CAL.workdays_between(date(2025, 9, 30), date(2025, 10, 11)) == 3


def test_overdue_workdays():
    deadline = CAL.add_workdays(datetime(2025, 1, 24, 10, 0, tzinfo=CST), 5).deadline  # 7 Feb EOD
    assert CAL.overdue_workdays(deadline, datetime(2025, 2, 7, 23, 0, tzinfo=CST)) == 0
    assert CAL.overdue_workdays(deadline, datetime(2025, 2, 1, tzinfo=CST)) == 0
    assert CAL.overdue_workdays(deadline, datetime(2025, 2, 8, 0, 0, 1, tzinfo=CST)) == 1
    assert CAL.overdue_workdays(deadline, datetime(2025, 2, 9, 12, tzinfo=CST)) == 1
    assert CAL.overdue_workdays(deadline, datetime(2025, 2, 10, 12, tzinfo=CST)) == 2
    # same instant expressed in UTC: 2025-02-07 16:30Z is 2025-02-08 00:30 +08:00
    assert CAL.overdue_workdays(deadline, datetime(2025, 2, 7, 16, 30, tzinfo=timezone.utc)) == 1
    # plain dates mean end of day
    assert CAL.overdue_workdays(date(2025, 2, 7), date(2025, 2, 7)) == 0
    assert CAL.overdue_workdays(date(2025, 2, 7), date(2025, 2, 10)) == 2
    assert CAL.overdue_workdays(date(2025, 2, 7), datetime(2025, 2, 8, 9, tzinfo=CST)) == 1


# --- properties ---

_first, _last = package_year_range()
dates = st.dates(min_value=date(_first, 1, 1), max_value=date(_last + 10, 12, 31))
admin_dates = st.frozensets(st.dates(min_value=date(_last + 1, 1, 1), max_value=date(_last + 3, 12, 31)))


@settings(max_examples=300, deadline=None)
@given(d=dates, n=st.integers(min_value=1, max_value=60))
def test_property_deadline_is_workday_and_roundtrips(d, n):
    result = CAL.add_workdays(d, n)
    end = result.deadline.date()
    assert CAL.is_workday(end)
    assert CAL.workdays_between(d, end) == n
    assert CAL.workdays_between(d, end - timedelta(days=1)) == n - 1
    walked = [d + timedelta(days=i) for i in range(1, (end - d).days + 1)]
    assert result.fallback == any(not CAL.known(x) for x in walked)


@settings(max_examples=200, deadline=None)
@given(d=dates, n=st.integers(min_value=1, max_value=40), hol=admin_dates, work=admin_dates)
def test_property_with_admin_overrides(d, n, hol, work):
    cal = WorkCalendar(extra_holidays=hol, extra_workdays=work - hol)
    result = cal.add_workdays(d, n)
    assert cal.is_workday(result.deadline.date())
    assert cal.workdays_between(d, result.deadline.date()) == n
    assert cal.overdue_workdays(result.deadline, result.deadline) == 0
