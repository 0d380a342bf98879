"""Filed aggregation schedules (AGG-3), timeliness and the late-aggregation job (SUP-5) — both databases.

Times are fixed: the tests set the schedule's ``effective_from`` and the dataset's ``last_batch_at`` and pass
``now``; the deadlines are in Asia/Shanghai local time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from govdata.aggregation import service
from govdata.aggregation.models import AggregationSchedule, Dataset, Finding
from govdata.catalog.models import Resource
from govdata.core import jobs
from govdata.core.actor import platform_actor
from govdata.core.audit import AuditEntry
from tests.catalog.helpers import publish
from tests.conftest import bearer, csrf_from, login

LOCAL = ZoneInfo("Asia/Shanghai")
DAILY = {"frequency": "daily", "due_within": 8, "due_unit": "hours", "reason": "业务系统在内网，每日凌晨批量导出后上传"}


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)






def file(client, code, body=None, user="ps_manager"):
    return client.post(f"/api/v1/datasets/{code}/schedules", json=body or DAILY, headers=bearer(client, user))


def decide(client, code, schedule_id, transition, reason=None, user="admin"):
    return client.post(f"/api/v1/datasets/{code}/schedules/{schedule_id}/decision",
                       json={"transition": transition, "reason": reason}, headers=bearer(client, user))


def approved(client, code, body=None):
    filed = file(client, code, body)
    assert filed.status_code == 201, filed.text
    done = decide(client, code, filed.json()["id"], "approve")
    assert done.status_code == 200 and done.json()["status"] == "approved", done.text
    return filed.json()["id"]


def set_times(client, code, effective_from=None, last_batch_at=None, created_at=None):
    """Put the dataset (and its schedule in force) at fixed moments."""
    with client.db.session() as session:
        dataset = session.scalar(select(Dataset).join(Resource, Resource.id == Dataset.resource_id)
                                 .where(Resource.code == code))
        dataset.last_batch_at = last_batch_at
        if created_at is not None:
            dataset.created_at = created_at
        if effective_from is not None:
            schedule = session.scalar(select(AggregationSchedule).where(AggregationSchedule.dataset_id == dataset.id,
                                                                        AggregationSchedule.status == "approved"))
            schedule.effective_from = effective_from
        session.commit()


def timeliness(client, code, now):
    with client.db.session() as session:
        dataset = session.scalar(select(Dataset).join(Resource, Resource.id == Dataset.resource_id)
                                 .where(Resource.code == code))
        return service.timeliness_of(session, dataset, now)


def run_job(client, now):
    with client.db.session() as session:
        summary = service.check_timeliness(session, platform_actor("govdata-job", "job"), now=now)
        session.commit()
    return summary


def findings(client, code):
    with client.db.session() as session:
        return [f.detail for f in session.scalars(
            select(Finding).where(Finding.kind == "late_aggregation").order_by(Finding.id))
            if f.detail["resource_code"] == code]


# --- filing --------------------------------------------------------------------------------------------


def test_a_filing_waits_for_the_center_and_an_approved_one_supersedes_the_one_in_force(data_client):
    client = data_client
    code = publish(client)
    first = file(client, code)
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["label"]) == ("pending", "每日，周期结束后8小时内汇聚")
    inbox = client.get("/api/v1/inbox", headers=bearer(client, "admin")).json()
    item = next(i for i in inbox if i["id"] == first.json()["work_item_id"])
    assert item["process"] == "aggregation_schedule_filing" and item["deadline_at"]  # 5 working days

    again = file(client, code, {**DAILY, "frequency": "weekly"})
    assert again.status_code == 409 and again.json()["code"] == "schedule_pending"
    # not in force yet: the entry's update cycle (实时) still applies
    assert client.get(f"/api/v1/datasets/{code}/timeliness", headers=bearer(client, "ps_manager")).json()[
        "basis"] == "real_time"

    assert decide(client, code, first.json()["id"], "approve", user="ps_manager").status_code == 403
    assert decide(client, code, first.json()["id"], "approve").json()["status"] == "approved"
    now_in_force = client.get(f"/api/v1/datasets/{code}/timeliness", headers=bearer(client, "ps_manager")).json()
    assert (now_in_force["basis"], now_in_force["schedule_id"]) == ("filed_schedule", first.json()["id"])

    second_id = approved(client, code, {"frequency": "monthly", "due_within": 5, "due_unit": "workdays",
                                        "reason": "月度统计口径，次月汇总后报送"})
    history = client.get(f"/api/v1/datasets/{code}/schedules", headers=bearer(client, "ps_manager")).json()
    assert [(s["id"], s["status"]) for s in history] == [(second_id, "approved"), (first.json()["id"], "superseded")]
    assert history[1]["superseded_by_id"] == second_id and history[1]["superseded_at"]
    assert history[0]["label"] == "每月，周期结束后5个工作日内汇聚"


def test_a_rejection_needs_a_reason_and_puts_nothing_in_force(data_client):
    client = data_client
    code = publish(client)
    filed = file(client, code).json()
    missing = decide(client, code, filed["id"], "reject")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    rejected = decide(client, code, filed["id"], "reject", reason="该系统具备实时接口条件，应实时汇聚")
    assert (rejected.json()["status"], rejected.json()["decision_reason"]) == ("rejected", "该系统具备实时接口条件，应实时汇聚")
    assert decide(client, code, filed["id"], "approve").status_code == 409  # decided once
    assert client.get(f"/api/v1/datasets/{code}/timeliness", headers=bearer(client, "ps_manager")).json()[
        "schedule_id"] is None
    with client.db.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "aggregation.decide_schedule.reject"))
        assert entry.purpose == "该系统具备实时接口条件，应实时汇聚"


def test_only_the_providing_departments_data_manager_files_and_bad_schedules_are_refused(data_client):
    client = data_client
    code = publish(client)
    for user in ("hr_manager", "ps_reviewer", "admin", "mca_user"):
        assert file(client, code, user=user).status_code == 403, user
    hourly = file(client, code, {**DAILY, "frequency": "hourly"})
    assert hourly.status_code == 422 and hourly.json()["errors"][0]["field"] == "every_hours"
    odd = file(client, code, {**DAILY, "frequency": "hourly", "every_hours": 5})
    assert odd.status_code == 422
    too_long = file(client, code, {**DAILY, "due_unit": "workdays", "due_within": 31})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "due_within"
    assert client.get(f"/api/v1/datasets/{code}/schedules", headers=bearer(client, "hr_manager")).status_code == 403
    assert client.get(f"/api/v1/datasets/{code}/schedules", headers=bearer(client, "ps_manager")).json() == []


# --- timeliness ----------------------------------------------------------------------------------------


def test_a_filed_daily_schedule_is_late_after_its_deadline_and_on_time_before(data_client):
    client = data_client
    code = publish(client)
    schedule_id = approved(client, code)  # daily, data of a day due by 08:00 the next morning
    # the last batch (Mar 2, 01:00) covered Mar 1; Mar 2's data is due Mar 3, 08:00
    set_times(client, code, effective_from=local(2025, 3, 1, 10, 0), last_batch_at=local(2025, 3, 2, 1, 0))
    before = timeliness(client, code, local(2025, 3, 3, 7, 0))
    assert (before["status"], before["expected_by"]) == ("on_time", local(2025, 3, 3, 8, 0))
    late = timeliness(client, code, local(2025, 3, 3, 11, 30))
    assert late == {"basis": "filed_schedule", "status": "late", "last_batch_at": local(2025, 3, 2, 1, 0),
                    "expected_by": local(2025, 3, 3, 8, 0), "late_by_hours": 3.5, "schedule_id": schedule_id}


def test_a_deadline_in_working_days_skips_holidays(data_client):
    client = data_client
    code = publish(client)
    approved(client, code, {"frequency": "monthly", "due_within": 5, "due_unit": "workdays", "reason": "按月汇总"})
    set_times(client, code, effective_from=local(2025, 3, 1), last_batch_at=local(2025, 3, 5, 9, 0))
    # March's data: 5 working days after Mar 31 — Apr 4 is Qingming, so the 5th is Tuesday Apr 8
    result = timeliness(client, code, local(2025, 4, 9, 0, 59, 59))
    assert result["expected_by"] == local(2025, 4, 8, 23, 59, 59)
    assert (result["status"], result["late_by_hours"]) == ("late", 1.0)


def test_without_a_filing_the_update_cycle_decides(data_client):
    client = data_client
    real_time = publish(client)
    daily = publish(client, update_cycle="每日")
    irregular = publish(client, update_cycle="不定期")
    created = local(2025, 5, 1, 9, 0)
    for code in (real_time, daily, irregular):
        set_times(client, code, created_at=created)
    # never aggregated: no data while the first delivery is not yet due, late after
    fresh = timeliness(client, real_time, local(2025, 5, 2, 8, 0))
    assert (fresh["basis"], fresh["status"], fresh["expected_by"]) == ("real_time", "no_data", local(2025, 5, 2, 9, 0))
    assert timeliness(client, real_time, local(2025, 5, 2, 11, 0))["late_by_hours"] == 2.0

    set_times(client, real_time, last_batch_at=local(2025, 5, 3, 12, 0))
    assert timeliness(client, real_time, local(2025, 5, 4, 11, 0))["status"] == "on_time"
    assert timeliness(client, real_time, local(2025, 5, 4, 13, 0))["late_by_hours"] == 1.0

    set_times(client, daily, last_batch_at=local(2025, 5, 3, 12, 0))  # 1 day + 12 h grace
    on_time = timeliness(client, daily, local(2025, 5, 4, 23, 0))
    assert (on_time["basis"], on_time["status"], on_time["expected_by"]) == (
        "update_cycle", "on_time", local(2025, 5, 5, 0, 0))
    assert timeliness(client, daily, local(2025, 5, 5, 6, 0))["late_by_hours"] == 6.0

    assert timeliness(client, irregular, local(2026, 1, 1))["status"] == "not_applicable"
    assert timeliness(client, irregular, local(2026, 1, 1))["basis"] == "irregular"


def test_timeliness_is_for_the_department_and_the_overseers(data_client):
    client = data_client
    code = publish(client)
    for user, status in (("ps_manager", 200), ("supervisor", 200), ("evaluator", 200), ("hr_manager", 403),
                         ("mca_user", 403)):
        assert client.get(f"/api/v1/datasets/{code}/timeliness", headers=bearer(client, user)).status_code == status
    body = client.get(f"/api/v1/datasets/{code}/timeliness", headers=bearer(client, "ps_manager")).json()
    assert (body["basis"], body["status"], body["last_batch_at"]) == ("real_time", "no_data", None)


# --- the late-aggregation job --------------------------------------------------------------------------


def test_the_job_records_one_finding_per_missed_deadline(data_client):
    client = data_client
    code = publish(client)
    schedule_id = approved(client, code)
    set_times(client, code, effective_from=local(2025, 3, 1, 10, 0), last_batch_at=local(2025, 3, 2, 1, 0))

    assert run_job(client, local(2025, 3, 3, 7, 0))["recorded"] == 0  # on time
    assert findings(client, code) == []

    summary = run_job(client, local(2025, 3, 3, 11, 30))
    assert (summary["late"], summary["recorded"]) == (1, 1)
    assert findings(client, code) == [{
        "resource_code": code, "basis": "filed_schedule", "expected_by": local(2025, 3, 3, 8, 0).astimezone(dt.UTC).isoformat(),
        "late_by_hours": 3.5, "schedule_id": schedule_id, "last_batch_at": local(2025, 3, 2, 1, 0).astimezone(dt.UTC).isoformat()}]

    assert run_job(client, local(2025, 3, 3, 12, 30))["recorded"] == 0  # the same missed deadline
    assert len(findings(client, code)) == 1

    # it catches up, then misses the next deadline: a new finding
    set_times(client, code, last_batch_at=local(2025, 3, 3, 14, 0))
    assert run_job(client, local(2025, 3, 4, 7, 59))["recorded"] == 0
    assert run_job(client, local(2025, 3, 5, 9, 0))["recorded"] == 1
    assert [(f["expected_by"], f["late_by_hours"]) for f in findings(client, code)][1] == (
        local(2025, 3, 4, 8, 0).astimezone(dt.UTC).isoformat(), 25.0)
    with client.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "aggregation.check_timeliness")).all()
        assert [(e.object_id, e.actor_name, e.method) for e in entries] == [(code, "govdata-job", "job")] * 2
        assert session.scalar(select(func.count()).select_from(Finding)) == 2


def test_the_job_runs_through_the_job_registry_as_the_platform(data_client):
    client = data_client
    code = publish(client)
    set_times(client, code, created_at=local(2025, 1, 1))  # real time, never aggregated: long late
    assert jobs.load_jobs()["check_timeliness"].every_minutes == 60
    summary = jobs.run(client.db.sessions, "check_timeliness")
    assert summary["recorded"] == 1 and summary["late"] >= 1
    assert jobs.run(client.db.sessions, "check_timeliness")["recorded"] == 0
    assert findings(client, code)[0]["basis"] == "real_time"


# --- pages ---------------------------------------------------------------------------------------------


def test_the_schedule_page_files_shows_errors_in_place_and_the_center_decides(data_client):
    client = data_client
    code = publish(client)
    token = login(client, "ps_manager")
    page = client.get(f"/aggregation/datasets/{code}/schedule")
    assert page.status_code == 200 and "提交备案" in page.text and 'data-testid="timeliness"' in page.text
    bad = client.post(f"/aggregation/datasets/{code}/schedule",
                      data={"frequency": "hourly", "due_within": "1", "due_unit": "hours", "reason": "每小时导出",
                            "csrf_token": token})
    assert bad.status_code == 422 and "间隔小时数" in bad.text and 'class="field-error"' in bad.text
    good = client.post(f"/aggregation/datasets/{code}/schedule",
                       data={**DAILY, "due_within": "8", "csrf_token": csrf_from(bad.text)}, follow_redirects=False)
    assert good.status_code == 303

    client.cookies.clear()
    token = login(client, "admin")
    page = client.get(f"/aggregation/datasets/{code}/schedule")
    assert "通过备案" in page.text and "不予备案" in page.text
    schedule_id = client.get(f"/api/v1/datasets/{code}/schedules", headers=bearer(client, "admin")).json()[0]["id"]
    assert client.get(f"/aggregation/schedules/{schedule_id}", follow_redirects=False).headers["location"] == \
        f"/aggregation/datasets/{code}/schedule#schedule-{schedule_id}"
    refused = client.post(f"/aggregation/datasets/{code}/schedule/{schedule_id}/decision",
                          data={"transition": "reject", "csrf_token": csrf_from(page.text)})
    assert refused.status_code == 422 and "须填写原因" in refused.text
    done = client.post(f"/aggregation/datasets/{code}/schedule/{schedule_id}/decision",
                       data={"transition": "approve", "csrf_token": csrf_from(refused.text)}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(f"/aggregation/datasets/{code}/schedule")
    assert "生效中" in page.text and "每日，周期结束后8小时内汇聚" in page.text


def test_the_department_page_shows_its_datasets_timeliness(data_client):
    client = data_client
    code = publish(client)
    set_times(client, code, created_at=local(2025, 1, 1))
    with client.db.session() as session:
        department_id = session.scalar(select(Resource.department_id).where(Resource.code == code))
    login(client, "ps_manager")
    page = client.get(f"/departments/{department_id}")
    assert page.status_code == 200
    row = page.text.split(f'data-testid="timeliness-{code}"', 1)[1].split("</tr>", 1)[0]
    assert "迟报" in row and "实时" in row
    client.cookies.clear()
    login(client, "mca_user")  # another department's data user: the page, without the timeliness
    assert "数据汇聚及时性" not in client.get(f"/departments/{department_id}").text
