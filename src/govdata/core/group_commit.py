"""Group commit: many requests' small writes (the audit entry and usage record of a read of shared data)
in one transaction, each caller returning only once its writes are committed.

A read of shared data changes nothing but must leave a durable audit entry before the reply is sent
(SEC-2). Giving every read its own write transaction makes the readers queue on the audit chain's head
(a row lock on PostgreSQL, the database lock on SQLite) and pay a commit each. Here a writer thread per
engine takes every write waiting, runs each in a savepoint of one transaction (so one failing write fails
alone), commits once, and then wakes the callers with their results. A caller whose own transaction already
holds writes runs its write inline instead: the writer would wait for that transaction's locks while the
caller waits for the writer.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from govdata.core.db import make_engine

T = TypeVar("T")

#: Writes taken into one transaction at most.
MAX_BATCH = 256
#: A writer thread with nothing to do for this long ends; the next write starts another.
IDLE_SECONDS = 5.0


def holds_writes(session: Session) -> bool:
    """Whether ``session``'s open transaction has written anything (and so holds write locks)."""
    if not session.in_transaction():
        return False
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return bool(connection.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]
    if connection.dialect.name == "postgresql":
        return connection.execute(text("SELECT pg_current_xact_id_if_assigned()")).scalar() is not None
    return True


class _Writer:
    def __init__(self, engine: Engine, info: dict[str, Any]) -> None:
        # A connection of its own: the callers hold theirs (possibly every one of the pool) while they wait.
        self.engine = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=True, info=info)
        self.queue: queue.SimpleQueue[tuple[Callable[[Session], Any], Future[Any]]] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def submit(self, fn: Callable[[Session], T]) -> T:
        future: Future[T] = Future()
        self.queue.put((fn, future))
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="govdata-group-commit", daemon=True)
                self.thread.start()
        return future.result()

    def _loop(self) -> None:
        while True:
            try:
                batch = [self.queue.get(timeout=IDLE_SECONDS)]
            except queue.Empty:
                with self.lock:
                    if self.queue.empty():
                        self.thread = None
                        self.engine.dispose()
                        return
                continue
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            self._run(batch)

    def _run(self, batch: list[tuple[Callable[[Session], Any], Future[Any]]]) -> None:
        outcomes: list[tuple[Future[Any], bool, Any]] = []
        try:
            with self.sessions() as session:
                for fn, future in batch:
                    try:
                        with session.begin_nested():
                            outcomes.append((future, True, fn(session)))
                    except Exception as exc:  # noqa: BLE001 - handed to its caller
                        outcomes.append((future, False, exc))
                session.commit()
        except Exception as exc:  # noqa: BLE001 - the commit failed: nothing of the batch was written
            for _fn, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for future, ok, value in outcomes:
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)


_writers: weakref.WeakKeyDictionary[Engine, _Writer] = weakref.WeakKeyDictionary()
_writers_lock = threading.Lock()


def write(session: Session, fn: Callable[[Session], T]) -> T:
    """Run ``fn(session)`` and return its result once what it wrote is committed — in a shared transaction
    of the writer thread, or in ``session`` itself when that already holds writes (then durable with the
    caller's commit, like any other change of it). ``fn`` must only add rows: it may run in another session."""
    if holds_writes(session):
        return fn(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with _writers_lock:
        writer = _writers.get(engine)
        if writer is None:
            writer = _writers[engine] = _Writer(engine, dict(session.info))
    return writer.submit(fn)
