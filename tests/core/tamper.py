"""Tampering with the audit log as someone with direct database access would (triggers off, raw SQL)."""

from __future__ import annotations

from sqlalchemy import select, text

from govdata.core import audit
from govdata.core.actor import Actor, platform_actor
from govdata.core.audit import AuditEntry


def write_entries(db, n: int, actor: Actor | None = None) -> None:
    actor = actor or platform_actor("tester")
    with db.session() as session:
        for i in range(n):
            audit.record(session, actor, "test.write", object_type="thing", object_id=i, detail={"i": i, "名": "值"})
        session.commit()


def raw(db, sql: str, **params) -> None:
    """Run SQL as someone with direct database access would: append-only triggers switched off first (on
    PostgreSQL for this transaction only, since the schema outlives the test)."""
    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_entries_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_entries_no_delete")
        else:
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        conn.execute(text(sql), params)
        if db.backend != "sqlite":
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"))


def forge(db, seq: int, **changes) -> None:
    """Rewrite entry ``seq`` as an attacker with database access would, and recompute the hash of every later
    entry and the head, so that the chain walk finds nothing."""
    with db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)).all()
        prev = entries[0].prev_hash
        links = []
        for entry in entries:
            fields = {k: getattr(entry, k) for k in audit.HASHED_FIELDS}
            if entry.seq == seq:
                fields.update(changes)
            digest = audit.entry_hash(prev, fields)
            links.append({"s": entry.seq, "p": prev, "h": digest})
            prev = digest
    assignments = ", ".join(f"{k} = :{k}" for k in changes)
    raw(db, f"UPDATE audit_entries SET {assignments} WHERE seq = :seq", seq=seq, **changes)
    for link in links:
        raw(db, "UPDATE audit_entries SET prev_hash = :p, hash = :h WHERE seq = :s", **link)
    raw(db, "UPDATE audit_head SET hash = :h WHERE id = 1", h=prev)


def truncate(db, after: int) -> None:
    """Delete the entries after ``after`` and move the head back to it: a consistent, shorter chain."""
    raw(db, "DELETE FROM audit_entries WHERE seq > :s", s=after)
    raw(db, "UPDATE audit_head SET seq = :s, hash = (SELECT hash FROM audit_entries WHERE seq = :s) WHERE id = 1",
        s=after)
