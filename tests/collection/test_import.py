"""Importing collection catalogs (CAT-3): every bad cell named by sheet, row and column, all or nothing,
re-import as a new version that supersedes the old one, admins only."""

from __future__ import annotations

from sqlalchemy import func, select

from govdata.collection.excel import build_workbook
from govdata.collection.models import CollectionCatalog
from govdata.core.audit import AuditEntry
from govdata.org.demo_data import DEPARTMENTS_BY_KEY
from tests.collection.helpers import API, CITY, MCA, PS, QINGHE, catalog, upload
from tests.conftest import bearer, login

PS_CODE = DEPARTMENTS_BY_KEY["ps-city"]["credit_code"]


def _count(client) -> int:
    with client.db.session() as session:
        return session.scalar(select(func.count()).select_from(CollectionCatalog)) or 0


def test_every_bad_cell_is_reported_and_nothing_is_imported(client):
    before = _count(client)
    resources = [
        (1, "常住人口基本信息", PS, None, "101", "实时"),          # fine
        (2, "婚姻登记信息", "云川市民政厅", None, None, None),      # C3: no such department
        (3, "户籍迁移信息", None, "91110000XXXXXXXXXX", None, None),  # D4: malformed credit code
        (4, "社会组织登记信息", MCA, None, "999", "每两天"),        # E5 unknown classification, F6 bad cycle
        ("四", "居住证信息", PS, None, None, None),                 # A6: 序号 not a number
        (5, "", PS, None, None, None),                              # B7: name blank
        (6, "居民身份证信息", MCA, PS_CODE, None, None),            # C8: name and credit code disagree
    ]
    items = [
        (1, "公民身份号码", "C", "是"), (1, "姓名", "字符型", None),
        (2, "登记日期", "Z", "是"),                                 # C4: unknown data type
        (3, "迁移日期", "D", "可能"),                               # D5: 是否必填 not 是/否
        (4, "统一社会信用代码", "C", "否"), (9, "名称", "C", "是"),  # A7: 序号 9 not a resource
        (5, "姓名", "C", "是"), (6, "公民身份号码", "C", "是"),
        (1, "姓名 ", "C", "是"),                                     # B10: same item twice in resource 1
    ]
    response = upload(client, build_workbook(resources, items))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "import_rejected"
    cells = [(e["sheet"], e["row"], e["column"]) for e in body["errors"]]
    assert cells == [("采集资源", 3, "C"), ("采集资源", 4, "D"), ("采集资源", 5, "E"), ("采集资源", 5, "F"),
                     ("采集资源", 6, "A"), ("采集资源", 7, "B"), ("采集资源", 8, "C"),
                     ("采集信息项", 4, "C"), ("采集信息项", 5, "D"), ("采集信息项", 7, "A"), ("采集信息项", 10, "B")]
    first = body["errors"][0]
    assert first["header"] == "责任部门" and "云川市民政厅" in first["message"]
    assert body["errors"][5] == {"sheet": "采集资源", "row": 7, "column": "B", "header": "资源名称",
                                 "message": "不能为空"}
    assert body["detail"].startswith("共11处错误，未导入任何内容：采集资源 第3行 C列（责任部门）")
    assert _count(client) == before


def test_missing_sheet_header_and_unreadable_file(client):
    response = upload(client, b"not a spreadsheet")
    assert response.status_code == 422 and response.json()["code"] == "excel_unreadable"
    no_items_header = build_workbook([(1, "常住人口基本信息", PS)], [(1, "姓名")],
                                     resource_headers=("序号", "资源名称", "责任部门"), item_headers=("序号", "信息项名称"))
    response = upload(client, no_items_header)
    assert response.status_code == 422 and response.json()["code"] == "import_rejected"
    assert response.json()["errors"] == [{"sheet": "采集信息项", "row": 1, "column": "", "header": "数据类型",
                                          "message": "第1行缺少列“数据类型”"}]


def test_department_must_be_in_the_catalog_region(client):
    data = build_workbook([(1, "常住人口基本信息", PS, None, None, None)], [(1, "姓名", "C", "是")])
    response = upload(client, data, region_code=QINGHE, name="青河县政务数据采集目录")
    assert response.status_code == 422
    assert [(e["sheet"], e["row"], e["column"]) for e in response.json()["errors"]] == [("采集资源", 2, "C")]
    assert "不在青河县行政区域内" in response.json()["errors"][0]["message"]


def test_reimport_supersedes_the_version_in_force(client):
    first = catalog(client, [(PS, "常住人口基本信息", [("公民身份号码", "C")])])
    second = catalog(client, [(PS, "常住人口基本信息", [("公民身份号码", "C"), ("住址", "C")]),
                              (MCA, "婚姻登记信息", [("登记日期", "D")])], name="云川市政务数据采集目录（修订版）")
    assert second["version_no"] == first["version_no"] + 1 and second["status"] == "in_force"
    assert second["level"] == "city" and second["requirement_count"] == 2
    assert [i["name"] for i in second["requirements"][0]["items"]] == ["公民身份号码", "住址"]
    assert second["requirements"][1]["department_name"] == MCA
    admin = bearer(client, "admin")
    old = client.get(f"{API}/catalogs/{first['id']}", headers=admin).json()
    assert old["status"] == "superseded" and old["superseded_by_id"] == second["id"]
    assert [i["name"] for i in old["requirements"][0]["items"]] == ["公民身份号码"]  # kept as it was
    in_force = client.get(f"{API}/catalogs", params={"region_code": CITY}, headers=bearer(client, "mca_user")).json()
    assert [c["id"] for c in in_force["items"]] == [second["id"]]
    every = client.get(f"{API}/catalogs", params={"region_code": CITY, "status": "all"}, headers=admin).json()
    assert {first["id"], second["id"]} <= {c["id"] for c in every["items"]}
    with client.db.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "collection.import_catalog",
                                                        AuditEntry.object_id == str(second["id"])))
        assert entry is not None and entry.detail["supersedes"] == first["id"] and entry.detail["requirements"] == 2


def test_only_the_big_data_center_imports(client):
    data = build_workbook([(1, "常住人口基本信息", PS, None, None, None)], [(1, "姓名", "C", "是")])
    before = _count(client)
    for user in ("supervisor", "ps_manager"):
        assert upload(client, data, user=user).status_code == 403
    assert _count(client) == before


def test_upload_page(client):
    token = login(client, "admin")
    page = client.get("/collection")
    assert page.status_code == 200 and 'data-testid="import-form"' in page.text
    bad = build_workbook([(1, "常住人口基本信息", "没有这个部门", None, None, None)], [(1, "姓名", "C", "是")])
    form = {"csrf_token": token, "region_code": CITY, "name": "云川市政务数据采集目录（网页导入）"}
    shown = client.post("/collection/import", data=form, files={"file": ("目录.xlsx", bad)},
                        headers={"accept": "text/html"})
    assert shown.status_code == 422 and 'data-testid="import-errors"' in shown.text
    assert "<td>采集资源</td><td>2</td><td>C</td><td>责任部门</td>" in shown.text and "没有这个部门" in shown.text
    good = build_workbook([(1, "常住人口基本信息", PS, None, "101", "实时")], [(1, "姓名", "C", "是")])
    done = client.post("/collection/import", data=form, files={"file": ("目录.xlsx", good)}, follow_redirects=False)
    assert done.status_code == 303
    detail = client.get(done.headers["location"])
    assert "云川市政务数据采集目录（网页导入）" in detail.text and "常住人口基本信息" in detail.text
    assert "目录.xlsx" in detail.text
    login(client, "mca_user")
    assert 'data-testid="import-form"' not in client.get("/collection").text


def test_template_downloads_and_reimports_cleanly(client):
    template = client.get(f"{API}/template.xlsx", headers=bearer(client, "mca_user"))
    assert template.status_code == 200 and template.content.startswith(b"PK")
    imported = upload(client, template.content, name="按模板填写的采集目录")
    assert imported.status_code == 201, imported.text
    assert [r["resource_name"] for r in imported.json()["requirements"]] == ["常住人口基本信息"]
    assert [i["data_type"] for i in imported.json()["requirements"][0]["items"]] == ["C", "C", "D"]
    assert client.get(f"{API}/catalogs/999999", headers=bearer(client, "mca_user")).status_code == 404


def test_demo_catalogs(demo_db):
    from govdata.collection import demo, service
    from govdata.collection.schemas import CatalogFilter
    from govdata.core.actor import platform_actor

    with demo_db.session() as session:
        loaded = demo.load(session)
        session.commit()
        assert [(c.level, c.status) for c in loaded] == [("province", "in_force"), ("city", "in_force")]
        rows, _ = service.list_catalogs(session, platform_actor(), CatalogFilter())
        assert {c.id for c in loaded} <= {c.id for c in rows}
        ps = loaded[1].requirements[0].department_id
        report = service.coverage_report(session, platform_actor(), ps)
        assert report.counts["requirements"] == 4 and [r.catalog_level for r in report.rows][:1] == ["province"]
