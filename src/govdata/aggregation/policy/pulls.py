"""Rules for the aggregation services in ``service.pulls``, one per function, of the same name.

``obj`` is the catalog ``Resource`` when registering or listing, otherwise the ``PullSource`` (both carry
the providing department in ``department_id``)."""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES

__all__ = ["check_pull_source", "get_pull_source", "list_pull_runs", "list_pull_sources", "register_pull_source",
           "run_due_pulls", "run_pull", "set_pull_source_enabled", "update_pull_source"]


def _manager(actor: Actor, obj: Any) -> bool:
    """The providing department's data manager, or the platform administrator."""
    if obj is None or actor.kind != "user":
        return actor.kind == "platform"
    own = obj.department_id is not None and obj.department_id == actor.department_id
    return actor.has("platform_admin") or (actor.has("dept_manager") and own)


def _viewer(actor: Actor, obj: Any) -> bool:
    """The providing department's people, and the overseers."""
    if obj is None:
        return False
    own = actor.kind == "user" and obj.department_id is not None and obj.department_id == actor.department_id
    return own or actor.has(*OVERSIGHT_ROLES)


def register_pull_source(actor: Actor, obj: Any = None) -> bool:
    return _manager(actor, obj)


def update_pull_source(actor: Actor, obj: Any = None) -> bool:
    return _manager(actor, obj)


def set_pull_source_enabled(actor: Actor, obj: Any = None) -> bool:
    return _manager(actor, obj)


def check_pull_source(actor: Actor, obj: Any = None) -> bool:
    """Connecting uses the stored credentials: the same people who may change them."""
    return _manager(actor, obj)


def run_pull(actor: Actor, obj: Any = None) -> bool:
    return _manager(actor, obj)


def list_pull_sources(actor: Actor, obj: Any = None) -> bool:
    return _viewer(actor, obj)


def get_pull_source(actor: Actor, obj: Any = None) -> bool:
    return _viewer(actor, obj)


def list_pull_runs(actor: Actor, obj: Any = None) -> bool:
    return _viewer(actor, obj)


def run_due_pulls(actor: Actor, obj: Any = None) -> bool:
    """The scheduler (the platform actor) runs every due source; people use ``run_pull``."""
    return actor.kind == "platform"
