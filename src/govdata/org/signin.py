"""Authentication: password sign-in with lockout, browser sessions with idle timeout, personal tokens.

These run before there is an authenticated actor, so they are not policy-checked; each outcome is
audited: successful and failed sign-ins, lockouts, sign-outs and expiries.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from govdata.config import Settings
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.crypto import sm3_hex
from govdata.core.db import utcnow
from govdata.core.errors import DomainError, Unauthenticated
from govdata.core.passwords import hash_password, needs_rehash, verify_password
from govdata.org.models import ApiToken, LoginFailure, User, WebSession

# A constant hash to verify against when the username is unknown, so timing does not reveal which.
_DUMMY_HASH = hash_password("not-a-real-password-Aa1!")


def actor_for(user: User, method: str, client_addr: str | None = None, request_id: str | None = None,
              session_id: int | None = None) -> Actor:
    return Actor(kind="user", name=user.username, user_id=user.id, department_id=user.department_id,
                 roles=frozenset(user.roles), method=method, client_addr=client_addr, request_id=request_id,
                 session_id=session_id, display_name=user.display_name)


def _failures_in_window(session: Session, username: str, settings: Settings) -> int:
    since = utcnow() - dt.timedelta(minutes=settings.lockout_window_minutes)
    return session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.username == username, LoginFailure.created_at >= since)) or 0


def sign_in(session: Session, settings: Settings, username: str, password: str,
            anonymous_actor: Actor) -> tuple[User, str]:
    """Check the password and open a session; returns the user and the raw session token (for the cookie).

    On failure the failure is recorded and audited in ``session`` and a DomainError is raised: the caller
    commits before answering, so failures count even though the sign-in was refused.
    """
    username = username.strip().lower()[:64]
    attempt = Actor(kind="anonymous", name=username or "anonymous", method=anonymous_actor.method,
                    client_addr=anonymous_actor.client_addr, request_id=anonymous_actor.request_id)
    user = session.scalar(select(User).where(User.username == username))
    if _failures_in_window(session, username, settings) >= settings.lockout_failures:
        audit.record(session, attempt, "auth.sign_in", object_type="user", object_id=user.id if user else None,
                     result="denied", detail={"reason": "account_locked"})
        raise DomainError("account_locked", detail_en="Too many failed sign-ins; try again in "
                          f"{settings.lockout_window_minutes} minutes",
                          detail=f"登录失败次数过多，账号已临时锁定，请{settings.lockout_window_minutes}分钟后再试",
                          keep_writes=True)
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    if not ok or user is None:
        session.add(LoginFailure(username=username, client_addr=attempt.client_addr))
        audit.record(session, attempt, "auth.sign_in", object_type="user", object_id=user.id if user else None,
                     result="failure", detail={"reason": "wrong_password" if user else "unknown_user"},
                     department_id=user.department_id if user else None)
        raise Unauthenticated("login_failed")
    if not user.active:
        audit.record(session, attempt, "auth.sign_in", object_type="user", object_id=user.id,
                     result="denied", detail={"reason": "account_disabled"}, department_id=user.department_id)
        raise DomainError("account_disabled", keep_writes=True)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    web_session = WebSession(token_hash=sm3_hex(raw.encode()), user_id=user.id, last_seen_at=now,
                             expires_at=now + dt.timedelta(hours=settings.session_max_hours),
                             client_addr=attempt.client_addr)
    session.add(web_session)
    session.flush()
    audit.record(session, actor_for(user, attempt.method, attempt.client_addr, attempt.request_id,
                                     web_session.id), "auth.sign_in", object_type="user", object_id=user.id)
    return user, raw


def resolve_session(session: Session, settings: Settings, raw: str) -> tuple[User, WebSession]:
    """The user behind a session cookie; ends the session (audited) when it is idle or past its lifetime."""
    web_session = session.scalar(select(WebSession).where(WebSession.token_hash == sm3_hex(raw.encode())))
    if web_session is None or web_session.ended_at is not None:
        raise Unauthenticated("session_expired")
    user = session.get(User, web_session.user_id)
    now = utcnow()
    idle_limit = web_session.last_seen_at + dt.timedelta(minutes=settings.session_idle_minutes)
    reason = None
    if user is None or not user.active:
        reason = "account_disabled"
    elif now > idle_limit:
        reason = "idle_timeout"
    elif now > web_session.expires_at:
        reason = "max_lifetime"
    if reason:
        web_session.ended_at = now
        web_session.end_reason = reason
        if user is not None:
            audit.record(session, actor_for(user, "ui", web_session.client_addr, None, web_session.id),
                         "auth.session_end", object_type="user", object_id=user.id, detail={"reason": reason})
        raise Unauthenticated("session_expired")
    assert user is not None
    # Touch at most once a minute: fewer writes, same timeout behaviour to the minute.
    if now - web_session.last_seen_at > dt.timedelta(seconds=60):
        web_session.last_seen_at = now
    return user, web_session


def sign_out(session: Session, actor: Actor, raw: str) -> None:
    web_session = session.scalar(select(WebSession).where(WebSession.token_hash == sm3_hex(raw.encode())))
    if web_session is None or web_session.ended_at is not None:
        return
    web_session.ended_at = utcnow()
    web_session.end_reason = "sign_out"
    audit.record(session, actor, "auth.sign_out", object_type="user", object_id=web_session.user_id)


def resolve_token(session: Session, raw: str) -> User:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == sm3_hex(raw.encode())))
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at < now):
        raise Unauthenticated("token_invalid")
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise Unauthenticated("token_invalid")
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(seconds=60):
        token.last_used_at = now
    return user
