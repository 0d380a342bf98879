"""Catalog search benchmark (CAT-5): the platform's search against a plain LIKE '%q%' scan, same rows, same run.

    python bench/catalog_search.py [--rows 100000] [--queries 1000] [--postgres URL] [--no-postgres]

For SQLite (a temporary file) and PostgreSQL (its own schema ``govdata_bench_<pid>``, dropped at the end;
URL from --postgres, else GOVDATA_TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/test) it

1. builds the schema through the migrations and loads the demo city (departments, users) through the
   services;
2. generates ``--rows`` published catalog entries with realistic Chinese names, summaries and information
   items, and writes them straight into catalog_resources / catalog_versions / catalog_items (SQLite:
   executemany in one transaction; PostgreSQL: COPY). This bypasses what registering an entry through
   the services does — validation against the standard, code generation, the review workflow, audit
   entries — which is what makes 100,000 entries take seconds instead of hours; the rows are what those
   services would have written for a published entry;
3. builds the search index with the platform's own bulk code, ``govdata.catalog.search.rebuild`` (the same
   row building as ``search.reindex``, which the service calls on each publication);
4. times ``--queries`` searches of realistic terms through ``catalog.service.list_resources`` (what the
   API and pages call: total count plus the first page of 20, ordered by code, ORM objects loaded) as a data
   user of another department, and the same number of plain scans ``WHERE name || summary LIKE '%q%'``
   over the published versions (count plus first 20 ids) of the same rows, and prints p50 / p95 of each
   and their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from govdata import demo  # noqa: E402
from govdata.catalog import search, service  # noqa: E402
from govdata.catalog.models import Classification, Resource, ResourceItem, ResourceVersion  # noqa: E402
from govdata.catalog.schemas import ResourceFilter  # noqa: E402
from govdata.catalog.standard import METHODS_FOR_FORMAT, resource_code  # noqa: E402
from govdata.core.actor import Actor  # noqa: E402
from govdata.core.db import make_engine, make_session_factory  # noqa: E402
from govdata.core.migrate import upgrade  # noqa: E402
from govdata.org.models import Department, User  # noqa: E402

TARGET_P95_MS = 50.0

# --- realistic catalog text ------------------------------------------------------------------------
# subject -> (classification 项, subject words, information items)
SUBJECTS: list[tuple[str, list[str], list[str]]] = [
    ("101", ["户籍人口", "常住人口", "流动人口", "暂住人口", "出生人口", "死亡人口", "人口迁移", "居住证"],
     ["公民身份号码", "姓名", "性别", "民族", "出生日期", "户籍地址", "现住址", "迁入日期", "迁出原因"]),
    ("102", ["企业法人", "个体工商户", "农民专业合作社", "社会组织", "事业单位法人", "营业执照"],
     ["统一社会信用代码", "企业名称", "法定代表人", "注册资本", "成立日期", "经营范围", "登记机关", "住所"]),
    ("103", ["不动产登记", "土地利用现状", "地籍调查", "基础测绘", "地理空间", "国土空间规划", "矿产资源"],
     ["不动产单元号", "权利人", "坐落", "用途", "面积", "权利性质", "登记时间", "图斑编号"]),
    ("104", ["失信被执行人", "行政处罚", "信用评价", "守信激励", "严重违法失信", "信用承诺"],
     ["主体名称", "统一社会信用代码", "处罚决定书文号", "违法事实", "处罚结果", "处罚日期", "信用等级"]),
    ("105", ["身份证电子证照", "驾驶证电子证照", "结婚证电子证照", "营业执照电子证照", "不动产权证书", "学位证书"],
     ["证照编号", "持证主体", "颁发机构", "颁发日期", "有效期起", "有效期至", "证照状态"]),
    ("201", ["政务服务事项", "办件记录", "好差评", "便民服务", "一网通办", "公共法律服务"],
     ["事项编码", "事项名称", "办件编号", "申请人", "受理时间", "办结时间", "评价结果"]),
    ("202", ["医保参保", "医保结算", "定点医药机构", "疫苗接种", "出生医学证明", "传染病报告", "家庭医生签约"],
     ["参保人姓名", "医保编号", "就诊机构", "结算金额", "统筹支付", "个人支付", "接种日期", "疫苗批号"]),
    ("203", ["社保参保", "养老保险", "失业保险", "工伤保险", "最低生活保障", "特困供养", "残疾人补贴", "社保卡"],
     ["社会保障号码", "参保单位", "缴费基数", "缴费月份", "待遇类别", "发放金额", "发放日期", "救助对象"]),
    ("204", ["食品经营许可", "药品零售", "食品抽检", "餐饮服务", "保健食品", "医疗器械经营"],
     ["许可证编号", "经营者名称", "经营场所", "抽检批次", "检验结论", "不合格项目", "有效期至"]),
    ("205", ["安全生产许可", "危险化学品", "非煤矿山", "烟花爆竹经营", "特种作业人员", "隐患排查"],
     ["企业名称", "许可范围", "隐患描述", "整改期限", "整改状态", "检查人员", "检查日期"]),
    ("206", ["价格监测", "农产品价格", "收费公示", "成品油价格", "药品价格"], ["商品名称", "规格", "计量单位", "价格", "采价日期", "采价点"]),
    ("207", ["电力供应", "天然气供应", "能源消费", "充电设施", "光伏发电"], ["户号", "用电量", "用气量", "计量周期", "设施编号", "装机容量"]),
    ("208", ["公共信用信息", "信用修复", "红黑名单", "联合奖惩"], ["主体名称", "名单类型", "列入日期", "移出日期", "认定部门"]),
    ("209", ["建筑施工许可", "商品房预售", "住房公积金", "保障性住房", "城市管网", "物业服务企业"],
     ["项目名称", "建设单位", "施工单位", "预售许可证号", "公积金账号", "缴存余额", "贷款金额"]),
    ("210", ["网格化管理", "社区服务", "物业小区", "志愿服务", "居民议事"], ["网格编号", "网格员", "事件类型", "上报时间", "处置结果"]),
    ("211", ["空气质量", "水质监测", "排污许可", "噪声监测", "固体废物", "环境影响评价"],
     ["监测点位", "监测时间", "二氧化硫", "细颗粒物", "化学需氧量", "排放口编号", "超标倍数"]),
    ("212", ["应急预案", "应急物资", "自然灾害", "防汛抗旱", "森林防火", "避难场所"], ["物资名称", "储备数量", "存放地点", "灾害类型", "受灾人口", "直接经济损失"]),
    ("213", ["中小学学籍", "学校基本信息", "教师资格", "招生录取", "公共图书馆", "文物保护单位", "A级景区"],
     ["学籍号", "学校名称", "年级", "班级", "入学日期", "教师资格证号", "景区等级"]),
    ("214", ["机动车登记", "驾驶人信息", "交通违法", "道路运输", "公交线路", "出租汽车", "交通事故"],
     ["号牌号码", "车辆类型", "车辆识别代号", "驾驶证号", "违法时间", "违法地点", "线路编号", "准驾车型"]),
    ("215", ["市场主体", "特种设备", "计量器具", "产品质量抽查", "商标注册", "广告监测"],
     ["市场主体名称", "设备编号", "设备类别", "使用单位", "检验日期", "下次检验日期", "抽查结果"]),
]
KINDS = ["基本信息", "登记信息", "变更信息", "注销信息", "统计数据", "名录", "许可信息", "年度报告", "监测数据",
         "办理记录", "审批结果", "明细", "汇总表", "台账", "档案", "动态信息"]
PLACES = ["", "", "", "云川市", "青河县", "石桥县", "全市", "城区"]
PURPOSES = ["用于跨部门业务协同", "支撑一网通办", "用于社会治理和公共服务", "供政策制定和统计分析使用",
            "用于信用监管", "服务于应急管理", "用于惠民补贴发放核验", "支撑行政审批"]
SYSTEMS = ["业务管理系统", "综合信息平台", "审批系统", "监管平台", "登记系统", "数据中心"]
GENERIC_ITEMS = ["联系电话", "地址", "登记日期", "更新时间", "状态", "备注", "经办人", "所属区域"]
ASCII_WORDS = ["GIS", "API", "WMS", "CSV", "ETL", "5G", "IoT", "OCR"]
FORMAT_CHOICES = ["数据库"] * 5 + ["电子表格"] * 3 + ["服务接口"] * 2 + ["电子文件", "图形图像", "自描述格式"]
SHARE_CHOICES = ["无条件共享"] * 5 + ["有条件共享"] * 4 + ["暂不共享"]
CYCLES = ["实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期"]

# query terms: mostly two characters (how people search Chinese catalogs), then longer terms, then Latin
TERMS_2 = ["人口", "户籍", "社保", "医保", "低保", "企业", "学校", "车辆", "驾驶", "土地", "疫苗", "婚姻", "公积",
           "违法", "许可", "信用", "食品", "药品", "特种", "应急", "防汛", "景区", "学籍", "教师", "价格", "电力",
           "水质", "空气", "排污", "物资", "网格", "社区", "志愿", "处罚", "证照", "养老", "失业", "工伤", "残疾",
           "救助", "参保", "结算", "公交", "出租", "事故", "商标", "广告", "矿产", "测绘", "规划"]
TERMS_LONG = ["营业执照", "不动产", "住房公积金", "养老保险", "危险化学品", "出生医学证明", "统一社会信用代码",
              "公民身份号码", "机动车登记", "食品经营许可", "最低生活保障", "失信被执行人", "建筑施工许可", "空气质量",
              "交通违法", "商品房预售", "社保卡", "学位证书", "医疗器械", "特困供养", "好差评", "排放口编号"]
TERMS_ASCII = ["GIS", "API", "gis 空间", "API 接口", "5G", "OCR 证照", "CSV"]


def generate(n: int, departments: list[int], classes: dict[str, int], seed: int = 7) -> tuple[list, list, list]:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    resources, versions, items = [], [], []
    sequences: dict[str, int] = {}
    for rid in range(1, n + 1):
        cls, subjects, subject_items = rng.choice(SUBJECTS)
        subject = rng.choice(subjects)
        name = f"{rng.choice(PLACES)}{subject}{rng.choice(KINDS)}"
        if rng.random() < 0.03:
            name = f"{name}（{rng.choice(ASCII_WORDS)}）"
        chosen = rng.sample(subject_items, k=min(len(subject_items), rng.randint(3, 7)))
        chosen += rng.sample(GENERIC_ITEMS, k=rng.randint(0, 3))
        summary = (f"{name}，包括{'、'.join(chosen[:4])}等内容，由{rng.choice(SYSTEMS)}在业务办理中产生，"
                   f"{rng.choice(PURPOSES)}。")
        if rng.random() < 0.5:
            summary += f"数据覆盖{rng.choice(['全市', '各县区', '城区', '重点行业'])}，自{rng.randint(2005, 2024)}年起持续归集。"
        fmt = rng.choice(FORMAT_CHOICES)
        share = rng.choice(SHARE_CHOICES)
        sequences[cls] = sequences.get(cls, 0) + 1
        code = resource_code(cls, sequences[cls])
        department = rng.choice(departments)
        resources.append({"id": rid, "code": code, "department_id": department, "status": "published",
                          "published_version_id": rid, "draft_version_id": None, "created_by": "bench",
                          "published_at": now, "next_share_review_at": None, "created_at": now, "updated_at": now})
        versions.append({
            "id": rid, "resource_id": rid, "version_no": 1, "status": "published", "name": name,
            "classification_id": classes[cls], "summary": summary, "format": fmt, "share_type": share,
            "share_condition": "仅向有关职能部门提供" if share == "有条件共享" else None,
            "share_method": rng.choice(METHODS_FOR_FORMAT[fmt]),
            "legal_basis": "《政务数据资源管理办法》" if share != "无条件共享" else None,
            "open_to_public": share == "无条件共享" and rng.random() < 0.3, "open_condition": None,
            "update_cycle": rng.choice(CYCLES), "release_date": now.date(), "related_codes": [],
            "data_level": "一般", "secret_declared": False,
            "keywords": rng.choice(["", subject, f"{subject},{rng.choice(ASCII_WORDS)}"]) or None,
            "change_reason": None, "created_by": "bench", "submitted_at": now, "published_at": now,
            "created_at": now, "updated_at": now})
        for pos, item in enumerate(chosen):
            items.append({"version_id": rid, "position": pos, "name": item, "field_code": f"f{pos}",
                          "data_type": "C", "length": 50, "required": pos == 0, "is_key": pos == 0,
                          "sensitivity": "L1", "pii_kind": None, "shared": True, "description": None,
                          "created_at": now, "updated_at": now})
    return resources, versions, items


def query_terms(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        r = rng.random()
        out.append(rng.choice(TERMS_2 if r < 0.55 else TERMS_LONG if r < 0.92 else TERMS_ASCII))
    return out


# --- loading -----------------------------------------------------------------------------------------

def _copy(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY of plain rows (psycopg 3 adapts each Python value)."""
    import json

    columns = list(rows[0])
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if isinstance(v, list) else v for v in row.values()])


def load(engine: Any, rows: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    sessions = make_session_factory(engine)
    with sessions() as session:
        started = time.perf_counter()
        demo.load(session, catalog=False)  # departments and accounts only
        session.commit()
        departments = list(session.scalars(select(Department.id).order_by(Department.id)))
        classes = dict(session.execute(select(Classification.code, Classification.id)).all())
    started = time.perf_counter()
    resources, versions, items = generate(rows, departments, classes)
    timings["generate"] = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as conn:
        for model, data in ((Resource, resources), (ResourceVersion, versions), (ResourceItem, items)):
            if engine.dialect.name == "postgresql":
                _copy(conn, model.__table__, data)
            else:
                for start in range(0, len(data), 50_000):
                    conn.execute(insert(model.__table__), data[start:start + 50_000])
        if engine.dialect.name == "postgresql":
            for name in ("catalog_resources", "catalog_versions", "catalog_items"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
    timings["insert"] = time.perf_counter() - started
    timings["items"] = len(items)
    started = time.perf_counter()
    with sessions() as session:
        indexed = search.rebuild(session)
        session.commit()
    assert indexed == rows
    timings["index"] = time.perf_counter() - started
    with engine.begin() as conn:
        for name in ("catalog_resources", "catalog_versions", "catalog_items", "catalog_search"):
            conn.execute(text(f"ANALYZE {name}"))
    return timings


# --- timing ------------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_backend(label: str, url: str, rows: int, queries: int) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    timings = load(engine, rows)
    load_before = os.getloadavg()[0]
    sessions = make_session_factory(engine)
    terms = query_terms(queries)
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == "mca_user"))
        assert user is not None
        actor = Actor(kind="user", name=user.username, user_id=user.id, department_id=user.department_id,
                      roles=frozenset({"data_user"}))
        like_count = text("SELECT count(*) FROM catalog_versions v JOIN catalog_resources r "
                          "ON r.published_version_id = v.id WHERE v.name || v.summary LIKE :p")
        like_page = text("SELECT r.id FROM catalog_versions v JOIN catalog_resources r "
                         "ON r.published_version_id = v.id WHERE v.name || v.summary LIKE :p ORDER BY r.code LIMIT 20")
        for term in terms[:20]:  # warm the caches of both paths alike
            service.list_resources(session, actor, ResourceFilter(q=term))
            session.execute(like_count, {"p": f"%{term}%"}).scalar()
        searched, scanned, totals, like_totals = [], [], [], []
        for term in terms:
            started = time.perf_counter()
            page, total = service.list_resources(session, actor, ResourceFilter(q=term))
            searched.append((time.perf_counter() - started) * 1000)
            session.expunge_all()
            started = time.perf_counter()
            like_total = session.execute(like_count, {"p": f"%{term}%"}).scalar()
            session.execute(like_page, {"p": f"%{term}%"}).all()
            scanned.append((time.perf_counter() - started) * 1000)
            totals.append(total)
            like_totals.append(like_total)
        facet_times = []
        for term in terms[:100]:
            started = time.perf_counter()
            service.facets(session, actor, ResourceFilter(q=term))
            facet_times.append((time.perf_counter() - started) * 1000)
        session.rollback()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_total_relation_size('catalog_search')")).scalar()
    else:
        size = Path(engine.url.database).stat().st_size
    engine.dispose()
    return {"label": label, "timings": timings, "search": searched, "like": scanned, "facets": facet_times,
            "totals": totals, "like_totals": like_totals, "search_size": size,
            "load": (load_before + os.getloadavg()[0]) / 2}


def report(result: dict[str, Any], rows: int) -> bool:
    s, b, t = result["search"], result["like"], result["timings"]
    s50, s95, b50, b95 = percentile(s, 50), percentile(s, 95), percentile(b, 50), percentile(b, 95)
    f50, f95 = percentile(result["facets"], 50), percentile(result["facets"], 95)
    hits = statistics.median(result["totals"])
    superset = sum(1 for a, c in zip(result["totals"], result["like_totals"], strict=True) if a >= c)
    print(f"\n== {result['label']}: {rows:,} published entries, {int(t['items']):,} information items ==")
    print(f"load: generate {t['generate']:.1f} s, insert {t['insert']:.1f} s, "
          f"search index (search.rebuild) {t['index']:.1f} s"
          + (f", catalog_search incl. index {result['search_size'] / 2**20:.0f} MB" if result["label"] == "PostgreSQL"
             else f", database file {result['search_size'] / 2**20:.0f} MB"))
    print(f"{len(s)} queries, median {hits:.0f} matching entries per query; search found at least the LIKE "
          f"scan's matches in {superset}/{len(s)} queries (it also covers item names, keywords and code)")
    print(f"{'':34}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'platform search (list_resources)':34}{s50:>10.2f}{s95:>10.2f}")
    print(f"{'plain LIKE scan (name||summary)':34}{b50:>10.2f}{b95:>10.2f}")
    print(f"{'ratio search / LIKE':34}{s50 / b50:>10.3f}{s95 / b95:>10.3f}"
          f"   (search is {b50 / s50:.1f}x faster at p50, {b95 / s95:.1f}x at p95)")
    print(f"{'facets, 6 counts (100 queries)':34}{f50:>10.2f}{f95:>10.2f}")
    met = s95 <= TARGET_P95_MS
    print(f"target p95 <= {TARGET_P95_MS:.0f} ms: {'met' if met else 'MISSED'}; "
          f"load average during the run {result['load']:.1f}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--postgres", default=os.environ.get("GOVDATA_TEST_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    print(f"catalog search benchmark: {args.rows:,} entries, {args.queries:,} queries, {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run_backend("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.rows, args.queries))
    ok = report(results[0], args.rows)
    if not args.no_postgres:
        schema = f"govdata_bench_{os.getpid()}"
        admin = make_engine(args.postgres)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            sep = "&" if "?" in args.postgres else "?"
            url = f"{args.postgres}{sep}options=-csearch_path%3D{schema}"
            results.append(run_backend("PostgreSQL", url, args.rows, args.queries))
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()
        ok = report(results[1], args.rows) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
