"""Coverage of the collection catalogs by a department's published catalog (CAT-3): missing resources,
missing items, type mismatches; catalogs of the region and the regions above it; who may see it.

The department under test is a new one, so what the demo city has published cannot change the result.
"""

from __future__ import annotations

from tests.catalog.helpers import publish
from tests.collection.helpers import API, LAB, MCA, PROVINCE, QINGHE, catalog, items, new_department
from tests.conftest import bearer, login

MANAGER, REVIEWER = "lab_manager", "lab_reviewer"


def _published(client):
    publish(client, MANAGER, REVIEWER)  # 常住人口基本信息: 公民身份号码 C, 姓名 C, 出生日期 D
    publish(client, MANAGER, REVIEWER, name="出生登记信息", share_type="无条件共享", share_condition=None,
            legal_basis=None,
            items=items(("公民身份号码", "id_number", "C"), ("姓名", "name", "C"), ("出生日期", "birth_date", "C")))


def _catalogs(client):
    catalog(client, [
        (LAB, "常住人口　基本信息", [("身份证号", "C"), ("姓名", "C")]),               # exact (full-width space)
        (LAB, "常住人口基本信息（扩展）", [("公民身份号码", "C"), ("住址", "C")]),      # contains; 住址 missing
        (LAB, "出生登记", [("居民身份证号", "C"), ("出生日期", "D")]),                  # contains; 出生日期 is C
        (LAB, "户籍迁移信息", [("迁移日期", "D")]),                                     # not registered
        (MCA, "婚姻登记信息", [("登记日期", "D")]),                                     # another department
    ])
    catalog(client, [(LAB, "户口簿信息", [("户号", "C")])], region_code=PROVINCE, name="示范省政务数据采集目录（测试版）")
    catalog(client, [("青河县公安局", "常住人口基本信息", [("民族", "C")])], region_code=QINGHE,
            name="青河县政务数据采集目录（测试版）")


def test_coverage_reports_missing_resources_items_and_type_mismatches(client):
    new_department(client)
    _published(client)
    _catalogs(client)
    report = client.get(f"{API}/coverage", headers=bearer(client, MANAGER))
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["department_name"] == LAB
    assert [c["level"] for c in body["catalogs"]] == ["province", "city"]  # the county's is not the city's
    rows = {r["resource_name"]: r for r in body["rows"]}
    assert list(rows) == ["户口簿信息", "常住人口　基本信息", "常住人口基本信息（扩展）", "出生登记", "户籍迁移信息"]
    covered = rows["常住人口　基本信息"]
    assert covered["covered"] and covered["issues"] == [] and covered["match"] == "exact"
    assert covered["matched_name"] == "常住人口基本信息"
    extended = rows["常住人口基本信息（扩展）"]
    assert extended["issues"] == ["missing_items"] and extended["match"] == "contains"
    assert [i["name"] for i in extended["missing_items"]] == ["住址"]
    birth = rows["出生登记"]
    assert birth["issues"] == ["type_mismatch"] and birth["matched_name"] == "出生登记信息"
    assert birth["type_mismatches"] == [{"name": "出生日期", "required_type": "D", "registered_name": "出生日期",
                                         "registered_type": "C"}]
    assert rows["户籍迁移信息"]["issues"] == ["missing_resource"] and rows["户籍迁移信息"]["matched_code"] is None
    assert rows["户口簿信息"]["catalog_level"] == "province" and rows["户口簿信息"]["issues"] == ["missing_resource"]
    assert body["counts"] == {"requirements": 5, "covered": 1, "missing_resource": 2, "missing_items": 1,
                              "type_mismatch": 1}


def test_a_department_sees_its_own_coverage_and_the_overseers_any(client):
    lab = new_department(client)
    _catalogs(client)
    assert client.get(f"{API}/coverage", params={"department_id": lab},
                      headers=bearer(client, "mca_user")).status_code == 403
    own = client.get(f"{API}/coverage", headers=bearer(client, "mca_user")).json()
    assert own["department_name"] == MCA and [r["resource_name"] for r in own["rows"]] == ["婚姻登记信息"]
    for user in (REVIEWER, "supervisor", "sec_regulator", "admin"):
        seen = client.get(f"{API}/coverage", params={"department_id": lab}, headers=bearer(client, user))
        assert seen.status_code == 200 and seen.json()["counts"]["requirements"] == 5, user


def test_coverage_page(client):
    lab = new_department(client)
    _published(client)
    _catalogs(client)
    login(client, "supervisor")
    picker = client.get("/collection/coverage")
    assert picker.status_code == 200 and "请选择部门" in picker.text
    page = client.get(f"/collection/coverage?department_id={lab}")
    assert page.status_code == 200
    assert "缺少资源" in page.text and "住址" in page.text and "要求日期型，登记为字符型" in page.text
    login(client, "mca_user")
    denied = client.get(f"/collection/coverage?department_id={lab}", headers={"accept": "text/html"})
    assert denied.status_code == 403
    own = client.get("/collection/coverage")
    assert own.status_code == 200 and "婚姻登记信息" in own.text and "请选择部门" not in own.text
