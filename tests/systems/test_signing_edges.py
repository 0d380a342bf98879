"""Edges of signed calls (issue 11, finding 5): a partial set of signing headers, the end user's name in
UTF-8, raw non-ASCII in a signed query, and calls without any credentials counted in the audit log."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from sqlalchemy import select

from govdata.client import SM3Auth
from govdata.core import signing
from govdata.core.audit import AuditEntry
from govdata.core.errors import DomainError
from govdata.systems import signin
from govdata.web.anonymous_calls import MAX_ROWS, AnonymousCalls
from tests.systems.helpers import approved_system
from tests.systems.test_signed_calls import denial_reasons, whoami


def test_signing_headers_without_the_app_key_are_a_missing_signature_and_audited(client):
    creds = approved_system(client)
    headers = signing.signed_headers(creds["app_key"], creds["app_secret"], "GET", "/api/v1/whoami", "", b"")
    for dropped in ("X-App-Key", "X-Signature", "X-Nonce"):
        partial = {k: v for k, v in headers.items() if k != dropped}
        response = client.get("/api/v1/whoami", headers=partial)
        assert response.status_code == 401 and response.json()["code"] == "signature_missing", dropped
    # a signature missing a part names no system for sure: counted with the calls without credentials,
    # one entry a minute, so that junk headers in a loop cannot fill the audit log
    client.app.state.anonymous_calls.flush(client.app.state.sessions)
    [entry] = _anonymous_entries(client)
    assert {(r["path"], r["reason"]): r["calls"] for r in entry.detail["by"]} == {
        ("/api/v1/whoami", "signature_missing"): 3}
    assert "signature_missing" not in denial_reasons(client)


def test_the_end_user_is_percent_encoded_utf8_kept_whole_in_its_own_field(client):
    creds = approved_system(client)
    ok = whoami(client, creds["app_key"], creds["app_secret"], headers={"X-End-User": quote("张三（窗口3）")})
    assert ok.status_code == 200, ok.text
    assert ok.json()["end_user"] == "张三（窗口3）" and "张三" not in ok.json()["name"]
    with client.db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.signed_call",
                                                         AuditEntry.result == "success")
                                .order_by(AuditEntry.seq.desc())).first()
        assert entry.detail["end_user"] == "张三（窗口3）" and "张三" not in entry.actor_name

    for bad in ("张三".encode(), quote("长" * 65), "%E5%BC", "a%0Ab", "%00", "%ZZ", "   "):
        refused = whoami(client, creds["app_key"], creds["app_secret"], headers={"X-End-User": bad})
        assert refused.status_code == 422 and refused.json()["code"] == "end_user_invalid", bad
    assert denial_reasons(client).count("end_user_invalid") == 7
    # 64 characters exactly are kept, none cut off
    whole = whoami(client, creds["app_key"], creds["app_secret"], headers={"X-End-User": quote("长" * 64)})
    assert whole.status_code == 200 and whole.json()["end_user"] == "长" * 64


def test_raw_non_ascii_in_a_signed_query_is_refused_with_its_own_code(client):
    creds = approved_system(client)
    raw_query = "名称=张三".encode().decode("latin-1")  # what the server sees of raw UTF-8 bytes on the wire
    headers = {k.lower(): v for k, v in signing.signed_headers(
        creds["app_key"], creds["app_secret"], "GET", "/api/v1/whoami", "名称=张三", b"").items()}
    with client.db.session() as session:
        with pytest.raises(DomainError) as refused:
            signin.authenticate(session, headers, "GET", "/api/v1/whoami", raw_query, b"")
        session.commit()
    assert refused.value.code == "request_not_percent_encoded" and refused.value.status == 401
    # percent-encoded, the same query is signed and accepted
    encoded = client.get("/api/v1/whoami", params={"名称": "张三"}, auth=SM3Auth(creds["app_key"],
                                                                                 creds["app_secret"]))
    assert encoded.status_code == 200


def _anonymous_entries(client):
    with client.db.session() as session:
        return session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.anonymous_calls")).all()


def test_calls_without_credentials_are_counted_in_the_audit_log(client):
    for _ in range(5):
        assert client.get("/api/v1/regions").status_code == 401
    assert client.get("/api/v1/share/X/records").status_code == 401
    assert client.get("/api/3/action/package_list").status_code == 200  # harvesters are served anonymously
    client.app.state.anonymous_calls.flush(client.app.state.sessions)
    [entry] = _anonymous_entries(client)
    counted = {(r["path"], r["result"]): r["calls"] for r in entry.detail["by"] if r["reason"] == "unauthenticated"}
    assert counted == {("/api/v1/regions", "denied"): 5, ("/api/v1/share/X/records", "denied"): 1,
                       ("/api/3/action/package_list", "success"): 1}
    assert entry.detail["calls"] == 7 and entry.actor_kind == "anonymous"


def test_a_flood_of_new_paths_costs_one_bounded_entry_a_minute(client):
    counter = AnonymousCalls()
    sessions = client.app.state.sessions
    start = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
    for n in range(3 * MAX_ROWS):
        assert counter.count(sessions, f"10.0.0.{n % 250}", f"/api/v1/x{n}", "denied",
                             start + dt.timedelta(seconds=n * 0.05)) is None
    writer = counter.count(sessions, "10.0.0.1", "/api/v1/y", "denied", start + dt.timedelta(seconds=61))
    assert writer is not None
    writer.join(10)
    [entry] = _anonymous_entries(client)
    assert entry.detail["calls"] == 3 * MAX_ROWS and len(entry.detail["by"]) == MAX_ROWS + 1
    assert {"client": "*", "path": "*", "result": "denied", "reason": "*", "calls": 2 * MAX_ROWS} in entry.detail["by"]
