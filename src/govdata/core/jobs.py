"""Periodic jobs, run in-process (one machine, jobs in the server process) on APScheduler.

A context declares its job with :func:`job`; the function takes a Session and the platform actor that
jobs act as (``platform_actor("govdata-job", "job")``), calls its own services, and returns a short summary
dict. :func:`run` runs one job in its own transaction (commit on success, rollback on error) — the
scheduler, ``govdata jobs run NAME`` and tests all go through it, so a job's writes are audited like any
other. :func:`start` starts a background scheduler for ``govdata serve`` (``GOVDATA_RUN_JOBS``).

Several app nodes: run the jobs on one of them only (GOVDATA_RUN_JOBS=false on the others).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from govdata.core.actor import Actor, platform_actor

log = logging.getLogger("govdata.jobs")

JobFn = Callable[[Session, Actor], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    name: str
    fn: JobFn
    every_minutes: int
    description: str
    every_setting: str | None = None  # a setting that overrides every_minutes

    def minutes(self, settings: Any) -> int:
        """The interval: the setting named ``every_setting`` when there is one, else ``every_minutes``."""
        return getattr(settings, self.every_setting) if self.every_setting else self.every_minutes


JOBS: dict[str, Job] = {}


def job(name: str, every_minutes: int, description: str,
        every_setting: str | None = None) -> Callable[[JobFn], JobFn]:
    """Register ``fn`` as the periodic job ``name``, run every ``every_minutes`` minutes (or as often as the
    setting ``every_setting`` says)."""

    def register(fn: JobFn) -> JobFn:
        JOBS[name] = Job(name, fn, every_minutes, description, every_setting)
        return fn

    return register


def job_actor() -> Actor:
    return platform_actor("govdata-job", "job")


def load_jobs() -> dict[str, Job]:
    """The registered jobs. Contexts register theirs when their services are imported, which the entry
    points do (``govdata.wiring.load``); the kernel imports no context."""
    return JOBS


def run(sessions: sessionmaker[Session], name: str) -> dict[str, Any]:
    """Run job ``name`` once in a transaction of its own; returns its summary."""
    jobs = load_jobs()
    if name not in jobs:
        raise KeyError(name)
    with sessions() as session:
        try:
            summary = jobs[name].fn(session, job_actor())
            session.commit()
        except Exception:
            session.rollback()
            raise
    return summary


def start(sessions: sessionmaker[Session]) -> Any:
    """Start a background scheduler running every registered job at its interval; returns it (call
    ``.shutdown()`` to stop). An error in one run is logged and the next run happens as planned."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from govdata.core.db import settings_of

    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    with sessions() as session:
        settings = settings_of(session)
    for entry in load_jobs().values():
        scheduler.add_job(_safe_run, "interval", minutes=entry.minutes(settings), args=[sessions, entry.name],
                          id=entry.name, max_instances=1, coalesce=True)
    scheduler.start()
    return scheduler


def _safe_run(sessions: sessionmaker[Session], name: str) -> None:
    try:
        summary = run(sessions, name)
        log.info("job %s: %s", name, summary)
    except Exception:  # noqa: BLE001 - a failed run must not stop the scheduler
        log.exception("job %s failed", name)
