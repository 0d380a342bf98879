"""Who may browse what is shared (``service.shareable``)."""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor

__all__ = ["get_shareable", "list_shareable"]


def list_shareable(actor: Actor, obj: Any = None) -> bool:
    """Every signed-in caller may browse what is shared, 暂不共享 entries included (SHR-6)."""
    return actor.is_authenticated


def get_shareable(actor: Actor, obj: Any = None) -> bool:
    return actor.is_authenticated
