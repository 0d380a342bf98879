"""Supervision services (Art. 9): reading the audit log and checking its chain."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from govdata.core import audit, checkpoints, labels
from govdata.core.actor import Actor
from govdata.core.db import settings_of
from govdata.core.audit import AuditEntry
from govdata.core.policy import authorize
from govdata.supervision import policy
from govdata.supervision.schemas import AuditFilter, aware

#: what an action filter that names a code looks like (``org.set_person``, or a prefix ``sharing.``)
_CODE = re.compile(r"^[a-z_]+(\.[a-z_]+)*\.?$")


def names_a_code(text: str) -> bool:
    """Whether an action filter is a code or a prefix of codes, rather than words of an action's name."""
    return "." in text and _CODE.match(text) is not None


def search_audit(session: Session, actor: Actor, filt: AuditFilter) -> tuple[list[AuditEntry], int]:
    """Entries matching ``filt``, newest first, and how many match in all. ``action`` is a code (or a prefix
    ending in '.'), or words: then the actions whose name (``core.labels``) contains them, e.g. 共享 or 登录;
    ``category`` is the area of the action (its code's first segment)."""
    authorize(actor, policy.search_audit)
    query = select(AuditEntry)
    if filt.since:
        query = query.where(AuditEntry.time >= aware(filt.since))
    if filt.until:
        query = query.where(AuditEntry.time <= aware(filt.until))
    if filt.department_id:
        query = query.where(AuditEntry.department_id == filt.department_id)
    if filt.user:
        query = query.where(AuditEntry.actor_name == filt.user.strip().lower())
    if filt.category:
        query = query.where(AuditEntry.action.startswith(filt.category + "."))
    if filt.action and filt.action.strip():
        action = filt.action.strip()
        if names_a_code(action):
            query = query.where(AuditEntry.action.startswith(action) if action.endswith(".")
                                else AuditEntry.action == action)
        else:
            named = labels.actions_named(action)
            query = query.where(AuditEntry.action.in_(named) if named else false())
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
