"""Load the demo city (``govdata demo``) through the services, as any operator would."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govdata.core.actor import platform_actor
from govdata.org import demo_data, demo_people
from govdata.org import service as org
from govdata.org.models import Department
from govdata.org.schemas import DepartmentCreate, PersonSet, RegionCreate, UserCreate
from govdata.org.signin import actor_for


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Department))


def _department(session: Session, actor: Any, spec: dict[str, Any]) -> int:
    return org.create_department(session, actor, DepartmentCreate(
        name=spec["name"], short_name=spec["short_name"], kind=spec["kind"], credit_code=spec["credit_code"],
        region_code=spec["region_code"])).id


def _staff_password() -> str:
    """A password nobody is told (upper and lower case, digits and a symbol, as the policy asks)."""
    return f"Dm#{secrets.token_urlsafe(18)}9a"


def create_staff(session: Session) -> None:
    """The staff accounts of the departments (``demo_data.STAFF``: a data manager and a reviewer each, named
    after their responsible persons), made by the administrator, with passwords nobody is told."""
    admin = demo_people.person(session, "admin", "cli")
    for account in demo_data.STAFF:
        department = org.department_by_credit_code(
            session, demo_data.DEPARTMENTS_BY_KEY[account["department_key"]]["credit_code"])
        org.create_user(session, admin, UserCreate(
            username=account["username"], display_name=account["display_name"], email=account["email"],
            department_id=department.id, roles=account["roles"], password=_staff_password()))


def load(session: Session, catalog: bool = True, dataset_scale: float = 1.0) -> list[dict[str, Any]]:
    """Create regions, departments, responsible persons and one account per role, then (unless ``catalog``
    is False, as most tests want) the staff accounts of every department (``demo_data.STAFF``, the people
    who act in the demo's records), the demo catalog, the collection catalogs and the demo datasets (tens of
    thousands of rows pushed through the aggregation API's service; ``dataset_scale`` below 1 loads that
    share of the rows, for tests that need every kind of thing but not the volume); return the accounts.

    The installation (the platform) creates the regions, the departments and the big data center's
    administrator; the administrator, 卢晓峰, creates everything else, so the records name a person."""
    installer = platform_actor("govdata-demo")
    for region in demo_data.REGIONS:
        org.create_region(session, installer, RegionCreate.model_validate(region))
    ids = {spec["key"]: _department(session, installer, spec) for spec in demo_data.DEPARTMENTS}
    first = next(a for a in demo_data.ACCOUNTS if "platform_admin" in a["roles"])
    admin = actor_for(org.create_user(session, installer, UserCreate(
        username=first["username"], display_name=first["display_name"], department_id=ids[first["department_key"]],
        roles=first["roles"], password=first["password"])), "cli")
    for spec in demo_data.DEPARTMENTS:
        department_id = ids[spec["key"]]
        for role in ("leader", "daily_manager"):
            org.set_person(session, admin, department_id, role, PersonSet.model_validate(spec[role]))
        for contact in spec["contacts"]:
            org.add_contact(session, admin, department_id, PersonSet.model_validate(contact))
    for account in (a for a in demo_data.ACCOUNTS if a is not first):
        org.create_user(session, admin, UserCreate(
            username=account["username"], display_name=account["display_name"],
            department_id=ids[account["department_key"]], roles=account["roles"], password=account["password"]))
    if catalog:
        create_staff(session)
        from govdata.aggregation import demo as aggregation_demo
        from govdata.catalog import demo_catalog
        from govdata.collection import demo as collection_demo
        from govdata.sharing import demo as sharing_demo

        demo_catalog.load(session)
        collection_demo.load(session)
        aggregation_demo.load(session, scale=dataset_scale)
        sharing_demo.load(session)
    return demo_data.ACCOUNTS
