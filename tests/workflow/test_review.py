"""The workflow core on the system-registration review: permissions, reasons, deadlines, inbox."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from govdata.systems.service import today
from govdata.workflow import service as workflow_service
from govdata.workflow.models import WorkItem, WorkStep
from tests.conftest import bearer
from tests.systems.helpers import registration

BEIJING = ZoneInfo("Asia/Shanghai")


def register(client, who="ps_manager", **overrides):
    response = client.post("/api/v1/systems", json=registration(**overrides), headers=bearer(client, who))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def decide(client, who, system_id, transition, reason=None):
    body = {"transition": transition} | ({"reason": reason} if reason is not None else {})
    return client.post(f"/api/v1/systems/{system_id}/decision", json=body, headers=bearer(client, who))


def inbox_titles(client, who):
    response = client.get("/api/v1/inbox", headers=bearer(client, who))
    assert response.status_code == 200
    return [i["title"] for i in response.json()]


# who may take which step, from the pending state
@pytest.mark.parametrize("who, transition, status", [
    ("admin", "approve", 200),
    ("admin", "reject", 200),
    ("ps_manager", "approve", 403),
    ("ps_manager", "reject", 403),
    ("ps_manager", "withdraw", 200),
    ("admin", "withdraw", 403),
    ("admin", "resubmit", 409),   # not open from pending
    ("supervisor", "approve", 403),
    ("hr_manager", "withdraw", 403),  # another department's manager
])
def test_permission_matrix_from_pending(client, who, transition, status):
    system_id = register(client)
    response = decide(client, who, system_id, transition, reason="理由")
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


def test_rejection_needs_a_reason(client):
    system_id = register(client)
    response = decide(client, "admin", system_id, "reject")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
    assert client.get(f"/api/v1/systems/{system_id}", headers=bearer(client, "admin")).json()["status"] == "pending"


def test_reject_then_resubmit_then_approve_keeps_the_history(client):
    system_id = register(client)
    assert decide(client, "admin", system_id, "reject", "测评报告编号有误").status_code == 200
    assert any("人口信息比对系统" in t for t in inbox_titles(client, "ps_manager"))
    assert decide(client, "ps_manager", system_id, "resubmit").status_code == 200
    assert decide(client, "admin", system_id, "approve").status_code == 200
    assert decide(client, "admin", system_id, "approve").status_code == 409  # already final
    with client.db.session() as session:
        item = session.scalar(select(WorkItem).where(WorkItem.subject_id == system_id))
        steps = session.scalars(select(WorkStep).where(WorkStep.item_id == item.id).order_by(WorkStep.id)).all()
    assert [s.transition for s in steps] == ["start", "reject", "resubmit", "approve"]
    assert steps[1].reason == "测评报告编号有误"
    assert item.closed_at is not None and item.state == "approved"
    detail = client.get(f"/api/v1/work-items/{item.id}", headers=bearer(client, "ps_manager")).json()
    assert [s["transition"] for s in detail["steps"]] == ["start", "reject", "resubmit", "approve"]


def test_inbox_lists_items_for_their_holder_nearest_deadline_first(client):
    first = register(client, name="系统甲")
    second = register(client, name="系统乙")
    with client.db.session() as session:  # make the second one due sooner
        session.execute(update(WorkItem).where(WorkItem.subject_id == second)
                        .values(deadline_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)))
        session.commit()
    titles = inbox_titles(client, "admin")
    assert titles.index(next(t for t in titles if "系统乙" in t)) < titles.index(next(t for t in titles if "系统甲" in t))
    assert not inbox_titles(client, "ps_manager")  # waiting for the big data center, not for them
    assert not inbox_titles(client, "hr_manager")
    assert first != second


def test_overdue_items_are_flagged(client):
    system_id = register(client)
    with client.db.session() as session:
        session.execute(update(WorkItem).where(WorkItem.subject_id == system_id)
                        .values(deadline_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
        session.commit()
    items = client.get("/api/v1/inbox", headers=bearer(client, "admin")).json()
    assert any(i["overdue"] for i in items)
    assert decide(client, "admin", system_id, "approve").status_code == 200
    with client.db.session() as session:
        step = session.scalar(select(WorkStep).where(WorkStep.transition == "approve"))
    assert step.was_overdue is True


def _frozen(monkeypatch, when: dt.datetime) -> None:
    monkeypatch.setattr(workflow_service, "utcnow", lambda: when.astimezone(dt.UTC))


def test_deadline_crosses_the_spring_festival(client, monkeypatch):
    # Friday 2025-01-24: 5 working days skip the 2025-01-28..02-04 holiday but count Sunday 01-26 (调休).
    _frozen(monkeypatch, dt.datetime(2025, 1, 24, 10, 0, tzinfo=BEIJING))
    system_id = register(client)
    with client.db.session() as session:
        item = session.scalar(select(WorkItem).where(WorkItem.subject_id == system_id))
    deadline = item.deadline_at.astimezone(BEIJING)
    assert deadline.date() == dt.date(2025, 2, 7) and (deadline.hour, deadline.minute) == (23, 59)
    assert item.deadline_fallback is False


def test_deadline_counts_an_adjusted_saturday(client, monkeypatch):
    # Wednesday 2025-02-05 + 3 working days: 02-06, 02-07, Saturday 02-08 (调休上班).
    _frozen(monkeypatch, dt.datetime(2025, 2, 5, 9, 0, tzinfo=BEIJING))
    system_id = register(client)
    assert decide(client, "admin", system_id, "reject", "补充材料").status_code == 200  # 10 working days
    with client.db.session() as session:
        item = session.scalar(select(WorkItem).where(WorkItem.subject_id == system_id))
    # 02-06, 02-07, 02-08(Sat, workday), 02-10 .. 02-14, 02-17, 02-18 → the 10th is 2025-02-18
    assert item.deadline_at.astimezone(BEIJING).date() == dt.date(2025, 2, 18)


def test_years_outside_the_calendar_fall_back_and_admins_can_declare_days(client, monkeypatch):
    _frozen(monkeypatch, dt.datetime(2035, 1, 1, 9, 0, tzinfo=BEIJING))  # a Monday
    system_id = register(client, name="系统丙")
    with client.db.session() as session:
        item = session.scalar(select(WorkItem).where(WorkItem.subject_id == system_id))
    assert item.deadline_fallback is True
    assert item.deadline_at.astimezone(BEIJING).date() == dt.date(2035, 1, 8)  # weekends only
    admin = bearer(client, "admin")
    for day, kind in (("2035-01-02", "holiday"), ("2035-01-03", "holiday")):
        assert client.put("/api/v1/calendar", json={"day": day, "kind": kind, "note": "元旦"},
                          headers=admin).status_code == 200
    assert client.put("/api/v1/calendar", json={"day": "2035-01-02", "kind": "holiday"},
                      headers=bearer(client, "ps_manager")).status_code == 403
    other = register(client, name="系统丁")
    with client.db.session() as session:
        item = session.scalar(select(WorkItem).where(WorkItem.subject_id == other))
    assert item.deadline_fallback is False
    assert item.deadline_at.astimezone(BEIJING).date() == dt.date(2035, 1, 10)


def test_other_departments_cannot_see_a_registration(client):
    system_id = register(client)
    assert client.get(f"/api/v1/systems/{system_id}", headers=bearer(client, "hr_manager")).status_code == 403
    listed = client.get("/api/v1/systems", headers=bearer(client, "hr_manager")).json()
    assert listed["total"] == 0
    assert client.get("/api/v1/systems", headers=bearer(client, "supervisor")).json()["total"] == 1


def test_registration_validates_input(client):
    manager = bearer(client, "ps_manager")
    bad = registration(security_grade=5, owner_phone="123", assessment_valid_until="2000-01-01")
    response = client.post("/api/v1/systems", json=bad, headers=manager)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"security_grade", "owner_phone"} <= fields
    assert client.get("/api/v1/systems", headers=manager).json()["total"] == 0
    register(client)
    duplicate = client.post("/api/v1/systems", json=registration(), headers=manager)
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "name"


def test_expiring_filter(client):
    # the platform's day is Beijing's (systems.service.today), which differs from UTC's for eight hours a day
    soon = register(client, name="将到期系统", assessment_valid_until=str(today() + dt.timedelta(days=10)))
    register(client, name="正常系统")
    listed = client.get("/api/v1/systems?expiring=true", headers=bearer(client, "admin")).json()
    assert [s["id"] for s in listed["items"]] == [soon]
    assert listed["items"][0]["assessment_days_left"] == 10
