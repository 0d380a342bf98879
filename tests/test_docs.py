"""Docs that tests keep honest: settings, CLI commands, roles, error codes, demo accounts, requirement IDs."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from govdata.cli import app
from govdata.config import Settings
from govdata.core.errors import MESSAGES
from govdata.core.policy import ROLES
from govdata.org.demo_data import ACCOUNTS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands():
    head = README[:400]
    assert "make run" in head and "make test" in head


def test_every_setting_is_documented():
    for name in Settings.model_fields:
        assert f"GOVDATA_{name.upper()}" in README, f"GOVDATA_{name.upper()} missing from README.md"


def test_every_cli_command_is_documented():
    group = typer.main.get_command(app)

    def walk(command, prefix):
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, f"{prefix} {name}") if getattr(sub, "commands", None) else [f"{prefix} {name}"]

    for command in walk(group, "govdata"):
        assert f"`{command}" in README, f"{command} missing from README.md"


def test_every_role_is_documented():
    for role in ROLES:
        assert f"`{role}`" in README, role


def test_every_error_code_is_documented():
    doc = (ROOT / "docs" / "api-errors.md").read_text()
    for code, (status, zh, _en) in MESSAGES.items():
        assert f"| `{code}` | {status} | {zh} |" in doc, code


def test_demo_accounts_in_readme_match_the_demo_data():
    for account in ACCOUNTS:
        assert f"| {account['username']} | {account['password']} |" in README, account["username"]


def _requirement_ids(text: str) -> set[str]:
    return set(re.findall(r"^\| ([A-Z]{3}-\d+) \|", text, re.M))


def test_every_requirement_id_is_in_the_compliance_matrix():
    ids = _requirement_ids((ROOT / "docs" / "requirements.md").read_text())
    assert len(ids) == 38
    matrix = (ROOT / "docs" / "compliance-matrix.md").read_text()
    assert _requirement_ids(matrix) == ids  # every requirement has its row, and no row names another
    upstream = ROOT.parent / "shared" / "REGULATION.md"  # where the project was specified, when at hand
    if upstream.exists():
        assert _requirement_ids(upstream.read_text()) == ids


def test_tests_named_in_the_compliance_matrix_exist():
    matrix = (ROOT / "docs" / "compliance-matrix.md").read_text()
    for path in set(re.findall(r"`(tests/[\w/.]+\.py)`", matrix)):
        assert (ROOT / path).exists(), path


def test_the_architecture_map_agrees_with_the_compliance_matrix():
    """Each context's row of the map in docs/architecture.md names the requirements whose implementation
    the matrix places in it; the open ones are named as open."""
    matrix = (ROOT / "docs" / "compliance-matrix.md").read_text()
    placed: dict[str, set[str]] = {}
    open_ids = set()
    for rid, implemented in re.findall(r"^\| ([A-Z]{3}-\d+) \| [^|]*\| ([^|]*)\|", matrix, re.M):
        contexts = set(re.findall(r"`([a-z_]+)/", implemented))
        if not contexts:
            open_ids.add(rid)
        for context in contexts:
            placed.setdefault(context, set()).add(rid)
    architecture = (ROOT / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| `([a-z]+)`(?: · `([a-z]+)`)?[^|]*\| [^|]*\| ([^|]*)\|$", architecture, re.M)
    assert len(rows) == 9
    for first, second, listed in rows:
        groups = listed.split(" · ")
        for context, ids in zip([first, second] if second else [first], groups, strict=True):
            assert set(re.findall(r"[A-Z]{3}-\d+", ids)) == placed.get(context, set()), context
    line = re.search(r"^Not yet built \(open issues\): (.*)$", architecture, re.M)
    assert line and set(re.findall(r"[A-Z]{3}-\d+", line.group(1))) == open_ids
