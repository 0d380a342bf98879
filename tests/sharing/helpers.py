"""Test data of the sharing tests: a published resource with personal items and records in it, the
provider's pushing system, and an approved consumer system of another department with its credentials."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from govdata.client import SM3Auth
from tests.aggregation.test_push import id_number
from tests.catalog.helpers import publish
from tests.systems.helpers import approved_system

ITEMS = [
    {"name": "公民身份号码", "field_code": "id_number", "data_type": "C", "length": 18, "required": True,
     "is_key": True, "sensitivity": "L3", "pii_kind": "身份证件号码"},
    {"name": "姓名", "field_code": "name", "data_type": "C", "length": 50, "required": True, "sensitivity": "L2",
     "pii_kind": "姓名"},
    {"name": "手机号码", "field_code": "mobile", "data_type": "C", "length": 11, "sensitivity": "L2",
     "pii_kind": "手机号码"},
    {"name": "出生日期", "field_code": "birth_date", "data_type": "D", "sensitivity": "L2"},
    {"name": "所属区县代码", "field_code": "county", "data_type": "C", "length": 6, "sensitivity": "L1"},
    {"name": "补贴金额", "field_code": "amount", "data_type": "Y", "sensitivity": "L2"},
]
COUNTIES = ("530102", "530103", "530111")


def person(n: int) -> dict[str, Any]:
    born = dt.date(1990, 1, 1) + dt.timedelta(days=n // 1000)
    return {"id_number": id_number(n), "name": f"居民{n}", "mobile": f"139{n:08d}", "birth_date": born.isoformat(),
            "county": COUNTIES[n % 3], "amount": f"{100 + n}.50"}


def system(client: TestClient, manager: str, **overrides: Any) -> dict[str, Any]:
    """A business system of ``manager``'s department, approved by the big data center, with credentials and
    ``auth`` (signs requests)."""
    created = approved_system(client, manager, **overrides)
    return {**created, "auth": SM3Auth(created["app_key"], created["app_secret"])}


@dataclass
class Shared:
    client: TestClient
    code: str  # the resource (provider: 市公安局 ps-city)
    provider: dict[str, Any]  # ps-city's pushing system
    consumer: dict[str, Any]  # hrss-city's system (hr_manager)
    rows: int


def shared_resource(client: TestClient, rows: int = 30, share_type: str = "有条件共享", **overrides: Any) -> Shared:
    """Publish a structured entry of ps-city with ``ITEMS``, push ``rows`` people into it, and register a
    consumer system of hrss-city. Nothing is granted yet."""
    fields: dict[str, Any] = {"items": ITEMS, "share_type": share_type}
    if share_type == "无条件共享":
        fields.update(share_condition=None, legal_basis=None)
    code = publish(client, **{**fields, **overrides})
    provider = system(client, "ps_manager", name="人口信息推送系统")
    if rows:
        body = json.dumps([person(n) for n in range(rows)], ensure_ascii=False).encode()
        pushed = client.post(f"/api/v1/datasets/{code}/records", content=body, auth=provider["auth"],
                             headers={"Content-Type": "application/json"})
        assert pushed.status_code == 200, pushed.text
    consumer = system(client, "hr_manager", name="社保待遇资格认证系统", purpose="社保待遇资格认证中核验身份")
    return Shared(client, code, provider, consumer, rows)
