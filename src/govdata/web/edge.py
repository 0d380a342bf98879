"""The edge between HTTP and the services: who is calling, the unit of work, CSRF.

A route or view opens a unit of work, resolves the actor, calls one service function and serialises the
result. Domain errors roll the transaction back (unless they carry records that must be kept, like a
failed sign-in); a policy refusal is then audited in a transaction of its own, so refused attempts are
on record even though the change they attempted is not.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from govdata.config import Settings
from govdata.core import audit, group_commit, signing
from govdata.core.actor import Actor, anonymous
from govdata.core.errors import DomainError, FieldError, Forbidden, Invalid, Unauthenticated
from govdata.core.i18n import pydantic_message
from govdata.org import signin
from govdata.org.service import TOKEN_PREFIX
from govdata.systems import signin as systems_signin

T = TypeVar("T")

SESSION_COOKIE = "govdata_session"
CSRF_COOKIE = "govdata_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The language of every page's messages. The pages are written in Chinese, so a browser set to another
# language does not turn their messages English; the JSON API answers in the caller's Accept-Language.
PAGE_LANGUAGE = "zh"
# The read-only catalog interchange for harvesters (catalog/ckan.py: CKAN's action API, also at the
# unversioned path ckanapi calls, and the DCAT export) answers anonymous callers too, who see only the
# entries open to the public. Every other /api/ route refuses them with 401.
ANONYMOUS_API_PREFIXES = ("/api/3/", "/api/action/")
ANONYMOUS_API_PATHS = frozenset({"/api/v1/catalog/dcat.jsonld"})
# The data service API (sharing/api/access.py): its calls are authenticated inside the call's unit of work.
DATA_SERVICE_PREFIX = "/api/v1/share/"
# Any of these makes a call a signed one: one missing is then ``signature_missing`` (audited), not a call
# without credentials.
SIGNING_HEADERS = tuple(h.lower() for h in (signing.HEADER_APP_KEY, signing.HEADER_TIMESTAMP,
                                            signing.HEADER_NONCE, signing.HEADER_SIGNATURE))


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def client_addr(request: Request) -> str | None:
    return request.client.host if request.client else None


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def allows_anonymous(path: str) -> bool:
    return path.startswith(ANONYMOUS_API_PREFIXES) or path in ANONYMOUS_API_PATHS


def is_signed(request: Request) -> bool:
    return any(h in request.headers for h in SIGNING_HEADERS)


def count_anonymous(request: Request, result: str, reason: str = "unauthenticated") -> None:
    """Count a call without credentials in the per-minute audit entry (``web.anonymous_calls``)."""
    counter = getattr(request.app.state, "anonymous_calls", None)
    if counter is not None:
        counter.count(request.app.state.sessions, client_addr(request), request.url.path, result, reason=reason)


def anonymous_actor(request: Request, method: str) -> Actor:
    return anonymous(client_addr(request), method, request_id(request))


def audit_denial(request: Request, actor: Actor, exc: Forbidden) -> None:
    """Record a refused attempt, in its own transaction."""
    with request.app.state.sessions() as session:
        audit.record(session, actor, exc.action, result="denied",
                     detail={"code": exc.code, "path": audit.path_for_audit(request.url.path),
                             "http_method": request.method})
        session.commit()


@contextmanager
def unit_of_work(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except DomainError as exc:
        if exc.keep_writes:
            session.commit()
        else:
            session.rollback()
        if isinstance(exc, Forbidden):
            actor = getattr(request.state, "actor", None) or anonymous_actor(request, "api")
            audit_denial(request, actor, exc)
        raise
    except ValidationError as exc:
        session.rollback()
        raise invalid_from_pydantic(exc) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def invalid_from_pydantic(exc: ValidationError) -> Invalid:
    errors = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if p not in ("body", "query", "path")) or "body"
        errors.append(FieldError(loc, err["type"], pydantic_message(err)))
    return Invalid(errors)


# --- who is calling ----------------------------------------------------------------------------------

def _session_actor(request: Request, session: Session, method: str) -> Actor | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    user, web_session = signin.resolve_session(session, settings_of(request), raw)
    return signin.actor_for(user, method, client_addr(request), request_id(request), web_session.id)


async def authenticate_api(request: Request) -> None:
    """App-wide dependency: who is calling an /api/ route, decided before the body is even validated, so an
    unauthenticated caller learns nothing from validation errors. Resolved in its own short transaction
    (session touch, nonce claim, audited refusals) and kept on ``request.state.actor`` for the route."""
    if not request.url.path.startswith("/api/"):
        return
    if is_signed(request):
        request.state.raw_body = await request.body()  # the signature covers its SM3 digest
    if request.url.path.startswith(DATA_SERVICE_PREFIX):
        return  # resolved by the route in the call's own transaction (``call`` → ``api_actor``)

    def resolve() -> None:
        with unit_of_work(request) as session:
            api_actor(request, session)

    try:
        await run_in_threadpool(resolve)
    except DomainError as exc:
        if not allows_anonymous(request.url.path):
            raise
        request.state.auth_error = exc  # the route answers it in its own format (CKAN's error envelope)


def api_actor(request: Request, session: Session) -> Actor:
    """A signed business system, a personal token (``Bearer gdp_…``, or bare ``gdp_…`` as CKAN clients send
    it), or the browser session (then unsafe methods need the CSRF header)."""
    header = request.headers.get("authorization", "").strip()
    if is_signed(request):
        scope_path = request.scope.get("raw_path") or request.url.path.encode()
        # Reads of shared data leave a record of their own, written with the replay check in one go.
        check = (systems_signin.authenticate_deferred if request.url.path.startswith(DATA_SERVICE_PREFIX)
                 else systems_signin.authenticate)
        try:
            actor = check(session, request.headers, request.method, scope_path.decode("latin-1").split("?", 1)[0],
                          request.url.query, getattr(request.state, "raw_body", b""), client_addr(request),
                          request_id(request))
        except DomainError as exc:
            if getattr(exc, "unattributed", False):
                count_anonymous(request, "denied", exc.code)
            raise
    elif header.lower().startswith("bearer ") or header.startswith(TOKEN_PREFIX):
        token = header[7:].strip() if header.lower().startswith("bearer ") else header
        user = signin.resolve_token(session, token)
        actor = signin.actor_for(user, "api", client_addr(request), request_id(request))
    else:
        maybe = _session_actor(request, session, "api")
        if maybe is None:
            if not allows_anonymous(request.url.path):
                count_anonymous(request, "denied")
                raise Unauthenticated()
            count_anonymous(request, "success")
            maybe = anonymous_actor(request, "api")
        elif request.method in UNSAFE_METHODS:
            check_csrf(request, request.headers.get(CSRF_HEADER))
        actor = maybe
    request.state.actor = actor
    return actor


def ui_actor(request: Request, session: Session) -> Actor:
    actor = _session_actor(request, session, "ui")
    if actor is None:
        raise Unauthenticated()
    request.state.actor = actor
    return actor


def call(request: Request, fn: Callable[..., T], *args: Any, out: Callable[[T], Any] | None = None) -> Any:
    """Run one service function for an API caller and serialise its result inside the transaction."""
    with unit_of_work(request) as session:
        actor = getattr(request.state, "actor", None) or api_actor(request, session)
        result = fn(session, actor, *args)
        return out(result) if out else result


async def call_recorded(request: Request, fn: Callable[..., T], *args: Any) -> Any:
    """``call`` on the event loop itself, for short reads whose only write is their own record (a key
    lookup of shared data: three indexed reads). Worker threads would cost more than they save: on SQLite
    the reads take microseconds, and on PostgreSQL the threads contend for the GIL more than the loop waits
    for round trips (bench/serve.py). The record goes to the group commit's writer thread, whose commit is
    awaited (``group_commit.deferred`` / ``settle``) before the answer — or the refusal — leaves."""
    with group_commit.deferred() as pending:
        try:
            result = call(request, fn, *args)
        except BaseException:
            await group_commit.settle(pending)
            raise
    await group_commit.settle(pending)
    return result


# --- CSRF: a random cookie, and a form/header token that is that value signed with the secret key ------

def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings_of(request).resolved_secret_key, salt="csrf")


def csrf_token(request: Request) -> str:
    value = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not value:
        value = secrets.token_urlsafe(24)
        request.state.new_csrf = value
    return str(_serializer(request).dumps(value))


def check_csrf(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted:
        raise DomainError("csrf_failed")
    try:
        value = _serializer(request).loads(submitted, max_age=settings_of(request).session_max_hours * 3600)
    except BadSignature as exc:
        raise DomainError("csrf_failed") from exc
    if not secrets.compare_digest(str(value), cookie):
        raise DomainError("csrf_failed")
