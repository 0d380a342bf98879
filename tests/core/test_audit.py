"""The audit chain: every entry linked by SM3; tampering of any kind is found and named (SEC-2)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from govdata.core import audit
from govdata.core.actor import Actor, platform_actor
from govdata.core.audit import AuditEntry
from tests.core.tamper import raw, write_entries


def verify(db) -> audit.VerifyResult:
    with db.session() as session:
        return audit.verify(session)


def test_intact_chain_verifies(db):
    write_entries(db, 5)
    result = verify(db)
    assert result.ok and result.checked == 5


def test_entry_links_to_previous(db):
    write_entries(db, 3)
    with db.session() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert entries[0].prev_hash == audit.GENESIS
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    assert len({e.hash for e in entries}) == 3


@pytest.mark.parametrize("sql", ["UPDATE audit_entries SET actor_name = 'x' WHERE seq = 1",
                                 "DELETE FROM audit_entries WHERE seq = 1"])
def test_database_refuses_update_and_delete(db, sql):
    write_entries(db, 1)
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(sql))
    assert verify(db).ok


def test_altered_entry_is_named(db):
    write_entries(db, 6)
    raw(db, "UPDATE audit_entries SET actor_name = 'someone-else' WHERE seq = 3")
    result = verify(db)
    assert not result.ok and result.bad_seq == 3 and "altered" in result.reason


def test_altered_detail_is_named(db):
    write_entries(db, 4)
    raw(db, "UPDATE audit_entries SET result = 'denied' WHERE seq = 2")
    result = verify(db)
    assert not result.ok and result.bad_seq == 2


def test_removed_entry_is_found(db):
    write_entries(db, 6)
    raw(db, "DELETE FROM audit_entries WHERE seq = 3")
    result = verify(db)
    assert not result.ok and result.bad_seq == 4 and "removed" in result.reason


def test_removed_last_entries_are_found(db):
    write_entries(db, 6)
    raw(db, "DELETE FROM audit_entries WHERE seq >= 5")
    result = verify(db)
    assert not result.ok and result.bad_seq == 5


def test_inserted_entry_is_found(db):
    """A forged entry appended with a correct link but without moving the head is found."""
    write_entries(db, 4)
    with db.session() as session:
        last = session.scalar(select(AuditEntry).where(AuditEntry.seq == 4))
        fields = {k: getattr(last, k) for k in audit.HASHED_FIELDS}
        fields.update(seq=5, actor_name="forger")
        forged_hash = audit.entry_hash(last.hash, fields)
        columns = {k: v for k, v in fields.items() if k not in ("data_content", "detail")}
    raw(db, "INSERT INTO audit_entries (seq, time, actor_kind, actor_name, user_id, system_id, department_id, "
            "action, object_type, object_id, purpose, approver, method, medium, client_addr, request_id, result, "
            "prev_hash, hash) VALUES (:seq, :time, :actor_kind, :actor_name, :user_id, :system_id, :department_id, "
            ":action, :object_type, :object_id, :purpose, :approver, :method, :medium, :client_addr, :request_id, "
            ":result, :prev_hash, :hash)", **columns, prev_hash=last.hash, hash=forged_hash)
    result = verify(db)
    assert not result.ok and result.bad_seq == 5


def test_inserted_entry_in_the_middle_is_found(db):
    write_entries(db, 5)
    raw(db, "UPDATE audit_entries SET seq = seq + 100 WHERE seq >= 3")
    raw(db, "UPDATE audit_entries SET seq = seq - 99 WHERE seq >= 103")  # make room at 3
    with db.session() as session:
        second = session.scalar(select(AuditEntry).where(AuditEntry.seq == 2))
        fields = {k: getattr(second, k) for k in audit.HASHED_FIELDS}
        fields.update(seq=3, actor_name="forger", detail=None, data_content=None)
        columns = {k: v for k, v in fields.items() if k not in ("data_content", "detail")}
        forged = audit.entry_hash(second.hash, fields)
    raw(db, "INSERT INTO audit_entries (seq, time, actor_kind, actor_name, user_id, system_id, department_id, "
            "action, object_type, object_id, purpose, approver, method, medium, client_addr, request_id, result, "
            "prev_hash, hash) VALUES (:seq, :time, :actor_kind, :actor_name, :user_id, :system_id, :department_id, "
            ":action, :object_type, :object_id, :purpose, :approver, :method, :medium, :client_addr, :request_id, "
            ":result, :prev_hash, :hash)", **columns, prev_hash=second.hash, hash=forged)
    result = verify(db)
    assert not result.ok and result.bad_seq is not None and result.bad_seq >= 3


def test_reordered_entries_are_found(db):
    write_entries(db, 5)
    raw(db, "UPDATE audit_entries SET seq = -1 WHERE seq = 2")
    raw(db, "UPDATE audit_entries SET seq = 2 WHERE seq = 4")
    raw(db, "UPDATE audit_entries SET seq = 4 WHERE seq = -1")
    result = verify(db)
    assert not result.ok and result.bad_seq in (2, 4)


def test_concurrent_writers_keep_one_chain(db):
    threads, per_thread = 6, 15
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            write_entries(db, per_thread, platform_actor(f"worker-{n}"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not errors, errors
    result = verify(db)
    assert result.ok, result
    assert result.checked == threads * per_thread
    with db.session() as session:
        seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
    assert seqs == list(range(1, threads * per_thread + 1))


def test_entry_holds_the_facts_of_use(db):
    actor = Actor(kind="user", name="alice", user_id=7, department_id=None, method="api", client_addr="10.0.0.9",
                  request_id="r-1")
    with db.session() as session:
        audit.record(session, actor, "share.read", object_type="resource", object_id="R1", purpose="低保审核",
                     approver="bob", data_content={"items": ["name"], "keys": ["k1"]}, medium="json")
        session.commit()
        entry = session.scalar(select(AuditEntry))
    assert (entry.purpose, entry.approver, entry.medium, entry.method, entry.client_addr) == (
        "低保审核", "bob", "json", "api", "10.0.0.9")
    assert entry.data_content == {"items": ["name"], "keys": ["k1"]}
    assert verify(db).ok
