"""Group commit: many requests' small writes (the audit entry and usage record of a read of shared data)
in one transaction, each caller returning only once its writes are committed.

A read of shared data changes nothing but must leave a durable audit entry before the reply is sent
(SEC-2). Giving every read its own write transaction makes the readers queue on the audit chain's head
(a row lock on PostgreSQL, the database lock on SQLite) and pay a commit each. Here a writer thread per
engine and batch function (or, for requests served on the event loop of a PostgreSQL platform, the loop
itself) takes every write waiting, hands them to the batch function in one transaction
(which writes them with a few statements however many there are), commits once, and then wakes the
callers with their results. A caller whose own transaction already holds writes runs its write inline
instead: the writer would wait for that transaction's locks while the caller waits for the writer.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from concurrent.futures import Future
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from govdata.core.db import WROTE, make_engine

#: Writes taken into one transaction at most.
MAX_BATCH = 256
#: A writer thread with nothing to do for this long ends; the next write starts another.
IDLE_SECONDS = 5.0

#: Writes the items of a batch in the session given, returning one outcome per item, in order: a value for
#: its caller, or an exception to raise in its caller. Raising fails the whole batch (nothing is written).
BatchFn = Callable[[Session, Sequence[Any]], list[Any]]


def holds_writes(session: Session) -> bool:
    """Whether ``session``'s open transaction has written anything (and so holds write locks)."""
    if not session.in_transaction():
        return False
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return bool(connection.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]
    return bool(connection.info.get(WROTE))  # see core.db.track_writes




#: The longest a flush waits for a lock on PostgreSQL (it may run on the event loop).
LOCK_TIMEOUT_MS = 5000


def _bounded_lock_waits(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
    cursor.close()
    dbapi_connection.commit()


class _Writer:
    def __init__(self, engine: Engine, info: dict[str, Any], batch_fn: BatchFn) -> None:
        # A connection of its own: the callers hold theirs (possibly every one of the pool) while they wait.
        self.engine = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
        if self.engine.dialect.name == "postgresql":
            event.listen(self.engine, "connect", _bounded_lock_waits)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=True, info=info)
        self.batch_fn = batch_fn
        self.queue: queue.SimpleQueue[tuple[Any, Future[Any]]] = queue.SimpleQueue()
        self.loop_batch: list[tuple[Any, Future[Any]]] = []
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def enqueue(self, item: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.queue.put((item, future))
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="govdata-group-commit", daemon=True)
                self.thread.start()
        return future

    def enqueue_on_loop(self, item: Any, loop: asyncio.AbstractEventLoop) -> Future[Any]:
        """Queue ``item`` for a flush run by the event loop ``loop`` itself once the callbacks ready then
        have run (every request the loop is handling adds its write first): no hand-off to a thread, no
        waiting for the GIL the loop holds. Callable from the loop or from a worker thread. The flush uses
        the same connection as the writer thread, so the two never interleave."""
        future: Future[Any] = Future()
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self._add_to_loop_batch(item, future, loop)
        else:
            loop.call_soon_threadsafe(self._add_to_loop_batch, item, future, loop)
        return future

    def _add_to_loop_batch(self, item: Any, future: Future[Any], loop: asyncio.AbstractEventLoop) -> None:
        self.loop_batch.append((item, future))
        if len(self.loop_batch) == 1:
            loop.call_soon(self._flush_loop_batch, loop)

    def _flush_loop_batch(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self.loop_batch = self.loop_batch[:MAX_BATCH], self.loop_batch[MAX_BATCH:]
        if self.loop_batch:
            loop.call_soon(self._flush_loop_batch, loop)
        self._run(batch)

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

    def _run(self, batch: list[tuple[Any, Future[Any]]]) -> None:
        try:
            with self.sessions() as session:
                outcomes = self.batch_fn(session, [item for item, _ in batch])
                session.commit()
        except Exception as exc:  # noqa: BLE001 - the batch failed: nothing of it was written
            outcomes = [exc] * len(batch)
        for (_item, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # a request whose client went away
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


_writers: weakref.WeakKeyDictionary[Engine, dict[BatchFn, _Writer]] = weakref.WeakKeyDictionary()
_writers_lock = threading.Lock()


#: Set by ``deferred``: writes queued in this context, each with what to do with its outcome.
_Pending = list[tuple[Future[Any], Callable[[Any], Any] | None]]
_DEFERRED: ContextVar[tuple[asyncio.AbstractEventLoop, _Pending] | None] = ContextVar(
    "govdata_deferred_writes", default=None)


def write_batched(session: Session, batch_fn: BatchFn, item: Any, then: Callable[[Any], Any] | None = None) -> Any:
    """Have ``batch_fn`` write ``item`` together with whatever other callers submit meanwhile, and return
    (or raise) its outcome for ``item`` once committed — passed through ``then`` when given; inline in
    ``session`` when that holds writes (then durable with the caller's commit). ``batch_fn`` must only add
    rows: it runs in another session. Inside ``deferred()`` the write is only queued (``None`` is returned):
    ``settle`` waits for it and runs ``then``."""
    if holds_writes(session):
        return _outcome(batch_fn(session, [item])[0], then)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with _writers_lock:
        writers = _writers.setdefault(engine, {})
        writer = writers.get(batch_fn)
        if writer is None:
            writer = writers[batch_fn] = _Writer(engine, dict(session.info), batch_fn)
    deferral = _DEFERRED.get()
    if deferral is not None:
        loop, pending = deferral
        # On SQLite a long write (a file load) can hold the database's write lock for minutes: the loop must
        # never wait for it, so the writer thread flushes. On PostgreSQL the flush waits at most for a row
        # lock on the audit head (``lock_timeout``), and flushing on the loop spares the thread's GIL waits.
        on_loop = writer.engine.dialect.name != "sqlite"
        pending.append((writer.enqueue_on_loop(item, loop) if on_loop else writer.enqueue(item), then))
        return None
    return _outcome(writer.enqueue(item).result(), then)


def _outcome(outcome: Any, then: Callable[[Any], Any] | None) -> Any:
    if isinstance(outcome, BaseException):
        raise outcome
    return then(outcome) if then else outcome


@contextmanager
def deferred() -> Iterator[_Pending]:
    """For a request served from the event loop: writes made inside the block (on the loop, or in a worker
    thread the block's context is copied to) are queued — flushed by the loop on PostgreSQL, by the writer
    thread on SQLite — not waited for; the caller must ``await settle(pending)`` before it answers, so the
    reply still follows the commit."""
    pending: _Pending = []
    token = _DEFERRED.set((asyncio.get_running_loop(), pending))
    try:
        yield pending
    finally:
        _DEFERRED.reset(token)


async def settle(pending: _Pending) -> None:
    """Wait for the writes queued by ``deferred`` and run their ``then``, in order; the first error raised
    (a failed write, or by a ``then``) is raised after all were waited for."""
    error: BaseException | None = None
    for future, then in pending:
        try:
            outcome = await asyncio.wrap_future(future)
            if then is not None:
                then(outcome)
        except Exception as exc:  # noqa: BLE001 - raised below
            error = error or exc
    if error is not None:
        raise error
