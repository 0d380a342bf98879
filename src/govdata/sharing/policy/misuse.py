"""Rules for the sharing services in ``service.misuse``, one per function, of the same name."""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES

__all__ = ["detect_misuse", "list_misuse"]


def detect_misuse(actor: Actor, obj: Any = None) -> bool:
    """The hourly job (the platform itself); the big data center or the e-government authority by hand."""
    return actor.has("platform_admin", "supervisor")


def list_misuse(actor: Actor, obj: Any = None) -> bool:
    """The overseers (all findings) and people of a department (findings about their own department, so
    they can correct in time)."""
    return actor.has(*OVERSIGHT_ROLES) or (actor.kind == "user" and actor.department_id is not None)
