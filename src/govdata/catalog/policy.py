"""Who may do what with catalog entries. One rule per service function, of the same name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, true

from govdata.catalog.models import Resource
from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES

CATALOG_KEEPERS = ("dept_manager",)


def _own(actor: Actor, department_id: int | None) -> bool:
    return department_id is not None and department_id == actor.department_id


def list_resources(actor: Actor, obj: Any = None) -> bool:
    return actor.is_authenticated


def get_resource(actor: Actor, obj: Any = None) -> bool:
    """Published entries are for every department (on-demand sharing starts from the catalog); drafts and
    entries under review only for the owning department and the overseers."""
    if obj is None:
        return actor.is_authenticated
    return (obj.published_version_id is not None and actor.is_authenticated) or _own(actor, obj.department_id) \
        or actor.has(*OVERSIGHT_ROLES)


def draft_for(actor: Actor, obj: Any = None) -> bool:
    """A draft (or a version under review) is seen by its department and the overseers only."""
    return obj is not None and (_own(actor, obj.department_id) or actor.has(*OVERSIGHT_ROLES)
                                or actor.kind == "platform")


version_history = draft_for


def create_resource(actor: Actor, obj: Any = None) -> bool:
    """obj: the department id."""
    return actor.has("platform_admin") or (actor.has(*CATALOG_KEEPERS) and _own(actor, obj))


def update_draft(actor: Actor, obj: Any = None) -> bool:
    return obj is not None and (actor.has("platform_admin") or (actor.has(*CATALOG_KEEPERS)
                                                                and _own(actor, obj.department_id)))


submit_resource = update_draft
request_withdrawal = update_draft


def review_resource(actor: Actor, obj: Any = None) -> bool:
    """Who takes which review step is the process definition's; here: someone concerned with the entry."""
    return obj is not None and (actor.has("platform_admin") or _own(actor, obj.department_id))


def decide_withdrawal(actor: Actor, obj: Any = None) -> bool:
    return actor.has("platform_admin")


def resources_visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.kind == "platform" or actor.has(*OVERSIGHT_ROLES):
        return true()
    clauses = [Resource.published_version_id.is_not(None)]
    if actor.department_id is not None:
        clauses.append(Resource.department_id == actor.department_id)
    return or_(*clauses)
