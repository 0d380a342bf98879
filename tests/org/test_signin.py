"""Sign-in, lockout, sessions with idle timeout, sign-out, CSRF, open redirects and personal tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from govdata.core.audit import AuditEntry
from govdata.core.crypto import sm3_hex
from govdata.core.db import utcnow
from govdata.org.models import ApiToken, Department, LoginFailure, User, WebSession
from tests.conftest import PASSWORDS, bearer, csrf_from, login

HTML = {"accept": "text/html"}


def entries(client, action: str) -> list[AuditEntry]:
    with client.db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.seq)))


def user_id(client, username: str) -> int:
    with client.db.session() as session:
        uid = session.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return uid


def sessions_of(client, username: str) -> list[WebSession]:
    with client.db.session() as session:
        return list(session.scalars(select(WebSession).where(WebSession.user_id == user_id(client, username))
                                    .order_by(WebSession.id)))


def post_login(client, username: str, password: str, next_url: str = "/"):
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": next_url}, headers=HTML, follow_redirects=False)


# --- sign-in and lockout -----------------------------------------------------------------------------

def test_successful_sign_in_is_audited(client):
    response = post_login(client, "ps_manager", PASSWORDS["ps_manager"])
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.cookies.get("govdata_session")
    [entry] = entries(client, "auth.sign_in")
    assert entry.result == "success" and entry.actor_name == "ps_manager"
    assert entry.user_id == user_id(client, "ps_manager") and entry.method == "ui"
    assert client.get("/", headers=HTML).status_code == 200


def test_wrong_password_answers_in_place_and_is_audited(client):
    response = post_login(client, "ps_manager", "Wrong#Password1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert 'name="password"' in response.text  # the login page again, not a redirect
    assert not client.cookies.get("govdata_session")
    [entry] = entries(client, "auth.sign_in")
    assert entry.result == "failure" and entry.detail == {"reason": "wrong_password"}
    assert entry.object_id == str(user_id(client, "ps_manager"))
    assert sessions_of(client, "ps_manager") == []


def test_unknown_user_fails_like_a_wrong_password(client):
    response = post_login(client, "nobody", "Wrong#Password1")
    assert response.status_code == 401 and "用户名或密码错误" in response.text
    [entry] = entries(client, "auth.sign_in")
    assert entry.result == "failure" and entry.detail == {"reason": "unknown_user"}


def test_five_failures_lock_even_the_right_password(client):
    for _ in range(5):
        assert post_login(client, "ps_manager", "Wrong#Password1").status_code == 401
    response = post_login(client, "ps_manager", PASSWORDS["ps_manager"])
    assert response.status_code == 423
    assert "登录失败次数过多" in response.text and "15分钟" in response.text
    assert not client.cookies.get("govdata_session")
    assert sessions_of(client, "ps_manager") == []
    results = [e.result for e in entries(client, "auth.sign_in")]
    assert results == ["failure"] * 5 + ["denied"]
    assert entries(client, "auth.sign_in")[-1].detail == {"reason": "account_locked"}
    # another account is not affected
    assert post_login(client, "hr_manager", PASSWORDS["hr_manager"]).status_code == 303


@pytest.mark.parametrize(("minutes_ago", "status"), [(16, 303), (14, 423)])
def test_only_failures_inside_the_window_count(client, minutes_ago, status):
    when = utcnow() - dt.timedelta(minutes=minutes_ago)
    with client.db.session() as session:
        session.add_all([LoginFailure(username="ps_manager", client_addr="10.0.0.1", created_at=when,
                                      updated_at=when) for _ in range(5)])
        session.commit()
    assert post_login(client, "ps_manager", PASSWORDS["ps_manager"]).status_code == status


def test_success_clears_earlier_failures(client):
    for _ in range(4):
        post_login(client, "ps_manager", "Wrong#Password1")
    assert post_login(client, "ps_manager", PASSWORDS["ps_manager"]).status_code == 303
    client.cookies.clear()
    assert post_login(client, "ps_manager", "Wrong#Password1").status_code == 401
    assert post_login(client, "ps_manager", PASSWORDS["ps_manager"]).status_code == 303


# --- sessions ----------------------------------------------------------------------------------------

def test_idle_session_expires_and_is_audited(client):
    login(client, "ps_manager")
    [web_session] = sessions_of(client, "ps_manager")
    with client.db.session() as session:
        session.execute(update(WebSession).where(WebSession.id == web_session.id)
                        .values(last_seen_at=utcnow() - dt.timedelta(minutes=31)))
        session.commit()
    response = client.get("/departments", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login?") and "reason=session_expired" in location
    assert "next=/departments" in location
    [ended] = sessions_of(client, "ps_manager")
    assert ended.ended_at is not None and ended.end_reason == "idle_timeout"
    [entry] = entries(client, "auth.session_end")
    assert entry.detail == {"reason": "idle_timeout"} and entry.actor_name == "ps_manager"
    # the session stays ended even if the clock is "fixed" again
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303
    assert "会话已超时" in client.get(location).text


def test_session_within_idle_limit_still_works(client):
    login(client, "ps_manager")
    with client.db.session() as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - dt.timedelta(minutes=29)))
        session.commit()
    assert client.get("/", headers=HTML).status_code == 200
    [web_session] = sessions_of(client, "ps_manager")
    assert web_session.ended_at is None
    assert utcnow() - web_session.last_seen_at < dt.timedelta(minutes=1)  # touched


def test_sign_out_ends_the_session_and_the_old_cookie(client):
    token = login(client, "ps_manager")
    old_cookie = client.cookies.get("govdata_session")
    response = client.post("/logout", data={"csrf_token": token}, headers=HTML, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    [web_session] = sessions_of(client, "ps_manager")
    assert web_session.end_reason == "sign_out" and web_session.ended_at is not None
    [entry] = entries(client, "auth.sign_out")
    assert entry.actor_name == "ps_manager"
    client.cookies.set("govdata_session", old_cookie)
    replay = client.get("/", headers=HTML, follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")
    api = client.get("/api/v1/whoami")
    assert api.status_code == 401 and api.json()["code"] == "session_expired"


# --- CSRF on forms -----------------------------------------------------------------------------------

def _ps_department_id(client) -> int:
    with client.db.session() as session:
        return session.scalar(select(Department.id).where(Department.name == "云川市公安局"))


@pytest.mark.parametrize("csrf", [None, "forged-token", "IjEyMyI.forged.signature"])
def test_form_post_without_valid_csrf_is_refused(client, csrf):
    login(client, "ps_manager")
    dep = _ps_department_id(client)
    data = {"duties": "被篡改的职责"}
    if csrf is not None:
        data["csrf_token"] = csrf
    response = client.post(f"/departments/{dep}/edit", data=data, headers=HTML, follow_redirects=False)
    assert response.status_code == 403
    assert "表单已过期或来源不可信" in response.text
    with client.db.session() as session:
        assert session.get(Department, dep).duties is None
    assert entries(client, "org.update_department") == []


def test_csrf_token_of_another_browser_is_refused(client):
    other = csrf_from(client.get("/login").text)
    client.cookies.clear()
    token = login(client, "ps_manager")
    assert token != other
    dep = _ps_department_id(client)
    response = client.post(f"/departments/{dep}/edit", data={"duties": "x", "csrf_token": other},
                           headers=HTML, follow_redirects=False)
    assert response.status_code == 403
    ok = client.post(f"/departments/{dep}/edit", data={"duties": "本部门职责", "csrf_token": token},
                     headers=HTML, follow_redirects=False)
    assert ok.status_code == 303
    with client.db.session() as session:
        assert session.get(Department, dep).duties == "本部门职责"


def test_login_form_needs_csrf(client):
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": PASSWORDS["admin"], "next": "/"},
                           headers=HTML, follow_redirects=False)
    assert response.status_code == 403
    assert not client.cookies.get("govdata_session")
    assert entries(client, "auth.sign_in") == []


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "evil.example",
                                    "javascript:alert(1)"])
def test_login_does_not_redirect_off_site(client, target):
    response = post_login(client, "admin", PASSWORDS["admin"], next_url=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_login_keeps_a_local_next(client):
    response = post_login(client, "admin", PASSWORDS["admin"], next_url="/departments?region_code=990100")
    assert response.headers["location"] == "/departments?region_code=990100"


def test_passwords_are_stored_as_argon2id(client):
    with client.db.session() as session:
        users = session.scalars(select(User)).all()
    assert users
    for user in users:
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORDS[user.username] not in user.password_hash


# --- personal API tokens -----------------------------------------------------------------------------

def _token_row(client, token_id: int) -> ApiToken:
    with client.db.session() as session:
        row = session.get(ApiToken, token_id)
    assert row is not None
    return row


def test_token_created_with_bearer_is_shown_once_and_stored_as_digest(client):
    auth = bearer(client, "ps_manager")
    response = client.post("/api/v1/me/tokens", json={"name": "报表脚本"}, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    raw = body["token"]
    assert raw.startswith("gdp_") and len(raw) > 30
    row = _token_row(client, body["id"])
    assert row.token_hash == sm3_hex(raw.encode())
    assert row.user_id == user_id(client, "ps_manager")
    for column in ApiToken.__table__.columns:
        value = getattr(row, column.key)
        assert raw not in str(value), column.key
    listed = client.get("/api/v1/me/tokens", headers=auth)
    assert listed.status_code == 200
    assert all("token" not in t for t in listed.json())
    assert raw not in listed.text
    mine = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {raw}"})
    assert mine.status_code == 200 and mine.json()["name"] == "ps_manager"
    [entry] = entries(client, "org.create_token")[-1:]
    assert raw not in str(entry.detail)


def test_token_created_with_cookie_and_csrf_header(client):
    token = login(client, "mca_user")
    response = client.post("/api/v1/me/tokens", json={"name": "浏览器创建"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.text
    raw = response.json()["token"]
    client.cookies.clear()
    whoami = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {raw}"})
    assert whoami.status_code == 200 and whoami.json()["name"] == "mca_user"


def test_cookie_api_call_without_csrf_header_is_refused(client):
    login(client, "mca_user")
    assert client.get("/api/v1/whoami").status_code == 200  # safe methods need no header
    response = client.post("/api/v1/me/tokens", json={"name": "x"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "csrf_failed"
    forged = client.post("/api/v1/me/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    assert entries(client, "org.create_token") == []


def test_revoked_token_is_refused(client):
    auth = bearer(client, "ps_manager")
    created = client.post("/api/v1/me/tokens", json={"name": "临时"}, headers=auth).json()
    victim = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/whoami", headers=victim).status_code == 200
    revoked = client.post(f"/api/v1/me/tokens/{created['id']}/revoke", headers=auth)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    response = client.get("/api/v1/whoami", headers=victim)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "token_invalid"
    assert _token_row(client, created["id"]).revoked_at is not None
    assert [e.object_id for e in entries(client, "org.revoke_token")] == [str(created["id"])]
    assert client.get("/api/v1/whoami", headers=auth).status_code == 200  # the other token still works


def test_someone_elses_token_cannot_be_revoked(client):
    mine = client.post("/api/v1/me/tokens", json={"name": "mine"}, headers=bearer(client, "ps_manager")).json()
    response = client.post(f"/api/v1/me/tokens/{mine['id']}/revoke", headers=bearer(client, "mca_user"))
    assert response.status_code == 403
    assert _token_row(client, mine["id"]).revoked_at is None
    denied = entries(client, "org.revoke_token")
    assert [e.result for e in denied] == ["denied"] and denied[0].actor_name == "mca_user"


def test_expired_token_is_refused(client):
    created = client.post("/api/v1/me/tokens", json={"name": "短期", "expires_days": 1},
                          headers=bearer(client, "ps_manager")).json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/whoami", headers=auth).status_code == 200
    with client.db.session() as session:
        session.execute(update(ApiToken).where(ApiToken.id == created["id"])
                        .values(expires_at=utcnow() - dt.timedelta(minutes=1)))
        session.commit()
    response = client.get("/api/v1/whoami", headers=auth)
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_made_up_token_is_refused(client):
    response = client.get("/api/v1/whoami", headers={"Authorization": "Bearer gdp_not-a-real-token"})
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"
    assert response.headers.get("www-authenticate") == "Bearer"
