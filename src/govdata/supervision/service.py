"""Supervision services (Art. 9): reading the audit log and checking its chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govdata.core import audit, checkpoints
from govdata.core.actor import Actor
from govdata.core.db import settings_of
from govdata.core.audit import AuditEntry
from govdata.core.policy import authorize
from govdata.supervision import policy
from govdata.supervision.schemas import AuditFilter


def search_audit(session: Session, actor: Actor, filt: AuditFilter) -> tuple[list[AuditEntry], int]:
    authorize(actor, policy.search_audit)
    query = select(AuditEntry)
    if filt.since:
        query = query.where(AuditEntry.time >= _aware(filt.since))
    if filt.until:
        query = query.where(AuditEntry.time <= _aware(filt.until))
    if filt.department_id:
        query = query.where(AuditEntry.department_id == filt.department_id)
    if filt.user:
        query = query.where(AuditEntry.actor_name == filt.user.strip().lower())
    if filt.action:
        action = filt.action.strip()
        query = query.where(AuditEntry.action.startswith(action) if action.endswith(".")
                            else AuditEntry.action == action)
    if filt.result:
        query = query.where(AuditEntry.result == filt.result)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.seq.desc()).offset(filt.offset).limit(filt.limit))
    return list(rows), total


def verify_audit(session: Session, actor: Actor) -> dict[str, Any]:
    """The chain's links (``audit.verify``), then the chain against the signed checkpoints kept outside the
    database (``checkpoints.verify``): a chain rewritten consistently, or cut short, fails the second."""
    authorize(actor, policy.verify_audit)
    chain = audit.verify(session)
    anchor = checkpoints.verify(session, settings_of(session))
    return {"ok": chain.ok and anchor.ok, "checked": chain.checked,
            "bad_seq": chain.bad_seq if not chain.ok else anchor.bad_seq,
            "reason": chain.reason if not chain.ok else anchor.reason, "anchored": anchor.ok,
            "checkpoints": anchor.checkpoints, "last_checkpoint_seq": anchor.last.seq if anchor.last else None,
            "unanchored": anchor.unanchored}


def _aware(value: dt.datetime) -> dt.datetime:
    """Times typed without an offset are read as Beijing time, as users enter them."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return value
