"""A valid catalog entry to start tests from, and the register → review → publish path."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import bearer


def entry(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "常住人口基本信息", "classification_code": "101",
        "summary": "本市常住人口的身份证号、姓名、性别、出生日期和住址等基本信息，由户籍业务系统实时产生。",
        "format": "数据库", "share_type": "有条件共享", "share_condition": "仅向承担社会保障、民政救助职责的部门提供",
        "share_method": "接口", "legal_basis": "《中华人民共和国居民身份证法》第十三条",
        "open_to_public": False, "update_cycle": "实时", "data_level": "重要",
        "items": [
            {"name": "公民身份号码", "field_code": "id_number", "data_type": "C", "length": 18, "required": True,
             "is_key": True, "sensitivity": "L3", "pii_kind": "身份证件号码"},
            {"name": "姓名", "field_code": "name", "data_type": "C", "length": 50, "required": True,
             "sensitivity": "L2", "pii_kind": "姓名"},
            {"name": "出生日期", "field_code": "birth_date", "data_type": "D", "sensitivity": "L2"},
        ],
    }
    body.update(overrides)
    return body


def publish(client: TestClient, manager: str = "ps_manager", reviewer: str = "ps_reviewer",
            **overrides: Any) -> str:
    """Register, submit, pass the confidentiality review, approve; returns the resource code."""
    created = client.post("/api/v1/catalog/resources", json=entry(**overrides), headers=bearer(client, manager))
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    assert client.post(f"/api/v1/catalog/resources/{code}/submit", headers=bearer(client, manager)).status_code == 200
    step = client.post(f"/api/v1/catalog/resources/{code}/review", json={"transition": "pass"},
                       headers=bearer(client, reviewer))
    assert step.status_code == 200, step.text
    done = client.post(f"/api/v1/catalog/resources/{code}/review", json={"transition": "approve"},
                       headers=bearer(client, "admin"))
    assert done.status_code == 200 and done.json()["status"] == "published", done.text
    return code
