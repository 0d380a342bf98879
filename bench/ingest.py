"""File-load benchmark (AGG-5): the platform's file load against the raw fast path, same rows, same run.

    python bench/ingest.py [--rows 1000000] [--postgres URL] [--no-postgres] [--keep]

1. generates a CSV of ``--rows`` rows × 12 columns of typical government data (姓名, 公民身份号码 with a valid
   GB 11643 check digit — the record key —, 手机号码, 性别, 出生日期, 登记时间, 补贴金额, 发放次数, 比例,
   行政区划代码, 状态, 备注), about 200 MB for a million rows;
2. for SQLite (a temporary file) and PostgreSQL (its own schema ``govdata_bench_ingest_<pid>``, dropped at the
   end; URL from --postgres, else GOVDATA_TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/test):
   builds the schema through the migrations, loads the demo city, registers and publishes a catalog entry with
   those 12 information items through the catalog services, then times, each in a child process of its own
   (so that peak memory is that of the load alone):
   a. the platform: ``aggregation.service.load_file`` — upload (SM3 of the file), mapping, streamed read,
      validation of every value (types, lengths, required, GB 11643 check digits, mobile numbers, dates,
      money), record keys, SM3 content hashes, the append-only upsert with versions, lineage and audit — as
      the department's data manager, mode all, one transaction;
   b. the raw fast path with no validation: Python's csv module + ``executemany`` of the 12 text columns into
      a plain table with the key as primary key, one transaction (SQLite); ``COPY … FROM STDIN`` of the file
      into such a table (PostgreSQL);
3. prints rows/s of both, the ratio platform/raw and the peak RSS of each child. Targets: ratio ≤ 3 on both
   databases; peak RSS of the platform load ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pgschema import temporary_schema  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

TARGET_RATIO = 3.0
TARGET_RSS_MB = 500.0
COLUMNS = ["姓名", "公民身份号码", "手机号码", "性别", "出生日期", "登记时间", "补贴金额", "发放次数", "比例", "行政区划代码",
           "状态", "备注"]
ITEMS = [
    {"name": "姓名", "field_code": "xm", "data_type": "C", "length": 50, "required": True, "sensitivity": "L2",
     "pii_kind": "姓名"},
    {"name": "公民身份号码", "field_code": "sfzh", "data_type": "C", "length": 18, "required": True, "is_key": True,
     "sensitivity": "L3", "pii_kind": "身份证件号码"},
    {"name": "手机号码", "field_code": "sjhm", "data_type": "C", "length": 11, "sensitivity": "L3",
     "pii_kind": "手机号码"},
    {"name": "性别", "field_code": "xb", "data_type": "C", "length": 2, "sensitivity": "L2"},
    {"name": "出生日期", "field_code": "csrq", "data_type": "D", "sensitivity": "L2"},
    {"name": "登记时间", "field_code": "djsj", "data_type": "T", "sensitivity": "L1"},
    {"name": "补贴金额", "field_code": "btje", "data_type": "Y", "sensitivity": "L2"},
    {"name": "发放次数", "field_code": "ffcs", "data_type": "I", "sensitivity": "L1"},
    {"name": "比例", "field_code": "bl", "data_type": "N", "length": 10, "sensitivity": "L1"},
    {"name": "行政区划代码", "field_code": "xzqh", "data_type": "C", "length": 12, "required": True,
     "sensitivity": "L1"},
    {"name": "状态", "field_code": "zt", "data_type": "C", "length": 10, "sensitivity": "L1"},
    {"name": "备注", "field_code": "bz", "data_type": "C", "length": 100, "sensitivity": "L1"},
]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉玲红梅鑫宇浩然子涵欣怡雨轩梓萱思远嘉豪")
REGIONS = ["411421", "411422", "411423", "411424", "411425", "411426", "411481", "411402", "411403"]
STATUSES = ["正常", "暂停", "终止", "待审核"]
NOTES = ["", "", "", "低保户", "特困供养", "残疾人两项补贴", "高龄津贴", "临时救助，已回访"]
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK = np.array(list("10X98765432"))


# --- data ----------------------------------------------------------------------------------------------


def generate(path: Path, rows: int, seed: int = 20261125) -> None:
    """Write ``rows`` rows of realistic, valid data; resident ID numbers are unique (the record key)."""
    rng = np.random.default_rng(seed)
    chunk = 200_000
    with pa.OSFile(str(path), "wb") as sink:
        writer = None
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            idx = np.arange(start, start + n)
            surname = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
            given = np.char.add(np.array(GIVEN)[rng.integers(0, len(GIVEN), n)],
                                np.where(rng.random(n) < 0.6, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], ""))
            names = np.char.add(surname, given)
            # (region, sequence, birth date) is unique for every row index: region = idx mod 9, sequence =
            # idx div 9 mod 1000, and the birth day a bijection of idx div 9000 over 80 years (7919 is prime to
            # 29200), so 身份证号 — the record key — never repeats
            birth = np.datetime64("1940-01-01") + (((idx // 9000) * 7919) % 29200).astype("timedelta64[D]")
            birth_text = np.datetime_as_string(birth, unit="D")
            region = np.array(REGIONS)[idx % len(REGIONS)]
            # 身份证号 body: region + birth yyyymmdd + 3-digit sequence; unique per row via (region, birth, seq)
            seq = (idx // len(REGIONS)) % 1000
            body = np.char.add(np.char.add(region, np.char.replace(birth_text, "-", "")),
                               np.char.zfill(seq.astype(str), 3))
            digits = np.frombuffer("".join(body.tolist()).encode(), dtype=np.uint8).reshape(n, 17) - 48
            check = CHECK[(digits * WEIGHTS).sum(axis=1) % 11]
            ids = np.char.add(body, check)
            phones = np.char.add(np.array(["13", "15", "18", "17", "19"])[rng.integers(0, 5, n)],
                                 np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9))
            sex = np.where(digits[:, 16] % 2 == 1, "男", "女")
            registered = (np.datetime64("2024-01-01T08:00:00") + rng.integers(0, 86400 * 600, n)
                          .astype("timedelta64[s]"))
            reg_text = np.char.replace(np.datetime_as_string(registered, unit="s"), "T", " ")
            amount = rng.integers(1000, 500000, n)
            amount_text = np.char.add(np.char.add((amount // 100).astype(str), "."),
                                      np.char.zfill((amount % 100).astype(str), 2))
            table = pa.table({
                "姓名": names, "公民身份号码": ids, "手机号码": phones, "性别": sex, "出生日期": birth_text,
                "登记时间": reg_text, "补贴金额": amount_text, "发放次数": rng.integers(1, 60, n).astype(str),
                "比例": np.char.add("0.", np.char.zfill(rng.integers(1, 100, n).astype(str), 2)),
                "行政区划代码": np.char.add(region, "000000"), "状态": np.array(STATUSES)[rng.integers(0, 4, n)],
                "备注": np.array(NOTES)[rng.integers(0, len(NOTES), n)],
            })
            if writer is None:
                writer = pacsv.CSVWriter(sink, table.schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
            writer.write_table(table)
        if writer is not None:
            writer.close()


def _unique_ids(path: Path) -> int:
    ids = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(include_columns=["公民身份号码"],
                                                                    column_types={"公民身份号码": pa.string()}))
    return len(ids.column(0).unique())


# --- databases -----------------------------------------------------------------------------------------


def prepare(url: str, schema: str | None) -> str:
    """Migrations, demo city, one published entry with the 12 items; returns its code."""
    from govdata import demo
    from govdata.catalog import service as catalog
    from govdata.catalog.schemas import ResourceCreate, ReviewDecision
    from govdata.config import Settings
    from govdata.core.db import make_engine, make_session_factory
    from govdata.core.migrate import upgrade
    from govdata.org.models import User
    from govdata.org.signin import actor_for
    from sqlalchemy import select

    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine, Settings(database_url=url))
    with sessions() as session:
        demo.load(session, catalog=False)
        session.commit()
        users = {u.username: u for u in session.scalars(select(User))}
        manager, reviewer, admin = (actor_for(users[n], "cli") for n in ("mca_user", "ps_reviewer", "admin"))
        manager = actor_for(users["ps_manager"], "cli")
        draft = ResourceCreate(name="城乡低保对象发放信息", classification_code="101",
                               summary="城乡最低生活保障对象的身份、发放金额和发放次数，由民政业务系统按月产生。",
                               format="数据库", share_type="有条件共享", share_condition="仅向承担社会救助职责的部门提供",
                               share_method="接口", legal_basis="《社会救助暂行办法》第十条", open_to_public=False,
                               update_cycle="每月", data_level="重要", items=ITEMS)
        entry = catalog.create_resource(session, manager, draft)
        catalog.submit_resource(session, manager, entry.code)
        catalog.review_resource(session, reviewer, entry.code, ReviewDecision(transition="pass"))
        catalog.review_resource(session, actor_for(users["admin"], "cli"), entry.code,
                                ReviewDecision(transition="approve"))
        session.commit()
        code = entry.code
    engine.dispose()
    return code


def child_platform(url: str, code: str, csv_path: str, home: str) -> dict[str, object]:
    from govdata.aggregation import service
    from govdata.config import Settings
    from govdata.core.db import make_engine, make_session_factory
    from govdata.org.models import User
    from govdata.org.signin import actor_for
    from sqlalchemy import select

    engine = make_engine(url)
    sessions = make_session_factory(engine, Settings(database_url=url, home=Path(home)))
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == "ps_manager"))
        assert user is not None
        start = time.perf_counter()
        load = service.load_file(session, actor_for(user, "cli"), code, Path(csv_path), mode="all")
        session.commit()
        elapsed = time.perf_counter() - start
        result = dict(load.result or {})
    engine.dispose()
    return {"seconds": elapsed, "inserted": result.get("inserted"), "rejected": result.get("rejected"),
            "status": result.get("status")}


def child_raw(url: str, csv_path: str) -> dict[str, object]:
    from govdata.core.db import make_engine

    engine = make_engine(url)
    columns = ", ".join(f'"{c}" TEXT' if c != "公民身份号码" else f'"{c}" TEXT PRIMARY KEY' for c in COLUMNS)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS raw_load")
        connection.exec_driver_sql(f"CREATE TABLE raw_load ({columns})")
    start = time.perf_counter()
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            with open(csv_path, encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                next(reader)
                marks = ", ".join("?" for _ in COLUMNS)
                cursor = connection.connection.driver_connection.cursor()
                cursor.executemany(f"INSERT INTO raw_load VALUES ({marks})", reader)
                cursor.close()
        else:
            raw = connection.connection.driver_connection
            with raw.cursor() as cursor, open(csv_path, "rb") as f:
                with cursor.copy("COPY raw_load FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                    while block := f.read(1 << 20):
                        copy.write(block)
    elapsed = time.perf_counter() - start
    with engine.begin() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM raw_load").scalar()
        connection.exec_driver_sql("DROP TABLE raw_load")
    engine.dispose()
    return {"seconds": elapsed, "inserted": count}


def _peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM): unlike ru_maxrss it starts afresh at exec, so the
    parent's memory at fork time does not count."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(kind: str, *args: str) -> dict[str, object]:
    """Run one load in a fresh interpreter; returns its figures plus its peak RSS in MB."""
    out = subprocess.run([sys.executable, __file__, "--child", kind, *args], capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        raise SystemExit(f"{kind} load failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(label: str, url: str, csv_path: Path, rows: int, home: Path) -> tuple[float, float]:
    code = prepare(url, None)
    raw = run_child("raw", url, str(csv_path))
    platform = run_child("platform", url, code, str(csv_path), str(home))
    if platform["status"] != "committed" or platform["inserted"] != rows or raw["inserted"] != rows:
        raise SystemExit(f"{label}: loads disagree: platform {platform}, raw {raw}")
    ratio = float(platform["seconds"]) / float(raw["seconds"])
    print(f"{label:<11} platform {platform['seconds']:7.2f} s {rows / platform['seconds']:>10,.0f} rows/s "
          f"peak RSS {platform['rss_mb']:6.1f} MB | raw {raw['seconds']:6.2f} s {rows / raw['seconds']:>10,.0f} rows/s "
          f"peak RSS {raw['rss_mb']:6.1f} MB | ratio {ratio:.2f} (target ≤ {TARGET_RATIO:.0f})", flush=True)
    return ratio, float(platform["rss_mb"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get("GOVDATA_TEST_POSTGRES_URL",
                                                             "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (CSV, SQLite file)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        figures = child_platform(*rest) if kind == "platform" else child_raw(*rest)
        figures["rss_mb"] = _peak_rss_mb()
        print(json.dumps(figures))
        return

    folder = Path(tempfile.mkdtemp(prefix="govdata-bench-ingest-"))
    csv_path = folder / "rows.csv"
    start = time.perf_counter()
    generate(csv_path, args.rows)
    unique = _unique_ids(csv_path)
    if unique != args.rows:
        raise SystemExit(f"generator made {args.rows - unique} duplicate keys")
    print(f"generated {args.rows:,} rows × {len(COLUMNS)} columns, {csv_path.stat().st_size / 1e6:.0f} MB, "
          f"in {time.perf_counter() - start:.1f} s ({dt.date.today()})", flush=True)
    results = [bench("SQLite", f"sqlite:///{folder / 'bench.db'}", csv_path, args.rows, folder / "home-sqlite")]
    if not args.no_postgres:
        with temporary_schema(args.postgres, "govdata_bench_ingest") as url:
            results.append(bench("PostgreSQL", url, csv_path, args.rows, folder / "home-pg"))
    met = all(r <= TARGET_RATIO and rss <= TARGET_RSS_MB for r, rss in results)
    print(f"targets (ratio ≤ {TARGET_RATIO:.0f}, peak RSS ≤ {TARGET_RSS_MB:.0f} MB): {'met' if met else 'NOT met'}")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
