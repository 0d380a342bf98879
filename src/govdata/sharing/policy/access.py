"""Who may call the data service API (SHR-3: system to system, never around the platform): a signed business
system only, and only through a grant of its own. The grant's status, period, access method, items, row
scope and limits are checked by the service itself (each refusal has its own error code)."""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor

__all__ = ["export_records", "query_records", "read_changes", "read_record"]


def _own_grant(actor: Actor, grant: Any) -> bool:
    """A signed system; the grant, when there is one, is the system's own."""
    if actor.kind != "system" or actor.system_id is None:
        return False
    return grant is None or grant.system_id == actor.system_id


def read_record(actor: Actor, grant: Any) -> bool:
    return _own_grant(actor, grant)


def query_records(actor: Actor, grant: Any) -> bool:
    return _own_grant(actor, grant)


def read_changes(actor: Actor, grant: Any) -> bool:
    return _own_grant(actor, grant)


def export_records(actor: Actor, grant: Any) -> bool:
    return _own_grant(actor, grant)
