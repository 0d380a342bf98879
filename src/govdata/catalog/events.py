"""What the catalog tells the contexts that follow it, inside the transaction of the change.

A context that acts on catalog changes (aggregation makes a dataset table when a structured entry is
published) subscribes here when its service is imported (``govdata.wiring`` imports them all); the catalog's
service dispatches without knowing who listens. Handlers run in order, in the caller's transaction: one that
fails rolls the whole change back, so a published entry never lacks what its followers make of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from govdata.catalog.models import Resource, ResourceVersion
from govdata.core.actor import Actor

__all__ = ["PublishedHandler", "on_published", "published"]

PublishedHandler = Callable[[Session, Actor, Resource, ResourceVersion], Any]
_published: list[PublishedHandler] = []


def on_published(handler: PublishedHandler) -> PublishedHandler:
    """Call ``handler(session, actor, resource, version)`` whenever a version of an entry is published
    (first publication or a new version). Registering the same handler twice keeps one."""
    if handler not in _published:
        _published.append(handler)
    return handler


def published(session: Session, actor: Actor, resource: Resource, version: ResourceVersion) -> None:
    """Tell every subscriber that ``version`` of ``resource`` was just published (called by the service)."""
    for handler in tuple(_published):
        handler(session, actor, resource, version)
