"""Rate limit and daily quota of each grant (SEC-7 access limits): a call over either is refused with 429
and a ``Retry-After`` header saying when the next call may succeed.

Two fixed windows per grant: the calendar minute (``rate_per_minute``) and the local calendar day,
Asia/Shanghai (``daily_quota``). Counters live in the process; the day counter is seeded from the usage
ledger the first time a grant is seen on a day (``seed``), so a restart does not hand out a fresh quota.
With several processes or nodes set ``GOVDATA_REDIS_URL``: the counters are then Redis keys shared by all.
Only calls that pass the limits count; refused ones do not eat into the quota.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from govdata.core.errors import DomainError

__all__ = ["Limiter", "RateLimited", "grant_key", "limiter", "seconds_to_midnight"]

LOCAL = ZoneInfo("Asia/Shanghai")


class RateLimited(DomainError):
    """429 with the seconds to wait, sent as ``Retry-After`` (web/errors.py reads ``headers``)."""

    def __init__(self, code: str, retry_after: int, detail: str, detail_en: str) -> None:
        super().__init__(code, detail, detail_en, extra={"retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


@dataclass
class _Counter:
    minute: int = -1
    in_minute: int = 0
    day: dt.date | None = None
    in_day: int = 0


def _seconds_to_next_minute(now: dt.datetime) -> int:
    return max(1, 60 - now.second)


def seconds_to_midnight(now: dt.datetime) -> int:
    local = now.astimezone(LOCAL)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), LOCAL)
    return max(1, math.ceil((midnight - local).total_seconds()))


def _refuse_rate(rate: int, now: dt.datetime) -> RateLimited:
    return RateLimited("share_rate_limited", _seconds_to_next_minute(now),
                       f"调用频率超过授权上限（每分钟{rate}次）", f"Rate limit of {rate} calls per minute reached")


def _refuse_quota(quota: int, now: dt.datetime) -> RateLimited:
    return RateLimited("share_quota_exceeded", seconds_to_midnight(now),
                       f"当日调用次数已达授权配额（{quota}次）", f"Daily quota of {quota} calls used up")


class Limiter:
    """Counts calls per grant; ``take`` raises ``RateLimited`` or counts the call."""

    def __init__(self, redis_url: str | None = None) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, _Counter] = {}
        self._budgets: dict[str, tuple[dt.date, int]] = {}
        self._redis: Any = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url)

    def take(self, grant_key: str, rate_per_minute: int, daily_quota: int, now: dt.datetime,
             seed: Callable[[], int]) -> None:
        """Count one call of the grant ``grant_key`` at ``now``; ``seed()`` gives the calls already made today
        (from the usage ledger) and is asked once per grant and day. ``grant_key`` names the grant uniquely
        even across databases (``grant_key(grant)``)."""
        if self._redis is not None:
            self._take_redis(grant_key, rate_per_minute, daily_quota, now, seed)
            return
        minute = int(now.timestamp()) // 60
        today = now.astimezone(LOCAL).date()
        counter = self._counters.get(grant_key)
        if counter is None or counter.day != today:
            seeded = seed()  # outside the lock: a database read
            with self._lock:
                counter = self._counters.setdefault(grant_key, _Counter())
                if counter.day != today:
                    counter.day, counter.in_day = today, seeded
        with self._lock:
            if counter.minute != minute:
                counter.minute, counter.in_minute = minute, 0
            if counter.in_minute >= rate_per_minute:
                raise _refuse_rate(rate_per_minute, now)
            if counter.in_day >= daily_quota:
                raise _refuse_quota(daily_quota, now)
            counter.in_minute += 1
            counter.in_day += 1

    def _take_redis(self, grant_key: str, rate_per_minute: int, daily_quota: int, now: dt.datetime,
                    seed: Callable[[], int]) -> None:
        minute_key = f"govdata:share:rate:{grant_key}:{int(now.timestamp()) // 60}"
        day_key = f"govdata:share:quota:{grant_key}:{now.astimezone(LOCAL).date():%Y%m%d}"
        if not self._redis.exists(day_key):
            self._redis.set(day_key, seed(), nx=True, ex=2 * 86400)
        pipe = self._redis.pipeline()
        pipe.incr(minute_key)
        pipe.expire(minute_key, 120)
        pipe.incr(day_key)
        in_minute, _, in_day = pipe.execute()
        if in_minute > rate_per_minute or in_day > daily_quota:
            undo = self._redis.pipeline()  # a refused call is not counted
            undo.decr(minute_key)
            undo.decr(day_key)
            undo.execute()
            if in_minute > rate_per_minute:
                raise _refuse_rate(rate_per_minute, now)
            raise _refuse_quota(daily_quota, now)

    def reserve(self, key: str, budget: int, now: dt.datetime, seed: Callable[[], int], code: str,
                detail: str, detail_en: str) -> Callable[[], None]:
        """Take one unit of the daily budget ``key`` (the local day's count, seeded from ``seed()`` once a
        day) before the work it pays for, so that calls made at the same moment cannot all pass a check of
        what is already on record; refuse (429 ``code`` until midnight) when it is spent. Returns the function
        that gives the unit back, for work that turned out not to spend it (a verification that hit)."""
        if self._redis is not None:
            name = f"govdata:share:budget:{key}:{now.astimezone(LOCAL).date():%Y%m%d}"
            if not self._redis.exists(name):
                self._redis.set(name, seed(), nx=True, ex=2 * 86400)
            if self._redis.incr(name) > budget:
                self._redis.decr(name)
                raise RateLimited(code, seconds_to_midnight(now), detail, detail_en)
            return lambda: self._redis.decr(name)
        today = now.astimezone(LOCAL).date()
        if self._budgets.get(key, (None, 0))[0] != today:
            seeded = seed()  # outside the lock: a database read
            with self._lock:
                if self._budgets.get(key, (None, 0))[0] != today:
                    self._budgets[key] = (today, seeded)
        with self._lock:
            day, used = self._budgets[key]
            if used >= budget:
                raise RateLimited(code, seconds_to_midnight(now), detail, detail_en)
            self._budgets[key] = (day, used + 1)

        def release() -> None:
            with self._lock:
                day, used = self._budgets.get(key, (today, 1))
                self._budgets[key] = (day, max(0, used - 1))

        return release

    def reset(self) -> None:
        """Forget the in-process counters (tests; a grant's terms changed)."""
        with self._lock:
            self._counters.clear()
            self._budgets.clear()


def grant_key(grant: Any) -> str:
    """The counter name of a grant: its id and creation instant (a restored or another database reusing the
    id is another grant)."""
    return f"{grant.id}.{int(grant.created_at.timestamp() * 1_000_000)}"


_limiters: dict[str | None, Limiter] = {}


def limiter(redis_url: str | None) -> Limiter:
    """The process's limiter for a Redis URL (or none)."""
    if redis_url not in _limiters:
        _limiters[redis_url] = Limiter(redis_url)
    return _limiters[redis_url]
