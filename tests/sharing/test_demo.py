"""The sharing demo (issue 6): grants of every kind and a month of use made through the services, so the
screens have something to show and the audit log holds every call with the seven facts of Art. 18."""

from __future__ import annotations

from sqlalchemy import func, select

from govdata import demo
from govdata.aggregation import demo as aggregation_demo
from govdata.aggregation.models import Finding
from govdata.catalog import demo_catalog
from govdata.catalog import service as catalog_service
from govdata.catalog.schemas import ResourceCreate, ResourceDraft, ReviewDecision
from govdata.core import audit
from govdata.core.audit import AuditEntry
from govdata.sharing import demo as sharing_demo
from govdata.sharing.models import Grant, ShareRequest, Usage
from govdata.org import demo_people
from govdata.org import service as org_service
from govdata.org.demo_data import DEPARTMENTS_BY_KEY
from govdata.workflow.models import WorkItem
from tests.conftest import bearer, login
from tests.sharing.test_usage import LOCAL

ENTRIES = {e.name: e for e in demo_catalog.ENTRIES}
NEEDED = (sharing_demo.RESIDENTS, sharing_demo.VEHICLES, sharing_demo.VIOLATIONS, sharing_demo.ENTITIES,
          sharing_demo.FOOD, sharing_demo.JOBS, sharing_demo.INSURED)


def _small_city(session) -> None:
    """Only the demo entries the sharing demo uses, published as the demo catalog does (by the department's
    people and the big data center), with a small share of their demo rows (the whole demo catalog takes
    much longer to load), and the departments' staff accounts."""
    demo.create_staff(session)
    for name in NEEDED:
        entry = ENTRIES[name]
        department = org_service.department_by_credit_code(session, DEPARTMENTS_BY_KEY[entry.dept]["credit_code"])
        actor = demo_people.staff(session, department.id, "dept_manager")
        body = entry.draft()
        code = catalog_service.create_resource(session, actor, ResourceCreate.model_validate(
            {**body, "department_id": department.id})).code
        for change in (None, *entry.revisions):
            if change is not None:
                change = dict(change)
                added, withheld = change.pop("add", ""), change.pop("withhold", ())
                items = [{**i, "shared": i["shared"] and i["field_code"] not in withheld} for i in body["items"]]
                body = {**body, **change, "items": items + (demo_catalog.items(added) if added else [])}
                catalog_service.update_draft(session, actor, code, ResourceDraft.model_validate(body))
            catalog_service.submit_resource(session, actor, code)
            catalog_service.review_resource(session, demo_people.staff(session, department.id, "dept_reviewer"),
                                            code, ReviewDecision(transition="pass"))
            catalog_service.review_resource(session, demo_people.admin(session), code,
                                            ReviewDecision(transition="approve"))
    aggregation_demo.load(session, scale=0.02, plans=[p for p in aggregation_demo.PLANS if p.entry in NEEDED])


def test_the_demo_shares_through_the_services_with_a_month_of_audited_use(data_client):
    client = data_client
    with client.db.session() as session:
        assert sharing_demo.load(session)["grants"] == 0  # nothing to share yet: nothing done
        _small_city(session)
        summary = sharing_demo.load(session)
        session.commit()
        assert summary["calls"] >= 300 and summary["findings"] >= 5

        grants = session.scalars(select(Grant)).all()
        assert {g.effective_status() for g in grants} == {"active", "suspended", "revoked", "expired"}
        assert {g.kind for g in grants} == {"unconditional", "conditional"}
        assert {g.access_method for g in grants} == {"api", "table", "file"}
        assert any(g.row_scope and g.masking for g in grants)
        assert all(g.approvers for g in grants)
        requests = session.scalars(select(ShareRequest)).all()
        waiting = {r.status for r in requests} - {"granted"}
        assert waiting == {"provider_review", "center_review", "objection", "draft", "declined"}
        # 市民政局's data user drafted; her data manager submitted one (granted: she is its end user)
        drafted = [r for r in requests if r.draft_item_id is not None]
        assert {r.end_user_name for r in drafted} == {"郭晓燕"}
        submitted = next(r for r in drafted if r.status == "granted")
        assert submitted.requested_by == "mca_manager"
        assert session.scalar(select(Grant.end_user_name).where(Grant.request_id == submitted.id)) == "郭晓燕"
        # people act, not the platform: only the installation (regions, departments, the first account) did
        platform = set(session.scalars(select(AuditEntry.action).where(AuditEntry.actor_name == "govdata-demo")))
        assert platform <= {"org.create_region", "org.create_department", "org.create_user"}, platform
        assert not {r.requested_by for r in requests} & {"govdata-demo"}
        items = {i.id: i for i in session.scalars(select(WorkItem).where(
            WorkItem.id.in_([r.work_item_id for r in requests if r.status == "provider_review"])))}
        assert sorted(i.overdue for i in items.values()) == [False, True]  # one is past its deadline

        # every call has its audit entry, at the same moment, with purpose, approver, content and medium
        usage = session.scalars(select(Usage)).all()
        entries = {e.seq: e for e in session.scalars(select(AuditEntry).where(AuditEntry.action.startswith(
            "sharing.")).where(AuditEntry.seq.in_([u.audit_seq for u in usage])))}
        assert len(entries) == len(usage) == summary["calls"]
        for u in usage:
            entry = entries[u.audit_seq]
            assert entry.time == u.at and entry.medium == u.medium and entry.data_content["resource"]
            assert entry.object_type == "grant" and entry.purpose and entry.approver
        days = {u.at.astimezone(LOCAL).date() for u in usage}
        assert len(days) >= 20 and {u.result for u in usage} == {"success", "denied"}
        assert {u.reason for u in usage if u.result == "denied"} >= {
            "share_grant_expired", "share_grant_suspended", "share_grant_revoked", "share_item_not_granted",
            "share_rate_limited"}
        rules = set(session.scalars(select(Finding.detail["rule"].as_string()).where(Finding.kind == "misuse")))
        assert rules >= {"volume", "outside_period", "beyond_grant"}
        assert audit.verify(session).ok
        assert session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "sharing.detect_misuse")) == summary["findings"]

    report = client.get("/api/v1/sharing/usage", params={"view": "provided"}, headers=bearer(client, "ps_manager"))
    assert report.status_code == 200
    consumers = {c["system_name"] for c in report.json()["top_consumers"]}
    assert {"社保待遇资格认证系统", "社会救助综合管理系统"} <= consumers
    login(client, "supervisor")
    page = client.get("/sharing/usage")
    assert page.status_code == 200 and 'data-testid="usage-chart"' in page.text
    misuse = client.get("/sharing/misuse")
    assert misuse.status_code == 200 and 'data-rule="volume"' in misuse.text
