"""Rules for ``sharing.service.grants``, one per function, of the same name. obj is the ``Grant`` unless said
otherwise. The providing department controls its grants (with the big data center and the e-government
authority); the consuming department sees its own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES
from govdata.sharing.models import Grant

__all__ = ["get_grant", "grants_visible_to", "list_grants", "resume_grant", "revoke_grant", "suspend_grant",
           "update_grant"]


def _own(actor: Actor, department_id: int | None) -> bool:
    return actor.kind == "user" and department_id is not None and department_id == actor.department_id


def _provider_keeper(actor: Actor, obj: Any) -> bool:
    return obj is not None and actor.has("dept_manager", "dept_reviewer") and _own(actor, obj.provider_department_id)


def list_grants(actor: Actor, obj: Any = None) -> bool:
    """obj: the ``GrantFilter``. People only; ``side=all`` for the oversight roles."""
    if actor.kind != "user":
        return False
    return obj is None or obj.side != "all" or actor.has(*OVERSIGHT_ROLES)


def get_grant(actor: Actor, obj: Any = None) -> bool:
    return obj is not None and (actor.has(*OVERSIGHT_ROLES) or _own(actor, obj.consumer_department_id)
                                or _own(actor, obj.provider_department_id))


def suspend_grant(actor: Actor, obj: Any = None) -> bool:
    """The providing department's manager or reviewer, the big data center, the e-government authority."""
    return actor.has("platform_admin", "supervisor") or _provider_keeper(actor, obj)


resume_grant = suspend_grant
revoke_grant = suspend_grant


def update_grant(actor: Actor, obj: Any = None) -> bool:
    """The providing department's manager or reviewer, and the big data center."""
    return actor.has("platform_admin") or _provider_keeper(actor, obj)


def grants_visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.kind == "platform" or actor.has(*OVERSIGHT_ROLES):
        return true()
    if actor.department_id is None or actor.kind != "user":
        return false()
    return or_(Grant.consumer_department_id == actor.department_id,
               Grant.provider_department_id == actor.department_id)
