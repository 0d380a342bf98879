"""A reversed time range of the findings filter is refused with a reason instead of finding nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from govdata.aggregation.service import FindingFilter
from govdata.core.i18n import pydantic_message


def test_a_reversed_range_is_refused_in_words():
    FindingFilter(since=dt.datetime(2025, 1, 1), until=dt.datetime(2025, 1, 2))
    with pytest.raises(ValidationError) as refused:
        FindingFilter(since=dt.datetime(2025, 1, 2), until=dt.datetime(2025, 1, 1))
    assert pydantic_message(refused.value.errors()[0]) == "截止时间早于起始时间，请调换两个时间"
