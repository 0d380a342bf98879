"""The published catalog lists what is published now: a withdrawn entry only when asked for by status."""

from __future__ import annotations

from tests.catalog.helpers import publish
from tests.conftest import bearer

API = "/api/v1/catalog/resources"


def test_withdrawn_entries_leave_the_published_listing(client):
    code = publish(client)
    other = publish(client, name="户籍迁移登记信息")
    manager, admin = bearer(client, "ps_manager"), bearer(client, "admin")
    client.post(f"{API}/{code}/withdrawal", json={"reason": "业务停办"}, headers=manager)
    client.post(f"{API}/{code}/withdrawal/decision", json={"transition": "approve"}, headers=admin)
    reader = bearer(client, "mca_user")
    listed = [r["code"] for r in client.get(API, headers=reader).json()["items"]]
    assert other in listed and code not in listed
    withdrawn = [r["code"] for r in client.get(f"{API}?status=withdrawn", headers=reader).json()["items"]]
    assert withdrawn == [code]
