"""Load the demo city (``govdata demo``) through the services, as any operator would."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govdata.core.actor import platform_actor
from govdata.org import demo_data
from govdata.org import service as org
from govdata.org.models import Department
from govdata.org.schemas import DepartmentCreate, PersonSet, RegionCreate, UserCreate


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Department))


def load(session: Session, catalog: bool = True, dataset_scale: float = 1.0) -> list[dict[str, Any]]:
    """Create regions, departments, responsible persons and one account per role, then (unless ``catalog``
    is False, as most tests want) the demo catalog, the collection catalogs and the demo datasets (tens of
    thousands of rows pushed through the aggregation API's service; ``dataset_scale`` below 1 loads that
    share of the rows, for tests that need every kind of thing but not the volume); return the accounts."""
    actor = platform_actor("govdata-demo")
    for region in demo_data.REGIONS:
        org.create_region(session, actor, RegionCreate.model_validate(region))
    ids: dict[str, int] = {}
    for spec in demo_data.DEPARTMENTS:
        department = org.create_department(session, actor, DepartmentCreate(
            name=spec["name"], short_name=spec["short_name"], kind=spec["kind"], credit_code=spec["credit_code"],
            region_code=spec["region_code"]))
        ids[spec["key"]] = department.id
        for role in ("leader", "daily_manager"):
            org.set_person(session, actor, department.id, role, PersonSet.model_validate(spec[role]))
        for contact in spec["contacts"]:
            org.add_contact(session, actor, department.id, PersonSet.model_validate(contact))
    for account in demo_data.ACCOUNTS:
        org.create_user(session, actor, UserCreate(
            username=account["username"], display_name=account["display_name"],
            department_id=ids[account["department_key"]], roles=account["roles"], password=account["password"]))
    if catalog:
        from govdata.aggregation import demo as aggregation_demo
        from govdata.catalog import demo_catalog
        from govdata.collection import demo as collection_demo
        from govdata.sharing import demo as sharing_demo

        demo_catalog.load(session)
        collection_demo.load(session)
        aggregation_demo.load(session, scale=dataset_scale)
        sharing_demo.load(session)
    return demo_data.ACCOUNTS
