"""Who may read the supervision views. One rule per service function, of the same name."""

from __future__ import annotations

from typing import Any

from govdata.core import audit
from govdata.core.actor import Actor


def search_audit(actor: Actor, obj: Any = None) -> bool:
    return audit.readable_by(actor)


def verify_audit(actor: Actor, obj: Any = None) -> bool:
    return audit.readable_by(actor)
