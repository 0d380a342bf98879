"""Counting the /api calls that carry no credentials (SEC-2): in the audit log, aggregated per minute.

A call without a signature, token or session is either refused (401 ``unauthenticated``) or, on the
harvester endpoints, served as ``anonymous``. Writing one audit entry per such call would let anyone fill
the disk with a loop; writing none would leave a scan or a flood unseen. So each process counts them in a
window of ``WINDOW_SECONDS`` and writes one entry ``auth.anonymous_calls`` per window that saw any: the
window, the total, and the calls by client address, path (record keys in it replaced by ``*``), result
and reason (``unauthenticated``, or what was wrong with a signature that names no known system:
``signature_missing``, ``app_key_unknown``) — at most ``MAX_ROWS`` rows, the rest
summed in one row (``client`` and ``path`` ``*``), so a flood of ever-new paths or addresses costs one
bounded entry a minute.

A window is written by the first call after it ends, and at shutdown (``flush``), in a thread of its own:
the write never holds up the call that triggers it, even on the event loop.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from govdata.core import audit
from govdata.core.actor import anonymous
from govdata.core.db import utcnow

__all__ = ["MAX_ROWS", "WINDOW_SECONDS", "AnonymousCalls"]

WINDOW_SECONDS = 60
MAX_ROWS = 200


class AnonymousCalls:
    """The counter of one process (kept on ``app.state.anonymous_calls``)."""

    def __init__(self, window_seconds: int = WINDOW_SECONDS, max_rows: int = MAX_ROWS) -> None:
        self._lock = threading.Lock()
        self._window = dt.timedelta(seconds=window_seconds)
        self._max_rows = max_rows
        self._started: dt.datetime | None = None
        self._counts: Counter[tuple[str, str, str, str]] = Counter()

    def count(self, sessions: Callable[[], Session], client: str | None, path: str, result: str,
              now: dt.datetime | None = None, *, reason: str = "unauthenticated") -> threading.Thread | None:
        """Count one call; when it falls after the current window, that window is written first (in a
        thread, which is returned)."""
        now = now or utcnow()
        with self._lock:
            ended = self._take(now) if self._started and now - self._started >= self._window else None
            if self._started is None:
                self._started = now
            row = (client or "-", audit.path_for_audit(path), result, reason[:40])
            if row not in self._counts and len(self._counts) >= self._max_rows:
                row = ("*", "*", result, "*")
            self._counts[row] += 1
        return self._write_in_thread(sessions, ended) if ended else None

    def flush(self, sessions: Callable[[], Session], now: dt.datetime | None = None) -> None:
        """Write what has been counted so far (at shutdown), in the caller's thread."""
        with self._lock:
            ended = self._take(now or utcnow()) if self._counts else None
        if ended:
            _write(sessions, ended)

    def _take(self, now: dt.datetime) -> dict[str, Any]:
        counts, started = self._counts, self._started
        self._counts, self._started = Counter(), None
        rows = [{"client": c, "path": p, "result": r, "reason": why, "calls": n}
                for (c, p, r, why), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        assert started is not None
        return {"from": started.isoformat(), "to": now.isoformat(), "calls": sum(counts.values()), "by": rows}

    @staticmethod
    def _write_in_thread(sessions: Callable[[], Session], window: dict[str, Any]) -> threading.Thread:
        thread = threading.Thread(target=_write, args=(sessions, window), name="anonymous-calls", daemon=True)
        thread.start()
        return thread


def _write(sessions: Callable[[], Session], window: dict[str, Any]) -> None:
    denied = sum(r["calls"] for r in window["by"] if r["result"] == "denied")
    with sessions() as session:
        audit.record(session, anonymous(None, "api"), "auth.anonymous_calls",
                     result="denied" if denied == window["calls"] else "success", detail=window)
        session.commit()
