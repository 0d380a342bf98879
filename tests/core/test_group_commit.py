"""Group commit: concurrent readers' audit entries land in shared transactions, each caller returning only
after its entry is committed; a refused item fails alone and a failing batch writes nothing; a caller
already holding writes writes inline."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from govdata.core import audit, group_commit
from govdata.core.actor import platform_actor
from govdata.core.audit import AuditEntry


def count(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry))


def append(session, actions):
    """A batch function: one audit entry per action, its sequence number as the outcome; an action named
    ``refuse`` is refused alone (its outcome is an exception, nothing of it is written)."""
    kept = [a for a in actions if a != "refuse"]
    seqs = iter(e.seq for e in audit.record_many(session, [audit.Entry(platform_actor("reader"), a) for a in kept]))
    return [ValueError("refused") if a == "refuse" else next(seqs) for a in actions]


def broken(session, actions):
    audit.record_many(session, [audit.Entry(platform_actor("reader"), a) for a in actions])
    raise ZeroDivisionError


def test_concurrent_writes_are_committed_before_each_caller_returns_and_the_chain_holds(db):
    before = count(db)
    seen: list[int] = []
    errors: list[BaseException] = []

    def reader(i: int) -> None:
        try:
            with db.session() as session:
                session.scalar(select(func.count()).select_from(AuditEntry))  # a read transaction is open
                entry_seq = group_commit.write_batched(session, append, f"test.read.{i}")
                # committed: another connection sees it now
                with db.session() as other:
                    assert other.scalar(select(AuditEntry.id).where(AuditEntry.seq == entry_seq)) is not None
                seen.append(entry_seq)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(seen)) == 8 and count(db) == before + 8
    with db.session() as session:
        assert audit.verify(session).ok


def test_a_failing_write_fails_alone(db):
    before = count(db)
    with db.session() as session:
        with pytest.raises(ValueError):
            group_commit.write_batched(session, append, "refuse")
        with pytest.raises(ZeroDivisionError):  # a batch that fails writes nothing
            group_commit.write_batched(session, broken, "test.lost")
        seq = group_commit.write_batched(session, append, "test.ok")
    assert count(db) == before + 1
    with db.session() as session:
        assert session.scalar(select(AuditEntry.action).where(AuditEntry.seq == seq)) == "test.ok"
        assert audit.verify(session).ok


def test_a_session_holding_writes_writes_inline_and_rolls_back_with_its_own_change(db):
    before = count(db)
    with db.session() as session:
        audit.record(session, platform_actor("x"), "test.change")
        assert group_commit.holds_writes(session)
        group_commit.write_batched(session, append, "test.read")
        session.rollback()
    assert count(db) == before
