"""Helpers for HTML views: the unit of work with the signed-in person, and CSRF-checked form reading."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from html import unescape
from contextlib import contextmanager
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from govdata.core.actor import Actor
from govdata.core.errors import DomainError
from govdata.web.edge import CSRF_FIELD, PAGE_LANGUAGE, check_csrf, ui_actor, unit_of_work
from govdata.web.render import expose


@contextmanager
def page(request: Request) -> Iterator[tuple[Session, Actor]]:
    """A unit of work for a signed-in page; redirects to sign-in (via the error handler) otherwise."""
    with unit_of_work(request) as session:
        yield session, ui_actor(request, session)


def form_errors(request: Request, exc: DomainError) -> dict[str, Any]:
    """Template context for an error shown in place: an alert, and each field's message beside the field.

    ``error`` is the alert with every message; a page that shows the field messages beside its fields gets
    the alert without them from ``web/base.html`` (``error_title`` and what is left unplaced), so no message
    is read twice. A message that already says what the title says stands alone (文件为空, not 文件为空：文件为空).
    """
    title = exc.title(PAGE_LANGUAGE)
    if not exc.errors:
        return {"error": exc.message(PAGE_LANGUAGE), "field_errors": {}}
    messages = list(dict.fromkeys(e.message for e in exc.errors))
    if any(_restates(m, title) for m in messages):
        alert = "；".join(messages)
    else:
        alert = title + "：" + "；".join(messages)
    return {"error": alert, "error_title": title, "field_errors": {e.field: e.message for e in exc.errors}}


def _restates(message: str, title: str) -> bool:
    """Whether ``message`` opens with what ``title`` says first (its words up to the first punctuation)."""
    head = re.split(r"[，。：；,.:;（(]", title, maxsplit=1)[0]
    return bool(head) and message.startswith(head)


_FIELD_ERROR = re.compile(r'<(div|span)\b[^>]*\bclass="[^"]*\bfield-error\b[^"]*"[^>]*>(.*?)</\1>', re.S)
_TAG = re.compile(r"<[^>]+>")


def page_alert(error: str | None, error_title: str | None, field_errors: Mapping[str, str] | None,
               html: str) -> str | None:
    """The alert above a page (``web/base.html``) once its content ``html`` is rendered: the title and only
    the messages not already shown beside a field (a ``field-error`` element), or ``error`` as it stands when
    the page did not come from ``form_errors``."""
    if not error or not error_title or not field_errors:
        return error
    shown = [unescape(_TAG.sub("", m.group(2))).strip() for m in _FIELD_ERROR.finditer(html)]
    left: list[str] = []
    for message in field_errors.values():
        placed = next((i for i, text in enumerate(shown) if text.endswith(message)), None)
        if placed is None:
            left.append(message)
        else:
            del shown[placed]
    left = list(dict.fromkeys(left))
    if not left:
        if any(_restates(m, error_title) for m in field_errors.values()):
            return "未能完成，请按下方标出的提示修改。"
        return f"{error_title}，请按下方标出的提示修改。"
    if any(_restates(m, error_title) for m in left):
        return "；".join(left)
    return error_title + "：" + "；".join(left)


expose(page_alert=page_alert)


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
