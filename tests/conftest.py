"""Test fixtures: every database test runs on SQLite, and on PostgreSQL too when GOVDATA_TEST_POSTGRES_URL
is set. Schemas are built through the migrations, never ``create_all``.

SQLite: migrate once into a template file (and once more with the demo city loaded), copy per test.
PostgreSQL: migrate once into a dedicated schema, load the demo city, dump it to memory, and restore it
with TRUNCATE + INSERT before each test.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from govdata import wiring
from govdata.app import create_app
from govdata.config import Settings
from govdata.core.db import make_engine, make_session_factory
from govdata.core.migrate import upgrade
from govdata.org.demo_data import ACCOUNTS

wiring.load()  # the contexts' jobs and event handlers, as the app and the CLI load them

PG_URL = os.environ.get("GOVDATA_TEST_POSTGRES_URL")
PG_SCHEMA = f"govdata_test_{os.getpid()}"  # one per run, so concurrent runs do not collide
TEST_SECRET = "test-secret-key"
TEST_SETTINGS = Settings(secret_key=TEST_SECRET)
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORDS = {a["username"]: a["password"] for a in ACCOUNTS}


def pg_url(schema: str = PG_SCHEMA) -> str:
    """The PostgreSQL test URL with ``schema`` as the search path."""
    assert PG_URL
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@dataclass
class Database:
    backend: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    def session(self) -> Session:
        return self.sessions()


class _PgTemplate:
    """A migrated PostgreSQL schema and in-memory snapshots to restore per test."""

    def __init__(self) -> None:
        admin = make_engine(PG_URL)  # type: ignore[arg-type]
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        admin.dispose()
        self.url = pg_url()
        upgrade(self.url)
        self.engine = make_engine(self.url)
        self.metadata = MetaData()
        self.metadata.reflect(self.engine)
        self.tables = [t for t in self.metadata.sorted_tables if t.name != "alembic_version"]
        self.snapshots: dict[str, dict[str, list[dict[str, Any]]]] = {"empty": self._dump()}

    def _dump(self) -> dict[str, list[dict[str, Any]]]:
        with self.engine.connect() as conn:
            return {t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in self.tables}

    def restore(self, name: str) -> None:
        data = self.snapshots[name]
        names = ", ".join(t.name for t in self.tables)
        with self.engine.begin() as conn:
            # dataset tables (ds_*) are made at run time by publishing: none survives into the next test
            stray = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                      "AND tablename LIKE 'ds\\_%'")).scalars().all()
            for table in stray:
                conn.execute(text(f'DROP TABLE "{table}"'))
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in self.tables:
                if data[table.name]:
                    conn.execute(insert(table), data[table.name])
            for table in self.tables:
                if "id" in table.c and data[table.name]:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"(SELECT max(id) FROM {table.name}))"))

    def snapshot(self, name: str) -> None:
        self.snapshots[name] = self._dump()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from govdata import demo

    root = tmp_path_factory.mktemp("templates")
    empty = root / "empty.db"
    upgrade(f"sqlite:///{empty}")
    with_demo = root / "demo.db"
    shutil.copy(empty, with_demo)
    engine = make_engine(f"sqlite:///{with_demo}")
    with make_session_factory(engine, TEST_SETTINGS)() as session:
        demo.load(session, catalog=False)
        session.commit()
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    templates: dict[str, Any] = {"sqlite": {"empty": empty, "demo": with_demo}}
    if PG_URL:
        pg = _PgTemplate()
        with make_session_factory(pg.engine, TEST_SETTINGS)() as session:
            demo.load(session, catalog=False)
            session.commit()
        pg.snapshot("demo")
        pg.restore("empty")
        templates["postgresql"] = pg
    yield templates
    if PG_URL:
        templates["postgresql"].engine.dispose()
        admin = make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        admin.dispose()


def _database(request: pytest.FixtureRequest, templates: dict[str, Any], tmp_path: Path, kind: str) -> Iterator[Database]:
    backend = request.param
    if backend == "sqlite":
        path = tmp_path / "govdata.db"
        shutil.copy(templates["sqlite"][kind], path)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
    else:
        pg: _PgTemplate = templates["postgresql"]
        pg.restore(kind)
        url = pg.url
        engine = make_engine(url)
    yield Database(backend, url, engine, make_session_factory(engine, TEST_SETTINGS))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, _templates: dict[str, Any], tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database (audit head only)."""
    yield from _database(request, _templates, tmp_path, "empty")


@pytest.fixture(params=BACKENDS)
def demo_db(request: pytest.FixtureRequest, _templates: dict[str, Any], tmp_path: Path) -> Iterator[Database]:
    """A migrated database holding the demo city."""
    yield from _database(request, _templates, tmp_path, "demo")


@pytest.fixture(params=BACKENDS)
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with nothing in it (not even migrations): a file for SQLite, a fresh schema for
    PostgreSQL, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    schema = f"govdata_blank_{os.getpid()}"
    admin = make_engine(PG_URL)  # type: ignore[arg-type]
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield pg_url(schema)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


def make_settings(database: Database, tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database.url, secret_key=TEST_SECRET, **overrides)


@pytest.fixture(scope="session")
def _shared_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One application for the whole run: FastAPI builds each route's matching state on its first request per
    app, which costs more than most tests. Settings, engine and sessions live in ``app.state`` and are read per
    request, so each test swaps in its own (see ``client``)."""
    home = tmp_path_factory.mktemp("shared-app")
    app = create_app(Settings(home=home, database_url=f"sqlite:///{home / 'unused.db'}", secret_key=TEST_SECRET))
    app.state.engine.dispose()
    return app


@pytest.fixture
def client(_shared_app: FastAPI, demo_db: Database, tmp_path: Path) -> Iterator[TestClient]:
    app = _shared_app
    settings = make_settings(demo_db, tmp_path)
    app.state.settings = settings
    app.state.engine = make_engine(settings.resolved_database_url)
    app.state.sessions = make_session_factory(app.state.engine, settings)
    if hasattr(app.state, "load_progress"):
        del app.state.load_progress
    with TestClient(app) as test_client:
        test_client.db = demo_db  # type: ignore[attr-defined]
        yield test_client
    app.state.engine.dispose()


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: TestClient, username: str, password: str | None = None) -> str:
    """Sign in through the form; returns a CSRF token valid for this client's later form posts."""
    page = client.get("/login")
    token = csrf_from(page.text)
    response = client.post("/login", data={"username": username, "password": password or PASSWORDS[username],
                                           "csrf_token": token, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return token


def bearer(client: TestClient, username: str) -> dict[str, str]:
    """An Authorization header with a fresh personal token of ``username`` (made through the service)."""
    from sqlalchemy import select

    from govdata.org import service
    from govdata.org.models import User
    from govdata.org.schemas import TokenCreate
    from govdata.org.signin import actor_for

    database: Database = client.db  # type: ignore[attr-defined]
    with database.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        _, raw = service.create_token(session, actor_for(user, "api"), TokenCreate(name="test"))
        session.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    """Each test starts with no counted calls: the grants' rate and quota counters and the departments'
    verification budgets live in the process (each test's database restarts its ids and days)."""
    from govdata.sharing import limits

    for limiter in limits._limiters.values():
        limiter.reset()
    yield
