"""Authentication of signed system calls (AppKey + HMAC-SM3, docs/api-signing.md).

Checks, in order: the four headers are present (signature_missing); the key is known (app_key_unknown);
the timestamp is well-formed and within five minutes (timestamp_invalid / timestamp_skewed); the nonce is
well-formed (nonce_invalid); the signature matches the current secret or one still in its rotation grace
period (signature_invalid); the nonce was not used before in the window (nonce_reused); the key is not
revoked (app_key_revoked); the registration is approved (system_not_approved, 403); the security
assessment has not expired (system_assessment_expired, 403). Every refusal is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govdata.core import audit, signing
from govdata.core.actor import Actor
from govdata.core.crypto import decrypt_field
from govdata.core.db import settings_of, utcnow
from govdata.core.errors import MESSAGES, DomainError, Unauthenticated
from govdata.systems.models import BusinessSystem, RequestNonce, SystemSecret
from govdata.systems.service import today



def system_actor(system: BusinessSystem, client_addr: str | None, request_id: str | None,
                 end_user: str | None = None) -> Actor:
    name = f"{system.name}[{system.app_key}]" + (f"/{end_user}" if end_user else "")
    return Actor(kind="system", name=name[:200], system_id=system.id, department_id=system.department_id,
                 roles=frozenset({"system"}), method="api", client_addr=client_addr, request_id=request_id,
                 end_user=end_user)


class NonceStore:
    """Remembers nonces for the replay window: Redis (SET NX PX) when configured, else a database table."""

    def __init__(self, redis_url: str | None) -> None:
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url)

    def claim(self, session: Session, app_key: str, nonce: str) -> bool:
        """True the first time a nonce is seen within the window, False afterwards."""
        window_ms = 2 * signing.MAX_SKEW_MS  # a timestamp may be off in either direction
        if self._redis is not None:
            return bool(self._redis.set(f"govdata:nonce:{app_key}:{nonce}", b"1", nx=True, px=window_ms))
        now = utcnow()
        try:
            with session.begin_nested():
                session.add(RequestNonce(app_key=app_key, nonce=nonce,
                                         expires_at=now + dt.timedelta(milliseconds=window_ms)))
                session.flush()
        except IntegrityError:
            existing = session.scalar(select(RequestNonce).where(RequestNonce.app_key == app_key,
                                                                 RequestNonce.nonce == nonce))
            if existing is not None and existing.expires_at < now:  # expired: the window has passed
                existing.expires_at = now + dt.timedelta(milliseconds=window_ms)
                return True
            return False
        # Nonces past their window protect nothing; clear a few so the table stays small.
        stale = select(RequestNonce.id).where(RequestNonce.expires_at < now).limit(100)
        session.execute(delete(RequestNonce).where(RequestNonce.id.in_(stale)))
        return True


_stores: dict[str | None, NonceStore] = {}


def nonce_store(redis_url: str | None) -> NonceStore:
    if redis_url not in _stores:
        _stores[redis_url] = NonceStore(redis_url)
    return _stores[redis_url]


def _refuse(session: Session, code: str, system: BusinessSystem | None, client_addr: str | None,
            request_id: str | None, path: str) -> DomainError:
    status, zh, en = MESSAGES[code]
    actor = (system_actor(system, client_addr, request_id) if system is not None else
             Actor(kind="anonymous", name="unsigned-caller", method="api", client_addr=client_addr,
                   request_id=request_id))
    audit.record(session, actor, "auth.signed_call", object_type="business_system",
                 object_id=system.id if system else None, result="denied", detail={"reason": code, "path": path})
    if status == 401:
        return Unauthenticated(code, zh, detail_en=en, status=401)
    return DomainError(code, zh, en, status=status, keep_writes=True)


def authenticate(session: Session, headers: Mapping[str, str], method: str, raw_path: str, query: str,
                 body: bytes, client_addr: str | None = None, request_id: str | None = None) -> Actor:
    """The actor behind a signed request, or a DomainError whose code says what is wrong (audited)."""
    def refuse(code: str, system: BusinessSystem | None = None) -> DomainError:
        return _refuse(session, code, system, client_addr, request_id, raw_path)

    app_key = headers.get(signing.HEADER_APP_KEY.lower())
    timestamp = headers.get(signing.HEADER_TIMESTAMP.lower())
    nonce = headers.get(signing.HEADER_NONCE.lower())
    signature = headers.get(signing.HEADER_SIGNATURE.lower())
    if not (app_key and timestamp and nonce and signature):
        raise refuse("signature_missing")
    system = session.scalar(select(BusinessSystem).where(BusinessSystem.app_key == app_key))
    if system is None:
        raise refuse("app_key_unknown")
    problem = signing.check_timestamp(timestamp, signing.now_ms())
    if problem:
        raise refuse(problem, system)
    if not signing.check_nonce_format(nonce):
        raise refuse("nonce_invalid", system)
    canonical = signing.canonical_string(method, raw_path, query, body, timestamp, nonce)
    settings = settings_of(session)
    now = utcnow()
    candidates = session.scalars(select(SystemSecret).where(SystemSecret.system_id == system.id,
                                                            SystemSecret.retired_at.is_(None))).all()
    valid = [s for s in candidates if s.grace_until is None or s.grace_until > now]
    if not any(signing.verify(decrypt_field(settings.resolved_secret_key, s.secret_enc, f"system_secret:{s.id}"),
                              canonical, signature) for s in valid):
        raise refuse("app_key_revoked" if system.status == "revoked" else "signature_invalid", system)
    if not nonce_store(settings.redis_url).claim(session, app_key, nonce):
        raise refuse("nonce_reused", system)
    if system.status == "revoked":
        raise refuse("app_key_revoked", system)
    if system.status != "approved":
        raise refuse("system_not_approved", system)
    if system.assessment_valid_until < today():
        raise refuse("system_assessment_expired", system)
    end_user = headers.get(signing.HEADER_END_USER.lower())
    actor = system_actor(system, client_addr, request_id, end_user[:64] if end_user else None)
    audit.record(session, actor, "auth.signed_call", object_type="business_system", object_id=system.id,
                 detail={"http_method": method, "path": raw_path, "query": query or None,
                         "end_user": end_user[:64] if end_user else None})
    return actor
