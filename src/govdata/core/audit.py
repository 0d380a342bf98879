"""The append-only, hash-chained audit log (SEC-2).

Each entry carries who (actor, department), what (action, object, data content), why (purpose,
approver), how (method, medium, client address), the result, and an SM3 hash over its own fields and the
previous entry's hash. A single-row ``audit_head`` holds the last sequence number and hash; writers update
it first, which takes a row lock on PostgreSQL and the write lock on SQLite, so concurrent writers queue
and the chain stays one line. Database triggers refuse UPDATE and DELETE on entries.

``verify`` walks the chain and names the first entry that was altered, removed, inserted or reordered.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from govdata.core.actor import Actor
from govdata.core.crypto import sm3_hex
from govdata.core.db import Base, utcnow

GENESIS = "0" * 64
#: Roles that read the audit log (the supervision pages ask this through their policy; other pages ask it
#: to decide whether to link an entry).
READERS = ("platform_admin", "supervisor", "security_regulator")


def readable_by(actor: Actor) -> bool:
    """Whether ``actor`` may read the audit log."""
    return actor.has(*READERS)


_RECORD_KEY_IN_PATH = re.compile(r"(/records/)[^?]*")
PATH_CHARS = 200


def path_for_audit(path: str) -> str:
    """A request path as an audit entry of a refused call keeps it: a record key in it (``…/records/{key}``,
    which may be an identity number the caller probed) replaced by ``*``, and at most 200 characters."""
    path = _RECORD_KEY_IN_PATH.sub(r"\1*", path)
    return path if len(path) <= PATH_CHARS else path[:PATH_CHARS] + "…"


class AuditHead(Base):
    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    time: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    system_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    action: Mapped[str] = mapped_column(String(100), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str | None] = mapped_column(Text)
    approver: Mapped[str | None] = mapped_column(String(200))
    data_content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(16))
    medium: Mapped[str | None] = mapped_column(String(16))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16), index=True)  # success | denied | failure
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)


HASHED_FIELDS = (
    "seq", "time", "actor_kind", "actor_name", "user_id", "system_id", "department_id", "action",
    "object_type", "object_id", "purpose", "approver", "data_content", "method", "medium", "client_addr",
    "request_id", "result", "detail",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps({k: _canonical(fields.get(k)) for k in HASHED_FIELDS}, ensure_ascii=False,
                         sort_keys=True, separators=(",", ":"), default=str)
    return sm3_hex((prev_hash + "\n" + payload).encode("utf-8"))


@dataclass(frozen=True)
class Entry:
    """One entry to append (``record_many``): who, what, and the facts ``record`` takes as keywords."""

    actor: Actor
    action: str
    object_type: str | None = None
    object_id: object | None = None
    result: str = "success"
    detail: dict[str, Any] | None = None
    purpose: str | None = None
    approver: str | None = None
    data_content: dict[str, Any] | None = None
    medium: str | None = None
    department_id: int | None = None

    def fields(self, seq: int, now: dt.datetime) -> dict[str, Any]:
        actor = self.actor
        return {
            "seq": seq,
            "time": now,
            "actor_kind": actor.kind,
            "actor_name": actor.name,
            "user_id": actor.user_id,
            "system_id": actor.system_id,
            "department_id": self.department_id if self.department_id is not None else actor.department_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": None if self.object_id is None else str(self.object_id),
            "purpose": self.purpose,
            "approver": self.approver,
            "data_content": self.data_content,
            "method": actor.method,
            "medium": self.medium,
            "client_addr": actor.client_addr,
            "request_id": actor.request_id,
            "result": self.result,
            "detail": _jsonable(self.detail),
        }


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object | None = None,
    result: str = "success",
    detail: dict[str, Any] | None = None,
    purpose: str | None = None,
    approver: str | None = None,
    data_content: dict[str, Any] | None = None,
    medium: str | None = None,
    department_id: int | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction; it commits or rolls back with the change it records.
    Returns the entry as written (not attached to the session)."""
    return record_many(session, [Entry(actor, action, object_type, object_id, result, detail, purpose, approver,
                                       data_content, medium, department_id)])[0]


_TAKE_SEQ = (AuditHead.__table__.update().where(AuditHead.__table__.c.id == 1)
             .values(seq=AuditHead.__table__.c.seq + bindparam("n"))
             .returning(AuditHead.__table__.c.seq, AuditHead.__table__.c.hash))
_INSERT = AuditEntry.__table__.insert()
_MOVE_HEAD = AuditHead.__table__.update().where(AuditHead.__table__.c.id == 1).values(hash=bindparam("head_hash"))


def record_many(session: Session, entries: list[Entry]) -> list[AuditEntry]:
    """Append ``entries`` in order, in the caller's transaction, with three statements however many: take
    the sequence numbers and the previous hash from the head (locking it), insert the entries (hashed in a
    chain here), move the head's hash."""
    if not entries:
        return []
    session.flush()  # what the entries describe is written first (ids, foreign keys)
    connection = session.connection()  # Core statements, built once: this runs for every read of shared data
    head = connection.execute(_TAKE_SEQ, {"n": len(entries)}).first()
    if head is None:
        raise RuntimeError("audit_head row missing: run migrations")
    last, prev = head
    now = utcnow()
    rows = []
    for offset, entry in enumerate(entries):
        fields = entry.fields(last - len(entries) + 1 + offset, now)
        digest = entry_hash(prev, fields)
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    connection.execute(_INSERT, rows)
    connection.execute(_MOVE_HEAD, {"head_hash": prev})
    return [AuditEntry(**row) for row in rows]


def record_change(session: Session, actor: Actor, action: str, before: dict[str, Any], after: dict[str, Any],
                  **kwargs: Any) -> AuditEntry | None:
    """Record a change of a control-plane object as the fields that differ, before and after; nothing
    when nothing changed. ``kwargs`` are those of ``record``."""
    diff = {k: v for k, v in after.items() if before.get(k) != v}
    if not diff:
        return None
    detail = {"before": {k: before.get(k) for k in diff}, "after": diff}
    return record(session, actor, action, detail=detail, **kwargs)


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str | None = None


def _entries(session: Session, batch: int = 2000) -> Iterator[AuditEntry]:
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


def verify(session: Session) -> VerifyResult:
    """Walk the chain in storage order; the first broken link is reported by sequence number."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in _entries(session):
        fields = {k: getattr(entry, k) for k in HASHED_FIELDS}
        if entry.seq != expected_seq:
            kind = "removed or reordered" if entry.seq > expected_seq else "inserted or reordered"
            return VerifyResult(False, checked, entry.seq,
                                f"expected sequence {expected_seq}, found {entry.seq} ({kind})")
        if entry.prev_hash != prev:
            return VerifyResult(False, checked, entry.seq, "previous-hash link broken (entry removed or inserted)")
        if entry_hash(prev, fields) != entry.hash:
            return VerifyResult(False, checked, entry.seq, "content does not match its hash (entry altered)")
        prev = entry.hash
        expected_seq += 1
        checked += 1
    head = session.get(AuditHead, 1)
    if head is None:
        return VerifyResult(False, checked, None, "audit head missing")
    if head.seq != checked or head.hash != prev:
        return VerifyResult(False, checked, checked + 1 if head.seq > checked else head.seq,
                            f"head records {head.seq} entries ending {head.hash[:12]}…, chain has {checked} "
                            "(entries removed from the end or head altered)")
    return VerifyResult(True, checked)


def verify_range(session: Session, after: tuple[int, str], upto: tuple[int, str], batch: int = 2000) -> VerifyResult:
    """Check that the chain links entry ``after`` (sequence, hash; ``(0, GENESIS)`` for the start) to entry
    ``upto`` through every entry between, each unaltered. Entries beyond ``upto`` are not read, so writers
    may go on meanwhile. A checkpoint extends the previous one only over a chain that passes this."""
    start, prev = after
    end, end_hash = upto
    if end < start:
        return VerifyResult(False, 0, end + 1, f"chain ends at entry {end}, before entry {start} (entries removed)")
    if start > 0:
        stored = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == start))
        if stored != prev:
            return VerifyResult(False, 0, start, f"entry {start} is missing or no longer has the hash "
                                                 f"{prev[:12]}… (chain rewritten)")
    expected, checked = start + 1, 0
    while expected <= end:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.seq >= expected, AuditEntry.seq <= end)
                               .order_by(AuditEntry.seq).limit(batch)).all()
        if not rows:
            break
        for entry in rows:
            if entry.seq != expected:
                return VerifyResult(False, checked, expected, f"entry {expected} is missing (removed)")
            if entry.prev_hash != prev:
                return VerifyResult(False, checked, entry.seq, f"entry {entry.seq}: previous-hash link broken")
            if entry_hash(prev, {k: getattr(entry, k) for k in HASHED_FIELDS}) != entry.hash:
                return VerifyResult(False, checked, entry.seq,
                                    f"entry {entry.seq}: content does not match its hash (entry altered)")
            prev = entry.hash
            expected += 1
            checked += 1
        session.expunge_all()
    if expected <= end:
        return VerifyResult(False, checked, expected, f"entry {expected} is missing (removed)")
    if prev != end_hash:
        return VerifyResult(False, checked, end, f"entry {end} does not have the head's hash (head altered)")
    return VerifyResult(True, checked)
