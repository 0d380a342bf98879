"""File loads through the pages and the JSON API (AGG-5): upload (UTF-8 CSV, GB18030 CSV, XLSX), the column
mapping with its errors shown in place, the background run and its progress, the result page, the rejection
report, who may do it — both databases."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3
import threading

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, update

from govdata.aggregation import progress
from govdata.aggregation.models import Batch, FileLoad
from govdata.core.audit import AuditEntry
from govdata.core.db import utcnow
from govdata.org.models import WebSession
from tests.aggregation.test_push import ITEMS, id_number, rows
from tests.catalog.helpers import publish
from tests.conftest import bearer, csrf_from, login


HEADER = ["公民身份号码", "姓名", "补贴金额", "备注"]
BAD = [["110101199001010000", "错号", "1.00", ""],  # wrong check digit
       [None, "", "2.00", ""],  # name missing (filled with a good id below)
       [None, "金额错", "abc", ""]]  # not an amount


def good_rows(n: int, start: int = 0) -> list[list[str]]:
    return [[id_number(start + i), f"居民{start + i}", f"{10 + i}.50", "来自旧系统"] for i in range(n)]


def bad_rows(start: int = 900) -> list[list[str]]:
    out = []
    for n, row in enumerate(BAD):
        out.append([row[0] or id_number(start + n), *row[1:]])
    return out


def csv_bytes(data: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(data)
    return text.getvalue().encode(encoding)


def xlsx_bytes(data: list[list[str]], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in data:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def entry(data_client):
    return data_client, publish(data_client, items=ITEMS)


def wait_for(load_id: int) -> None:
    """Join the background thread of a load started from the page."""
    for thread in threading.enumerate():
        if thread.name == f"file-load-{load_id}":
            thread.join(60)
            assert not thread.is_alive()


def upload_page(client, code, content: bytes, filename: str, token: str, mode: str = "all"):
    return client.post(f"/aggregation/datasets/{code}/loads", data={"csrf_token": token, "mode": mode},
                       files={"file": (filename, content, "application/octet-stream")}, follow_redirects=False)


def upload_api(client, code, content: bytes, filename: str, headers):
    return client.post(f"/api/v1/datasets/{code}/loads", files={"file": (filename, content)}, headers=headers)


# --- the pages ------------------------------------------------------------------------------------------

def test_utf8_csv_through_the_pages_mapping_errors_in_place_then_result(entry):
    client, code = entry
    token = login(client, "ps_manager")
    empty = client.get(f"/aggregation/datasets/{code}/loads")
    assert empty.status_code == 200 and "尚无文件导入记录" in empty.text and "上传文件" in empty.text

    uploaded = upload_page(client, code, csv_bytes(good_rows(4)), "居民补贴.csv", token, mode="partial")
    assert uploaded.status_code == 303, uploaded.text
    load_url = uploaded.headers["location"]
    assert re.fullmatch(rf"/aggregation/datasets/{code}/loads/\d+", load_url)
    load_id = int(load_url.rsplit("/", 1)[1])
    # the mode chosen at upload is the load's: the list says so, and 继续 reopens it so
    listed = client.get(f"/aggregation/datasets/{code}/loads")
    assert re.search(rf'<td>{load_id}</td>.*?<td>部分入库</td>', listed.text, re.S)

    mapping = client.get(uploaded.headers["location"])
    assert mapping.status_code == 200
    html = mapping.text
    for column in HEADER:
        assert f">{column}</label>" in html
    assert id_number(0) in html and "居民1" in html  # sample values beside their columns
    # proposed by item name; 备注 matches no item and waits for a choice
    assert re.search(r'<option value="id_number" selected>★公民身份号码（id_number）', html)
    assert re.search(r'<option value="amount" selected>补贴金额（amount）', html)
    assert re.search(r'id="col-3" name="col-3">\s*<option value="" selected>', html)
    assert re.search(r'value="partial" checked', html)

    # 备注 left unchosen: refused in place, nothing started
    form = {"csrf_token": csrf_from(html), "col-0": "id_number", "col-1": "name", "col-2": "amount", "col-3": "",
            "mode": "partial"}
    refused = client.post(load_url, data=form, follow_redirects=False)
    assert refused.status_code == 422
    assert 'data-testid="error"' in refused.text and "备注" in refused.text
    assert 'data-field="mapping"' not in refused.text or "备注" in refused.text
    # the same item twice: the second column is marked
    twice = client.post(load_url, data={**form, "col-1": "id_number", "col-3": "-"}, follow_redirects=False)
    assert twice.status_code == 422
    assert re.search(r'data-field="mapping\.姓名">信息项“id_number”已对应列“公民身份号码”', twice.text)
    # the key item not mapped
    nokey = client.post(load_url, data={**form, "col-0": "-", "col-3": "-"}, follow_redirects=False)
    assert nokey.status_code == 422 and "主键信息项“公民身份号码（id_number）”必须对应" in nokey.text
    assert progress.registry_of(client.app).get(load_id) is None

    started = client.post(load_url, data={**form, "col-3": "-"}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == load_url
    wait_for(load_id)
    result = client.get(load_url)
    assert result.status_code == 200 and 'data-testid="load-status">已入库' in result.text
    assert re.search(r'data-testid="count-inserted">4<', result.text)
    assert re.search(r'data-testid="count-rejected">0<', result.text)
    assert "下载拒收报告" not in result.text
    assert [r["name"] for r in rows(client, code)] == [f"居民{i}" for i in range(4)]
    with client.db.session() as session:
        load = session.get(FileLoad, load_id)
        assert (load.status, load.mode, load.mapping["备注"]) == ("committed", "partial", None)
        assert session.scalar(select(Batch.source).where(Batch.id == load.batch_id)) == "file"
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(load_id))).all()
        assert {"aggregation.upload_file", "aggregation.map_columns"} <= set(actions)

    listing = client.get(f"/aggregation/datasets/{code}/loads")
    assert "居民补贴.csv" in listing.text and "已入库" in listing.text
    # a load that has run cannot be mapped again
    assert client.post(load_url, data=form, follow_redirects=False).headers["location"] == load_url


def test_partial_xlsx_with_three_bad_rows_commits_the_rest_and_the_report_lists_them(entry):
    client, code = entry
    token = login(client, "ps_manager")
    data = good_rows(5) + bad_rows()
    uploaded = upload_page(client, code, xlsx_bytes(data), "补贴名单.xlsx", token, mode="partial")
    assert uploaded.status_code == 303, uploaded.text
    load_url = uploaded.headers["location"].split("?")[0]
    load_id = int(load_url.rsplit("/", 1)[1])
    form = {"csrf_token": token, "col-0": "id_number", "col-1": "name", "col-2": "amount", "col-3": "-",
            "mode": "partial"}
    assert client.post(load_url, data=form, follow_redirects=False).status_code == 303
    wait_for(load_id)
    page = client.get(load_url).text
    assert re.search(r'data-testid="count-inserted">5<', page) and re.search(r'data-testid="count-rejected">3<', page)
    assert 'data-testid="partial"' in page
    for line in (7, 8, 9):  # the header is line 1
        assert f"<tr><td>{line}</td>" in page
    assert f'href="/aggregation/loads/{load_id}/report"' in page
    assert len(rows(client, code)) == 5

    report = client.get(f"/aggregation/loads/{load_id}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert report.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0] == ["行号", "记录主键", "问题", *HEADER]
    assert [line[0] for line in lines[1:]] == ["7", "8", "9"]
    assert lines[1][3:6] == ["110101199001010000", "错号", "1.00"] and "校验" in lines[1][2]
    assert lines[2][4] == "" and lines[2][2] and lines[3][5] == "abc" and lines[3][2]
    with client.db.session() as session:
        exports = session.scalars(select(AuditEntry).where(AuditEntry.action == "aggregation.rejection_report")).all()
        assert len(exports) == 1 and exports[0].medium == "csv"


def test_upload_errors_are_shown_in_place(entry):
    client, code = entry
    token = login(client, "ps_manager")
    empty = upload_page(client, code, b"", "empty.csv", token)
    assert empty.status_code == 422 and 'data-testid="error"' in empty.text and "文件为空" in empty.text
    twice = upload_page(client, code, "姓名,姓名\n张三,李四\n".encode(), "dup.csv", token)
    assert twice.status_code == 422 and "列名“姓名”出现了不止一次" in twice.text
    assert 'value="all" checked' in twice.text
    nothing = client.post(f"/aggregation/datasets/{code}/loads", data={"csrf_token": token, "mode": "partial"},
                          files={"file": ("", b"", "application/octet-stream")})
    assert nothing.status_code == 422 and "请选择要上传的CSV或Excel" in nothing.text
    assert 'value="partial" checked' in nothing.text
    forged = upload_page(client, code, csv_bytes(good_rows(1)), "a.csv", "forged")
    assert forged.status_code == 403
    with client.db.session() as session:
        assert session.scalar(select(func.count()).select_from(FileLoad)) == 0


def test_the_progress_page_polls_the_registry_until_the_load_is_over(entry):
    client, code = entry
    token = login(client, "ps_manager")
    uploaded = upload_page(client, code, csv_bytes(good_rows(2)), "p.csv", token)
    load_url = uploaded.headers["location"].split("?")[0]
    load_id = int(load_url.rsplit("/", 1)[1])
    registry = progress.registry_of(client.app)
    assert registry.begin(load_id) and not registry.begin(load_id)  # a load runs at most once at a time
    registry.update(load_id, 250, 1000)

    shown = client.get(load_url)
    assert shown.status_code == 200 and "正在导入 p.csv" in shown.text
    assert f'hx-get="{load_url}/progress"' in shown.text and 'hx-trigger="every 1s"' in shown.text
    assert 'aria-valuenow="25"' in shown.text and "已处理 250 行" in shown.text
    # starting again while it runs starts nothing
    again = client.post(load_url, data={"csrf_token": token, "col-0": "id_number", "col-1": "name",
                                        "col-2": "amount", "col-3": "-"}, follow_redirects=False)
    assert again.status_code == 303 and not any(t.name == f"file-load-{load_id}" for t in threading.enumerate())

    registry.update(load_id, 600, None)  # the expected count unknown (XLSX): no percentage
    # the poll writes nothing, not even the once-a-minute session touch: on SQLite a running load holds the
    # write lock for its whole transaction (here another connection holds it)
    with client.db.session() as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - dt.timedelta(minutes=2)))
        session.commit()
        before = session.scalars(select(WebSession.last_seen_at).order_by(WebSession.id)).all()
    lock = None
    if client.db.backend == "sqlite":
        lock = sqlite3.connect(client.db.url.removeprefix("sqlite:///"), isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
    try:
        polled = client.get(f"{load_url}/progress", headers={"HX-Request": "true"})
    finally:
        if lock is not None:
            lock.rollback()
            lock.close()
    assert polled.status_code == 200 and "aria-valuenow" not in polled.text and "已处理 600 行" in polled.text
    assert "<html" not in polled.text
    with client.db.session() as session:
        assert session.scalars(select(WebSession.last_seen_at).order_by(WebSession.id)).all() == before

    registry.finish(load_id, "failed", "文件第3行附近无法读取")
    over = client.get(f"{load_url}/progress", headers={"HX-Request": "true"})
    assert over.status_code == 200 and over.headers["HX-Redirect"] == load_url
    # it failed before anything was recorded: the mapping page says why, and it can be started again
    back = client.get(load_url)
    assert "文件第3行附近无法读取" in back.text and "开始导入" in back.text


def test_another_departments_manager_is_refused(entry):
    client, code = entry
    token = login(client, "ps_manager")
    load_url = upload_page(client, code, csv_bytes(good_rows(2) + bad_rows()), "x.csv", token,
                           mode="partial").headers["location"].split("?")[0]
    load_id = int(load_url.rsplit("/", 1)[1])
    client.post(load_url, data={"csrf_token": token, "col-0": "id_number", "col-1": "name", "col-2": "amount",
                                "col-3": "-", "mode": "partial"})
    wait_for(load_id)
    client.cookies.clear()
    other = login(client, "hr_manager")
    assert client.get(f"/aggregation/datasets/{code}/loads").status_code == 403
    refused = upload_page(client, code, csv_bytes(good_rows(1)), "y.csv", other)
    assert refused.status_code == 403
    assert client.get(load_url).status_code == 403
    assert client.get(f"/aggregation/loads/{load_id}/report").status_code == 403
    headers = bearer(client, "hr_manager")
    assert upload_api(client, code, csv_bytes(good_rows(1)), "y.csv", headers).status_code == 403
    assert client.get(f"/api/v1/loads/{load_id}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/loads/{load_id}/report", headers=headers).status_code == 403
    assert client.post(f"/api/v1/loads/{load_id}/run", headers=headers).status_code == 403
    with client.db.session() as session:
        assert session.scalar(select(func.count()).select_from(FileLoad)) == 1
        denied = session.scalars(select(AuditEntry.action).where(AuditEntry.result == "denied")).all()
        assert "aggregation.upload_file" in denied and "aggregation.rejection_report" in denied


# --- the JSON API ---------------------------------------------------------------------------------------

def test_gb18030_csv_through_the_api(entry):
    client, code = entry
    headers = bearer(client, "ps_manager")
    created = upload_api(client, code, csv_bytes(good_rows(3), encoding="gb18030"), "补贴.csv", headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["dataset"], body["file_format"], body["encoding"], body["status"]) == (code, "csv", "gb18030",
                                                                                          "uploaded")
    assert body["headers"] == HEADER and body["sample"][0][1] == "居民0"
    assert body["mapping"] == {"公民身份号码": "id_number", "姓名": "name", "补贴金额": "amount", "备注": None}
    load_id = body["id"]

    unknown = client.put(f"/api/v1/loads/{load_id}/mapping", headers=headers,
                         json={"mapping": {**body["mapping"], "备注": "remark"}})
    assert unknown.status_code == 422 and unknown.json()["code"] == "mapping_invalid"
    assert unknown.json()["errors"][0]["field"] == "mapping.备注"
    missing = client.put(f"/api/v1/loads/{load_id}/mapping", headers=headers,
                         json={"mapping": {"公民身份号码": "id_number"}})
    assert missing.status_code == 422 and missing.json()["code"] == "columns_unmapped"
    assert "姓名" in missing.json()["detail"]

    mapped = client.put(f"/api/v1/loads/{load_id}/mapping", headers=headers,
                        json={"mapping": body["mapping"], "mode": "all"})
    assert mapped.status_code == 200 and mapped.json()["mapping"]["备注"] is None
    ran = client.post(f"/api/v1/loads/{load_id}/run", headers=headers)
    assert ran.status_code == 200, ran.text
    result = ran.json()["result"]
    assert (ran.json()["status"], result["inserted"], result["rejected"], result["report"]) == ("committed", 3, 0,
                                                                                               False)
    assert [r["name"] for r in rows(client, code)] == ["居民0", "居民1", "居民2"]
    read = client.get(f"/api/v1/loads/{load_id}", headers=headers).json()
    assert read["status"] == "committed" and read["batch_id"] == result["batch_id"] and read["progress"] is None
    assert client.get(f"/api/v1/loads/{load_id}/report", headers=headers).status_code == 404
    assert client.put(f"/api/v1/loads/{load_id}/mapping", headers=headers,
                      json={"mapping": body["mapping"]}).json()["code"] == "file_load_done"
    listed = client.get(f"/api/v1/datasets/{code}/loads", headers=headers).json()
    assert [item["id"] for item in listed] == [load_id]


def test_mode_all_with_bad_rows_rejects_the_file_and_keeps_the_record(entry):
    client, code = entry
    headers = bearer(client, "ps_manager")
    load_id = upload_api(client, code, csv_bytes(good_rows(4) + bad_rows()), "all.csv", headers).json()["id"]
    client.put(f"/api/v1/loads/{load_id}/mapping", headers=headers,
               json={"mapping": {"公民身份号码": "id_number", "姓名": "name", "补贴金额": "amount", "备注": None}})
    ran = client.post(f"/api/v1/loads/{load_id}/run", headers=headers)
    assert ran.status_code == 422 and ran.json()["code"] == "batch_rejected"
    assert [r["row"] for r in ran.json()["rejections"]] == [6, 7, 8]
    assert rows(client, code) == []
    read = client.get(f"/api/v1/loads/{load_id}", headers=headers).json()
    assert (read["status"], read["result"]["rejected"], read["report"]) == ("rejected", 3, True)
    report = client.get(f"/api/v1/loads/{load_id}/report", headers=headers)
    assert report.status_code == 200 and report.text.count("\n") == 4
    # run again: the recorded outcome is answered, nothing is applied
    assert client.post(f"/api/v1/loads/{load_id}/run", headers=headers).json()["status"] == "rejected"


def test_run_with_an_idempotency_key_is_applied_once(entry):
    client, code = entry
    headers = bearer(client, "ps_manager")
    content = csv_bytes(good_rows(3))
    ids = []
    for _ in range(2):
        load_id = upload_api(client, code, content, "same.csv", headers).json()["id"]
        client.put(f"/api/v1/loads/{load_id}/mapping", headers=headers, json={"mapping": {
            "公民身份号码": "id_number", "姓名": "name", "补贴金额": "amount", "备注": None}})
        ran = client.post(f"/api/v1/loads/{load_id}/run", headers={**headers, "Idempotency-Key": "legacy-2024-01"})
        assert ran.status_code == 200, ran.text
        ids.append(ran.json())
    assert ids[0]["result"] == ids[1]["result"] and ids[0]["result"]["inserted"] == 3
    with client.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 1


def test_the_upload_routes_take_files_beyond_the_general_body_limit(entry):
    client, code = entry
    headers = bearer(client, "ps_manager")
    content = csv_bytes(good_rows(40_000))
    assert len(content) > 2 * client.app.state.settings.max_body_bytes
    created = upload_api(client, code, content, "big.csv", headers)
    assert created.status_code == 201, created.text
    assert created.json()["size"] == len(content)
    token = login(client, "ps_manager")
    assert upload_page(client, code, content, "big.csv", token).status_code == 303  # the page's upload too
    # the general limit still holds elsewhere
    assert client.put("/api/v1/loads/1/mapping", headers=headers, content=b"x" * len(content)).status_code == 413
