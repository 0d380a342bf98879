"""Findings on a dataset page and the audit facts of one call of the data service read as plain Chinese
(issue 13): a sentence per finding with its grant linked only for those who may open it, the call's data
content as the names of its items, the full record behind a toggle, no bare "JSON" link — both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govdata.aggregation.models import Dataset, Finding
from govdata.catalog.models import Resource
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.systems.models import BusinessSystem
from tests.aggregation.conftest import data_client  # noqa: F401  (dataset tables dropped around each test)
from tests.conftest import login
from tests.sharing.helpers import Shared, shared_resource
from tests.sharing.test_usage import grant_row, usage_rows
from tests.web.test_audit_presentation import CODE, visible


@pytest.fixture
def shared(data_client) -> Shared:  # noqa: F811
    return shared_resource(data_client)


def _misuse(client, code: str, grant_id: int) -> None:
    with client.db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.code == code))
        dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))
        session.add(Finding(kind="misuse", dataset_id=dataset.id, department_id=resource.department_id,
                            actor_name="社保待遇资格认证系统", detail={
                                "rule": "bulk_personal_export", "rule_label": "持续批量导出未脱敏的个人信息",
                                "day": "2026-12-07", "grant_id": grant_id, "resource_code": code,
                                "resource_name": "常住人口基本信息", "system_name": "社保待遇资格认证系统",
                                "figures": {"personal_rows_by_day": {"2026-12-05": 1500, "2026-12-07": 2100}},
                                "correct_by": "2026-12-21"}))
        session.commit()


def test_a_misuse_finding_is_a_sentence_with_its_grant_linked_for_those_who_may_open_it(shared):
    client = shared.client
    grant_id = grant_row(client, shared.code, shared.consumer["id"])
    _misuse(client, shared.code, grant_id)
    login(client, "supervisor")
    page = client.get(f"/aggregation/datasets/{shared.code}")
    assert page.status_code == 200
    table = page.text[page.text.index('data-testid="findings-table"'):]
    table = table[:table.index("</table>")]
    seen = visible(table)
    assert "违规使用共享数据" in seen and "持续批量导出未脱敏的个人信息" in seen
    assert "2026-12-05 导出 1500 条" in seen and "须于 2026-12-21 前改正" in seen
    assert '{"' not in seen and "bulk_personal_export" not in seen
    assert f'href="/sharing/grants/{grant_id}"' in table
    assert client.get(f"/sharing/grants/{grant_id}").status_code == 200
    assert "<summary>完整记录</summary>" in table  # the detail as kept, behind the toggle


def test_the_audit_facts_of_a_call_name_its_items(shared):
    client = shared.client
    grant_id = grant_row(client, shared.code, shared.consumer["id"])
    with client.db.session() as session:
        system = session.get(BusinessSystem, shared.consumer["id"])
        caller = Actor(kind="system", name=f"{system.name}[{system.app_key}]/hr001", system_id=system.id,
                       department_id=system.department_id, roles=frozenset({"system"}))
        entry = audit.record(session, caller, "sharing.query_records", object_type="grant", object_id=grant_id,
                             purpose="社保待遇资格认证", approver="周晓明、卢晓峰", medium="json",
                             data_content={"resource": shared.code, "items": ["id_number", "name"], "count": 2},
                             detail={"endpoint": "query", "end_user": "hr001", "conditions": [
                                 {"item": "county", "op": "eq", "value": "530102"}]})
        session.commit()
        seq = entry.seq
    [usage_id] = usage_rows(client, grant_id, [{"at": utcnow(), "audit_seq": seq, "end_user": "hr001",
                                                "endpoint": "query", "rows": 2}])
    login(client, "supervisor")
    page = client.get(f"/sharing/usage/{usage_id}")
    assert page.status_code == 200
    facts = page.text[page.text.index('data-testid="usage-audit"'):]
    seen = visible(facts[:facts.index("</table>")])
    assert "信息项 公民身份号码、姓名" in seen and "记录数 2" in seen and "查询条件 所属区县代码 等于 530102" in seen
    assert "读取共享数据（条件查询）" in seen and "JSON 数据" in seen
    assert not CODE.search(seen) and '{"' not in seen and "id_number" not in seen
    assert ">JSON</a>" not in page.text  # the JSON twin is named for what it is
