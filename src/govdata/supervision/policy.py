"""Who may read the supervision views. One rule per service function, of the same name."""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor

AUDIT_READERS = ("platform_admin", "supervisor", "security_regulator")


def search_audit(actor: Actor, obj: Any = None) -> bool:
    return actor.has(*AUDIT_READERS)


def verify_audit(actor: Actor, obj: Any = None) -> bool:
    return actor.has(*AUDIT_READERS)
