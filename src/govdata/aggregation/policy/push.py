"""Who may do what with aggregated data. One rule per service function, of the same name."""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES


def _own(actor: Actor, department_id: int | None) -> bool:
    return department_id is not None and department_id == actor.department_id


def push_records(actor: Actor, obj: Any = None) -> bool:
    """obj: the catalog ``Resource``. A signed business system of the providing department, that department's
    data manager (corrections by hand), or the platform administrator."""
    if obj is None:
        return False
    if actor.kind == "system":
        return _own(actor, obj.department_id)
    return actor.has("platform_admin") or (actor.has("dept_manager") and _own(actor, obj.department_id))


def get_record(actor: Actor, obj: Any = None) -> bool:
    """obj: the catalog ``Resource``. The providing department (its people and systems) checks what it
    delivered; the overseers see across departments. Other departments go through sharing, not here."""
    if obj is None:
        return False
    return _own(actor, obj.department_id) or actor.has(*OVERSIGHT_ROLES)


def dataset_published(actor: Actor, obj: Any = None) -> bool:
    """Called from ``catalog.service.review_resource`` after its own rule allowed the publication: whoever
    may publish an entry brings its dataset table along."""
    return actor.is_authenticated
