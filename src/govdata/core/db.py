"""Database plumbing: one portable ORM base, engines for SQLite and PostgreSQL, and the unit of work.

SQLite runs in WAL mode with foreign keys on, ``synchronous=FULL`` (a commit is on disk when it returns:
audit entries are durable before the reply is sent) and a generous busy timeout; pysqlite's own transaction
handling is kept (a write transaction starts at the first write), which is what lets concurrent writers
queue on the database lock instead of dead-locking on a read-to-write upgrade. Many small writes of
concurrent requests (the audit entries of reads of shared data) share transactions: ``core.group_commit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_FROZEN_NOW: ContextVar[dt.datetime | None] = ContextVar("govdata_frozen_now", default=None)


def utcnow() -> dt.datetime:
    """The current time in UTC (or the time ``frozen_at`` holds in this context)."""
    frozen = _FROZEN_NOW.get()
    return frozen if frozen is not None else dt.datetime.now(dt.UTC)


@contextmanager
def frozen_at(when: dt.datetime) -> Iterator[None]:
    """Demo data only: inside the block ``utcnow()`` returns ``when`` (timezone-aware), in this context (thread
    or task) only, so past activity can be loaded through the services with its true dates. Nothing in the
    platform's own paths uses it."""
    if when.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware datetime")
    token = _FROZEN_NOW.set(when.astimezone(dt.UTC))
    try:
        yield
    finally:
        _FROZEN_NOW.reset(token)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp on both databases; always returned in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a timezone-aware column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite keeps no offset; we only ever store UTC
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Entity(Base):
    """Abstract base: id, created and updated on every control-plane table."""

    __abstract__ = True
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


#: Connections kept open by default: about as many as requests run at once (the server's thread pool has 40),
#: so a busy process reuses its connections instead of opening (and, for SQLite, setting up) one per request.
#: The server takes them from ``GOVDATA_DB_POOL_SIZE`` / ``GOVDATA_DB_MAX_OVERFLOW``.
POOL_SIZE = 32
POOL_OVERFLOW = 16


#: Set in a connection's ``info`` by ``track_writes`` while its transaction has written.
WROTE = "govdata_wrote"
_WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "TRUNCATE", "LOCK", "SELECT SETVAL",
           "COPY")


def track_writes(engine: Engine) -> None:
    """Mark, on ``engine``'s connections, whether the open transaction has written or locked rows, without a
    round trip to ask the server (``core.group_commit.holds_writes``; SQLite's driver says so itself)."""
    def before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:12].upper().startswith(_WRITES) or "FOR UPDATE" in statement[-40:].upper():
            conn.info[WROTE] = True

    def ended(conn: Any) -> None:
        conn.info.pop(WROTE, None)

    def reset(_dbapi_connection: Any, connection_record: Any, _reset_state: Any) -> None:
        connection_record.info.pop(WROTE, None)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", ended)
    event.listen(engine, "rollback", ended)
    event.listen(engine.pool, "reset", reset)


def make_engine(url: str, **kwargs: Any) -> Engine:
    is_memory = url in ("sqlite://", "sqlite:///:memory:")
    if not is_memory:
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    track_writes(engine)
    return engine


def make_session_factory(engine: Engine, settings: Any = None) -> sessionmaker[Session]:
    """Sessions that carry the settings (``settings_of``), so services reach configuration such as the
    secret key without a second parameter."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True, info={"settings": settings})


def settings_of(session: Session) -> Any:
    settings = session.info.get("settings")
    if settings is None:
        from govdata.config import get_settings

        settings = get_settings()
    return settings
