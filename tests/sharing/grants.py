"""Grants made straight through the ORM for the data service tests, so they do not depend on the review
workflow (tests/sharing/test_requests.py and test_grants.py test that): a granted ShareRequest row and its
Grant, with terms given by the test."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from govdata.catalog.models import Resource, ResourceVersion
from govdata.sharing.models import Grant, ShareRequest
from govdata.systems.models import BusinessSystem
from tests.sharing.helpers import ITEMS, Shared

ALL_ITEMS = [item["field_code"] for item in ITEMS]


def make_grant(shared: Shared, *, system_id: int | None = None, items: list[str] | None = None,
               masking: dict[str, str] | None = None, row_scope: list[dict[str, Any]] | None = None,
               access_method: str = "api", status: str = "active", valid_from: dt.date | None = None,
               valid_until: dt.date | None = None, rate_per_minute: int = 600,
               daily_quota: int = 10000) -> int:
    """A grant of ``shared.code`` to the consumer system (or ``system_id``); returns its id."""
    today = dt.date.today()
    with shared.client.db.session() as session:  # type: ignore[attr-defined]
        resource = session.scalar(select(Resource).where(Resource.code == shared.code))
        assert resource is not None and resource.published_version_id is not None
        version = session.get(ResourceVersion, resource.published_version_id)
        system = session.get(BusinessSystem, system_id or shared.consumer["id"])
        assert version is not None and system is not None
        chosen = items if items is not None else ALL_ITEMS
        request = ShareRequest(
            kind="conditional", resource_id=resource.id, resource_code=resource.code,
            version_no=version.version_no,
            provider_department_id=resource.department_id, requester_department_id=system.department_id,
            system_id=system.id, items=chosen, purpose="社保待遇资格认证中核验身份", basis="《社会保险法》第七十四条",
            access_method=access_method, period_from=valid_from or today - dt.timedelta(days=1),
            period_to=valid_until or today + dt.timedelta(days=30), status="granted",
            requested_by="hr_manager")
        session.add(request)
        session.flush()
        grant = Grant(
            request_id=request.id, kind="conditional", resource_id=resource.id, resource_code=resource.code,
            provider_department_id=resource.department_id, consumer_department_id=system.department_id,
            system_id=system.id, items=chosen, row_scope=row_scope or [], masking=masking or {},
            purpose=request.purpose, basis=request.basis, access_method=access_method,
            valid_from=request.period_from, valid_until=request.period_to, rate_per_minute=rate_per_minute,
            daily_quota=daily_quota, approvers="ps_reviewer,admin", status=status)
        session.add(grant)
        session.commit()
        return grant.id


def set_grant(shared: Shared, grant_id: int, **values: Any) -> None:
    """Change a grant's stored terms or status (what the grant services will do, audited, later)."""
    with shared.client.db.session() as session:  # type: ignore[attr-defined]
        session.execute(update(Grant).where(Grant.id == grant_id).values(**values))
        session.commit()
