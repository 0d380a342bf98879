"""File loads — started from the page or by ``POST /api/v1/loads/{id}/run`` — run in a background thread of this
process, never inside the request; their progress lives here, in memory (AGG-5).

At most ``GOVDATA_FILE_LOAD_WORKERS`` loads run at once in a process (one on SQLite, whose single writer would
make a second load wait on the lock past its busy timeout); the others wait for a free worker, shown as
queued. When a load ends, what it freed is handed back to the system (``release_memory``), so the process
returns to its size.

The progress is never written to the database: a load is one unit of work, and on SQLite it holds the write
lock for its whole transaction, so a progress row could neither be committed by the load (it would only
appear at the end) nor written by anyone else meanwhile. The registry belongs to the application
(``app.state``), so two apps in one process (tests) never see each other's loads. A load that was running
when the process stopped left nothing behind (its transaction never committed): its FileLoad is still
``uploaded`` and can be started again.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.errors import DomainError, Forbidden

__all__ = ["LoadProgress", "Registry", "registry_of", "release_memory", "start_in_background", "wait"]

log = logging.getLogger(__name__)

#: Finished entries kept for the pages that poll them (the oldest go first).
KEEP_FINISHED = 500


@dataclass(frozen=True)
class LoadProgress:
    """Where one load stands: ``running``, ``done`` (committed or rejected: the FileLoad says which) or
    ``failed`` (an error before anything was recorded; ``message`` says why)."""

    load_id: int
    state: str = "running"
    done: int = 0
    expected: int | None = None
    started: float = 0.0  # time.monotonic()
    finished: float | None = None
    message: str | None = None
    queued: bool = False  # waiting for a free worker
    error: DomainError | None = None  # why it failed, or the rejection of the whole file (batch_rejected)

    @property
    def code(self) -> str | None:
        return self.error.code if self.error is not None else None

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def percent(self) -> int | None:
        """0-100 when the expected row count is known; the count is an estimate, so never 100 before the end."""
        if self.state != "running":
            return 100
        if not self.expected:
            return None
        return min(99, self.done * 100 // self.expected)

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started


class Registry:
    """Thread-safe map load id → progress. A load id is ``running`` at most once at a time; ``workers`` loads
    run at once, the others wait (``queued``)."""

    def __init__(self, keep: int = KEEP_FINISHED, workers: int = 2) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, LoadProgress] = OrderedDict()
        self._keep = keep
        self.workers = threading.BoundedSemaphore(workers)

    def begin(self, load_id: int) -> bool:
        """Mark the load running; False when it already is."""
        with self._lock:
            current = self._entries.get(load_id)
            if current is not None and current.running:
                return False
            self._entries[load_id] = LoadProgress(load_id, started=time.monotonic())
            self._entries.move_to_end(load_id)
            self._trim()
            return True

    def update(self, load_id: int, done: int, expected: int | None) -> None:
        with self._lock:
            current = self._entries.get(load_id)
            if current is not None and current.running:
                self._entries[load_id] = replace(current, done=done, expected=expected)

    def set_queued(self, load_id: int, queued: bool) -> None:
        with self._lock:
            current = self._entries.get(load_id)
            if current is not None and current.running:
                self._entries[load_id] = replace(current, queued=queued,
                                                 started=current.started if queued else time.monotonic())

    def finish(self, load_id: int, state: str, message: str | None = None, error: DomainError | None = None) -> None:
        with self._lock:
            current = self._entries.get(load_id) or LoadProgress(load_id, started=time.monotonic())
            self._entries[load_id] = replace(current, state=state, message=message, error=error, queued=False,
                                             finished=time.monotonic())

    def get(self, load_id: int) -> LoadProgress | None:
        with self._lock:
            return self._entries.get(load_id)

    def _trim(self) -> None:
        finished = [k for k, v in self._entries.items() if not v.running]
        for key in finished[:max(0, len(finished) - self._keep)]:
            del self._entries[key]


_app_lock = threading.Lock()


def registry_of(app: Any) -> Registry:
    """The application's registry, made on first use with the workers of its settings."""
    with _app_lock:
        registry = getattr(app.state, "load_progress", None)
        if registry is None:
            registry = app.state.load_progress = Registry(workers=workers_of(app.state.settings))
        return registry  # type: ignore[no-any-return]


def workers_of(settings: Any) -> int:
    """Loads run at once: the setting, or one when a database is SQLite (one writer at a time)."""
    urls = (settings.resolved_database_url, settings.resolved_data_database_url)
    return 1 if any(url.startswith("sqlite") for url in urls) else int(settings.file_load_workers)


async def wait(registry: Registry, load_id: int, seconds: float) -> LoadProgress | None:
    """The load's progress once it is no longer running, or after ``seconds`` (on the event loop, holding no
    thread meanwhile)."""
    deadline = time.monotonic() + max(0.0, seconds)
    delay = 0.01
    while True:
        state = registry.get(load_id)
        left = deadline - time.monotonic()
        if state is None or not state.running or left <= 0:
            return state
        await asyncio.sleep(min(delay, left))
        delay = min(delay * 2, 0.25)


Runner = Callable[[Session, Actor, int, Callable[[int, int | None], None]], Any]


def start_in_background(registry: Registry, sessions: Callable[[], Session], actor: Actor, load_id: int,
                        run: Runner) -> bool:
    """Run ``run(session, actor, load_id, progress)`` in a thread of its own, in one unit of work of its own
    session; False (and nothing started) when this load is already running."""
    if not registry.begin(load_id):
        return False
    thread = threading.Thread(target=_run, args=(registry, sessions, actor, load_id, run),
                              name=f"file-load-{load_id}", daemon=True)
    thread.start()
    return True


def release_memory() -> None:
    """Hand back to the system what a finished load freed: Python's cycles, pyarrow's pool (mimalloc keeps
    freed pages for reuse) and the C library's free lists (glibc keeps them; ``malloc_trim`` returns them)."""
    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None  # glibc only


_LIBC = _libc()


def _run(registry: Registry, sessions: Callable[[], Session], actor: Actor, load_id: int, run: Runner) -> None:
    def progress(done: int, expected: int | None) -> None:
        registry.update(load_id, done, expected)

    if not registry.workers.acquire(blocking=False):
        registry.set_queued(load_id, True)
        registry.workers.acquire()
        registry.set_queued(load_id, False)
    session = sessions()
    try:
        run(session, actor, load_id, progress)
        session.commit()
        registry.finish(load_id, "done")
    except DomainError as exc:
        if exc.keep_writes:  # a load rejected as a whole is recorded as such
            session.commit()
            registry.finish(load_id, "done", exc.message("zh"), exc)
        else:
            session.rollback()
            registry.finish(load_id, "failed", exc.message("zh"), exc)
        if isinstance(exc, Forbidden):
            with sessions() as denial:
                audit.record(denial, actor, exc.action, result="denied", object_type="file_load", object_id=load_id,
                             detail={"code": exc.code})
                denial.commit()
    except Exception:  # noqa: BLE001 - a background thread has nobody else to tell
        session.rollback()
        log.exception("file load %s failed", load_id)
        error = DomainError("internal_error", "导入过程中发生服务器内部错误，未写入任何数据，请联系平台运维人员",
                            "The load failed on the server; nothing was written")
        registry.finish(load_id, "failed", error.message("zh"), error)
    finally:
        session.close()
        registry.workers.release()
        release_memory()
