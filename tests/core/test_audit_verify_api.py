"""The supervisor's check of the audit log (`GET /api/v1/audit/verify`) asks the signed checkpoints too, so
a chain rewritten consistently by someone with database access is reported there, not only by the CLI."""

from __future__ import annotations

from govdata.core import checkpoints
from tests.conftest import bearer
from tests.core.tamper import forge


def test_the_audit_check_reports_a_consistent_forgery_that_the_links_alone_miss(client):
    admin = bearer(client, "admin")
    first = client.get("/api/v1/audit/verify", headers=admin).json()
    assert first["checked"] > 0 and first["anchored"] is False and first["ok"] is False  # nothing anchors it yet

    with client.db.session() as session:
        checkpoints.write(session, client.app.state.settings)
    anchored = client.get("/api/v1/audit/verify", headers=admin).json()
    assert anchored["ok"] and anchored["anchored"] and anchored["checkpoints"] == 1
    assert anchored["last_checkpoint_seq"] >= first["checked"] and anchored["unanchored"] >= 0

    forge(client.db, 3, action="org.nothing_happened")
    forged = client.get("/api/v1/audit/verify", headers=admin).json()
    assert forged["ok"] is False and forged["anchored"] is False
    assert forged["bad_seq"] == anchored["last_checkpoint_seq"] and "rewritten" in forged["reason"]
    assert client.get("/api/v1/audit/verify", headers=bearer(client, "hr_manager")).status_code == 403
