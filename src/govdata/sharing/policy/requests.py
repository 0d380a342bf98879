"""Rules for ``sharing.service.requests``, one per function, of the same name (SEC-1: by role and department).

obj is the ``ShareRequest`` unless said otherwise. Who takes which step of a request is the workflow
definition's (``share_request``: the provider's reviewer, then the big data center; ``share_objection``: the
e-government authority); the rules here say who is concerned at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES
from govdata.sharing.models import ShareRequest

__all__ = ["decide_objection", "get_request", "list_requests",
           "object_to_refusal", "request_share", "requests_visible_to", "review_request", "subscribe",
           "withdraw_request"]


def _own(actor: Actor, department_id: int | None) -> bool:
    return actor.kind == "user" and department_id is not None and department_id == actor.department_id


def subscribe(actor: Actor, obj: Any = None) -> bool:
    """obj: the catalog ``Resource``. A data manager applies for the department's own systems."""
    return actor.kind == "user" and actor.department_id is not None and actor.has("dept_manager")


request_share = subscribe


def list_requests(actor: Actor, obj: Any = None) -> bool:
    """obj: the ``RequestFilter``. Every box for people; ``all`` for the oversight roles only."""
    if actor.kind != "user":
        return False
    return obj is None or obj.box != "all" or actor.has(*OVERSIGHT_ROLES)


def get_request(actor: Actor, obj: Any = None) -> bool:
    """The requesting and the providing department, and the overseers."""
    return obj is not None and (actor.has(*OVERSIGHT_ROLES) or _own(actor, obj.requester_department_id)
                                or _own(actor, obj.provider_department_id))


def review_request(actor: Actor, obj: Any = None) -> bool:
    """The providing department's reviewer (first step) and the big data center (second)."""
    return obj is not None and (actor.has("platform_admin")
                                or (actor.has("dept_reviewer") and _own(actor, obj.provider_department_id)))


def withdraw_request(actor: Actor, obj: Any = None) -> bool:
    """The requesting department's data manager."""
    return obj is not None and actor.has("dept_manager") and _own(actor, obj.requester_department_id)


object_to_refusal = withdraw_request


def decide_objection(actor: Actor, obj: Any = None) -> bool:
    """The e-government authority settles disputes over sharing."""
    return actor.has("supervisor")


def requests_visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.kind == "platform" or actor.has(*OVERSIGHT_ROLES):
        return true()
    if actor.department_id is None or actor.kind != "user":
        return false()
    return or_(ShareRequest.requester_department_id == actor.department_id,
               ShareRequest.provider_department_id == actor.department_id)
