"""Helpers for HTML views: the unit of work with the signed-in person, and CSRF-checked form reading."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from govdata.core.actor import Actor
from govdata.core.errors import DomainError
from govdata.core.i18n import pick_language
from govdata.web.edge import CSRF_FIELD, check_csrf, ui_actor, unit_of_work


@contextmanager
def page(request: Request) -> Iterator[tuple[Session, Actor]]:
    """A unit of work for a signed-in page; redirects to sign-in (via the error handler) otherwise."""
    with unit_of_work(request) as session:
        yield session, ui_actor(request, session)


def form_errors(request: Request, exc: DomainError) -> dict[str, Any]:
    """Template context for an error shown in place: an alert, and each field's message beside the field."""
    lang = pick_language(request.headers.get("accept-language"))
    if exc.errors:
        alert = exc.title(lang) + "：" + "；".join(dict.fromkeys(e.message for e in exc.errors))
    else:
        alert = exc.message(lang)
    return {"error": alert, "field_errors": {e.field: e.message for e in exc.errors}}


async def read_form(request: Request, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The submitted form after the CSRF check; blank fields become absent, ``lists`` keep every value."""
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD) or ""))
    data: dict[str, Any] = {}
    for key in form.keys():
        if key == CSRF_FIELD:
            continue
        if key in lists:
            data[key] = [str(v) for v in form.getlist(key)]
            continue
        value = str(form.get(key) or "").strip()
        if value != "":
            data[key] = value
    return data
