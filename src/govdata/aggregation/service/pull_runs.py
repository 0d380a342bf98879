"""Aggregation services: running database pulls (AGG-5), now (``run_pull``) or on schedule (``run_due_pulls``).

A run reads the rows after the source's stored position — keyset order on (watermark, key columns), so
rows sharing a watermark value are neither skipped nor read twice at a page boundary — in pages of
``PAGE_ROWS`` rows, at most ``MAX_PAGES`` pages per run (a run that stops there leaves ``backlog`` set and
the scheduler continues at its next tick). Each page is ONE batch through the ingest core
(``source="pull"``, ``medium="db"``): the same validation, scope check, lineage, upsert and audit as a
pushed batch. The stored position advances with each committed batch, in the same transaction (a page
savepoint), so a crash re-pulls from the last committed page and the content hash makes re-pulled rows
"unchanged". ``mode=all``: a page with a rejected row is kept as a rejected batch, stops the run and leaves
the position; ``mode=partial``: the good rows are written, the rejected ones listed in the batch.

Failures of the source database (unreachable, credentials refused, table dropped, configured column gone)
are recorded on the run (status ``failed``), never raised, and do not move the position. Memory holds one
page. The whole run is in the caller's transaction; the scheduler gives every source a savepoint of its
own, so one failing source does not stop the others. Rows whose watermark or key is NULL are not read.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.aggregation import policy, source_values, sources
from govdata.aggregation.models import PullRun, PullSource
from govdata.aggregation.service.ingest import Target, commit_batch, target_of, validate_rows
from govdata.aggregation.service.pulls import reach, source_url
from govdata.catalog.models import Resource
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.crypto import sm3_hex
from govdata.core.db import utcnow
from govdata.core.errors import DomainError, NotFound
from govdata.core.jobs import job
from govdata.core.policy import authorize

__all__ = ["MAX_PAGES", "PAGE_ROWS", "run_due_pulls", "run_pull"]

log = logging.getLogger("govdata.aggregation.pulls")

PAGE_ROWS = 5_000
MAX_PAGES = 20


def run_pull(session: Session, actor: Actor, source_id: int, code: str | None = None) -> PullRun:
    """Pull what changed since the source's stored position (see the module docstring); returns the run
    record. ``code``, when given, must be the source's catalog entry."""
    source = session.scalar(select(PullSource).where(PullSource.id == source_id).with_for_update()
                            .execution_options(populate_existing=True))
    resource = session.get(Resource, source.resource_id) if source is not None else None
    if source is None or resource is None or (code is not None and resource.code != code):
        raise NotFound("数据源", source_id, "Pull source")
    authorize(actor, policy.run_pull, source)
    run = PullRun(source_id=source.id, actor_name=actor.name, trigger=actor.method, started_at=utcnow(),
                  status="running", rows=0, batches=0, inserted=0, updated=0, unchanged=0, rejected=0,
                  batch_ids=[], position_from=source.position, more=False)
    session.add(run)
    session.flush()
    try:
        _pull(session, actor, source, target_of(session, resource), run)
    except DomainError as exc:  # the entry was withdrawn, or is no longer structured…
        run.status, run.error = "failed", exc.message("zh")
    except sources.SourceError as exc:
        run.status, run.error = "failed", str(exc)
    if run.status == "running":
        run.status = "succeeded"
    run.finished_at = utcnow()
    run.position_to = source.position
    source.backlog = run.more
    source.last_run_at, source.last_status = run.started_at, run.status
    audit.record(session, actor, "aggregation.run_pull", object_type="pull_source", object_id=source.id,
                 department_id=source.department_id, medium="db",
                 result="success" if run.status == "succeeded" else "failure",
                 detail={"resource_code": resource.code, "run_id": run.id, "status": run.status, "rows": run.rows,
                         "batches": run.batches, "batch_ids": run.batch_ids, "inserted": run.inserted,
                         "updated": run.updated, "unchanged": run.unchanged, "rejected": run.rejected,
                         "more": run.more, "error": run.error})
    session.flush()
    return run


def _pull(session: Session, actor: Actor, source: PullSource, target: Target, run: PullRun) -> None:
    url = source_url(session, source)
    secrets = sources.secrets_of(url)
    items = [(i.field_code, i.data_type) for i in target.version.items]
    position = source.position
    after = None if position is None else [source_values.decode(position["watermark"]),
                                           *[source_values.decode(k) for k in position["key"]]]
    with sources.reading(url, reach(session), secrets) as connection:
        available = sources.source_columns(connection, source.table_name, source.query, secrets)
        plan = sources.plan_for(available, source.column_map or {}, source.watermark_column, source.key_columns,
                                items)
        if after is not None and len(after) != len(plan.order):
            after = None  # the key columns changed since: start again (re-pulled rows are unchanged)
        relation = sources.relation(source.table_name, source.query, plan.names)
        index = {name: n for n, name in enumerate(plan.names)}
        for page_no in range(1, MAX_PAGES + 1):
            stmt = sources.page_query(relation, plan.names, plan.order, after, PAGE_ROWS)
            rows = sources.fetch(connection, stmt, secrets)
            if not rows:
                return
            run.rows += len(rows)
            raw = [(n, {code: source_values.raw_value(row[index[column]], data_type)
                        for column, code, data_type in plan.fields}) for n, row in enumerate(rows, 1)]
            last = [rows[-1][index[name]] for name in plan.order]
            try:
                new_position = {"watermark": source_values.encode(last[0]), "key": [source_values.encode(v) for v in last[1:]]}
            except ValueError as exc:
                raise sources.SourceError(f"水位列或主键列的数据类型不受支持：{exc}") from None
            if not _commit_page(session, actor, source, target, run, raw, new_position, page_no):
                return
            after = last
            if len(rows) < PAGE_ROWS:
                return
        run.more = True


def _commit_page(session: Session, actor: Actor, source: PullSource, target: Target, run: PullRun,
                 raw: list[tuple[int, dict[str, Any]]], position: dict[str, Any], page_no: int) -> bool:
    """One page as one batch, and the position with it; False when the run must stop here."""
    digest = sm3_hex(json.dumps([r for _, r in raw], default=str, sort_keys=True, ensure_ascii=False).encode())
    checked = validate_rows(target, raw)
    savepoint = session.begin_nested()
    try:
        body = commit_batch(session, target, actor, checked, source="pull", medium="db", mode=source.mode,
                            digest=digest, idempotency_key=f"pull-{source.id}-{run.id}-{page_no}",
                            action="aggregation.run_pull")
    except DomainError as exc:
        if exc.keep_writes:  # batch_rejected (mode=all): keep the rejected batch, its finding and audit entry
            savepoint.commit()
            run.status, run.rejected = "rejected", run.rejected + int(exc.extra.get("rejected") or 0)
            run.batch_ids = [*run.batch_ids, exc.extra.get("batch_id")]
        else:
            savepoint.rollback()
            run.status = "failed"
        run.error = exc.message("zh")
        return False
    source.position = position
    session.flush()
    savepoint.commit()
    run.batches += 1
    run.batch_ids = [*run.batch_ids, body["batch_id"]]
    for name in ("inserted", "updated", "unchanged", "rejected"):
        setattr(run, name, getattr(run, name) + body[name])
    return True


def _due(source: PullSource, now: dt.datetime) -> bool:
    if source.backlog or source.last_run_at is None:
        return True
    return source.last_run_at + dt.timedelta(minutes=source.interval_minutes) <= now


@job("run_due_pulls", every_minutes=1, description="Pull every enabled database source whose interval has elapsed")
def run_due_pulls(session: Session, actor: Actor) -> dict[str, Any]:
    """Run every enabled source that is due (its interval elapsed since its last run, or a backlog), each
    in a savepoint of its own: a source that fails, even unexpectedly, leaves the others working."""
    authorize(actor, policy.run_due_pulls)
    now = utcnow()
    enabled = session.scalars(select(PullSource).where(PullSource.enabled.is_(True)).order_by(PullSource.id)).all()
    due = [s.id for s in enabled if _due(s, now)]
    summary: dict[str, Any] = {"due": len(due), "succeeded": 0, "failed": 0, "rejected": 0, "rows": 0}
    for source_id in due:
        try:
            with session.begin_nested():
                run = run_pull(session, actor, source_id)
            summary[run.status] += 1
            summary["rows"] += run.rows
        except Exception as exc:  # noqa: BLE001 - one source's fault must not stop the others
            log.exception("pull source %s failed", source_id)
            _record_crash(session, actor, source_id, exc)
            summary["failed"] += 1
    return summary


def _record_crash(session: Session, actor: Actor, source_id: int, exc: Exception) -> None:
    """The run of a source that failed unexpectedly (rolled back with its savepoint), recorded afresh."""
    with session.begin_nested():
        source = session.get(PullSource, source_id, populate_existing=True)
        assert source is not None
        now = utcnow()
        error = f"内部错误：{type(exc).__name__}"
        run = PullRun(source_id=source.id, actor_name=actor.name, trigger=actor.method, started_at=now,
                      finished_at=now, status="failed", rows=0, batches=0, inserted=0, updated=0, unchanged=0,
                      rejected=0, batch_ids=[], position_from=source.position, position_to=source.position,
                      more=False, error=error)
        session.add(run)
        source.last_run_at, source.last_status = now, "failed"
        session.flush()
        audit.record(session, actor, "aggregation.run_pull", object_type="pull_source", object_id=source.id,
                     department_id=source.department_id, result="failure",
                     detail={"run_id": run.id, "status": "failed", "error": error})
