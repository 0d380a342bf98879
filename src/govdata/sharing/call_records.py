"""The record of each call of the data service API (SEC-2, the seven facts of Art. 18): one audit entry
and one ``share_usage`` row, written for many concurrent calls together by ``core.group_commit`` and
committed before the call is answered; a signed call's nonce is claimed in the same write."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from govdata.core import audit, group_commit
from govdata.core.actor import Actor
from govdata.core.errors import DomainError, Forbidden, Unauthenticated
from govdata.sharing.models import Usage
from govdata.systems import signin

_INSERT_USAGE = Usage.__table__.insert()


@dataclass
class Use:
    """What the usage record of one call will say, filled in as the call proceeds."""

    endpoint: str
    medium: str
    code: str
    grant: Any = None  # the grant's row (its columns)
    resource_id: int | None = None
    provider_department_id: int | None = None
    items: list[str] = field(default_factory=list)
    keys: list[str] | None = None
    conditions: list[dict[str, str]] = field(default_factory=list)
    rows: int = 0
    personal_rows: int = 0


@contextmanager
def metered(session: Session, actor: Actor, use: Use) -> Iterator[None]:
    """Record the call when the block ends: success, or the refusal. The record is committed before this
    returns (``group_commit``), so nothing is answered that is not on record, and a refusal's record stays
    though the call fails. A signed call's nonce is claimed in the same write: a replay is refused then."""
    try:
        yield
    except DomainError as exc:
        if actor.kind == "system" and not isinstance(exc, Forbidden):
            _record(session, actor, use, exc)
        raise
    _record(session, actor, use, None)


def _record(session: Session, actor: Actor, use: Use, error: DomainError | None) -> None:
    """Write the call's record, committed before the answer leaves (the caller's transaction only reads;
    see ``group_commit``, also for calls served on the event loop). A replayed nonce turns the call into
    a refusal, recorded as such, and nothing is answered."""
    def settle(replayed: bool) -> None:
        if replayed:
            replay = Unauthenticated("nonce_reused", status=401)
            use.rows = use.personal_rows = 0
            use.keys = None
            group_commit.write_batched(session, _write_records, _facts(replace(actor, nonce=None), use, replay))
            raise replay

    group_commit.write_batched(session, _write_records, _facts(actor, use, error), then=settle)


def _facts(actor: Actor, use: Use, error: DomainError | None) -> tuple[Actor, audit.Entry, dict[str, Any]]:
    """The audit entry with the seven facts of Art. 18 and the usage-ledger row of one call (its time and
    audit sequence number are filled in when written)."""
    grant = use.grant
    if error is None:
        result = "success"
    else:
        result = "denied" if error.status in (401, 403, 429) else "failure"
    content: dict[str, Any] = {"resource": use.code[:64], "items": use.items}
    if use.keys is not None and use.endpoint in ("record", "query"):
        content["keys"] = use.keys
    else:
        content["count"] = use.rows
    detail: dict[str, Any] = {"endpoint": use.endpoint, "end_user": actor.end_user,
                              "provider_department_id": use.provider_department_id}
    if use.conditions:
        detail["conditions"] = use.conditions
    if error is not None:
        detail["reason"] = error.code
    entry = audit.Entry(actor, f"sharing.{ACTIONS[use.endpoint]}", object_type="grant",
                        object_id=grant.id if grant else None, result=result,
                        purpose=grant.purpose if grant else None,
                        approver=grant.approvers[:200] if grant else None,  # the audit column holds 200
                        data_content=content, medium=use.medium, detail=detail)
    usage = {"grant_id": grant.id if grant else None, "resource_id": use.resource_id,
             "provider_department_id": use.provider_department_id, "consumer_department_id": actor.department_id,
             "system_id": actor.system_id, "end_user": actor.end_user, "endpoint": use.endpoint,
             "medium": use.medium, "rows": use.rows, "personal_rows": use.personal_rows, "result": result,
             "reason": error.code[:40] if error else None}
    return actor, entry, usage


def _write_records(session: Session, calls: Sequence[tuple[Actor, audit.Entry, dict[str, Any]]]) -> list[bool]:
    """Write the records of ``calls`` (group commit's batch function): claim the signed calls' nonces in
    one statement, append the audit entries of the others in one go, insert their usage rows. Returns, per
    call, whether it was a replay (then nothing of it is written here)."""
    claimed = signin.claim_nonces(session, [actor for actor, _, _ in calls])
    kept = [(entry, usage) for (_, entry, usage), ok in zip(calls, claimed, strict=True) if ok]
    if kept:
        entries = audit.record_many(session, [entry for entry, _ in kept])
        session.connection().execute(_INSERT_USAGE, [{**usage, "at": written.time, "audit_seq": written.seq}
                                                     for (_, usage), written in zip(kept, entries, strict=True)])
    return [not ok for ok in claimed]


ACTIONS = {"record": "read_record", "query": "query_records", "changes": "read_changes",
            "export": "export_records"}


