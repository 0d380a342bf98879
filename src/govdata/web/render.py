"""Server-rendered pages: one Jinja2 environment, the role-based navigation, and CSRF in every form.

The web edge knows no context: each context's views register their menu entries (:func:`menu_entry`, with
the policy rule that decides who sees them) and the policies their templates ask (:func:`expose`) when
they are imported. The menu is then what the registered rules allow, in the registered order."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from govdata.core import labels
from govdata.core.actor import Actor
from govdata.core.policy import ROLES, allowed
from govdata.web import entries
from govdata.web.edge import CSRF_COOKIE, CSRF_FIELD, csrf_token, settings_of

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [str(PACKAGE / "web" / "templates")] + [
    str(p) for p in sorted(PACKAGE.glob("*/templates")) if p.parent.name != "web"
]
templates = Jinja2Templates(directory=TEMPLATE_DIRS)
RESULT_LABELS = {"success": "成功", "denied": "拒绝", "failure": "失败"}
METHOD_LABELS = {"ui": "网页", "api": "接口", "cli": "命令行", "job": "后台任务"}
MEDIUM_LABELS = {"json": "JSON 数据", "json-ld": "JSON-LD 数据", "csv": "CSV 文件", "xlsx": "Excel 文件",
                 "db": "数据库", "screen": "屏幕显示", "stream": "消息流"}
templates.env.globals.update(RESULT_LABELS=RESULT_LABELS, METHOD_LABELS=METHOD_LABELS, MEDIUM_LABELS=MEDIUM_LABELS,
                             ROLES=ROLES)
# audit entries and findings in words, one way everywhere (web/entries.py, the macros of web/_audit.html)
templates.env.globals.update(action_label=labels.action_label, category_label=labels.category_label,
                             object_label=lambda kind: labels.OBJECTS[kind].label if kind in labels.OBJECTS else kind,
                             finding_label=labels.finding_label, entry_lines=entries.entry_lines,
                             full_record=entries.full_record, finding_text=entries.finding_text,
                             finding_refs=entries.finding_refs)


def refusal(problem: Any, message: str) -> tuple[str, str | None]:
    """An error page's message with a refused action named in words (``core.labels``) rather than by its code,
    and, for a refusal, the action in words (when the message does not already name it)."""
    action = getattr(problem, "action", None)
    if not action or not labels.has_action_label(action):
        return message, None
    label = labels.action_label(action)
    message = message.replace(f"“{action}”", f"“{label}”")
    return message, None if label in message else label


templates.env.globals["refusal"] = refusal


def expose(**names: Any) -> None:
    """Make ``names`` (a context's policy module, its label tables) available to every template."""
    templates.env.globals.update(names)


def _fmt_time(value: Any) -> str:
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    return str(value.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S"))


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


templates.env.filters["time"] = _fmt_time
templates.env.filters["pretty"] = _pretty


@dataclass(frozen=True)
class MenuEntry:
    order: int
    label: str
    href: str
    visible: Callable[[Actor], bool]


_MENU: dict[str, MenuEntry] = {}


def menu_entry(order: int, label: str, href: str, visible: Callable[[Actor], bool]) -> None:
    """Put ``label`` → ``href`` in the menu, at ``order`` (smaller first), for actors ``visible`` allows
    (ask the policy rule of the page it leads to, so no menu entry leads to a 403)."""
    _MENU[href] = MenuEntry(order, label, href, visible)


def navigation(actor: Actor | None) -> list[tuple[str, str]]:
    """Menu entries the actor may use: (label, href). What the policy denies is not shown."""
    if actor is None or not actor.is_authenticated:
        return []
    entries = sorted(_MENU.values(), key=lambda e: (e.order, e.href))
    return [("首页", "/"), *((e.label, e.href) for e in entries if e.visible(actor)), ("我的账号", "/me")]


def render(request: Request, template: str, actor: Actor | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    token = csrf_token(request)
    ctx = {
        "request": request,
        "actor": actor,
        "nav": navigation(actor),
        "csrf_token": token,
        "csrf_field": Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">'),
        "allowed": lambda rule, obj=None: actor is not None and allowed(actor, rule, obj),
        **context,
    }
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax",
                            secure=settings_of(request).cookie_secure)
    return response
