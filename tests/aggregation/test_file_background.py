"""File loads run in a background worker, never inside the request (issue 11, finding 4): ``POST
/api/v1/loads/{id}/run`` answers 202 with the progress once its short wait is over (at once with ``Prefer:
respond-async``), the load goes on and its result — or why it failed — is on ``GET /api/v1/loads/{id}``; loads
beyond the process's workers wait their turn, shown as queued; memory is handed back after each — both
databases."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from govdata.aggregation import progress, service
from govdata.aggregation.models import Batch
from govdata.core.errors import DomainError
from tests.aggregation.test_file_pages import csv_bytes, entry, good_rows, upload_api, upload_page, wait_for  # noqa: F401
from tests.aggregation.test_push import rows
from tests.conftest import bearer, login

MAPPING = {"公民身份号码": "id_number", "姓名": "name", "补贴金额": "amount", "备注": None}


def _mapped(client, code, content: bytes, headers) -> int:
    load_id = upload_api(client, code, content, "data.csv", headers).json()["id"]
    assert client.put(f"/api/v1/loads/{load_id}/mapping", headers=headers,
                      json={"mapping": MAPPING, "mode": "all"}).status_code == 200
    return load_id


def _threads(load_id: int) -> int:
    return sum(t.name == f"file-load-{load_id}" for t in threading.enumerate())


def test_respond_async_answers_at_once_and_the_result_is_read_later(entry, monkeypatch):  # noqa: F811
    client, code = entry
    headers = bearer(client, "ps_manager")
    load_id = _mapped(client, code, csv_bytes(good_rows(30)), headers)
    gate = threading.Event()
    real = service.run_file_load

    def held(*args, **kwargs):
        assert gate.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "run_file_load", held)
    ran = client.post(f"/api/v1/loads/{load_id}/run", headers={**headers, "Prefer": "respond-async"})
    assert ran.status_code == 202, ran.text  # answered while the load has not even begun
    assert ran.headers["location"] == f"/api/v1/loads/{load_id}" and ran.headers["retry-after"]
    body = ran.json()
    assert body["status"] == "uploaded" and body["progress"]["state"] == "running" and body["result"] is None
    # asked again while it runs: not started twice, the same answer
    again = client.post(f"/api/v1/loads/{load_id}/run", headers={**headers, "Prefer": "wait=0"})
    assert again.status_code == 202 and _threads(load_id) == 1
    assert client.get(f"/api/v1/loads/{load_id}", headers=headers).json()["progress"]["state"] == "running"

    gate.set()
    wait_for(load_id)
    read = client.get(f"/api/v1/loads/{load_id}", headers=headers).json()
    assert (read["status"], read["result"]["inserted"], read["progress"]) == ("committed", 30, None)
    assert len(rows(client, code)) == 30
    # run once more: it has run, its result is the answer
    done = client.post(f"/api/v1/loads/{load_id}/run", headers=headers)
    assert done.status_code == 200 and done.json()["result"]["inserted"] == 30


def test_a_load_that_fails_in_the_background_says_why_and_can_run_again(entry):  # noqa: F811
    client, code = entry
    settings = client.app.state.settings
    headers = bearer(client, "ps_manager")
    load_id = _mapped(client, code, csv_bytes(good_rows(150)), headers)
    settings.file_max_rows = 100
    try:
        ran = client.post(f"/api/v1/loads/{load_id}/run", headers={**headers, "Prefer": "respond-async"})
        assert ran.status_code == 202
        wait_for(load_id)
        read = client.get(f"/api/v1/loads/{load_id}", headers=headers).json()
        assert read["status"] == "uploaded" and read["result"] is None
        assert read["progress"]["state"] == "failed" and read["progress"]["code"] == "file_too_many_rows"
        assert "超过上限100行" in read["progress"]["message"]
        with client.db.session() as session:
            assert session.scalar(select(func.count()).select_from(Batch)) == 0
        # the page says it in place, with the form to start again
        login(client, "ps_manager")
        page = client.get(f"/aggregation/datasets/{code}/loads/{load_id}")
        assert "超过上限100行" in page.text and "开始导入" in page.text
    finally:
        settings.file_max_rows = 5_000_000
    again = client.post(f"/api/v1/loads/{load_id}/run", headers=headers)
    assert again.status_code == 200 and again.json()["result"]["inserted"] == 150


def test_a_waiting_caller_gets_the_same_answers_as_before(entry):  # noqa: F811
    client, code = entry
    headers = bearer(client, "ps_manager")
    bad = good_rows(3) + [["110101199001010000", "错号", "1.00", ""]]
    load_id = _mapped(client, code, csv_bytes(bad), headers)
    ran = client.post(f"/api/v1/loads/{load_id}/run", headers=headers)  # done within the wait
    assert ran.status_code == 422 and ran.json()["code"] == "batch_rejected"
    assert [r["row"] for r in ran.json()["rejections"]] == [5]
    other = bearer(client, "hr_manager")
    second = _mapped(client, code, csv_bytes(good_rows(2)), headers)
    assert client.post(f"/api/v1/loads/{second}/run", headers=other).status_code == 403  # refused in the request
    assert _threads(second) == 0


class _Session:
    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...


def test_loads_beyond_the_workers_wait_their_turn_and_memory_is_handed_back(entry, monkeypatch):  # noqa: F811
    client, code = entry
    released = []
    monkeypatch.setattr(progress, "release_memory", lambda: released.append(1))
    registry = progress.Registry(workers=1)
    gates = {1: threading.Event(), 2: threading.Event()}
    started = []

    def run(session, actor, load_id, report):
        started.append(load_id)
        assert gates[load_id].wait(60)
        if load_id == 2:
            raise DomainError("file_unreadable", "坏文件")

    for load_id in (1, 2):
        assert progress.start_in_background(registry, _Session, None, load_id, run)
    for _ in range(200):
        if registry.get(2).queued:
            break
        threading.Event().wait(0.01)
    assert started == [1] and registry.get(2).queued and registry.get(2).running
    gates[1].set()
    gates[2].set()
    for thread in [t for t in threading.enumerate() if t.name.startswith("file-load-")]:
        thread.join(30)
    assert started == [1, 2] and released == [1, 1]
    assert registry.get(1).state == "done" and registry.get(2).state == "failed" and registry.get(2).code == "file_unreadable"
    # one worker on SQLite (one writer at a time), the setting on PostgreSQL
    assert progress.workers_of(client.app.state.settings) == (1 if client.db.backend == "sqlite" else 2)

    # the page shows a queued load as such
    token = login(client, "ps_manager")
    uploaded = upload_page(client, code, csv_bytes(good_rows(2)), "q.csv", token)
    load_url = uploaded.headers["location"].split("?")[0]
    load_id = int(load_url.rsplit("/", 1)[1])
    app_registry = progress.registry_of(client.app)
    assert app_registry.begin(load_id)
    app_registry.set_queued(load_id, True)
    shown = client.get(load_url)
    assert 'data-testid="queued"' in shown.text and "排队等候" in shown.text
    app_registry.finish(load_id, "failed", "停止")
