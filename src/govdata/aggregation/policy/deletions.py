"""Rules for the aggregation services in ``service.deletions``, one per function, of the same name.

obj is the catalog ``Resource`` of the dataset. Who takes which approval step is the workflow definition's
(``aggregation_deletion``: the department's reviewer, then the big data center); the rules here only say
who is concerned."""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES

__all__ = ["decide_deletion", "get_deletion", "list_deletions", "request_deletion"]


def _own(actor: Actor, department_id: int | None) -> bool:
    return actor.kind == "user" and department_id is not None and department_id == actor.department_id


def request_deletion(actor: Actor, obj: Any = None) -> bool:
    """Only a data manager of the providing department (SEC-3): never a business system, never another
    department, and not the big data center on the department's behalf."""
    return obj is not None and actor.has("dept_manager") and _own(actor, obj.department_id)


def decide_deletion(actor: Actor, obj: Any = None) -> bool:
    """The providing department's reviewer, its data manager (to withdraw), or the big data center."""
    if obj is None:
        return False
    return actor.has("platform_admin") or (actor.has("dept_reviewer", "dept_manager")
                                           and _own(actor, obj.department_id))


def list_deletions(actor: Actor, obj: Any = None) -> bool:
    """The providing department and the overseers."""
    return obj is not None and (_own(actor, obj.department_id) or actor.has(*OVERSIGHT_ROLES))


def get_deletion(actor: Actor, obj: Any = None) -> bool:
    """obj: the ``DeletionRequest``. The same people as ``list_deletions``."""
    return list_deletions(actor, obj)
