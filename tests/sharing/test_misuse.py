"""Misuse of shared data (SUP-5): the hourly check records one finding per grant, rule and day, with the
figures and a date to correct by; the supervisor lists them, the consumer department sees its own."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from govdata.core import jobs
from govdata.core.audit import AuditEntry
from govdata.core.db import utcnow
from tests.conftest import bearer, login
from tests.sharing.helpers import system
from tests.sharing.test_usage import LOCAL, grant_row, local_noon, usage_rows


def daily(days: dict[int, int], **fields: object) -> list[dict[str, object]]:
    """``n`` usage rows on each Beijing day ``days_ago`` (noon), with ``fields``."""
    return [{"at": local_noon(ago), **fields} for ago, n in days.items() for _ in range(n)]


def test_detect_misuse_records_each_rule_once_per_grant_and_day(shared):
    client = shared.client
    heavy = grant_row(client, shared.code, shared.consumer["id"])
    calm = grant_row(client, shared.code, system(client, "hr_manager", name="就业服务系统")["id"])
    exporter = grant_row(client, shared.code, system(client, "hr_manager", name="待遇发放系统")["id"],
                         access_method="file")
    baseline = {ago: 10 for ago in range(1, 15)}
    # heavy: 10 calls a day, 126 today, refused ones included (> 5 × 10 and > 100): some refused out of its force, some for an
    # item it was not granted
    usage_rows(client, heavy, daily({**baseline, 0: 120}))
    usage_rows(client, heavy, daily({0: 2}, result="denied", reason="share_grant_expired", rows=0))
    usage_rows(client, heavy, daily({0: 1}, result="denied", reason="share_grant_suspended", rows=0))
    usage_rows(client, heavy, daily({0: 3}, result="denied", reason="share_item_not_granted", rows=0))
    # calm: 40 a day, 150 today — below 5 × its median; one refusal for the rate limit is no misuse
    usage_rows(client, calm, daily({**{ago: 40 for ago in range(1, 15)}, 0: 150}))
    usage_rows(client, calm, daily({0: 1}, result="denied", reason="share_rate_limited", rows=0))
    # exporter: more than 1,000 unmasked personal rows exported on 3 of the last 7 days, today included
    usage_rows(client, exporter, daily({0: 1, 2: 1, 5: 1}, endpoint="export", medium="csv", rows=1500,
                                       personal_rows=1500))
    usage_rows(client, exporter, daily({9: 1}, endpoint="export", medium="csv", rows=1500, personal_rows=1500))

    assert client.post("/api/v1/sharing/misuse/detect", headers=bearer(client, "hr_manager")).status_code == 403
    detected = client.post("/api/v1/sharing/misuse/detect", headers=bearer(client, "supervisor"))
    assert detected.status_code == 200, detected.text
    assert detected.json()["recorded"] == 4
    assert jobs.run(client.db.sessions, "detect_misuse")["recorded"] == 0  # the hourly job adds nothing new

    listed = client.get("/api/v1/sharing/misuse", headers=bearer(client, "supervisor"))
    assert listed.status_code == 200, listed.text
    findings = {(f["detail"]["grant_id"], f["detail"]["rule"]): f for f in listed.json()["items"]}
    assert set(findings) == {(heavy, "volume"), (heavy, "outside_period"), (heavy, "beyond_grant"),
                             (exporter, "bulk_personal_export")}
    today = utcnow().astimezone(LOCAL).date()
    volume = findings[(heavy, "volume")]
    assert volume["kind"] == "misuse" and volume["department_name"] == "云川市人力资源和社会保障局"
    assert volume["actor_name"] == "社保待遇资格认证系统" and volume["resource_code"] == shared.code
    assert volume["detail"]["figures"]["calls"] == 126 and volume["detail"]["figures"]["baseline_median"] == 10
    assert volume["detail"]["day"] == today.isoformat() and "第二十六条" in volume["detail"]["violation"]
    # ten working days to correct: at least two calendar weeks
    assert dt.date.fromisoformat(volume["detail"]["correct_by"]) >= today + dt.timedelta(days=14)
    assert findings[(heavy, "outside_period")]["detail"]["figures"]["by_reason"] == {
        "share_grant_expired": 2, "share_grant_suspended": 1}
    assert findings[(heavy, "beyond_grant")]["detail"]["figures"]["denied_calls"] == 3
    export = findings[(exporter, "bulk_personal_export")]["detail"]
    assert len(export["figures"]["personal_rows_by_day"]) == 3 and "个人隐私" in export["violation"]

    with client.db.session() as session:
        audited = session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "sharing.detect_misuse", AuditEntry.result == "success"))
        assert audited == 4  # (and the refused attempt of hr_manager is on record as denied)
    own = client.get("/api/v1/sharing/misuse", headers=bearer(client, "hr_manager")).json()
    assert own["total"] == 4  # the consumer department sees the findings about itself
    assert client.get("/api/v1/sharing/misuse", headers=bearer(client, "ps_manager")).json()["total"] == 0
    assert client.get("/api/v1/sharing/misuse", params={"limit": 0},
                      headers=bearer(client, "supervisor")).status_code == 422


def test_the_supervisor_page_lists_findings_and_runs_the_check(shared):
    client = shared.client
    grant_id = grant_row(client, shared.code, shared.consumer["id"])
    usage_rows(client, grant_id, daily({0: 2}, result="denied", reason="share_item_not_granted", rows=0))
    token = login(client, "supervisor")
    before = client.get("/sharing/misuse")
    assert before.status_code == 200 and "没有违规使用记录" in before.text and 'data-testid="detect"' in before.text
    ran = client.post("/sharing/misuse/detect", data={"csrf_token": token}, follow_redirects=True)
    assert ran.status_code == 200 and "新记录 1 条" in ran.text
    assert 'data-rule="beyond_grant"' in ran.text and "社保待遇资格认证系统" in ran.text
    login(client, "hr_manager")
    mine = client.get("/sharing/misuse")
    assert 'data-rule="beyond_grant"' in mine.text and 'data-testid="detect"' not in mine.text
