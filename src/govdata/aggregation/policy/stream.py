"""Rules for the aggregation services in ``service.stream``, one per function, of the same name.

``obj`` is the catalog ``Resource`` when registering or listing, otherwise the ``StreamSubscription``
(both carry the providing department in ``department_id``)."""

from __future__ import annotations

from typing import Any

from govdata.aggregation.policy.pulls import _manager, _viewer
from govdata.core.actor import Actor

__all__ = ["consume_stream", "consume_streams", "list_stream_runs", "list_stream_subscriptions",
           "register_stream_subscription", "set_stream_subscription_enabled"]


def register_stream_subscription(actor: Actor, obj: Any = None) -> bool:
    """The providing department's data manager, or the platform administrator."""
    return _manager(actor, obj)


def set_stream_subscription_enabled(actor: Actor, obj: Any = None) -> bool:
    return _manager(actor, obj)


def consume_stream(actor: Actor, obj: Any = None) -> bool:
    return _manager(actor, obj)


def list_stream_subscriptions(actor: Actor, obj: Any = None) -> bool:
    """The providing department's people, and the overseers."""
    return _viewer(actor, obj)


def list_stream_runs(actor: Actor, obj: Any = None) -> bool:
    return _viewer(actor, obj)


def consume_streams(actor: Actor, obj: Any = None) -> bool:
    """The scheduler (the platform actor) consumes every enabled subscription."""
    return actor.kind == "platform"
