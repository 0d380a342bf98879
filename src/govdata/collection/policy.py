"""Who may do what with collection catalogs and their reports. One rule per service function, of the same name."""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES


def list_catalogs(actor: Actor, obj: Any = None) -> bool:
    """Every department needs to know what the province, city and county catalogs ask of it."""
    return actor.is_authenticated


get_catalog = list_catalogs


def import_catalog(actor: Actor, obj: Any = None) -> bool:
    """Catalogs handed down from above are loaded by the big data center."""
    return actor.has("platform_admin")


def coverage_report(actor: Actor, obj: Any = None) -> bool:
    """obj: the department id. A department sees its own coverage; the overseers see every department's."""
    if actor.has(*OVERSIGHT_ROLES):
        return True
    return actor.is_authenticated and actor.department_id is not None and obj == actor.department_id


def duplicate_report(actor: Actor, obj: Any = None) -> bool:
    """Duplicate collection (Art. 26 (二)) is for the overseers to act on."""
    return actor.has("supervisor", "platform_admin", "security_regulator")
