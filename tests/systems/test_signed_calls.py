"""Signed system calls (HMAC-SM3): who may call, replay and skew, rotation grace, revocation, expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from govdata.client import SM3Auth
from govdata.core import signing
from govdata.core.audit import AuditEntry
from govdata.systems.models import BusinessSystem, SystemSecret
from tests.systems.helpers import approved_system


def whoami(client, key, secret, **kw):
    return client.get("/api/v1/whoami", auth=SM3Auth(key, secret), **kw)


def denial_reasons(client) -> list[str]:
    with client.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.signed_call",
                                                           AuditEntry.result == "denied")).all()
        return [e.detail["reason"] for e in entries]


def test_approved_system_calls_with_its_signature(client):
    creds = approved_system(client)
    response = whoami(client, creds["app_key"], creds["app_secret"], headers={"X-End-User": "li.si"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "system" and body["system_id"] == creds["id"]
    assert body["end_user"] == "li.si" and "li.si" not in body["name"]  # a field of its own


def test_signed_post_covers_the_body(client):
    creds = approved_system(client)
    auth = SM3Auth(creds["app_key"], creds["app_secret"])
    # A signed POST passes authentication; the policy then refuses systems from creating regions.
    response = client.post("/api/v1/regions", json={"code": "990123", "name": "新县", "level": "county",
                                                      "parent_code": "990100"}, auth=auth)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    # Same headers with a different body: the signature no longer matches.
    headers = signing.signed_headers(creds["app_key"], creds["app_secret"], "POST", "/api/v1/regions", "",
                                     b'{"a":1}')
    tampered = client.post("/api/v1/regions", content=b'{"a":2}', headers={**headers,
                                                                           "content-type": "application/json"})
    assert tampered.json()["code"] == "signature_invalid"


def test_replayed_request_is_refused(client):
    creds = approved_system(client)
    headers = signing.signed_headers(creds["app_key"], creds["app_secret"], "GET", "/api/v1/whoami", "", b"")
    assert client.get("/api/v1/whoami", headers=headers).status_code == 200
    replay = client.get("/api/v1/whoami", headers=headers)
    assert replay.status_code == 401
    assert replay.headers["content-type"].startswith("application/problem+json")
    assert replay.json()["code"] == "nonce_reused"
    assert "nonce_reused" in denial_reasons(client)


@pytest.mark.parametrize("offset_ms, code", [(-6 * 60_000, "timestamp_skewed"), (6 * 60_000, "timestamp_skewed")])
def test_skewed_clock_is_refused(client, offset_ms, code):
    creds = approved_system(client)
    ts = str(signing.now_ms() + offset_ms)
    headers = signing.signed_headers(creds["app_key"], creds["app_secret"], "GET", "/api/v1/whoami", "", b"",
                                     timestamp=ts)
    response = client.get("/api/v1/whoami", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == code


def test_small_skew_is_accepted(client):
    creds = approved_system(client)
    headers = signing.signed_headers(creds["app_key"], creds["app_secret"], "GET", "/api/v1/whoami", "", b"",
                                     timestamp=str(signing.now_ms() - 4 * 60_000))
    assert client.get("/api/v1/whoami", headers=headers).status_code == 200


@pytest.mark.parametrize("mutate, code", [
    (lambda h: {"X-App-Key": h["X-App-Key"]}, "signature_missing"),
    (lambda h: {**h, "X-App-Key": "ak_does_not_exist"}, "app_key_unknown"),
    (lambda h: {**h, "X-Timestamp": "yesterday"}, "timestamp_invalid"),
    (lambda h: {**h, "X-Nonce": "short"}, "nonce_invalid"),
    (lambda h: {**h, "X-Signature": "AAAA"}, "signature_invalid"),
])
def test_bad_headers_get_a_code_that_says_which(client, mutate, code):
    creds = approved_system(client)
    headers = signing.signed_headers(creds["app_key"], creds["app_secret"], "GET", "/api/v1/whoami", "", b"")
    response = client.get("/api/v1/whoami", headers=mutate(headers))
    assert response.status_code == 401
    assert response.json()["code"] == code
    if code in ("signature_missing", "app_key_unknown"):  # no known system: counted with calls without credentials
        client.app.state.anonymous_calls.flush(client.app.state.sessions)
        with client.db.session() as session:
            [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.anonymous_calls")).all()
        assert [r["reason"] for r in entry.detail["by"]] == [code]
    else:
        assert code in denial_reasons(client)


def test_wrong_secret_is_refused(client):
    creds = approved_system(client)
    assert whoami(client, creds["app_key"], "sk_wrong").json()["code"] == "signature_invalid"


def test_secret_is_shown_once_and_stored_encrypted(client):
    creds = approved_system(client)
    again = client.post(f"/api/v1/systems/{creds['id']}/secret", headers=creds["manager"])
    assert again.status_code == 409
    with client.db.session() as session:
        stored = session.scalars(select(SystemSecret.secret_enc)).all()
    assert stored and all(s.startswith("sm4gcm:v1:") and creds["app_secret"] not in s for s in stored)
    # The admin who approved never receives the secret.
    assert client.post(f"/api/v1/systems/{creds['id']}/secret", headers=creds["admin"]).status_code == 403


def test_rotation_keeps_the_old_secret_for_the_grace_period(client):
    creds = approved_system(client)
    rotated = client.post(f"/api/v1/systems/{creds['id']}/rotate", headers=creds["manager"])
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["app_key"] == creds["app_key"] and new["app_secret"] != creds["app_secret"]
    assert new["previous_valid_until"] is not None
    assert whoami(client, creds["app_key"], creds["app_secret"]).status_code == 200
    assert whoami(client, creds["app_key"], new["app_secret"]).status_code == 200
    with client.db.session() as session:  # the grace period passes
        session.execute(update(SystemSecret).where(SystemSecret.grace_until.is_not(None))
                        .values(grace_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        session.commit()
    assert whoami(client, creds["app_key"], creds["app_secret"]).json()["code"] == "signature_invalid"
    assert whoami(client, creds["app_key"], new["app_secret"]).status_code == 200


def test_revoked_system_is_refused(client):
    creds = approved_system(client)
    revoked = client.post(f"/api/v1/systems/{creds['id']}/revoke", json={"reason": "系统下线"},
                          headers=creds["admin"])
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    response = whoami(client, creds["app_key"], creds["app_secret"])
    assert response.status_code == 401 and response.json()["code"] == "app_key_revoked"


def test_expired_assessment_blocks_calls(client):
    creds = approved_system(client)
    with client.db.session() as session:
        session.execute(update(BusinessSystem).values(assessment_valid_until=dt.date.today() - dt.timedelta(days=1)))
        session.commit()
    response = whoami(client, creds["app_key"], creds["app_secret"])
    assert response.status_code == 403 and response.json()["code"] == "system_assessment_expired"
    assert "system_assessment_expired" in denial_reasons(client)


def test_renewed_assessment_unblocks(client):
    from tests.systems.helpers import registration

    creds = approved_system(client, assessment_date=str(dt.date.today() - dt.timedelta(days=400)),
                            assessment_valid_until=str(dt.date.today() - dt.timedelta(days=1)))
    assert whoami(client, creds["app_key"], creds["app_secret"]).status_code == 403
    renewed = client.put(f"/api/v1/systems/{creds['id']}", headers=creds["manager"], json=registration(
        assessment_report_no="DJCP-2026-0999"))
    assert renewed.status_code == 200, renewed.text
    assert whoami(client, creds["app_key"], creds["app_secret"]).status_code == 200


def test_signed_calls_are_audited_with_the_system_as_actor(client):
    creds = approved_system(client)
    assert whoami(client, creds["app_key"], creds["app_secret"]).status_code == 200
    client.post("/api/v1/regions", json={"code": "990124", "name": "x", "level": "county", "parent_code": "990100"},
                auth=SM3Auth(creds["app_key"], creds["app_secret"]))
    with client.db.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "org.create_region",
                                                        AuditEntry.result == "denied"))
    assert entry is not None and entry.actor_kind == "system" and entry.system_id == creds["id"]
    assert entry.department_id is not None
    with client.db.session() as session:
        calls = session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.signed_call",
                                                         AuditEntry.result == "success")).all()
    assert [c.detail["path"] for c in calls] == ["/api/v1/whoami", "/api/v1/regions"]
    assert all(c.system_id == creds["id"] and c.department_id == entry.department_id for c in calls)


def test_redis_nonce_store(client, monkeypatch):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from govdata.systems.signin import NonceStore

    store = NonceStore(url)
    nonce = signing.generate_nonce()
    with client.db.session() as session:
        assert store.claim(session, "ak_test", nonce) is True
        assert store.claim(session, "ak_test", nonce) is False
        assert store.claim(session, "ak_other", nonce) is True
