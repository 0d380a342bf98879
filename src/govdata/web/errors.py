"""Every error as RFC 9457 problem+json for the API, and as a page with the same message for the UI."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from govdata.core.errors import DomainError, FieldError, Invalid
from govdata.core.i18n import pick_language, pydantic_message
from govdata.web.edge import PAGE_LANGUAGE, invalid_from_pydantic, request_id

log = logging.getLogger("govdata")


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/openapi.json" or "html" not in request.headers.get("accept", "")


def problem_response(request: Request, error: DomainError) -> Response:
    if wants_json(request):
        lang = pick_language(request.headers.get("accept-language"))
        body = error.problem(lang, instance=request.url.path, request_id=request_id(request))
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
        headers.update(getattr(error, "headers", None) or {})  # e.g. Retry-After of a 429
        return JSONResponse(body, status_code=error.status or 400, media_type="application/problem+json",
                            headers=headers or None)
    if error.status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}&reason={error.code}", status_code=303)
    from govdata.web.render import render

    actor = getattr(request.state, "actor", None)
    lang = PAGE_LANGUAGE
    # the page lists each field's message under the title: the message does not say them all again
    message = "请按下列提示修改后重试。" if error.errors else error.message(lang)
    return render(request, "web/error.html", actor, status_code=error.status or 400, problem=error,
                  message=message, title=error.title(lang))


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header"))
            errors.append(FieldError(loc or "body", err.get("type", "invalid"), pydantic_message(err)))
        code = "bad_request" if any(e.code == "json_invalid" for e in errors) else "validation_failed"
        return problem_response(request, Invalid(errors, code=code))

    @app.exception_handler(ValidationError)
    async def _pydantic(request: Request, exc: ValidationError) -> Response:
        return problem_response(request, invalid_from_pydantic(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated", 403: "forbidden"}.get(
            exc.status_code, "bad_request")
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code not in (404, 405) else None
        return problem_response(request, DomainError(code, detail, status=exc.status_code))

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> Response:
        # A value the database cannot hold or compare (an id beyond SQLite's 64 or PostgreSQL's 32-bit INTEGER,
        # SQLSTATE class 22) came from the request unchecked: bad input, answered 422, never a 500.
        log.warning("value out of range on %s %s: %s", request.method, request.url.path, str(exc)[:200])
        return problem_response(request, Invalid([FieldError("request", "out_of_range", "数值或取值超出允许范围")]))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, DomainError("internal_error", status=500))
