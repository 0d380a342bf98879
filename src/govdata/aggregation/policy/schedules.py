"""Rules for the aggregation services in ``service.schedules``, one per function, of the same name.

obj is the catalog ``Resource`` of the dataset unless said otherwise. Who takes which step of a filing is
the workflow definition's (``aggregation_schedule_filing``); the rules here only say who is concerned."""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES

__all__ = ["check_timeliness", "dataset_timeliness", "decide_schedule", "department_timeliness", "file_schedule",
           "get_schedule", "list_schedules"]


def _own(actor: Actor, department_id: int | None) -> bool:
    return actor.kind == "user" and department_id is not None and department_id == actor.department_id


def file_schedule(actor: Actor, obj: Any = None) -> bool:
    """A data manager of the providing department files the schedule it can keep."""
    return obj is not None and actor.has("dept_manager") and _own(actor, obj.department_id)


def decide_schedule(actor: Actor, obj: Any = None) -> bool:
    """The big data center decides; the filing department's data manager may withdraw its own filing."""
    if obj is None:
        return False
    return actor.has("platform_admin") or (actor.has("dept_manager") and _own(actor, obj.department_id))


def list_schedules(actor: Actor, obj: Any = None) -> bool:
    """The providing department and the overseers."""
    return obj is not None and (_own(actor, obj.department_id) or actor.has(*OVERSIGHT_ROLES))


def dataset_timeliness(actor: Actor, obj: Any = None) -> bool:
    """The providing department, the overseers and the third-party evaluators (GEN-2, SUP-5)."""
    return obj is not None and (_own(actor, obj.department_id) or actor.has(*OVERSIGHT_ROLES, "evaluator"))


def department_timeliness(actor: Actor, obj: Any = None) -> bool:
    """obj: the ``Department``. The same people as ``dataset_timeliness``, for all of its datasets."""
    return obj is not None and (_own(actor, obj.id) or actor.has(*OVERSIGHT_ROLES, "evaluator"))


def check_timeliness(actor: Actor, obj: Any = None) -> bool:
    """The periodic job (the platform actor) or the big data center by hand."""
    return actor.has("platform_admin")


def get_schedule(actor: Actor, obj: Any = None) -> bool:
    """obj: the ``AggregationSchedule``. The same people as ``list_schedules``."""
    return list_schedules(actor, obj)
