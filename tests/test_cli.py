"""The ``govdata`` command: set up, demo data, accounts, tokens, and audit verification (SEC-2)."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govdata.app import create_app
from govdata.cli import app
from govdata.config import get_settings
from govdata.core.db import make_engine, make_session_factory
from govdata.org.demo_data import ACCOUNTS, DEPARTMENTS, DEPARTMENTS_BY_KEY, STAFF
from tests.conftest import Database
from tests.core.tamper import forge

runner = CliRunner()


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("GOVDATA_HOME", str(home))
    for name in ("GOVDATA_DATABASE_URL", "GOVDATA_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()


def run(*args: str, input: str | None = None):  # noqa: A002 - CliRunner's name
    return runner.invoke(app, list(args), input=input)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty $GOVDATA_HOME, with the settings cache cleared around the test."""
    path = tmp_path / "home"
    use_home(monkeypatch, path)
    yield path
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One home initialised and loaded with the demo city, copied for each test that needs it."""
    path = tmp_path_factory.mktemp("cli") / "home"
    with pytest.MonkeyPatch.context() as mp:
        use_home(mp, path)
        assert run("init").exit_code == 0
        result = run("demo", "--dataset-scale", "0.05")
        assert result.exit_code == 0, result.output
        get_settings.cache_clear()
    with sqlite3.connect(path / "govdata.db") as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def demo_home(_demo_template: Path, home: Path) -> Path:
    shutil.copytree(_demo_template, home)
    return home


def test_init_creates_the_database(home):
    result = run("init")
    assert result.exit_code == 0, result.output
    db = home / "govdata.db"
    assert db.exists() and (home / "secret_key").exists()
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"departments", "users", "audit_entries", "audit_head", "alembic_version"} <= tables
        assert conn.execute("SELECT seq FROM audit_head").fetchone() == (0,)
    assert run("init").exit_code == 0  # idempotent


def test_demo_prints_accounts_and_refuses_a_second_load(home):
    assert run("init").exit_code == 0
    result = run("demo", "--dataset-scale", "0.05")
    assert result.exit_code == 0, result.output
    for account in ACCOUNTS:
        assert account["username"] in result.output
    assert ACCOUNTS[0]["username"] == "admin" and ACCOUNTS[0]["password"] in result.output
    with sqlite3.connect(home / "govdata.db") as conn:
        assert conn.execute("SELECT count(*) FROM departments").fetchone()[0] == len(DEPARTMENTS)
        # the demo accounts, and the departments' staff who act in the demo's records
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == len(ACCOUNTS) + len(STAFF)

    again = run("demo", "--dataset-scale", "0.05")
    assert again.exit_code != 0
    assert "already holds departments" in again.output
    quiet = run("demo", "--if-empty")
    assert quiet.exit_code == 0 and "already present" in quiet.output
    with sqlite3.connect(home / "govdata.db") as conn:
        # the demo accounts, and the departments' staff who act in the demo's records
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == len(ACCOUNTS) + len(STAFF)


def test_departments_lists_credit_codes(demo_home):
    result = run("departments")
    assert result.exit_code == 0, result.output
    for department in DEPARTMENTS:
        assert department["credit_code"] in result.output
    assert "云川市公安局" in result.output


def test_user_create_with_prompted_password(demo_home):
    code = DEPARTMENTS_BY_KEY["mca-city"]["credit_code"]
    result = run("user", "create", "lixiaolong", "--name", "李小龙", "--department", code, "--role", "data_user",
                 input="Strong#Pass2026\nStrong#Pass2026\n")
    assert result.exit_code == 0, result.output
    assert "created user lixiaolong" in result.output
    assert "Strong#Pass2026" not in result.output  # hidden input
    with sqlite3.connect(demo_home / "govdata.db") as conn:
        row = conn.execute("SELECT u.password_hash, d.credit_code, r.role FROM users u "
                           "JOIN departments d ON d.id = u.department_id JOIN user_roles r ON r.user_id = u.id "
                           "WHERE u.username = 'lixiaolong'").fetchone()
        audited = conn.execute("SELECT actor_kind, actor_name, method FROM audit_entries "
                               "WHERE action = 'org.create_user' ORDER BY seq DESC LIMIT 1").fetchone()
    assert row is not None and row[0].startswith("$argon2id$") and row[1:] == (code, "data_user")
    assert audited == ("platform", "govdata-cli", "cli")


def test_user_create_refuses_a_weak_password(demo_home):
    code = DEPARTMENTS_BY_KEY["mca-city"]["credit_code"]
    result = run("user", "create", "lixiaolong", "--name", "李小龙", "--department", code, "--role", "data_user",
                 input="weakpass\nweakpass\n")
    assert result.exit_code != 0
    assert "密码不符合安全策略" in result.output and "长度至少10位" in result.output
    with sqlite3.connect(demo_home / "govdata.db") as conn:
        assert conn.execute("SELECT count(*) FROM users WHERE username = 'lixiaolong'").fetchone()[0] == 0


def test_user_create_refuses_an_unknown_department(demo_home):
    result = run("user", "create", "lixiaolong", "--name", "李小龙", "--department", "NOSUCHCODE",
                 "--role", "data_user", input="Strong#Pass2026\nStrong#Pass2026\n")
    assert result.exit_code != 0 and "部门不存在" in result.output


def test_token_create_prints_a_working_token(demo_home):
    result = run("token", "create", "admin")
    assert result.exit_code == 0, result.output
    match = re.search(r"gdp_[A-Za-z0-9_-]+", result.output)
    assert match and result.output.strip() == match.group(0)
    api = create_app(get_settings())
    try:
        with TestClient(api) as client:
            response = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {match.group(0)}"})
            assert response.status_code == 200, response.text
            assert response.json()["name"] == "admin" and response.json()["roles"] == ["platform_admin"]
            forged = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {match.group(0)}x"})
            assert forged.status_code == 401
    finally:
        api.state.engine.dispose()


def test_token_create_for_unknown_user_fails(demo_home):
    result = run("token", "create", "nobody")
    assert result.exit_code != 0 and "no active user" in result.output


def test_audit_verify_finds_and_names_a_tampered_entry(demo_home):
    assert run("audit", "checkpoint").exit_code == 0
    intact = run("audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output
    with sqlite3.connect(demo_home / "govdata.db") as conn:
        total = conn.execute("SELECT count(*) FROM audit_entries").fetchone()[0]
        assert total > 50
        conn.execute("DROP TRIGGER audit_entries_no_update")
        conn.execute("DROP TRIGGER audit_entries_no_delete")
        conn.execute("UPDATE audit_entries SET actor_name = 'someone-else' WHERE seq = 37")
    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert re.search(r"BROKEN at entry 37\b", broken.output), broken.output
    assert "altered" in broken.output and "36 entries verified" in broken.output


def sqlite_database(home: Path) -> Database:
    url = f"sqlite:///{home / 'govdata.db'}"
    engine = make_engine(url)
    return Database("sqlite", url, engine, make_session_factory(engine))


def test_audit_verify_finds_a_chain_rewritten_since_a_checkpoint(demo_home):
    """Triggers dropped, an entry rewritten, every later hash and the head recomputed: the chain links up, but
    the checkpoint outside the database does not match."""
    written = run("audit", "checkpoint")
    assert written.exit_code == 0, written.output
    assert "checkpoint at entry" in written.output and (demo_home / "audit_checkpoints.jsonl").exists()
    db = sqlite_database(demo_home)
    forge(db, 37, actor_name="someone-else")
    db.engine.dispose()
    forged = run("audit", "verify")
    assert forged.exit_code == 1, forged.output
    assert "NOT CONFIRMED" in forged.output and "rewritten" in forged.output
    refused = run("audit", "checkpoint")
    assert refused.exit_code == 1 and "not written" in refused.output


def test_audit_verify_fails_when_nothing_anchors_the_chain(demo_home, tmp_path):
    # `govdata init` and `govdata demo` anchor the chain at once; without their checkpoint nothing does
    assert run("audit", "verify").exit_code == 0
    (demo_home / "audit_checkpoints.jsonl").unlink()
    unanchored = run("audit", "verify")
    assert unanchored.exit_code == 1 and "no checkpoint" in unanchored.output
    assert run("audit", "checkpoint").exit_code == 0
    (demo_home / "audit_checkpoint_key.pub").rename(tmp_path / "key.pub")
    missing_key = run("audit", "verify")
    assert missing_key.exit_code == 1 and "public key" in missing_key.output
    offline = run("audit", "verify", "--public-key", str(tmp_path / "key.pub"),
                  "--checkpoints", str(demo_home / "audit_checkpoints.jsonl"))
    assert offline.exit_code == 0, offline.output
    assert "anchored by 1 signed checkpoint(s)" in offline.output


def test_jobs_list_shows_the_checkpoint_interval(home, monkeypatch):
    monkeypatch.setenv("GOVDATA_AUDIT_CHECKPOINT_MINUTES", "7")
    get_settings.cache_clear()
    listed = run("jobs", "list")
    assert listed.exit_code == 0 and "audit_checkpoint  every 7 min" in listed.output


def test_audit_digest_gives_the_digest_the_audit_log_keeps_of_a_probed_value(home):
    from govdata.config import get_settings
    from govdata.sharing.masking import probe_digest, probe_key

    assert run("init").exit_code == 0
    printed = run("audit", "digest", "110101199001010007", "张三")
    assert printed.exit_code == 0, printed.output
    key = probe_key(get_settings().resolved_secret_key)
    assert printed.output.split() == [probe_digest(key, "110101199001010007"), "110101199001010007",
                                      probe_digest(key, "张三"), "张三"]
