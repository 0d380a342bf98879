"""Sharing pressure (SHR-1, SHR-6): per department the conditional and not-shared published entries with
their legal basis, and the 暂不共享 entries due for their periodic review (GOVDATA_SHARE_REVIEW_MONTHS)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from govdata.catalog import service as catalog_service
from govdata.catalog.models import Resource, ResourceVersion
from govdata.catalog.schemas import ResourceDraft, ReviewDecision
from govdata.config import Settings
from govdata.core.actor import platform_actor
from govdata.core.db import make_session_factory
from tests.catalog.helpers import publish
from tests.collection.helpers import API, MCA, PS, department_id, publish_as_platform
from tests.conftest import TEST_SECRET, bearer, login

BASIS = "《中华人民共和国居民身份证法》第十三条"
NOT_SHARED = {"name": "重点人员管控信息", "share_type": "暂不共享", "share_condition": None,
              "legal_basis": "《中华人民共和国人民警察法》第二十条"}


def _row(report, name):
    return next((d for d in report["departments"] if d["department_name"] == name), None)


def _pressure(client, user="supervisor", **params):
    response = client.get(f"{API}/sharing-pressure", params=params, headers=bearer(client, user))
    assert response.status_code == 200, response.text
    return response.json()


def _in_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    for last in (31, 30, 29, 28):
        try:
            return dt.date(day.year + year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)


def test_counts_legal_basis_and_review_dates(client):
    before = _row(_pressure(client), PS) or {"conditional": 0, "not_shared": 0, "review_due": 0}
    conditional = publish(client)
    hidden = publish(client, **NOT_SHARED)
    publish(client, name="公开办事指南", share_type="无条件共享", share_condition=None, legal_basis=None)
    report = _pressure(client)
    row = _row(report, PS)
    assert (row["conditional"], row["not_shared"]) == (before["conditional"] + 1, before["not_shared"] + 1)
    entries = {e["code"]: e for e in row["entries"]}
    assert "公开办事指南" not in {e["name"] for e in row["entries"]}
    assert entries[conditional]["legal_basis"] == BASIS and entries[conditional]["next_share_review_at"] is None
    published = dt.date.fromisoformat(entries[hidden]["published_at"][:10])
    assert entries[hidden]["next_share_review_at"] == _in_months(published, 12).isoformat()
    assert not entries[hidden]["review_due"] and hidden not in {e["code"] for e in report["due"]}
    assert report["review_months"] == 12


def test_a_not_shared_entry_is_listed_when_its_review_is_due(client):
    hidden = publish(client, **NOT_SHARED)
    with client.db.session() as session:
        review_at = session.scalar(select(Resource.next_share_review_at).where(Resource.code == hidden))
        due_then = catalog_service.sharing_pressure(session, platform_actor(), as_of=review_at)
        assert hidden in {e.code for e in due_then.due}
        not_yet = catalog_service.sharing_pressure(session, platform_actor(), as_of=review_at - dt.timedelta(days=1))
        assert hidden not in {e.code for e in not_yet.due}
        session.execute(update(Resource).where(Resource.code == hidden)
                        .values(next_share_review_at=dt.date.today() - dt.timedelta(days=2)))
        session.commit()
    report = _pressure(client, "ps_reviewer")
    assert hidden in {e["code"] for e in report["due"]}
    assert all(e["review_due"] and e["next_share_review_at"] <= report["as_of"] for e in report["due"])
    assert _row(report, PS)["review_due"] == len(report["due"])
    login(client, "ps_manager")
    page = client.get("/collection/sharing-pressure")
    assert page.status_code == 200 and "到期待复核" in page.text and "重点人员管控信息" in page.text


def test_review_interval_is_configurable(client):
    sessions = make_session_factory(client.db.engine, Settings(secret_key=TEST_SECRET, share_review_months=6))
    actor = platform_actor("test")
    code = publish_as_platform(client, PS, **NOT_SHARED)
    with sessions() as session:  # publish a new version under the six-month setting
        catalog_service.update_draft(session, actor, code, ResourceDraft.model_validate(
            {**_draft(client, code), "change_reason": "复核后仍暂不共享"}))
        catalog_service.submit_resource(session, actor, code)
        for step in ("pass", "approve"):
            catalog_service.review_resource(session, actor, code, ReviewDecision(transition=step))
        session.commit()
        resource = session.scalar(select(Resource).where(Resource.code == code))
        published = session.get(ResourceVersion, resource.published_version_id)
        assert published.version_no == 2
        assert resource.next_share_review_at == _in_months(published.published_at.date(), 6)
        assert catalog_service.sharing_pressure(session, actor).review_months == 6


def _draft(client, code):
    with client.db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.code == code))
        version = catalog_service.version(session, resource.published_version_id)
        return catalog_service.snapshot(version)


def test_each_department_sees_its_own_rows_and_overseers_all(client):
    publish(client, **NOT_SHARED)
    publish_as_platform(client, MCA, name="低保对象家庭经济状况信息", share_type="暂不共享", share_condition=None,
                        legal_basis="《社会救助暂行办法》第六十六条")
    mine = _pressure(client, "mca_user")
    assert {d["department_name"] for d in mine["departments"]} == {MCA}
    assert client.get(f"{API}/sharing-pressure", params={"department_id": department_id(client, PS)},
                      headers=bearer(client, "mca_user")).status_code == 403
    everyone = _pressure(client, "supervisor")
    assert {PS, MCA} <= {d["department_name"] for d in everyone["departments"]}
    one = _pressure(client, "sec_regulator", department_id=department_id(client, MCA))
    assert {d["department_name"] for d in one["departments"]} == {MCA}
    login(client, "supervisor")
    page = client.get("/collection/sharing-pressure")
    assert page.status_code == 200 and "《社会救助暂行办法》第六十六条" in page.text and "重点人员管控信息" in page.text
