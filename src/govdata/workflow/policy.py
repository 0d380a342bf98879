"""Who may do what with work items and the calendar. One rule per service function, of the same name."""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES


def start(actor: Actor, obj: Any = None) -> bool:
    """Starting is decided by the calling service's own rule; here only that someone is acting."""
    return actor.is_authenticated


def advance(actor: Actor, obj: Any = None) -> bool:
    """obj: (transition, item view). The process definition says who may take the transition."""
    if obj is None:
        return False
    transition, item = obj
    return bool(transition.who(actor, item))


def get_item(actor: Actor, obj: Any = None) -> bool:
    if actor.has(*OVERSIGHT_ROLES) or obj is None:
        return actor.has(*OVERSIGHT_ROLES)
    if actor.department_id is not None and actor.department_id == getattr(obj, "counterpart_department_id", None):
        return True
    return obj.owner_department_id == actor.department_id or (
        obj.holder_role is not None and actor.has(obj.holder_role)
        and obj.holder_department_id in (None, actor.department_id))


def inbox(actor: Actor, obj: Any = None) -> bool:
    return actor.kind == "user"


def list_calendar_days(actor: Actor, obj: Any = None) -> bool:
    return actor.is_authenticated


def set_calendar_day(actor: Actor, obj: Any = None) -> bool:
    return actor.has("platform_admin")
