"""The dataset pages and their JSON twins (AGG lineage, GEN-2): the list of the datasets one may see, one
dataset with its columns, lineage, findings and quality trend, one batch with its rejected rows — both
databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govdata.aggregation.models import Batch
from govdata.catalog import service as catalog_service
from govdata.catalog.schemas import ResourceCreate, ResourceDraft, ReviewDecision
from govdata.core.actor import platform_actor
from govdata.core.audit import AuditEntry
from govdata.org import service as org_service
from govdata.org.demo_data import DEPARTMENTS_BY_KEY
from tests.aggregation.test_push import ITEMS, id_number, people, push
from tests.catalog.helpers import entry, publish
from tests.conftest import bearer, login


@pytest.fixture
def api(data_client):  # the aggregation client: drops the dataset tables it made
    return data_client


def publish_for(client, department_key, **overrides):
    """Register and publish an entry of another department through the catalog services."""
    actor = platform_actor("test")
    with client.db.session() as session:
        department = org_service.department_by_credit_code(session, DEPARTMENTS_BY_KEY[department_key]["credit_code"])
        resource = catalog_service.create_resource(session, actor, ResourceCreate.model_validate(
            {**entry(**overrides), "department_id": department.id}))
        _publish(session, actor, resource.code)
        session.commit()
        return resource.code


def _publish(session, actor, code):
    catalog_service.submit_resource(session, actor, code)
    catalog_service.review_resource(session, actor, code, ReviewDecision(transition="pass"))
    catalog_service.review_resource(session, actor, code, ReviewDecision(transition="approve"))


def test_the_list_shows_the_own_department_and_the_overseers_see_all(api):
    ours = publish(api, items=ITEMS, name="常住人口基本信息")
    theirs = publish_for(api, "hrss-city", items=ITEMS, name="就业登记信息")
    push(api, ours, people(3), headers=bearer(api, "ps_manager"))

    def codes(user, query=""):
        reply = api.get(f"/api/v1/datasets{query}", headers=bearer(api, user))
        assert reply.status_code == 200, reply.text
        return {row["code"]: row for row in reply.json()["items"]}

    assert set(codes("ps_manager")) == {ours} and set(codes("ps_reviewer")) == {ours}
    assert set(codes("hr_manager")) == {theirs}
    seen = codes("supervisor")
    assert set(seen) == {ours, theirs}
    row = seen[ours]
    assert (row["name"], row["department_name"], row["current_rows"]) == ("常住人口基本信息", "云川市公安局", 3)
    assert row["last_batch_at"] is not None and row["score"] is not None
    assert seen[theirs]["current_rows"] == 0 and seen[theirs]["last_batch_at"] is None
    assert set(codes("supervisor", "?aggregated=true")) == {ours}
    filtered = api.get("/api/v1/datasets?q=就业", headers=bearer(api, "admin")).json()
    assert [r["code"] for r in filtered["items"]] == [theirs] and filtered["total"] == 1

    login(api, "ps_manager")
    page = api.get("/aggregation/datasets")
    assert page.status_code == 200
    assert f'href="/aggregation/datasets/{ours}"' in page.text and theirs not in page.text
    assert 'href="/aggregation/datasets">数据汇聚</a>' in page.text  # the menu entry


def test_the_dataset_page_shows_columns_lineage_findings_and_the_trend(api):
    code = publish(api, items=ITEMS)
    manager = bearer(api, "ps_manager")
    push(api, code, people(4), headers=manager)
    odd = people(2, start=10)
    odd[0]["religion"] = "无"  # beyond the registered items
    push(api, code, odd, headers=manager, mode="partial")
    changed = people(1)
    changed[0]["amount"] = "99.00"
    push(api, code, changed, headers=manager)

    detail = api.get(f"/api/v1/datasets/{code}", headers=manager).json()
    assert [c["field_code"] for c in detail["columns"]] == ["id_number", "name", "amount"]
    assert [(c["name"], c["is_key"], c["required"], c["added_in_version"]) for c in detail["columns"]][0] == \
        ("公民身份号码", True, True, 1)
    assert detail["current_rows"] == 5 and detail["update_cycle"] == "实时"
    (finding,) = detail["findings"]
    assert finding["kind"] == "scope_expansion" and finding["detail"]["fields"] == ["religion"]

    lineage = api.get(f"/api/v1/datasets/{code}/batches?limit=2", headers=manager).json()
    assert lineage["total"] == 3
    newest, middle = lineage["items"]
    assert newest["id"] > middle["id"]  # newest first
    assert (newest["updated"], newest["unchanged"], newest["received"]) == (1, 0, 1)
    assert (middle["mode"], middle["inserted"], middle["rejected"], middle["received"]) == ("partial", 1, 1, 2)
    assert len(middle["payload_digest"]) == 64 and middle["actor_name"] == "ps_manager"

    login(api, "ps_manager")
    page = api.get(f"/aggregation/datasets/{code}")
    assert page.status_code == 200
    for shown in ("公民身份号码", "超范围采集", "religion", middle["payload_digest"][:16], 'data-testid="quality-chart"',
                  'data-points="3"', "/static/vendor/echarts.min.js", "立即重新评估"):
        assert shown in page.text, shown
    assert api.get("/static/vendor/echarts.min.js").status_code == 200
    more = api.get(f"/aggregation/datasets/{code}/batches?offset=2")
    assert f'data-batch="{lineage["items"][1]["id"] - 1}"' in more.text and "加载更早" not in more.text

    refreshed = api.post(f"/aggregation/datasets/{code}/quality",
                                 data={"csrf_token": login(api, "ps_manager")}, follow_redirects=False)
    assert refreshed.status_code == 303 and refreshed.headers["location"].endswith("saved=refreshed#quality")
    login(api, "ps_reviewer")
    assert "立即重新评估" not in api.get(f"/aggregation/datasets/{code}").text


def test_a_retired_item_stays_listed_with_its_history(api):
    code = publish(api, items=ITEMS)
    push(api, code, people(2), headers=bearer(api, "ps_manager"))
    actor = platform_actor("test")
    with api.db.session() as session:
        catalog_service.update_draft(session, actor, code, ResourceDraft.model_validate(
            {**entry(), "items": ITEMS[:2], "change_reason": "补贴金额改由财政部门登记"}))
        _publish(session, actor, code)
        session.commit()
    columns = api.get(f"/api/v1/datasets/{code}", headers=bearer(api, "admin")).json()["columns"]
    amount = next(c for c in columns if c["field_code"] == "amount")
    assert (amount["retired_in_version"], amount["name"], amount["filled"]) == (2, "补贴金额", 1.0)


def test_the_batch_page_lists_rejected_rows_with_their_reasons_and_the_read_is_audited(api):
    code = publish(api, items=ITEMS)
    batch = people(3)
    batch[1]["id_number"] = "110101199001011235"
    batch[2]["amount"] = "abc"
    reply = push(api, code, batch, headers=bearer(api, "ps_manager"))
    assert reply.status_code == 422
    batch_id = reply.json()["batch_id"]

    twin = api.get(f"/api/v1/batches/{batch_id}", headers=bearer(api, "ps_reviewer"))
    assert twin.status_code == 200, twin.text
    body = twin.json()
    assert (body["status"], body["mode"], body["received"], body["rejected"], body["dataset"]) == \
        ("rejected", "all", 3, 2, code)
    assert [r["key"] for r in body["rejections"]] == ["110101199001011235", id_number(2)]
    assert body["rejections"][0]["problems"][0]["code"] == "invalid_id_number"

    login(api, "ps_reviewer")
    page = api.get(f"/aggregation/batches/{batch_id}")
    assert page.status_code == 200
    for shown in ("整批拒收", "110101199001011235", "身份证号码校验位错误", body["payload_digest"]):
        assert shown in page.text, shown
    with api.db.session() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "aggregation.get_batch")).all()
        assert len(reads) == 2 and reads[0].data_content["keys"] == ["110101199001011235", id_number(2)]
        assert [r.medium for r in reads] == ["json", "screen"]


def test_other_departments_see_nothing_and_unknown_things_are_404(api):
    code = publish(api, items=ITEMS)
    push(api, code, people(1), headers=bearer(api, "ps_manager"))
    with api.db.session() as session:
        batch_id = session.scalar(select(Batch.id))
    other = bearer(api, "hr_manager")
    for url in (f"/api/v1/datasets/{code}", f"/api/v1/datasets/{code}/batches", f"/api/v1/datasets/{code}/quality",
                f"/api/v1/batches/{batch_id}"):
        assert api.get(url, headers=other).status_code == 403, url
    admin = bearer(api, "admin")
    assert api.get("/api/v1/datasets/999999999-999999", headers=admin).status_code == 404
    assert api.get("/api/v1/batches/999999", headers=admin).status_code == 404
    files = publish(api, format="电子文件", share_method="文件")  # no dataset
    assert api.get(f"/api/v1/datasets/{files}", headers=admin).status_code == 404
    login(api, "hr_manager")
    assert api.get(f"/aggregation/batches/{batch_id}").status_code == 403
    assert api.get(f"/aggregation/datasets/{code}").status_code == 403
    assert api.get("/api/v1/datasets").status_code == 200  # the list itself, with nothing of theirs
