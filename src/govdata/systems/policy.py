"""Who may do what with business systems. One rule per service function, of the same name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES
from govdata.systems.models import BusinessSystem


def _own_manager(actor: Actor, department_id: int | None) -> bool:
    return actor.has("dept_manager") and department_id is not None and department_id == actor.department_id


def list_systems(actor: Actor, obj: Any = None) -> bool:
    return actor.kind == "user"


def get_system(actor: Actor, obj: Any = None) -> bool:
    return actor.has(*OVERSIGHT_ROLES) or (obj is not None and obj.department_id == actor.department_id)


def register_system(actor: Actor, obj: Any = None) -> bool:
    """obj: the department id the system is registered for."""
    return actor.has("platform_admin") or _own_manager(actor, obj)


def update_system(actor: Actor, obj: Any = None) -> bool:
    return obj is not None and (actor.has("platform_admin") or _own_manager(actor, obj.department_id))


def decide_system(actor: Actor, obj: Any = None) -> bool:
    """Who may take which step is the process definition's; here: someone who can see the system."""
    return obj is not None and (actor.has("platform_admin") or _own_manager(actor, obj.department_id))


def reveal_secret(actor: Actor, obj: Any = None) -> bool:
    """Only the owning department's data manager receives the secret (the admin approves, never sees it)."""
    return obj is not None and _own_manager(actor, obj.department_id)


rotate_secret = reveal_secret


def revoke_system(actor: Actor, obj: Any = None) -> bool:
    return obj is not None and (actor.has("platform_admin") or _own_manager(actor, obj.department_id))


def systems_visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.kind == "platform" or actor.has(*OVERSIGHT_ROLES):
        return true()
    if actor.department_id is not None:
        return BusinessSystem.department_id == actor.department_id
    return false()
