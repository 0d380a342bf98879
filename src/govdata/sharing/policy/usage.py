"""Rules for the sharing services in ``service.usage``, one per function, of the same name.

A call of the data service API concerns two departments: the provider, who sees who used its data, and the
consumer, who sees its own use. The overseers (platform administrator, supervisor, security regulator)
see every call (SHR-4: the use of shared data is supervised)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES
from govdata.sharing.models import Usage

__all__ = ["get_usage", "usage_report", "usage_visible_to"]


def usage_visible_to(actor: Actor) -> ColumnElement[bool]:
    """The SQL clause narrowing ``Usage`` rows to the calls ``actor`` may see."""
    if actor.kind == "platform" or actor.has(*OVERSIGHT_ROLES):
        return true()
    if actor.kind != "user" or actor.department_id is None:
        return false()
    return or_(Usage.provider_department_id == actor.department_id,
               Usage.consumer_department_id == actor.department_id)


def usage_report(actor: Actor, obj: Any = None) -> bool:
    """People of a department (calls on its data and its own calls) and the overseers (all)."""
    return actor.has(*OVERSIGHT_ROLES) or (actor.kind == "user" and actor.department_id is not None)


def get_usage(actor: Actor, obj: Any = None) -> bool:
    """obj: the ``Usage`` row. Its provider or consumer department, or an overseer."""
    if obj is None:
        return False
    if actor.has(*OVERSIGHT_ROLES):
        return True
    own = actor.department_id if actor.kind == "user" else None
    return own is not None and own in (obj.provider_department_id, obj.consumer_department_id)
