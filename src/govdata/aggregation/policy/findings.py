"""Rules for the aggregation services in ``service.findings``, one per function, of the same name.

Findings concern a department (the one that collected beyond its scope, aggregated late, misused shared
data…): its own people see them, so they can correct; the overseers see all of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true

from govdata.aggregation.models import Finding
from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES

__all__ = ["findings_visible_to", "list_findings"]


def findings_visible_to(actor: Actor) -> ColumnElement[bool]:
    """The SQL clause narrowing findings (``Finding``) to what ``actor`` may see."""
    if actor.kind == "platform" or actor.has(*OVERSIGHT_ROLES):
        return true()
    if actor.kind != "user" or actor.department_id is None:
        return false()
    return Finding.department_id == actor.department_id


def list_findings(actor: Actor, obj: Any = None) -> bool:
    """People of a department (their own department's findings) and the overseers (all)."""
    return actor.has(*OVERSIGHT_ROLES) or (actor.kind == "user" and actor.department_id is not None)
