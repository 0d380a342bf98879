"""Excel import and export of a department's catalog (CAT-1): the template, round trip, every bad cell
reported by sheet, row and column, all-or-nothing versus valid-rows-only, unreadable and oversized files,
permissions, and the import page."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from govdata.catalog import excel
from govdata.catalog.standard import DATA_TYPES
from govdata.catalog.models import Resource
from govdata.core.audit import AuditEntry
from govdata.org.models import Department
from tests.catalog.helpers import entry, publish
from tests.conftest import bearer, csrf_from, login

API = "/api/v1/catalog"
DOC = Path(__file__).resolve().parents[2] / "docs" / "catalog-excel-template.md"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RESOURCE_HEADERS = [c.header for c in excel.RESOURCE_COLUMNS]
ITEM_HEADERS = [c.header for c in excel.ITEM_COLUMNS]
CONTENT = ("name", "classification_code", "summary", "format", "share_type", "share_condition", "share_method",
           "legal_basis", "open_to_public", "open_condition", "update_cycle", "release_date", "related_codes",
           "data_level", "secret_declared", "keywords", "items")


def resource_row(key: Any, **cells: Any) -> dict[str, Any]:
    row = {"资源序号": key, "资源名称": "常住人口基本信息", "资源分类代码": 101,
           "资源摘要": "本市常住人口的身份证号、姓名和出生日期，由户籍业务系统实时产生。", "资源格式": "数据库",
           "共享类型": "有条件共享", "共享条件": "仅向承担社会保障职责的部门提供", "共享方式": "接口",
           "共享依据": "《中华人民共和国居民身份证法》第十三条", "更新周期": "实时"}
    row.update(cells)
    return row


def item_rows(key: Any) -> list[dict[str, Any]]:
    return [{"资源序号": key, "信息项名称": "公民身份号码", "字段编码": "id_number", "数据类型": "C", "数据长度": 18,
             "是否必填": "是", "是否主键": "是", "敏感级别": "L3", "个人信息类别": "身份证件号码"},
            {"资源序号": key, "信息项名称": "出生日期", "字段编码": "birth_date", "数据类型": "日期型", "是否必填": "否"}]


def workbook(resources: list[dict[str, Any]], items: list[dict[str, Any]],
             sheets: tuple[str, ...] = (excel.RESOURCE_SHEET, excel.ITEM_SHEET)) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet, headers, rows in ((excel.RESOURCE_SHEET, RESOURCE_HEADERS, resources),
                                 (excel.ITEM_SHEET, ITEM_HEADERS, items)):
        if sheet not in sheets:
            continue
        ws = book.create_sheet(sheet)
        ws.append(headers)
        for row in rows:
            ws.append([row.get(h) for h in headers])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def upload(client, data: bytes, user: str = "ps_manager", mode: str = "all", **form: Any):
    return client.post(f"{API}/import", files={"file": ("目录.xlsx", data, XLSX)}, data={"mode": mode, **form},
                       headers=bearer(client, user))


def department_id(client, name: str) -> int:
    with client.db.session() as session:
        return session.scalar(select(Department.id).where(Department.name == name))


def count_resources(client, department: int | None = None) -> int:
    with client.db.session() as session:
        query = select(func.count()).select_from(Resource)
        if department is not None:
            query = query.where(Resource.department_id == department)
        return session.scalar(query)


def cells(response) -> set[tuple[str, int | None, str]]:
    return {(e["sheet"], e["row"], e["column"]) for e in response.json()["errors"]}


def content(version: dict[str, Any]) -> dict[str, Any]:
    data = {f: version[f] for f in CONTENT if f != "items"}
    data["items"] = [{k: v for k, v in i.items() if k != "position"} for i in version["items"]]
    return data


# --- the template -------------------------------------------------------------------------------------

def test_template_has_both_sheets_and_explains_every_column(client):
    response = client.get(f"{API}/template.xlsx", headers=bearer(client, "mca_user"))
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [excel.RESOURCE_SHEET, excel.ITEM_SHEET, excel.HELP_SHEET]
    assert [c.value for c in book[excel.ITEM_SHEET][1]] == ITEM_HEADERS
    explained = {(r[0], r[1]): r for r in book[excel.HELP_SHEET].iter_rows(values_only=True) if r and r[1]}
    for header in RESOURCE_HEADERS:
        assert (excel.RESOURCE_SHEET, header) in explained, header
    assert "无条件共享、有条件共享、暂不共享" in explained[(excel.RESOURCE_SHEET, "共享类型")][4]
    assert "C（字符型）" in explained[(excel.ITEM_SHEET, "数据类型")][4]
    parsed = excel.parse_workbook(response.content)  # the empty template is a valid, empty import
    assert parsed.resources == [] and parsed.errors == []


# --- round trip -----------------------------------------------------------------------------------------

def test_export_then_import_into_another_department_yields_equal_content(client):
    first = publish(client)
    second = publish(client, **entry(name="户籍迁移信息", share_type="无条件共享", share_condition=None, legal_basis=None,
                                     format="电子文件", share_method="文件", update_cycle="每月", items=[],
                                     release_date="2024-06-30", related_codes=[first], keywords="户籍、迁移",
                                     summary="=户籍迁移登记的汇总信息，按月更新。"))
    ps = department_id(client, "云川市公安局")
    exported = client.get(f"{API}/export.xlsx", params={"department_id": ps, "status": "published"},
                          headers=bearer(client, "hr_manager"))
    assert exported.status_code == 200, exported.text
    # a copy into another department: clear 资源代码, or it would mean "change the 公安局 entry"
    book = load_workbook(io.BytesIO(exported.content))
    sheet = book[excel.RESOURCE_SHEET]
    assert [sheet.cell(r, 2).value for r in (2, 3)] == [first, second]
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, 2).value = None
    buf = io.BytesIO()
    book.save(buf)

    response = upload(client, buf.getvalue(), user="hr_manager")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["created"] == 2 and body["updated"] == 0 and body["errors"] == []
    hr = bearer(client, "hr_manager")
    for original, copy in zip((first, second), body["imported"], strict=True):
        source = client.get(f"{API}/resources/{original}", headers=hr).json()["published"]
        made = client.get(f"{API}/resources/{copy}", headers=hr).json()
        assert made["department_id"] == department_id(client, "云川市人力资源和社会保障局")
        assert made["status"] == "draft" and made["published"] is None
        assert content(made["draft"]) == content(source)


def test_reimporting_with_codes_changes_the_entries_through_new_versions(client):
    code = publish(client)
    manager = bearer(client, "ps_manager")
    exported = client.get(f"{API}/export.xlsx", params={"department_id": department_id(client, "云川市公安局")},
                          headers=manager)
    book = load_workbook(io.BytesIO(exported.content))
    book[excel.RESOURCE_SHEET]["C2"] = "常住人口基本信息（含联系方式）"
    buf = io.BytesIO()
    book.save(buf)
    response = upload(client, buf.getvalue())
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == [code] and response.json()["updated"] == 1
    body = client.get(f"{API}/resources/{code}", headers=manager).json()
    assert body["published"]["version_no"] == 1 and body["published"]["name"] == "常住人口基本信息"
    assert body["draft"]["version_no"] == 2 and body["draft"]["name"] == "常住人口基本信息（含联系方式）"
    assert body["draft"]["change_reason"]  # the version history says why


# --- bad input ------------------------------------------------------------------------------------------

def bad_workbook() -> bytes:
    """One valid entry (key 1) among entries each broken in one way."""
    resources = [
        resource_row(1, 资源名称="人口（有效）", 是否向社会开放="否", 是否涉密=0),
        resource_row(2, 共享依据=None),                              # row 3: legal basis missing
        resource_row(3, 资源格式="服务接口", 共享方式="库表"),           # row 4: method does not fit format
        resource_row(4),                                             # item with an unknown data type
        resource_row(5),                                             # duplicate field codes
        resource_row(6, 资源分类代码="999"),                            # row 7: unknown classification
        resource_row(7),                                             # bad boolean in an item
    ]
    items = item_rows(1) + item_rows(3)
    items[0]["是否必填"], items[0]["是否主键"] = "true", 1  # accepted spellings
    items += [{**item_rows(4)[0], "数据类型": "Z"}]                       # row 6
    items += item_rows(5) + [{**item_rows(5)[1], "信息项名称": "出生年月"}]  # row 9 repeats birth_date
    items += [{**item_rows(99)[0]}]                                    # row 10: unknown 资源序号
    items += item_rows(2) + item_rows(6)
    items += [{**item_rows(7)[0], "是否主键": "也许"}]                     # row 15
    return workbook(resources, items)


def test_every_bad_cell_is_reported_with_sheet_row_and_column_and_nothing_is_written(client):
    before = count_resources(client)
    response = upload(client, bad_workbook())
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "import_rejected" and body["imported"] == []
    found = cells(response)
    assert ("资源", 3, "J") in found      # 共享依据
    assert ("资源", 4, "I") in found      # 共享方式
    assert ("信息项", 6, "D") in found    # 数据类型 Z
    assert ("信息项", 9, "C") in found    # 字段编码 repeated
    assert ("信息项", 10, "A") in found   # 资源序号 99 unknown
    assert ("资源", 7, "D") in found      # 资源分类代码 999
    assert ("信息项", 15, "G") in found   # 是否主键 也许
    messages = {(e["sheet"], e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert "C（字符型）" in messages[("信息项", 6, "D")]
    assert "是" in messages[("信息项", 15, "G")] and "否" in messages[("信息项", 15, "G")]
    assert "依据" in messages[("资源", 3, "J")]
    assert not any(row == 2 for sheet, row, _ in found if sheet == "资源")  # the good entry has no error
    assert count_resources(client) == before
    with client.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "catalog.import_catalog")).all()
        assert [(e.result, e.detail["created"], e.detail["errors"]) for e in entries] == [
            ("failure", 0, len(body["errors"]))]


def test_mode_valid_imports_the_valid_entries_and_reports_the_rest(client):
    response = upload(client, bad_workbook(), mode="valid")
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["imported"]) == 1 and body["created"] == 1
    assert ("资源", 3, "J") in cells(response) and ("信息项", 15, "G") in cells(response)
    made = client.get(f"{API}/resources/{body['imported'][0]}", headers=bearer(client, "ps_manager")).json()["draft"]
    assert made["name"] == "人口（有效）" and made["open_to_public"] is False and made["secret_declared"] is False
    assert [(i["field_code"], i["data_type"], i["required"], i["is_key"]) for i in made["items"]] == [
        ("id_number", "C", True, True), ("birth_date", "D", False, False)]
    with client.db.session() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.startswith("catalog."))
                                  .order_by(AuditEntry.seq)).all()
        summary = session.scalar(select(AuditEntry).where(AuditEntry.action == "catalog.import_catalog"))
    assert actions[-2:] == ["catalog.create_resource", "catalog.import_catalog"]
    assert summary.detail["created"] == 1 and summary.detail["resources"] == 7 and summary.medium == "xlsx"


def test_duplicate_row_keys_codes_and_missing_columns(client):
    resources = [resource_row(1), resource_row(1, 资源名称="重复序号"),
                 resource_row(2, 资源代码="101000000-000001"), resource_row(3, 资源代码="101000000-000001"),
                 resource_row(4, 资源代码="ABC")]
    response = upload(client, workbook(resources, item_rows(1)))
    assert response.status_code == 422
    found = cells(response)
    assert {("资源", 3, "A"), ("资源", 5, "B"), ("资源", 6, "B")} <= found
    assert ("资源", 4, "B") in found  # a code that does not exist
    book = Workbook()
    book.active.title = excel.RESOURCE_SHEET
    book.active.append(["资源序号", "资源名称", "未知列"])
    book.create_sheet(excel.ITEM_SHEET).append(ITEM_HEADERS)
    buf = io.BytesIO()
    book.save(buf)
    response = upload(client, buf.getvalue())
    assert response.status_code == 422
    messages = {(e["row"], e["header"]): e["message"] for e in response.json()["errors"]}
    assert "缺少必填列" in messages[(1, "资源摘要")] and "未知的列" in messages[(1, "未知列")]
    only_resources = workbook([resource_row(1)], [], sheets=(excel.RESOURCE_SHEET,))
    response = upload(client, only_resources)
    assert response.status_code == 422 and "缺少工作表“信息项”" in response.text


def test_a_foreign_code_is_refused_on_its_cell(client):
    code = publish(client)
    response = upload(client, workbook([resource_row(1, 资源代码=code)], item_rows(1)), user="hr_manager")
    assert response.status_code == 422
    assert ("资源", 2, "B") in cells(response) and "清空资源代码" in response.text


@pytest.mark.parametrize("data, phrase", [
    (b"name,code\n\xe5\xa7\x93\xe5\x90\x8d,1\n", ".xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "另存为"),
    (b"", "空的"),
])
def test_files_that_are_not_xlsx_get_one_clear_error(client, data, phrase):
    response = upload(client, data)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "excel_unreadable" and phrase in response.json()["detail"]


def test_truncated_and_foreign_zip_files_get_one_clear_error(client):
    before = count_resources(client)
    whole = workbook([resource_row(1)], item_rows(1))
    for damaged in (whole[: len(whole) // 2], whole[:-30]):
        response = upload(client, damaged)
        assert response.status_code == 422 and response.json()["code"] == "excel_unreadable", response.text
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    response = upload(client, buf.getvalue())
    assert response.status_code == 422 and response.json()["code"] == "excel_unreadable"
    # a damaged sheet inside an intact zip
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole)) as source, zipfile.ZipFile(buf, "w") as target:
        for info in source.infolist():
            raw = source.read(info)
            target.writestr(info, raw[: len(raw) // 2] if info.filename.endswith("sheet1.xml") else raw)
    response = upload(client, buf.getvalue())
    assert response.status_code == 422 and response.json()["code"] == "excel_unreadable", response.text
    assert count_resources(client) == before


def test_oversized_uploads_are_refused_with_a_clear_message(client):
    over = b"PK" + b"\0" * excel.MAX_FILE_BYTES
    response = upload(client, over)
    assert response.status_code == 413 and response.json()["code"] == "upload_too_large"
    assert "10 MB" in response.json()["detail"]
    far_over = b"\0" * (excel.MAX_FILE_BYTES + 512 * 1024)  # past the route's raised body limit
    response = upload(client, far_over)
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"
    # the raised limit is the upload routes' only: elsewhere 1 MiB still holds
    response = client.post(f"{API}/resources", content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                           headers={**bearer(client, "ps_manager"), "content-type": "application/json"})
    assert response.status_code == 413


def test_row_limits(client, monkeypatch):
    monkeypatch.setattr(excel.reading, "MAX_RESOURCES", 2)  # where the upload is read
    response = upload(client, workbook([resource_row(n) for n in (1, 2, 3)], item_rows(1)))
    assert response.status_code == 422 and response.json()["code"] == "excel_too_many_rows"
    monkeypatch.setattr(excel.reading, "MAX_ITEMS", 1)
    response = upload(client, workbook([resource_row(1)], item_rows(1)))
    assert response.status_code == 422 and response.json()["code"] == "excel_too_many_rows"


# --- who may ----------------------------------------------------------------------------------------------

def test_only_the_departments_manager_or_the_admin_imports_into_it(client):
    ps = department_id(client, "云川市公安局")
    data = workbook([resource_row(1)], item_rows(1))
    response = upload(client, data, user="hr_manager", department_id=str(ps))
    assert response.status_code == 403
    assert upload(client, data, user="ps_reviewer").status_code == 403
    assert upload(client, data, user="mca_user").status_code == 403
    before = count_resources(client, ps)
    assert count_resources(client) == before
    response = upload(client, data, user="admin", department_id=str(ps))
    assert response.status_code == 200, response.text
    assert count_resources(client, ps) == before + 1


def test_export_shows_drafts_to_their_department_only(client):
    published = publish(client)
    manager = bearer(client, "ps_manager")
    draft = client.post(f"{API}/resources", json=entry(name="户籍迁移信息"), headers=manager).json()["code"]
    ps = department_id(client, "云川市公安局")

    def exported(user: str, **params: Any) -> list[Any]:
        response = client.get(f"{API}/export.xlsx", params={"department_id": ps, **params}, headers=bearer(client, user))
        assert response.status_code == 200, response.text
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return [row[1] for row in book[excel.RESOURCE_SHEET].iter_rows(min_row=2, values_only=True)]

    assert exported("ps_manager") == [published, draft]
    assert exported("mca_user") == [published]
    assert exported("ps_manager", status="published") == [published]
    assert client.get(f"{API}/export.xlsx", params={"status": "nonsense"}, headers=manager).status_code == 422
    assert client.get(f"{API}/export.xlsx").status_code == 401


# --- the page ---------------------------------------------------------------------------------------------

def test_the_import_page_shows_every_error_in_place_and_imports(client):
    login(client, "ps_manager")
    before = count_resources(client)
    page = client.get("/catalog/import")
    assert page.status_code == 200 and "/api/v1/catalog/template.xlsx" in page.text
    token = csrf_from(page.text)
    bad = workbook([resource_row(1)], [{**item_rows(1)[0], "数据类型": "Z"}])
    response = client.post("/catalog/import", data={"csrf_token": token, "mode": "all"},
                           files={"file": ("目录.xlsx", bad, XLSX)})
    assert response.status_code == 422
    assert 'data-testid="import-errors"' in response.text and "<td>信息项</td><td>2</td>" in response.text
    assert "D（数据类型）" in response.text and "未导入任何内容" in response.text
    assert count_resources(client) == before
    good = workbook([resource_row(1)], item_rows(1))
    response = client.post("/catalog/import", data={"csrf_token": token, "mode": "all"},
                           files={"file": ("目录.xlsx", good, XLSX)})
    assert response.status_code == 200 and "已导入 1 个目录" in response.text
    assert count_resources(client) == before + 1
    response = client.post("/catalog/import", data={"mode": "all"}, files={"file": ("目录.xlsx", good, XLSX)})
    assert response.status_code == 403 and count_resources(client) == before + 1  # no CSRF token
    response = client.post("/catalog/import", data={"csrf_token": token, "mode": "all"},
                           files={"file": ("目录.csv", b"a,b\n", "text/csv")})
    assert response.status_code == 422 and ".xlsx" in response.text and 'data-testid="error"' in response.text


def test_the_import_page_refuses_another_departments_manager(client):
    token = login(client, "hr_manager")
    ps = department_id(client, "云川市公安局")
    before = count_resources(client)
    response = client.post("/catalog/import", data={"csrf_token": token, "department_id": str(ps)},
                           files={"file": ("目录.xlsx", workbook([resource_row(1)], item_rows(1)), XLSX)})
    assert response.status_code == 403 and count_resources(client) == before


# --- reading cells (pure) ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [("是", True), ("否", False), ("TRUE", True), ("false", False), (1, True),
                                         (0, False), ("1", True), (True, True)])
def test_boolean_cells(text, value):
    parsed = excel.parse_workbook(workbook([resource_row(1, 是否涉密=text)], item_rows(1)))
    assert parsed.errors == [] and parsed.resources[0].draft.secret_declared is value


@pytest.mark.parametrize("text, code", [("C", "C"), ("c", "C"), ("字符型", "C"), ("C（字符型）", "C"), ("D 日期型", "D")])
def test_data_type_cells(text, code):
    items = item_rows(1)
    items[0]["数据类型"] = text
    parsed = excel.parse_workbook(workbook([resource_row(1)], items))
    assert parsed.errors == [] and parsed.resources[0].draft.items[0].data_type == code


def test_the_user_docs_name_every_column_code_and_error():
    doc = DOC.read_text()
    for sheet, columns in ((excel.RESOURCE_SHEET, excel.RESOURCE_COLUMNS), (excel.ITEM_SHEET, excel.ITEM_COLUMNS)):
        for n, column in enumerate(columns):
            assert f"| {chr(65 + n)} | {column.header} |" in doc, (sheet, column.header)
    for code, (name, _) in DATA_TYPES.items():
        assert f"{code}（{name}）" in doc
    for code in ("excel_unreadable", "upload_too_large", "excel_too_many_rows", "import_rejected"):
        assert f"`{code}`" in doc
