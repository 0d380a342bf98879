"""Helpers for business-system tests: a valid registration and the register → approve → reveal path."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import bearer


def registration(**overrides: Any) -> dict[str, Any]:
    today = dt.date.today()
    body = {
        "name": "人口信息比对系统", "purpose": "户籍业务办理中比对人口基础信息", "owner_name": "赵强",
        "owner_phone": "13912345678", "owner_email": "zhaoqiang@ycs.gov.example", "network_zone": "政务外网",
        "security_grade": 3, "assessor": "示范省信息安全测评中心", "assessment_report_no": "DJCP-2026-0001",
        "assessment_date": str(today - dt.timedelta(days=30)),
        "assessment_valid_until": str(today + dt.timedelta(days=335)),
    }
    body.update(overrides)
    return body


def approved_system(client: TestClient, username: str = "ps_manager", **overrides: Any) -> dict[str, Any]:
    """Register as ``username`` (a department data manager), approve as admin, reveal as ``username``; returns
    ids and credentials."""
    manager, admin = bearer(client, username), bearer(client, "admin")
    created = client.post("/api/v1/systems", json=registration(**overrides), headers=manager)
    assert created.status_code == 201, created.text
    system_id = created.json()["id"]
    approved = client.post(f"/api/v1/systems/{system_id}/decision", json={"transition": "approve"}, headers=admin)
    assert approved.status_code == 200, approved.text
    credentials = client.post(f"/api/v1/systems/{system_id}/secret", headers=manager)
    assert credentials.status_code == 200, credentials.text
    return {"id": system_id, "manager": manager, "admin": admin, **credentials.json()}
