"""Signed checkpoints of the audit head, kept outside the database: a chain forged consistently by someone with
database access (triggers off, an entry rewritten, every later hash and the head recomputed) passes the chain
walk but not the checkpoints; so do a truncation after a checkpoint, an altered checkpoint line, a missing key."""

from __future__ import annotations

import json
import shlex
import stat
import sys
from pathlib import Path

import pytest

from govdata.config import Settings
from govdata.core import audit, checkpoints, jobs
from govdata.core.db import make_session_factory
from tests.conftest import TEST_SECRET
from tests.core.tamper import forge, raw, truncate, write_entries


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", secret_key=TEST_SECRET)


def checkpoint(db, settings: Settings) -> checkpoints.Checkpoint:
    with db.session() as session:
        return checkpoints.write(session, settings)


def verify(db) -> audit.VerifyResult:
    with db.session() as session:
        return audit.verify(session)


def anchored(db, settings: Settings, **kwargs) -> checkpoints.AnchorResult:
    with db.session() as session:
        return checkpoints.verify(session, settings, **kwargs)


def test_a_forged_consistent_chain_passes_the_walk_but_not_the_checkpoint(db, settings):
    write_entries(db, 8)
    checkpoint(db, settings)
    forge(db, 3, actor_name="someone-else")
    assert verify(db).ok  # the hole: the chain alone cannot tell
    result = anchored(db, settings)
    assert not result.ok and result.bad_seq == 8
    assert "does not match" in result.reason


def test_intact_chain_is_anchored(db, settings):
    write_entries(db, 3)
    first = checkpoint(db, settings)
    write_entries(db, 2)
    second = checkpoint(db, settings)
    assert (first.seq, second.seq) == (3, 5)
    result = anchored(db, settings)
    assert result.ok, result
    assert result.checkpoints == 2 and result.last == second and result.unanchored == 0
    write_entries(db, 4)
    assert anchored(db, settings).unanchored == 4


def test_checkpoint_of_an_empty_chain(db, settings):
    assert checkpoint(db, settings).seq == 0
    assert anchored(db, settings).ok


def test_truncation_after_a_checkpoint_is_found(db, settings):
    write_entries(db, 6)
    checkpoint(db, settings)
    truncate(db, 4)
    assert verify(db).ok
    result = anchored(db, settings)
    assert not result.ok and result.bad_seq == 6 and "missing" in result.reason


def test_a_forgery_is_refused_a_checkpoint(db, settings):
    """The next checkpoint extends the last one only over a chain that links to it."""
    write_entries(db, 5)
    checkpoint(db, settings)
    write_entries(db, 2)
    forge(db, 2, result="denied")
    with pytest.raises(checkpoints.CheckpointError, match="not written"):
        checkpoint(db, settings)
    truncate(db, 3)
    with pytest.raises(checkpoints.CheckpointError, match="not written"):
        checkpoint(db, settings)
    assert len(checkpoints.read(settings.resolved_audit_checkpoint_path)) == 1


def test_a_broken_link_after_the_last_checkpoint_is_refused_a_checkpoint(db, settings):
    write_entries(db, 3)
    checkpoint(db, settings)
    write_entries(db, 3)
    raw(db, "UPDATE audit_entries SET actor_name = 'x' WHERE seq = 5")
    with pytest.raises(checkpoints.CheckpointError, match="entry 5"):
        checkpoint(db, settings)


@pytest.mark.parametrize("field, value", [("seq", 2), ("hash", "1" * 64), ("time", "2020-01-01T00:00:00.000000Z")])
def test_an_altered_checkpoint_line_is_found(db, settings, field, value):
    write_entries(db, 4)
    checkpoint(db, settings)
    write_entries(db, 1)
    checkpoint(db, settings)
    path = settings.resolved_audit_checkpoint_path
    lines = path.read_text().splitlines()
    line = json.loads(lines[0])
    line[field] = value
    lines[0] = json.dumps(line)
    path.write_text("\n".join(lines) + "\n")
    result = anchored(db, settings)
    assert not result.ok and result.line == 1 and "signature" in result.reason


def test_a_garbled_or_reordered_checkpoint_file_is_found(db, settings):
    write_entries(db, 2)
    checkpoint(db, settings)
    write_entries(db, 2)
    checkpoint(db, settings)
    path = settings.resolved_audit_checkpoint_path
    first, second = path.read_text().splitlines()
    path.write_text(f"{second}\n{first}\n")
    result = anchored(db, settings)
    assert not result.ok and result.line == 2 and "order" in result.reason
    path.write_text(f"{first}\n{second[:40]}\n")
    result = anchored(db, settings)
    assert not result.ok and result.line == 2 and "not a checkpoint" in result.reason


def test_a_checkpoint_by_another_key_is_found(db, settings, tmp_path):
    write_entries(db, 2)
    checkpoint(db, settings)
    other = Settings(home=tmp_path / "other", secret_key=TEST_SECRET)
    theirs = checkpoint(db, other)  # a well-formed line, signed by a key that is not ours
    with settings.resolved_audit_checkpoint_path.open("a") as f:
        f.write(theirs.line() + "\n")
    result = anchored(db, settings)
    assert not result.ok and result.line == 2 and "another key" in result.reason


def test_no_checkpoint_is_not_anchored(db, settings):
    write_entries(db, 2)
    result = anchored(db, settings)
    assert not result.ok and "no checkpoint" in result.reason


def test_a_missing_public_key_fails_closed(db, settings):
    write_entries(db, 2)
    checkpoint(db, settings)
    settings.resolved_audit_checkpoint_public_key_file.unlink()
    result = anchored(db, settings)
    assert not result.ok and "public key" in result.reason


def test_a_missing_signing_key_is_not_replaced(db, settings):
    """Once checkpoints exist, a lost key is an error, not a reason to start a new key silently."""
    write_entries(db, 2)
    checkpoint(db, settings)
    settings.resolved_audit_checkpoint_key_file.unlink()
    with pytest.raises(checkpoints.CheckpointError, match="key"):
        checkpoint(db, settings)
    assert not settings.resolved_audit_checkpoint_key_file.exists()


def test_the_signing_key_is_private_and_verification_needs_only_the_public_key(db, settings, tmp_path):
    write_entries(db, 3)
    checkpoint(db, settings)
    key = settings.resolved_audit_checkpoint_key_file
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # an investigator's copy: checkpoint file and public key, no private key
    copy = tmp_path / "investigator"
    copy.mkdir()
    (copy / "checkpoints.jsonl").write_bytes(settings.resolved_audit_checkpoint_path.read_bytes())
    (copy / "key.pub").write_bytes(settings.resolved_audit_checkpoint_public_key_file.read_bytes())
    key.unlink()
    result = anchored(db, Settings(home=tmp_path / "elsewhere", secret_key=TEST_SECRET),
                      path=copy / "checkpoints.jsonl", public_key_file=copy / "key.pub")
    assert result.ok, result


def test_a_signing_key_readable_by_others_is_refused(db, settings):
    checkpoint(db, settings)
    settings.resolved_audit_checkpoint_key_file.chmod(0o644)
    with pytest.raises(checkpoints.CheckpointError, match="readable"):
        checkpoint(db, settings)


def test_the_copy_command_gets_each_line(db, settings, tmp_path):
    copy = tmp_path / "copy.jsonl"
    command = f"{shlex.quote(sys.executable)} -c " + shlex.quote(
        f"import sys; open({str(copy)!r}, 'a').write(sys.stdin.read())")
    with_copy = settings.model_copy(update={"audit_checkpoint_command": command})
    write_entries(db, 2)
    checkpoint(db, with_copy)
    checkpoint(db, with_copy)
    assert copy.read_text() == with_copy.resolved_audit_checkpoint_path.read_text()
    assert anchored(db, settings, path=copy).ok


def test_a_failing_copy_command_is_reported(db, settings):
    failing = settings.model_copy(update={"audit_checkpoint_command": f"{shlex.quote(sys.executable)} -c 'exit(3)'"})
    with pytest.raises(checkpoints.CheckpointError, match="copy command"):
        checkpoint(db, failing)
    assert len(checkpoints.read(settings.resolved_audit_checkpoint_path)) == 1  # the file holds it still


def test_the_periodic_job_writes_a_checkpoint(db, settings):
    write_entries(db, 3)
    entry = jobs.load_jobs()["audit_checkpoint"]
    assert entry.minutes(settings) == 10
    assert entry.minutes(settings.model_copy(update={"audit_checkpoint_minutes": 3})) == 3
    summary = jobs.run(make_session_factory(db.engine, settings), "audit_checkpoint")
    assert summary["seq"] == 3
    assert anchored(db, settings).ok


def test_default_paths_are_under_home(settings):
    home = settings.home
    assert settings.resolved_audit_checkpoint_path == home / "audit_checkpoints.jsonl"
    assert settings.resolved_audit_checkpoint_key_file == home / "audit_checkpoint_key"
    assert settings.resolved_audit_checkpoint_public_key_file == home / "audit_checkpoint_key.pub"
