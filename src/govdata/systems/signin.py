"""Authentication of signed system calls (AppKey + HMAC-SM3, docs/api-signing.md).

Checks, in order: the four headers are present (signature_missing; any one of them makes a call a signed
one); path and query are percent-encoded ASCII (request_not_percent_encoded); the key is known (app_key_unknown);
the timestamp is well-formed and within five minutes (timestamp_invalid / timestamp_skewed); the nonce is
well-formed (nonce_invalid); the signature matches the current secret or one still in its rotation grace
period (signature_invalid); the nonce was not used before in the window (nonce_reused); the key is not
revoked (app_key_revoked); the registration is approved (system_not_approved, 403); the security
assessment has not expired (system_assessment_expired, 403); ``X-End-User``, when sent, is percent-encoded
UTF-8 of at most 64 characters (end_user_invalid, 422). Every refusal is audited.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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
    """The actor of a signed call. The end user the system names stays a field of its own (``end_user``,
    kept so in the audit entries and the usage ledger), never part of the actor's name."""
    name = f"{system.name}[{system.app_key}]"
    return Actor(kind="system", name=name[:200], system_id=system.id, department_id=system.department_id,
                 roles=frozenset({"system"}), method="api", client_addr=client_addr, request_id=request_id,
                 end_user=end_user)


# INSERT … ON CONFLICT DO NOTHING RETURNING the pairs inserted (SQLite, PostgreSQL), run for many rows at once.
_CLAIM = {is_pg: (pg_insert if is_pg else sqlite_insert)(RequestNonce.__table__)
          .on_conflict_do_nothing(index_elements=["app_key", "nonce"])
          .returning(RequestNonce.__table__.c.app_key, RequestNonce.__table__.c.nonce)
          for is_pg in (False, True)}


class NonceStore:
    """Remembers nonces for the replay window: Redis (SET NX PX) when configured, else a database table."""

    def __init__(self, redis_url: str | None) -> None:
        self._redis = None
        self._claims = 0
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url)

    def claim(self, session: Session, app_key: str, nonce: str) -> bool:
        """True the first time a nonce is seen within the window, False afterwards."""
        return self.claim_many(session, [(app_key, nonce)])[0]

    def claim_many(self, session: Session, pairs: list[tuple[str, str]]) -> list[bool]:
        """``claim`` for several (AppKey, nonce) pairs at once, in order (a pair repeated in the list is
        claimed by its first occurrence only); one statement on the database, one round trip to Redis."""
        window_ms = 2 * signing.MAX_SKEW_MS  # a timestamp may be off in either direction
        if self._redis is not None:
            pipe = self._redis.pipeline(transaction=False)
            for app_key, nonce in pairs:
                pipe.set(f"govdata:nonce:{app_key}:{nonce}", b"1", nx=True, px=window_ms)
            return [bool(ok) for ok in pipe.execute()]
        now = utcnow()
        expires = now + dt.timedelta(milliseconds=window_ms)
        unique = list(dict.fromkeys(pairs))
        rows = [{"app_key": a, "nonce": n, "expires_at": expires, "created_at": now, "updated_at": now}
                for a, n in unique]
        connection = session.connection()
        statement = _CLAIM[connection.dialect.name == "postgresql"]
        claimed = {(r[0], r[1]) for r in connection.execute(statement, rows)}
        for app_key, nonce in unique:
            if (app_key, nonce) not in claimed and session.execute(update(RequestNonce).where(
                    RequestNonce.app_key == app_key, RequestNonce.nonce == nonce, RequestNonce.expires_at < now)
                    .values(expires_at=expires).execution_options(synchronize_session=False)).rowcount:  # type: ignore[attr-defined]
                claimed.add((app_key, nonce))  # seen before, but that use's window has passed
        self._claims += 1
        if self._claims % 64 == 0:  # nonces past their window protect nothing: clear some now and then
            stale = select(RequestNonce.id).where(RequestNonce.expires_at < now).limit(500)
            session.execute(delete(RequestNonce).where(RequestNonce.id.in_(stale)))
        outcomes = []
        for pair in pairs:
            outcomes.append(pair in claimed)
            claimed.discard(pair)  # a repeat within the list is a replay
        return outcomes


_stores: dict[str | None, NonceStore] = {}


def nonce_store(redis_url: str | None) -> NonceStore:
    if redis_url not in _stores:
        _stores[redis_url] = NonceStore(redis_url)
    return _stores[redis_url]


def _refuse(session: Session, code: str, system: BusinessSystem | None, client_addr: str | None,
            request_id: str | None, path: str) -> DomainError:
    status, zh, en = MESSAGES[code]
    if system is None:
        # No known system behind it: a call without credentials, whatever headers it carries. Counted by the
        # edge with the others in one entry a minute (web.anonymous_calls), so a loop cannot fill the log.
        refused = Unauthenticated(code, zh, detail_en=en, status=401)
        refused.unattributed = True  # type: ignore[attr-defined]
        return refused
    audit.record(session, system_actor(system, client_addr, request_id), "auth.signed_call",
                 object_type="business_system", object_id=system.id, result="denied",
                 detail={"reason": code, "path": audit.path_for_audit(path)})
    if status == 401:
        return Unauthenticated(code, zh, detail_en=en, status=401)
    return DomainError(code, zh, en, status=status, keep_writes=True)


#: What the checks and the actor need of a system: its identity and standing.
_STANDING = (BusinessSystem.id, BusinessSystem.name, BusinessSystem.app_key, BusinessSystem.department_id,
             BusinessSystem.status, BusinessSystem.assessment_valid_until)
_STANDING_AND_SECRETS = (
    select(*_STANDING, SystemSecret.id.label("secret_id"), SystemSecret.secret_enc, SystemSecret.grace_until)
    .outerjoin(SystemSecret, and_(SystemSecret.system_id == BusinessSystem.id, SystemSecret.retired_at.is_(None)))
    .where(BusinessSystem.app_key == bindparam("app_key")))


def _signed_system(session: Session, headers: Mapping[str, str], method: str, raw_path: str, query: str,
                   body: bytes, refuse: Callable[..., DomainError]) -> tuple[Any, str, str]:
    """The system whose current secret (or one in its grace period) signed the request; its AppKey and the
    request's nonce (not yet claimed)."""
    app_key = headers.get(signing.HEADER_APP_KEY.lower())
    timestamp = headers.get(signing.HEADER_TIMESTAMP.lower())
    nonce = headers.get(signing.HEADER_NONCE.lower())
    signature = headers.get(signing.HEADER_SIGNATURE.lower())
    if not (app_key and timestamp and nonce and signature):
        raise refuse("signature_missing")
    if not (raw_path.isascii() and query.isascii()):
        raise refuse("request_not_percent_encoded")
    # The system's standing and its live secrets in one query (only the columns the checks read).
    rows = session.execute(_STANDING_AND_SECRETS, {"app_key": app_key}).all()
    if not rows:
        raise refuse("app_key_unknown")
    system = rows[0]
    problem = signing.check_timestamp(timestamp, signing.now_ms())
    if problem:
        raise refuse(problem, system)
    if not signing.check_nonce_format(nonce):
        raise refuse("nonce_invalid", system)
    canonical = signing.canonical_string(method, raw_path, query, body, timestamp, nonce)
    secret_key = settings_of(session).resolved_secret_key
    now = utcnow()
    if not any(signing.verify(_secret(secret_key, r.secret_id, r.secret_enc), canonical, signature)
               for r in rows if r.secret_id is not None and (r.grace_until is None or r.grace_until > now)):
        raise refuse("app_key_revoked" if system.status == "revoked" else "signature_invalid", system)
    return system, app_key, nonce


@lru_cache(maxsize=1024)
def _secret(secret_key: str, secret_id: int, secret_enc: str) -> str:
    """A system secret in clear (SM4-GCM decryption, kept per stored ciphertext: it never changes)."""
    return decrypt_field(secret_key, secret_enc, f"system_secret:{secret_id}")


def _check_standing(system: BusinessSystem, refuse: Callable[..., DomainError]) -> None:
    if system.status == "revoked":
        raise refuse("app_key_revoked", system)
    if system.status != "approved":
        raise refuse("system_not_approved", system)
    if system.assessment_valid_until < today():
        raise refuse("system_assessment_expired", system)


MAX_END_USER = 64
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _end_user(headers: Mapping[str, str], refuse: Callable[..., DomainError], system: Any) -> str | None:
    """``X-End-User`` as the person it names: percent-encoded UTF-8 (RFC 3986), at most 64 characters once
    decoded, no control characters. Anything else is refused (``end_user_invalid``), never cut short."""
    raw = headers.get(signing.HEADER_END_USER.lower())
    if raw is None or raw == "":
        return None
    try:
        if not raw.isascii() or _BAD_ESCAPE.search(raw):
            raise ValueError("raw non-ASCII or a malformed escape")
        value = unquote(raw, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise refuse("end_user_invalid", system) from None
    if not value.strip() or len(value) > MAX_END_USER or any(not c.isprintable() for c in value):
        raise refuse("end_user_invalid", system)
    return value


def authenticate(session: Session, headers: Mapping[str, str], method: str, raw_path: str, query: str,
                 body: bytes, client_addr: str | None = None, request_id: str | None = None) -> Actor:
    """The actor behind a signed request, or a DomainError whose code says what is wrong (audited)."""
    def refuse(code: str, system: BusinessSystem | None = None) -> DomainError:
        return _refuse(session, code, system, client_addr, request_id, raw_path)

    system, app_key, nonce = _signed_system(session, headers, method, raw_path, query, body, refuse)
    if not nonce_store(settings_of(session).redis_url).claim(session, app_key, nonce):
        raise refuse("nonce_reused", system)
    _check_standing(system, refuse)
    end_user = _end_user(headers, refuse, system)
    actor = system_actor(system, client_addr, request_id, end_user)
    audit.record(session, actor, "auth.signed_call", object_type="business_system", object_id=system.id,
                 detail={"http_method": method, "path": raw_path, "query": query or None, "end_user": end_user})
    return actor


def authenticate_deferred(session: Session, headers: Mapping[str, str], method: str, raw_path: str, query: str,
                          body: bytes, client_addr: str | None = None, request_id: str | None = None) -> Actor:
    """``authenticate`` for calls that leave a record of their own (reads of shared data): the same checks,
    except that the replay check is left to the write of that record (``claim_nonces``, same transaction),
    and no separate ``auth.signed_call`` entry is written. The actor carries the nonce to claim. Refusals
    are audited as by ``authenticate``."""
    def refuse(code: str, system: BusinessSystem | None = None) -> DomainError:
        return _refuse(session, code, system, client_addr, request_id, raw_path)

    system, app_key, nonce = _signed_system(session, headers, method, raw_path, query, body, refuse)
    _check_standing(system, refuse)
    end_user = _end_user(headers, refuse, system)
    return replace(system_actor(system, client_addr, request_id, end_user), nonce=(app_key, nonce))


def claim_nonces(session: Session, actors: list[Actor]) -> list[bool]:
    """Claim the nonces that ``authenticate_deferred`` actors carry, in one go: False for a replay (an actor
    without a nonce claims nothing and gets True)."""
    pairs = [actor.nonce for actor in actors if actor.nonce is not None]
    claimed = iter(nonce_store(settings_of(session).redis_url).claim_many(session, pairs) if pairs else [])
    return [True if actor.nonce is None else next(claimed) for actor in actors]
