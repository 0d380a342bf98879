"""Spreadsheets, imports and published entries for the collection tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from govdata.catalog import service as catalog_service
from govdata.catalog.schemas import ResourceCreate, ReviewDecision
from govdata.collection.excel import build_workbook
from govdata.core.actor import platform_actor
from govdata.org import service as org_service
from govdata.org.models import Department
from govdata.core.validators import make_credit_code
from govdata.org.schemas import DepartmentCreate, UserCreate
from tests.catalog.helpers import entry
from tests.conftest import bearer

API = "/api/v1/collection"
CITY, PROVINCE, QINGHE = "990100", "990000", "990121"
PS, HR, MCA = "云川市公安局", "云川市人力资源和社会保障局", "云川市民政局"
# A department of its own for tests whose results must not depend on what the demo city has published.
LAB = "云川市数据资源试点办公室"


def department_id(client: TestClient, name: str) -> int:
    with client.db.session() as session:  # type: ignore[attr-defined]
        found = session.scalar(select(Department.id).where(Department.name == name))
    assert found is not None, name
    return found


def upload(client: TestClient, data: bytes, region_code: str = CITY, name: str = "云川市政务数据采集目录（测试版）",
           user: str = "admin", **form: Any) -> Any:
    return client.post(f"{API}/catalogs", headers=bearer(client, user),
                       data={"region_code": region_code, "name": name, **form},
                       files={"file": ("catalog.xlsx", data, "application/octet-stream")})


def catalog(client: TestClient, requirements: Sequence[tuple[str, str, list[tuple[str, str]]]],
            region_code: str = CITY, name: str = "云川市政务数据采集目录（测试版）") -> dict[str, Any]:
    """Import a catalog of (department name, resource name, [(item, data type)]); returns its JSON."""
    resources = [(n, resource, department, None, None, None)
                 for n, (department, resource, _) in enumerate(requirements, start=1)]
    items = [(n, item, data_type, "是") for n, (_, _, fields) in enumerate(requirements, start=1)
             for item, data_type in fields]
    response = upload(client, build_workbook(resources, items), region_code, name)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def add_user(client: TestClient, username: str, department: str, roles: list[str]) -> None:
    """A demo-like account (password ``Demo#2026test``) made through the org service."""
    with client.db.session() as session:  # type: ignore[attr-defined]
        org_service.create_user(session, platform_actor("test"), UserCreate(
            username=username, display_name="测试人员", department_id=department_id(client, department),
            roles=roles, password="Demo#2026test"))
        session.commit()


def publish_as_platform(client: TestClient, department: str, **overrides: Any) -> str:
    """Register and publish an entry of ``department`` through the catalog service as the platform."""
    actor = platform_actor("test")
    with client.db.session() as session:  # type: ignore[attr-defined]
        payload = ResourceCreate.model_validate({**entry(**overrides), "department_id": department_id(client, department)})
        code = catalog_service.create_resource(session, actor, payload).code
        catalog_service.submit_resource(session, actor, code)
        for step in ("pass", "approve"):
            catalog_service.review_resource(session, actor, code, ReviewDecision(transition=step))
        session.commit()
    return code


def items(*fields: tuple[str, str, str]) -> list[dict[str, Any]]:
    """Catalog items from (name, field code, data type); the first is the key."""
    out = []
    for n, (name, code, data_type) in enumerate(fields):
        item: dict[str, Any] = {"name": name, "field_code": code, "data_type": data_type, "required": n == 0,
                                "is_key": n == 0, "sensitivity": "L2"}
        if data_type in ("C", "N"):
            item["length"] = 50
        out.append(item)
    return out


def new_department(client: TestClient, name: str = LAB, serial: int = 901, prefix: str = "lab") -> int:
    """A city department with no catalog yet, and its ``<prefix>_manager``, ``<prefix>_reviewer`` accounts."""
    with client.db.session() as session:  # type: ignore[attr-defined]
        department = org_service.create_department(session, platform_actor("test"), DepartmentCreate(
            name=name, kind="行政机关", credit_code=make_credit_code("1", "1", CITY, f"0100{serial:04d}"),
            region_code=CITY))
        session.commit()
        department_id = department.id
    add_user(client, f"{prefix}_manager", name, ["dept_manager"])
    add_user(client, f"{prefix}_reviewer", name, ["dept_reviewer"])
    return department_id
