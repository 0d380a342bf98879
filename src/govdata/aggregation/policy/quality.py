"""Rules for the aggregation services in ``service.quality``, one per function, of the same name.

Who sees a dataset's pages follows ``get_record``: the providing department (its people and systems) and
the overseers (platform administrator, supervisor, security regulator). Other departments reach the data
through sharing, not here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true

from govdata.catalog.models import Resource
from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES

__all__ = ["datasets_visible_to", "get_batch", "get_dataset", "list_batches", "list_datasets",
           "quality_history", "refresh_quality", "refresh_stale_quality"]


def _sees(actor: Actor, obj: Any) -> bool:
    if obj is None:
        return False
    own = obj.department_id is not None and obj.department_id == actor.department_id
    return own or actor.has(*OVERSIGHT_ROLES)


def datasets_visible_to(actor: Actor) -> ColumnElement[bool]:
    """The SQL clause narrowing the dataset list (on ``Resource``) to what ``actor`` may see."""
    if actor.kind == "platform" or actor.has(*OVERSIGHT_ROLES):
        return true()
    if actor.department_id is None:
        return false()
    return Resource.department_id == actor.department_id


def list_datasets(actor: Actor, obj: Any = None) -> bool:
    """Anyone of a department (who sees the own department's datasets) and the overseers (all)."""
    return actor.is_authenticated and (actor.department_id is not None or actor.has(*OVERSIGHT_ROLES))


def get_dataset(actor: Actor, obj: Any = None) -> bool:
    """obj: the catalog ``Resource``."""
    return _sees(actor, obj)


def list_batches(actor: Actor, obj: Any = None) -> bool:
    """obj: the catalog ``Resource``."""
    return _sees(actor, obj)


def get_batch(actor: Actor, obj: Any = None) -> bool:
    """obj: the catalog ``Resource`` the batch went into."""
    return _sees(actor, obj)


def quality_history(actor: Actor, obj: Any = None) -> bool:
    """obj: the catalog ``Resource``."""
    return _sees(actor, obj)


def refresh_quality(actor: Actor, obj: Any = None) -> bool:
    """obj: the catalog ``Resource``. The providing department's data manager, or the platform administrator."""
    if obj is None:
        return False
    own = obj.department_id is not None and obj.department_id == actor.department_id
    return actor.has("platform_admin") or (actor.has("dept_manager") and own)


def refresh_stale_quality(actor: Actor, obj: Any = None) -> bool:
    """The periodic job (the platform itself) or the platform administrator."""
    return actor.has("platform_admin")
