"""Dataset quality (GEN-2): completeness, validity, uniqueness and timeliness, the weighted score, snapshots
appended after each batch (cheap for a small batch into a large table), on demand and by the periodic job —
both databases. Timeliness comes from ``service.schedules.timeliness_of``; these tests replace it with a
stand-in of the same contract, so they test the quality side only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from govdata.aggregation import measures
from govdata.aggregation.models import QualitySnapshot
from govdata.aggregation.service import quality
from govdata.core import jobs
from govdata.core.audit import AuditEntry
from tests.aggregation.test_push import ITEMS, people, push
from tests.catalog.helpers import publish
from tests.conftest import bearer


@pytest.fixture
def api(data_client):  # the aggregation client: drops the dataset tables it made
    return data_client


TICKETS = [
    {"name": "工单编号", "field_code": "ticket_no", "data_type": "C", "length": 20, "required": True, "is_key": True,
     "sensitivity": "L1"},
    {"name": "诉求内容", "field_code": "content", "data_type": "M", "required": True, "sensitivity": "L1"},
    {"name": "承办单位", "field_code": "unit", "data_type": "C", "length": 100, "sensitivity": "L1"},
]


@pytest.fixture
def on_time(monkeypatch):
    """timeliness_of answers on time (its own rules are tested with the schedules)."""
    answer = {"status": "on_time", "late_by_hours": None, "basis": "real_time"}
    monkeypatch.setattr("govdata.aggregation.service.schedules.timeliness_of", lambda session, dataset: dict(answer))
    return answer


@pytest.fixture
def manager(api):
    return bearer(api, "ps_manager")


def dataset(client, code):
    reply = client.get(f"/api/v1/datasets/{code}", headers=bearer(client, "supervisor"))
    assert reply.status_code == 200, reply.text
    return reply.json()


def snapshots(client):
    with client.db.session() as session:
        return session.scalars(select(QualitySnapshot).order_by(QualitySnapshot.id)).all()


def test_a_batch_appends_a_snapshot_with_the_four_dimensions_and_the_score(api, on_time, manager):
    code = publish(api, items=ITEMS)
    batch = people(10)
    for row in batch[:4]:
        del row["amount"]  # an optional item left empty
    assert push(api, code, batch, headers=manager).status_code == 200

    q = dataset(api, code)["quality"]
    assert (q["trigger"], q["full"], q["current_rows"]) == ("batch", True, 10)
    assert q["completeness"] == pytest.approx(26 / 30)  # 3 items × 10 records, 4 values missing
    assert q["required_completeness"] == 1.0
    assert (q["validity"], q["uniqueness"], q["timeliness"], q["timeliness_status"]) == (1.0, 1.0, 1.0, "on_time")
    assert q["score"] == pytest.approx(round(100 * (0.3 * 26 / 30 + 0.3 + 0.2 + 0.2), 1))
    assert q["detail"]["items"] == {"id_number": 10, "name": 10, "amount": 6}
    columns = {c["field_code"]: c["filled"] for c in dataset(api, code)["columns"]}
    assert columns == {"id_number": 1.0, "name": 1.0, "amount": 0.6}


def test_validity_counts_rows_refused_in_partial_and_in_all_or_nothing_batches(api, on_time, manager):
    code = publish(api, items=ITEMS)
    batch = people(10)
    batch[0]["id_number"] = "110101199001011235"  # wrong check digit
    batch[1]["name"] = ""  # required
    assert push(api, code, batch, headers=manager, mode="partial").json()["rejected"] == 2
    assert dataset(api, code)["quality"]["validity"] == pytest.approx(8 / 10)

    refused = people(5, start=100)
    refused[2]["amount"] = "1.234"  # three decimals
    assert push(api, code, refused, headers=manager).status_code == 422  # nothing written
    refreshed = api.post(f"/api/v1/datasets/{code}/quality", headers=manager)
    assert refreshed.status_code == 201, refreshed.text
    body = refreshed.json()
    assert body["trigger"] == "refresh" and body["current_rows"] == 8
    assert body["validity"] == pytest.approx(12 / 15)  # 4 of the refused batch's rows passed validation
    assert body["detail"]["validity_window"] == {"batches": 2, "received": 15, "rejected": 3, "days": 30}


def test_uniqueness_finds_the_same_content_under_another_key(api, on_time, manager):
    code = publish(api, items=TICKETS)
    same = {"content": "反映南湖路路灯不亮", "unit": "云川市城市管理局"}
    rows = [{"ticket_no": "20261120000001", **same}, {"ticket_no": "20261120000002", **same},
            {"ticket_no": "20261120000003", "content": "咨询医保异地备案", "unit": "云川市医疗保障局"},
            {"ticket_no": "20261120000004", "content": "反映南湖路路灯不亮", "unit": None}]
    assert push(api, code, rows, headers=manager).status_code == 200
    q = dataset(api, code)["quality"]
    assert q["uniqueness"] == pytest.approx(2 / 4)  # the resent call counts twice; a missing unit differs
    assert q["detail"]["duplicated_rows"] == 2 and q["detail"]["compared_items"] == ["content", "unit"]


def test_timeliness_maps_into_the_score(api, on_time, manager):
    on_time.update(status="late", late_by_hours=24.0)
    code = publish(api, items=ITEMS)
    push(api, code, people(3), headers=manager)
    shown = dataset(api, code)
    late = shown["quality"]
    assert (late["timeliness_status"], late["late_by_hours"], late["timeliness"]) == ("late", 24.0, 0.5)
    assert late["score"] == pytest.approx(90.0)  # 0.3 + 0.3 + 0.2 + 0.2 × 0.5
    assert shown["timeliness"]["status"] == "late"  # the page shows the current answer too
    on_time.update(status="not_applicable", late_by_hours=None)
    irregular = api.post(f"/api/v1/datasets/{code}/quality", headers=manager).json()
    assert irregular["timeliness"] is None and irregular["score"] == 100.0  # not scored, weights renormalised


def test_weights_and_the_timeliness_scale():
    assert sum(measures.WEIGHTS.values()) == pytest.approx(1.0)
    assert measures.overall_score({"completeness": 0.5, "validity": None, "uniqueness": None, "timeliness": None}) == 50.0
    assert measures.overall_score({"completeness": None, "validity": None}) is None
    assert [measures.timeliness_share({"status": s, "late_by_hours": h}) for s, h in
            [("on_time", None), ("late", 0.0), ("late", 72.0), ("no_data", None), ("not_applicable", None)]] == \
        [1.0, 1.0, 0.25, None, None]


def test_a_small_batch_into_a_large_table_does_not_reread_the_table(api, on_time, manager, monkeypatch):
    monkeypatch.setattr(quality, "FULL_ALWAYS_BELOW", 50)  # "large" = 50 records for this test
    code = publish(api, items=ITEMS)
    assert push(api, code, people(100), headers=manager).status_code == 200  # first: full
    first = snapshots(api)[-1]
    assert first.full and first.current_rows == 100

    def no_table_reads(*args, **kwargs):
        raise AssertionError("the table was re-read for a small batch")

    real = measures.measure_table
    monkeypatch.setattr(measures, "measure_table", no_table_reads)
    small = people(2, start=100)
    small[0]["amount"] = None
    assert push(api, code, small, headers=manager).status_code == 200  # 2 < 5 % of 100
    cheap = snapshots(api)[-1]
    assert (cheap.full, cheap.current_rows, cheap.table_measured_at) == (False, 102, first.table_measured_at)
    assert cheap.completeness == first.completeness and cheap.batch_id is not None

    monkeypatch.setattr(measures, "measure_table", real)
    assert push(api, code, people(10, start=200), headers=manager).status_code == 200  # ≥ 5 %: full
    full = snapshots(api)[-1]
    assert full.full and full.current_rows == 112 and full.completeness < 1.0


def test_the_job_measures_what_is_stale_and_nothing_else(api, on_time, monkeypatch):
    code = publish(api, items=ITEMS)  # a dataset never measured
    sessions = api.app.state.sessions
    assert jobs.run(sessions, "refresh_quality")["refreshed"] == 1
    (made,) = snapshots(api)
    assert (made.trigger, made.actor_name, made.current_rows, made.completeness) == ("job", "govdata-job", 0, None)
    assert jobs.run(sessions, "refresh_quality")["refreshed"] == 0  # fresh

    later = made.measured_at + dt.timedelta(hours=quality.STALE_HOURS, minutes=1)
    monkeypatch.setattr(quality, "utcnow", lambda: later)
    assert jobs.run(sessions, "refresh_quality")["refreshed"] == 1
    with api.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "aggregation.refresh_stale_quality")).all()
        assert [e.detail["codes"] for e in entries] == [[code], [code]]  # a run with nothing to do is not logged


def test_who_may_refresh_and_read_quality(api, on_time):
    code = publish(api, items=ITEMS)
    url = f"/api/v1/datasets/{code}/quality"
    for user in ("hr_manager", "ps_reviewer", "mca_user", "supervisor"):
        assert api.post(url, headers=bearer(api, user)).status_code == 403, user
    for user in ("ps_manager", "admin"):
        assert api.post(url, headers=bearer(api, user)).status_code == 201, user
    assert api.get(url, headers=bearer(api, "ps_reviewer")).status_code == 200
    assert api.get(url, headers=bearer(api, "hr_manager")).status_code == 403
    with api.db.session() as session:
        results = session.scalars(select(AuditEntry.result)
                                  .where(AuditEntry.action == "aggregation.refresh_quality")).all()
        assert sorted(results) == ["denied"] * 4 + ["success"] * 2


def test_history_is_oldest_first_and_thinned_to_the_limit(api, on_time, manager):
    code = publish(api, items=ITEMS)
    for n in range(5):
        push(api, code, people(1, start=n), headers=manager)
    full = api.get(f"/api/v1/datasets/{code}/quality", headers=manager).json()["points"]
    assert [p["current_rows"] for p in full] == [1, 2, 3, 4, 5]
    thinned = api.get(f"/api/v1/datasets/{code}/quality?limit=2", headers=manager).json()["points"]
    assert len(thinned) == 2 and thinned[-1]["id"] == full[-1]["id"]
    assert api.get(f"/api/v1/datasets/{code}/quality?days=0", headers=manager).status_code == 422


def test_without_the_schedules_function_timeliness_is_not_scored(api, monkeypatch, manager):
    monkeypatch.delattr("govdata.aggregation.service.schedules.timeliness_of")
    code = publish(api, items=ITEMS)
    push(api, code, people(2), headers=manager)
    q = dataset(api, code)["quality"]
    assert (q["timeliness_status"], q["timeliness"], q["score"]) == ("unknown", None, 100.0)
