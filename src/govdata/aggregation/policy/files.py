"""Rules for file loads (``service.files``), one per function, of the same name.

Loading data into a dataset is the providing department's business: its data manager, or the platform
administrator (legacy migrations run by the big data center). Reading the record of a load (its counts,
its rejection report — which holds the rejected rows' values) is for the same people and the overseers
who may read the department's data."""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES

__all__ = ["get_file_load", "list_file_loads", "load_file", "map_columns", "rejection_report", "run_file_load",
           "start_file_load", "upload_file"]


def _loader(actor: Actor, department_id: int | None) -> bool:
    if actor.kind not in ("user", "platform"):
        return False
    if actor.has("platform_admin"):
        return True
    return actor.has("dept_manager") and department_id is not None and department_id == actor.department_id


def _reader(actor: Actor, department_id: int | None) -> bool:
    if actor.kind not in ("user", "platform"):
        return False
    own = department_id is not None and department_id == actor.department_id
    return own and actor.has("dept_manager", "dept_reviewer") or actor.has(*OVERSIGHT_ROLES)


def upload_file(actor: Actor, obj: Any = None) -> bool:
    """obj: the catalog ``Resource``."""
    return obj is not None and _loader(actor, obj.department_id)


def map_columns(actor: Actor, obj: Any = None) -> bool:
    """obj: the ``FileLoad``."""
    return obj is not None and _loader(actor, obj.department_id)


def run_file_load(actor: Actor, obj: Any = None) -> bool:
    """obj: the ``FileLoad``."""
    return obj is not None and _loader(actor, obj.department_id)


def start_file_load(actor: Actor, obj: Any = None) -> bool:
    """obj: the ``FileLoad`` (checked in the request before it runs in the background): as ``run_file_load``."""
    return run_file_load(actor, obj)


def load_file(actor: Actor, obj: Any = None) -> bool:
    """obj: the catalog ``Resource`` (upload, map and run in one call, for the command line)."""
    return obj is not None and _loader(actor, obj.department_id)


def get_file_load(actor: Actor, obj: Any = None) -> bool:
    """obj: the ``FileLoad``."""
    return obj is not None and (_loader(actor, obj.department_id) or _reader(actor, obj.department_id))


def list_file_loads(actor: Actor, obj: Any = None) -> bool:
    """obj: the catalog ``Resource``."""
    return obj is not None and (_loader(actor, obj.department_id) or _reader(actor, obj.department_id))


def rejection_report(actor: Actor, obj: Any = None) -> bool:
    """obj: the ``FileLoad``. The report holds the rejected rows' values: the loaders and the department's
    reviewer only, not the overseers."""
    if obj is None:
        return False
    own = obj.department_id is not None and obj.department_id == actor.department_id
    return _loader(actor, obj.department_id) or (actor.kind == "user" and own and actor.has("dept_reviewer"))
