"""Rules for ``sharing.service.requests``, one per function, of the same name (SEC-1: by role and department).

obj is the ``ShareRequest`` unless said otherwise. Who takes which step of a request is the workflow
definition's (``share_request``: the provider's reviewer, then the big data center; ``share_objection``: the
e-government authority); the rules here say who is concerned at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES, refusal
from govdata.sharing.models import ShareRequest
from govdata.sharing.models.requests import DRAFT_STATUSES

__all__ = ["decide_objection", "get_request", "list_requests",
           "object_to_refusal", "request_share", "requests_visible_to", "review_request", "subscribe",
           "withdraw_request"]


def _own(actor: Actor, department_id: int | None) -> bool:
    return actor.kind == "user" and department_id is not None and department_id == actor.department_id


def _drafted_by(actor: Actor, obj: Any) -> bool:
    """``actor`` drafted the request ``obj`` (and is its end user)."""
    return (actor.kind == "user" and obj is not None and obj.draft_item_id is not None
            and obj.end_user_id is not None and obj.end_user_id == actor.user_id)


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
    """The requesting department, the providing department once it was submitted (drafts are the
    requester's own business), the drafter, and the overseers."""
    return obj is not None and (actor.has(*OVERSIGHT_ROLES) or _own(actor, obj.requester_department_id)
                                or (_own(actor, obj.provider_department_id) and obj.status not in DRAFT_STATUSES)
                                or _drafted_by(actor, obj))


def review_request(actor: Actor, obj: Any = None) -> bool:
    """The providing department's reviewer (first step) and the big data center (second)."""
    return obj is not None and (actor.has("platform_admin")
                                or (actor.has("dept_reviewer") and _own(actor, obj.provider_department_id)))


@refusal("申请草稿只能由起草人撤回（数据管理员可以退回）；已提交的申请由申请部门的数据管理员撤回")
def withdraw_request(actor: Actor, obj: Any = None) -> bool:
    """A draft: its drafter (the data manager declines it instead). Else the requesting department's data
    manager."""
    if obj is not None and obj.status == "draft":
        return _drafted_by(actor, obj) and _own(actor, obj.requester_department_id)
    return obj is not None and actor.has("dept_manager") and _own(actor, obj.requester_department_id)


def object_to_refusal(actor: Actor, obj: Any = None) -> bool:
    """The requesting department's data manager."""
    return obj is not None and actor.has("dept_manager") and _own(actor, obj.requester_department_id)


def decide_objection(actor: Actor, obj: Any = None) -> bool:
    """The e-government authority settles disputes over sharing."""
    return actor.has("supervisor")


def requests_visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.kind == "platform" or actor.has(*OVERSIGHT_ROLES):
        return true()
    if actor.department_id is None or actor.kind != "user":
        return false()
    mine = [ShareRequest.end_user_id == actor.user_id] if actor.user_id is not None else []
    return or_(ShareRequest.requester_department_id == actor.department_id,
               and_(ShareRequest.provider_department_id == actor.department_id,
                    ShareRequest.status.not_in(DRAFT_STATUSES)), *mine)
