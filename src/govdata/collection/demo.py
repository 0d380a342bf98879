"""Demo collection catalogs: a small 示范省 catalog and the 云川市 catalog, imported from spreadsheets through
the service, as the big data center would. Call ``load(session)`` after the demo city's departments exist.

All content is invented for demonstration, though shaped like real 采集目录: population, legal-person,
credit and certificate resources with the items a department must collect.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from govdata.collection import excel, service
from govdata.collection.models import CollectionCatalog
from govdata.collection.schemas import CatalogImport
from govdata.org import demo_people
from govdata.org.demo_data import CITY_CODE, DEPARTMENTS_BY_KEY, PROVINCE_CODE

# (department key, resource name, classification code, update cycle, [(item, data type, required)])
Requirement = tuple[str, str, str, str, list[tuple[str, str, bool]]]

PERSON = [("公民身份号码", "C", True), ("姓名", "C", True)]

CITY: list[Requirement] = [
    ("ps-city", "常住人口基本信息", "101", "实时",
     [*PERSON, ("性别", "C", True), ("民族", "C", True), ("出生日期", "D", True), ("住址", "C", True)]),
    ("ps-city", "户籍迁移信息", "101", "实时",
     [*PERSON, ("迁移类型", "C", True), ("迁出地址", "C", True), ("迁入地址", "C", True), ("迁移日期", "D", True)]),
    ("ps-city", "机动车驾驶人信息", "214", "每日",
     [*PERSON, ("驾驶证号", "C", True), ("准驾车型", "C", True), ("有效期至", "D", True)]),
    ("mca-city", "婚姻登记信息", "101", "实时",
     [("男方公民身份号码", "C", True), ("男方姓名", "C", True), ("女方公民身份号码", "C", True),
      ("女方姓名", "C", True), ("登记类型", "C", True), ("登记日期", "D", True), ("登记机关", "C", True)]),
    ("mca-city", "最低生活保障对象信息", "203", "每月",
     [*PERSON, ("住址", "C", True), ("保障人数", "I", True), ("保障金额", "Y", True), ("保障起始日期", "D", True)]),
    ("mca-city", "社会组织登记信息", "102", "每日",
     [("统一社会信用代码", "C", True), ("社会组织名称", "C", True), ("法定代表人", "C", True),
      ("登记日期", "D", True), ("住所", "C", False)]),
    ("hrss-city", "社会保险参保信息", "203", "每日",
     [*PERSON, ("险种", "C", True), ("参保状态", "C", True), ("参保日期", "D", True), ("手机号码", "C", False)]),
    ("hrss-city", "就业登记信息", "203", "每日",
     [*PERSON, ("用人单位名称", "C", True), ("统一社会信用代码", "C", True), ("就业登记日期", "D", True)]),
    ("amr-city", "市场主体登记信息", "102", "实时",
     [("统一社会信用代码", "C", True), ("企业名称", "C", True), ("法定代表人", "C", True), ("注册资本", "Y", True),
      ("成立日期", "D", True), ("住所", "C", True), ("经营范围", "M", False)]),
    ("amr-city", "行政处罚信息", "104", "每日",
     [("统一社会信用代码", "C", True), ("当事人名称", "C", True), ("处罚决定书文号", "C", True),
      ("处罚内容", "M", True), ("处罚决定日期", "D", True)]),
    ("hc-city", "出生医学证明信息", "105", "实时",
     [("出生医学证明编号", "C", True), ("新生儿姓名", "C", True), ("出生日期", "D", True),
      ("母亲公民身份号码", "C", True), ("父亲公民身份号码", "C", False)]),
    ("rer-city", "不动产登记信息", "103", "实时",
     [("不动产单元号", "C", True), ("不动产权证书号", "C", True), ("权利人名称", "C", True),
      ("权利人证件号码", "C", True), ("坐落", "C", True), ("面积", "N", True)]),
]

PROVINCE: list[Requirement] = [
    ("ps-city", "居民身份证签发信息", "105", "实时",
     [*PERSON, ("签发机关", "C", True), ("有效期起始日期", "D", True), ("有效期截止日期", "D", True)]),
    ("amr-city", "市场主体登记信息", "102", "实时",
     [("统一社会信用代码", "C", True), ("企业名称", "C", True), ("法定代表人", "C", True), ("成立日期", "D", True)]),
]


def workbook(requirements: list[Requirement]) -> bytes:
    """The spreadsheet of a catalog: departments by exact name, the first one also by credit code."""
    resources, items = [], []
    for n, (key, name, classification, cycle, fields) in enumerate(requirements, start=1):
        department = DEPARTMENTS_BY_KEY[key]
        resources.append((n, name, department["name"], department["credit_code"] if n == 1 else None,
                          classification, cycle))
        items.extend((n, item, data_type, "是" if required else "否") for item, data_type, required in fields)
    return excel.build_workbook(resources, items)


def load(session: Session) -> list[CollectionCatalog]:
    """Import the province's and the city's collection catalogs; returns them."""
    actor = demo_people.admin(session)  # the big data center keeps the collection catalogs
    catalogs: list[tuple[str, str, dt.date, list[Requirement]]] = [
        (PROVINCE_CODE, "示范省政务数据采集目录（2023年版）", dt.date(2023, 6, 1), PROVINCE),
        (CITY_CODE, "云川市政务数据采集目录（2024年版）", dt.date(2024, 3, 15), CITY),
    ]
    loaded = []
    for region_code, name, issued_on, requirements in catalogs:
        meta = CatalogImport(region_code=region_code, name=name, issued_on=issued_on)
        loaded.append(service.import_catalog(session, actor, meta, workbook(requirements),
                                             f"{name}.xlsx"))
    return loaded
