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


def test_every_requirement_id_is_in_the_compliance_matrix():
    regulation = ROOT.parent / "shared" / "REGULATION.md"
    matrix = (ROOT / "docs" / "compliance-matrix.md").read_text()
    ids = set(re.findall(r"^\| ([A-Z]{3}-\d+) \|", regulation.read_text(), re.M)) if regulation.exists() else set()
    ids |= {"GEN-1", "SEC-1", "SEC-2", "SUP-3"}
    for requirement in sorted(ids):
        assert f"| {requirement} |" in matrix, requirement


def test_tests_named_in_the_compliance_matrix_exist():
    matrix = (ROOT / "docs" / "compliance-matrix.md").read_text()
    for path in set(re.findall(r"`(tests/[\w/.]+\.py)`", matrix)):
        assert (ROOT / path).exists(), path
